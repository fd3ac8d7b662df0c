// What the portal shows of a case: its list entry, images and readings,
// signed reports, the patient's history, and a reading as term/value rows.
// Builders only (DOM nodes from API data); fetching stays in portal.js.
import { element } from './page.js';

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
      ? own.map((r) => `${r.label || r.status} (${r.model_name} ${r.model_version}, ${RAN_ON[r.runs_on] ?? r.runs_on} ${r.backend})`).join('; ')
      : 'no reading yet';
    return element('li', { textContent: `${image.original_filename || `image ${image.id}`}: ${text}` });
  });
}

/**
 * The signed reports (a patient is shown no drafts).
 *
 * @param {object[]} reports from GET /cases/<id>/reports/
 * @returns {HTMLElement[]}
 */
export function reportItems(reports) {
  const signed = reports.filter((r) => r.status === 'signed');
  if (!signed.length) return [element('p', { textContent: 'No signed report yet.' })];
  return signed.map((r) => element('article', {}, [
    element('p', {}, [element('strong', { textContent: 'Findings: ' }), r.findings]),
    element('p', {}, [element('strong', { textContent: 'Impression: ' }), r.impression]),
    element('p', {
      className: 'note',
      textContent: `Signed by ${r.author?.full_name || r.author?.username} on ${new Date(r.signed_at).toLocaleString()}`,
    }),
  ]));
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
 * Rows describing a reading made in this browser.
 *
 * @param {import('./model.js').Reading} reading
 * @param {number} totalMs decode, model and drawing
 * @returns {[string, string][]}
 */
export function browserReadingRows(reading, totalMs) {
  return [
    ['Reading', reading.label],
    ['Probability', `${(reading.probability * 100).toFixed(1)} %`],
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
 * Rows describing a reading the server made instead of this browser.
 *
 * @param {object} reading from the readings API
 * @param {keyof SERVER_REASONS} reason
 * @returns {[string, string][]}
 */
export function serverReadingRows(reading, reason) {
  return [
    ['Reading', reading.label],
    ['Probability', `${(reading.probabilities[reading.label] * 100).toFixed(1)} %`],
    ['Model', `${reading.model_name} ${reading.model_version}`],
    ['Ran on', `the server (${reading.backend}), because ${SERVER_REASONS[reason] ?? SERVER_REASONS.file}`],
    ['Time', `${Number(reading.latency_ms ?? 0).toFixed(0)} ms on the server`],
  ];
}
