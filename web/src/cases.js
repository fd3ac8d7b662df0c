// What the portal shows of a case: its list entry, images (as thumbnails) and readings,
// signed reports, the patient's history, and a reading: in plain words, with the technical
// details (model, where and how it ran, timings) behind a "Details" disclosure.
// Builders only (DOM nodes from API data); fetching stays in portal.js. The wording is in plain_words.js.
import { element } from './page.js';
import { caseDatesText, dateText, historyText, percent, plainReadingRows, readingLine, statusText } from './plain_words.js';
import { reportChains } from './report_chain.js';

export { plainMeaning, statusText } from './plain_words.js';

/**
 * `<dt>`/`<dd>` pairs for a `<dl>`.
 *
 * @param {[string, string][]} rows
 * @returns {HTMLElement[]}
 */
export function definitionList(rows) {
  return rows.flatMap(([term, value]) => [element('dt', { textContent: term }), element('dd', { textContent: value })]);
}

/**
 * One list item (a button) per case, with its state and when it was opened, sent and reported.
 *
 * @param {object[]} cases from GET /cases/
 * @param {{current: number|null, onOpen: (id: number) => void}} options
 * @returns {HTMLElement[]}
 */
export function caseListItems(cases, { current, onOpen }) {
  if (!cases.length) return [element('li', { textContent: 'No cases yet: open one below.' })];
  return cases.map((c) => {
    const button = element('button', { type: 'button' }, [
      `${c.title} — `, element('span', { className: 'badge', textContent: statusText(c.status) }),
      element('span', { className: 'case-dates', textContent: caseDatesText(c) }),
    ]);
    button.dataset.caseId = c.id;
    button.setAttribute('aria-current', String(c.id === current));
    button.addEventListener('click', () => onOpen(c.id));
    return element('li', {}, [button]);
  });
}

/**
 * A byte count as people read it.
 *
 * @param {number} bytes
 * @returns {string} e.g. "246.8 KB"
 */
export function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * A "Details" disclosure holding technical rows (model, where and how it ran, timings).
 *
 * @param {[string, string][]} rows
 * @returns {HTMLDetailsElement}
 */
export function detailsDisclosure(rows) {
  return element('details', { className: 'technical' }, [
    element('summary', { textContent: 'Details' }),
    element('dl', {}, definitionList(rows)),
  ]);
}

/**
 * A reading as shown on the page: plain rows, then the technical ones behind "Details".
 *
 * @param {[string, string][]} plain
 * @param {[string, string][]} technical
 * @returns {HTMLElement[]}
 */
export function readingBlock(plain, technical) {
  return [element('dl', {}, definitionList(plain)), detailsDisclosure(technical)];
}

const RAN_ON = { browser: 'in the browser', server: 'on the server' };

/**
 * What the server's check of a browser reading found, in a few words.
 *
 * @param {object} check the verification reading
 * @returns {string}
 */
function checkText(check) {
  if (check.status === 'pending' || check.status === 'running') return 'being checked';
  if (check.status === 'failed') return 'the check failed; your doctor can ask for another';
  return check.disagrees ? 'a different result: your doctor will look at both' : 'the same result';
}

/**
 * The technical rows of a stored reading, with the server's check of it when there is one.
 *
 * @param {object} r from the readings API
 * @param {object|null} [check] the server reading that verifies it
 * @returns {[string, string][]}
 */
function storedReadingDetails(r, check = null) {
  return [
    ['Model', `${r.model_name} ${r.model_version}`],
    ['Ran', [RAN_ON[r.runs_on] ?? r.runs_on, r.backend && `(${r.backend})`].filter(Boolean).join(' ')],
    ...(r.score != null ? [['Score', `${percent(r.score)}, threshold ${percent(r.threshold)}`]] : []),
    ...(r.latency_ms != null ? [['Time', `${Number(r.latency_ms).toFixed(0)} ms`]] : []),
    ...(check ? [['Checked on the server', checkText(check)]] : []),
  ];
}

/**
 * One list item per image: her image as a thumbnail (the server's preview), its name and date,
 * its AI readings in plain words with their details, and a button to withdraw it when allowed.
 *
 * @param {object[]} images from GET /cases/<id>/images/
 * @param {object[]} readings from GET /cases/<id>/readings/
 * @param {{metadataOf?: (reading: object) => object|null, canWithdraw?: boolean,
 *   onWithdraw?: (image: object, button: HTMLButtonElement) => void}} [options]
 * @returns {HTMLElement[]}
 */
export function readingItems(images, readings, { metadataOf = () => null, canWithdraw = false, onWithdraw } = {}) {
  if (!images.length) return [element('li', { textContent: 'None yet.' })];
  return images.map((image) => {
    const name = image.original_filename || `image ${image.id}`;
    const added = dateText(image.created_at);
    // The server's re-reading of a browser reading is a check of it, shown in its details.
    const own = readings.filter((r) => r.image === image.id && r.verifies == null);
    const checkOf = (r) => readings.find((check) => check.id === r.verification) ?? null;
    const readingNodes = own.length
      ? own.map((r) => element('div', { className: 'stored-reading' }, [
        element('p', {}, [element('strong', { textContent: 'AI reading: ' }), readingLine(r, metadataOf(r))]),
        detailsDisclosure(storedReadingDetails(r, checkOf(r))),
      ]))
      : [element('p', { textContent: 'Not read yet.' })];
    const text = element('div', { className: 'image-text' }, [
      element('p', { className: 'image-name', textContent: `${name}, added ${added}` }),
      ...readingNodes,
    ]);
    if (canWithdraw && onWithdraw) {
      const button = element('button', { type: 'button', className: 'secondary', textContent: 'Withdraw this image' });
      button.setAttribute('aria-label', `Withdraw this image, ${name}`);
      button.addEventListener('click', () => onWithdraw(image, button));
      text.append(element('p', {}, [button]));
    }
    const thumbnail = element('img', {
      className: 'thumbnail', src: `/api/v1/images/${image.id}/preview/`, alt: `Your image ${name}, added ${added}`,
      width: 96, height: 96,
    });
    return element('li', { className: 'image-item' }, [thumbnail, text]);
  });
}

/**
 * The signed reports (a patient is shown no drafts). An amended report is replaced by its
 * amendment, with the date and reason of the amendment; the earlier versions stay readable
 * behind a disclosure.
 *
 * @param {object[]} reports from GET /cases/<id>/reports/
 * @returns {HTMLElement[]}
 */
export function reportItems(reports) {
  const chains = reportChains(reports);
  if (!chains.length) return [element('p', { textContent: 'No signed report yet.' })];
  return chains.map(({ current, replaced }) => {
    const article = element('article', {}, reportBody(current));
    if (!replaced.length) return article;
    article.className = 'amended-report';
    article.prepend(element('p', { className: 'amended' }, [
      element('strong', { textContent: 'Amended on ' }),
      element('time', { dateTime: current.signed_at, textContent: dateText(current.signed_at) }),
      `: ${current.amendment_reason}`,
    ]));
    article.append(...replaced.map((r) => element('details', { className: 'replaced-report' }, [
      element('summary', { textContent: `The report it replaced, signed on ${dateText(r.signed_at)}` }),
      ...reportBody(r),
    ])));
    return article;
  });
}

/**
 * Findings, impression and who signed it when.
 *
 * @param {object} r a signed report
 * @returns {HTMLElement[]}
 */
function reportBody(r) {
  return [
    element('p', {}, [element('strong', { textContent: 'Findings: ' }), r.findings]),
    element('p', {}, [element('strong', { textContent: 'Impression: ' }), r.impression]),
    element('p', {
      className: 'note',
      textContent: `Signed by ${r.author?.full_name || r.author?.username} on ${new Date(r.signed_at).toLocaleString()}`,
    }),
  ];
}

/**
 * A patient's timeline as her doctor reads it.
 *
 * @param {object[]} entries from GET /patients/<id>/history/
 * @returns {HTMLElement[]}
 */
export function historyItems(entries) {
  if (!entries.length) return [element('li', { textContent: 'Nothing yet.' })];
  return entries.map((entry) => element('li', {}, [
    element('time', { dateTime: entry.at, textContent: new Date(entry.at).toLocaleString() }),
    ` — ${entry.kind.replace(/[._]/g, ' ')}: ${entry.summary}`,
  ]));
}

/**
 * The patient's own timeline, in plain words.
 *
 * @param {object[]} entries from GET /patients/<id>/history/
 * @param {object[]} [cases] her cases, to name an entry's case by its title
 * @returns {HTMLElement[]}
 */
export function patientHistoryItems(entries, cases = []) {
  if (!entries.length) return [element('li', { textContent: 'Nothing yet.' })];
  const titles = new Map(cases.map((c) => [c.id, c.title]));
  return entries.map((entry) => element('li', {}, [
    element('time', { dateTime: entry.at, textContent: new Date(entry.at).toLocaleString() }),
    ` — ${historyText(entry, titles.get(entry.case_id))}`,
  ]));
}

/** Why an image was read on the server rather than in the browser, in the patient's words. */
export const SERVER_REASONS = {
  chosen: 'you chose to have your images read on the server',
  model: 'the model could not run in this browser',
  file: 'this browser could not read the file',
};

/**
 * A reading made in this browser: plain rows, and the technical ones behind "Details".
 * A refused image has only why.
 *
 * @param {import('./model.js').Reading} reading
 * @param {number} totalMs decode, model and drawing
 * @param {object} metadata the model package's
 * @param {string} fileName
 * @returns {HTMLElement[]}
 */
export function browserReadingBlock(reading, totalMs, metadata, fileName) {
  const plain = reading.status === 'refused'
    ? [['Result', `Not read. ${reading.refusal}`]]
    : plainReadingRows({ ...reading, probabilities: reading.probabilitiesByLabel }, metadata);
  return readingBlock([['Image', fileName], ...plain, ['Where', 'read in this browser; nothing has been sent']], [
    ['Model', `${reading.model.name} ${reading.model.version}`],
    ['Ran on', `this browser (${reading.backend})`],
    ...(reading.score != null ? [['Score', `${percent(reading.score)}, threshold ${percent(reading.threshold)}`]] : []),
    ['Time', `${totalMs.toFixed(0)} ms in all, model ${reading.latencyMs.toFixed(0)} ms`],
  ]);
}

/**
 * A reading the server made instead of this browser: plain rows, and the technical ones behind
 * "Details". A refused image has only why.
 *
 * @param {object} reading from the readings API
 * @param {keyof SERVER_REASONS} reason
 * @param {object|null} metadata the model package's (null: unknown, then no band)
 * @param {string} fileName
 * @returns {HTMLElement[]}
 */
export function serverReadingBlock(reading, reason, metadata, fileName) {
  const plain = reading.status === 'refused'
    ? [['Result', `Not read. ${reading.refusal}`]]
    : plainReadingRows(reading, metadata);
  const where = `read on the server, because ${SERVER_REASONS[reason] ?? SERVER_REASONS.file}`;
  return readingBlock([['Image', fileName], ...plain, ['Where', where]], storedReadingDetails(reading));
}
