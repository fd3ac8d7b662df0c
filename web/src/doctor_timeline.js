// The patient's timeline grouped by case, then by day: pure data, no DOM.

/**
 * @typedef {object} CaseTimeline
 * @property {number} caseId
 * @property {string} title
 * @property {{day: string, entries: object[]}[]} days newest first; `day` is the local date, YYYY-MM-DD
 */

/** The local calendar date of an ISO time, as YYYY-MM-DD. */
export function localDay(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * Group history entries by case (the case with the newest entry first), then by day (newest
 * first), keeping the entries' own order (the API's: newest first) inside a day.
 *
 * @param {{at: string, case_id: number, kind: string, summary: string}[]} entries from GET /patients/<id>/history/
 * @param {Map<number, string>} titles case titles by id (a case missing here is named by its number)
 * @returns {CaseTimeline[]}
 */
export function timelineByCaseAndDay(entries, titles) {
  const sorted = [...entries].sort((a, b) => new Date(b.at) - new Date(a.at));
  const cases = new Map();
  for (const entry of sorted) {
    if (!cases.has(entry.case_id)) {
      cases.set(entry.case_id, { caseId: entry.case_id, title: titles.get(entry.case_id) ?? `Case ${entry.case_id}`, days: [] });
    }
    const { days } = cases.get(entry.case_id);
    const key = localDay(entry.at);
    if (days.at(-1)?.day !== key) days.push({ day: key, entries: [] });
    days.at(-1).entries.push(entry);
  }
  return [...cases.values()];
}
