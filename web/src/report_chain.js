// Signed reports grouped by correction: a report and the amendments that replaced it form one
// chain, shown as its latest signed report with the earlier ones behind it. Pure data, no DOM.

/**
 * @typedef {object} ReportChain
 * @property {object} current the signed report in force (no signed amendment replaces it)
 * @property {object[]} replaced the signed reports it replaced, newest first
 */

/**
 * Group the signed reports of a case into chains of amendments; drafts are left out.
 * Chains keep the order of their reports in force (the API's: oldest first).
 *
 * @param {object[]} reports from GET /cases/<id>/reports/ (each with `id`, `status`, `amends`)
 * @returns {ReportChain[]}
 */
export function reportChains(reports) {
  const signed = reports.filter((r) => r.status === 'signed');
  const byId = new Map(signed.map((r) => [r.id, r]));
  const replacedIds = new Set(signed.filter((r) => r.amends != null && byId.has(r.amends)).map((r) => r.amends));
  return signed.filter((r) => !replacedIds.has(r.id)).map((current) => {
    const replaced = [];
    const seen = new Set([current.id]);
    for (let r = byId.get(current.amends); r && !seen.has(r.id); r = byId.get(r.amends)) {
      seen.add(r.id);
      replaced.push(r);
    }
    return { current, replaced };
  });
}
