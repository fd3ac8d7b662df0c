// What the portal shows of a case: its list entry, images and readings,
// signed reports, the patient's history, and a reading as term/value rows.
// Builders only (DOM nodes from API data); fetching stays in portal.js.
import { bandOf } from './decision.js';
import { element } from './page.js';
import { findingOf } from './reading_pairs.js';
import { reportChains } from './report_chain.js';

/** Case states in the patient's words. */
const STATUS_TEXT = {
  draft: 'draft (you can add images)',
  submitted: 'sent to your doctor',
  ai_read: 'read by the AI, waiting for a doctor',
  in_review: 'a doctor is reviewing it',
  reported: 'report signed',
};

/**
 * @param {string} status a case status from the API
 * @returns {string}
 */
export function statusText(status) {
  return STATUS_TEXT[status] ?? status;
}

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
 * One list item (a button) per case.
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
    ]);
    button.dataset.caseId = c.id;
    button.setAttribute('aria-current', String(c.id === current));
    button.addEventListener('click', () => onOpen(c.id));
    return element('li', {}, [button]);
  });
}

const RAN_ON = { browser: 'read in the browser,', server: 'read on the server,' };

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
 * One list item per image, with the readings of that image.
 *
 * @param {object[]} images from GET /cases/<id>/images/
 * @param {object[]} readings from GET /cases/<id>/readings/
 * @returns {HTMLElement[]}
 */
export function readingItems(images, readings) {
  if (!images.length) return [element('li', { textContent: 'None yet.' })];
  return images.map((image) => {
    const own = readings.filter((r) => r.image === image.id);
    const text = own.length
      ? own.map((r) => `${readingSummary(r)} (${r.model_name} ${r.model_version}, ${[RAN_ON[r.runs_on] ?? r.runs_on, r.backend].filter(Boolean).join(' ')})`).join('; ')
      : 'no reading yet';
    return element('li', { textContent: `${image.original_filename || `image ${image.id}`}: ${text}` });
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
      element('time', { dateTime: current.signed_at, textContent: new Date(current.signed_at).toLocaleDateString() }),
      `: ${current.amendment_reason}`,
    ]));
    article.append(...replaced.map((r) => element('details', { className: 'replaced-report' }, [
      element('summary', { textContent: `The report it replaced, signed on ${new Date(r.signed_at).toLocaleDateString()}` }),
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
 * The patient's timeline.
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
 * A reading in a few words: its label, or why there is none.
 *
 * @param {object} reading from the readings API
 * @returns {string}
 */
function readingSummary(reading) {
  if (reading.status === 'refused') return `not read: ${reading.refusal}`;
  return reading.label || reading.status;
}

const percent = (p) => `${(p * 100).toFixed(1)} %`;

/**
 * What a binary reading means, said plainly to a patient, by its band (or,
 * for packages without bands, by the decision).
 *
 * @param {{index: number}|null} band
 * @param {boolean} flagged at or above the threshold
 * @param {string} finding the positive label, e.g. "pneumonia"
 * @returns {string}
 */
export function plainMeaning(band, flagged, finding) {
  const index = band ? band.index : flagged ? 2 : 0;
  return [
    `The model found little sign of ${finding} in this image.`,
    `The model cannot tell from this image whether there are signs of ${finding}.`,
    `The model found signs that may mean ${finding} in this image.`,
  ][index];
}

/**
 * The rows every reading shows: the label, the probability of the finding with its band, and what it means.
 *
 * @param {{label: string, probability: number, score: number|null, flagged: boolean,
 *   band: object|null}} reading
 * @param {string|null} finding the positive label of a binary model ("pneumonia"); null for multi-class
 * @returns {[string, string][]}
 */
function findingRows({ label, probability, score, flagged, band }, finding) {
  if (score == null || !finding) return [['Reading', label], ['Probability', percent(probability)]];
  return [
    ['Reading', label],
    [`Probability of ${finding}`, band ? `${percent(score)} (${band.name})` : percent(score)],
    ['What this means', plainMeaning(band, flagged, finding)],
  ];
}

/**
 * Rows describing a reading made in this browser; a refused image has only why.
 *
 * @param {import('./model.js').Reading} reading
 * @param {number} totalMs decode, model and drawing
 * @param {object} metadata the model package's
 * @returns {[string, string][]}
 */
export function browserReadingRows(reading, totalMs, metadata) {
  const finding = metadata.positive_class == null ? null : metadata.label_names[metadata.positive_class];
  const first = reading.status === 'refused' ? [['Reading', `none. ${reading.refusal}`]] : findingRows(reading, finding);
  return [
    ...first,
    ['Model', `${reading.model.name} ${reading.model.version}`],
    ['Ran on', `this browser (${reading.backend})`],
    ['Time', `${totalMs.toFixed(0)} ms in all, model ${reading.latencyMs.toFixed(0)} ms`],
  ];
}

/** Why an image was read on the server rather than in the browser, in the patient's words. */
export const SERVER_REASONS = {
  chosen: 'you chose to have your images read on the server',
  model: 'the model could not run in this browser',
  file: 'this browser could not read the file',
};

/**
 * Rows describing a reading the server made instead of this browser; a refused image has only why.
 *
 * @param {object} reading from the readings API
 * @param {keyof SERVER_REASONS} reason
 * @param {object|null} metadata the model package's (null: unknown, then no band)
 * @returns {[string, string][]}
 */
export function serverReadingRows(reading, reason, metadata) {
  const first = reading.status === 'refused'
    ? [['Reading', `none. ${reading.refusal}`]]
    : findingRows({
      label: reading.label,
      probability: reading.probabilities[reading.label],
      score: reading.score,
      flagged: reading.flagged,
      band: metadata ? bandOf(reading.score, metadata) : null,
    }, findingOf(reading, metadata));
  return [
    ...first,
    ['Model', `${reading.model_name} ${reading.model_version}`],
    ['Ran on', `the server (${reading.backend}), because ${SERVER_REASONS[reason] ?? SERVER_REASONS.file}`],
    ['Time', `${Number(reading.latency_ms ?? 0).toFixed(0)} ms on the server`],
  ];
}
