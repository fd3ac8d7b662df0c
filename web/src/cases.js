// What the portal shows of a case: its list entry, images and readings,
// signed reports, the patient's history, and a reading as term/value rows.
// Builders only (DOM nodes from API data); fetching stays in portal.js.

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
 * A DOM element with properties and children.
 *
 * @param {string} tag
 * @param {object} [props] assigned to the element (textContent, className, ...)
 * @param {(Node|string)[]} [children]
 * @returns {HTMLElement}
 */
export function element(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
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
      ? own.map((r) => `${r.label || r.status} (${r.model_name} ${r.model_version}, ${r.runs_on} ${r.backend})`).join('; ')
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

/**
 * Rows describing a reading the server made (the file could not be read here).
 *
 * @param {object} reading from the readings API
 * @returns {[string, string][]}
 */
export function serverReadingRows(reading) {
  return [
    ['Reading', reading.label],
    ['Probability', `${(reading.probabilities[reading.label] * 100).toFixed(1)} %`],
    ['Model', `${reading.model_name} ${reading.model_version}`],
    ['Ran on', `the server (${reading.backend}), because this browser could not read the file`],
    ['Time', `${Number(reading.latency_ms ?? 0).toFixed(0)} ms on the server`],
  ];
}
