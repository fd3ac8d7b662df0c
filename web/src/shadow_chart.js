// A candidate in shadow against the active version: for agreement with doctors, sensitivity and
// specificity, each version's rate as a dot on its 95% interval, on one 0–100% scale, drawn as SVG.
// The same numbers are in the table beside it (the chart is a picture; the table is what a
// screen reader reads).

const SVG = 'http://www.w3.org/2000/svg';
const FONT_PX = 14;
const LABEL_WIDTH = 200;
const ROW_HEIGHT = 24;
const GROUP_GAP = 12;
const AXIS_HEIGHT = 22;
const MIN_WIDTH = 320;
const COLOURS = { active: '#555', candidate: '#0b5fa5' };

export const MEASURES = [
  ['agreement', 'Agreement with doctors'],
  ['sensitivity', 'Sensitivity'],
  ['specificity', 'Specificity'],
];

const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 0 });

function svg(tag, attributes = {}, text = undefined) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * "83% (5 of 6; 95% CI 44%–97%)", or "no cases" when there is nothing to count.
 *
 * @param {{hits: number, total: number, rate: number|null, low: number|null, high: number|null}|null} proportion
 * @returns {string}
 */
export function proportionText(proportion) {
  if (!proportion || !proportion.total) return 'no cases';
  return `${percent.format(proportion.rate)} (${proportion.hits} of ${proportion.total}; 95% CI `
    + `${percent.format(proportion.low)}–${percent.format(proportion.high)})`;
}

/**
 * The measures both versions have, each as two rows (active, then candidate).
 *
 * @param {object} comparison as GET /models/<name>/shadow/<version>/comparison/ answers
 * @returns {Array<{key: string, label: string, rows: Array<{side: string, version: string, proportion: object}>}>}
 */
export function measureRows(comparison) {
  return MEASURES.filter(([key]) => comparison.active[key] && comparison.candidate[key]).map(([key, label]) => ({
    key,
    label,
    rows: ['active', 'candidate'].map((side) => ({ side, version: comparison[side].version, proportion: comparison[side][key] })),
  }));
}

/**
 * @param {object} comparison as the comparison endpoint answers
 * @param {number} width the pixel width to draw at
 * @returns {SVGSVGElement}
 */
export function shadowChart(comparison, width) {
  const groups = measureRows(comparison);
  const total = Math.max(MIN_WIDTH, Math.floor(width));
  const plotWidth = total - LABEL_WIDTH - 12;
  const height = AXIS_HEIGHT + groups.length * (FONT_PX + 6 + 2 * ROW_HEIGHT + GROUP_GAP);
  const titleId = `shadow-chart-title-${comparison.model_name}-${comparison.candidate_version}`;
  const chart = svg('svg', {
    viewBox: `0 0 ${total} ${height}`, width: total, height, role: 'img', 'aria-labelledby': titleId,
    'font-size': FONT_PX, 'font-family': 'system-ui, sans-serif', class: 'shadow-chart',
  });
  chart.append(svg('title', { id: titleId },
    `${comparison.model_name} ${comparison.candidate_version} against ${comparison.active_version}: `
    + 'rates with 95% intervals; the numbers are in the table that follows.'));
  const x = (value) => LABEL_WIDTH + value * plotWidth;
  for (const tick of [0, 0.5, 1]) {
    chart.append(svg('line', { x1: x(tick), x2: x(tick), y1: AXIS_HEIGHT - 4, y2: height, stroke: '#bbb', 'stroke-dasharray': tick ? '3 3' : '' }));
    const anchor = tick === 0 ? 'start' : tick === 1 ? 'end' : 'middle';
    chart.append(svg('text', { x: x(tick), y: AXIS_HEIGHT - 8, 'text-anchor': anchor, fill: '#444' }, percent.format(tick)));
  }
  let top = AXIS_HEIGHT;
  for (const group of groups) {
    chart.append(svg('text', { x: 0, y: top + FONT_PX, fill: '#1a1a1a', 'font-weight': 600 }, group.label));
    top += FONT_PX + 6;
    for (const row of group.rows) {
      const middle = top + ROW_HEIGHT / 2;
      const g = svg('g', { class: 'interval', 'data-measure': group.key, 'data-side': row.side, 'data-version': row.version });
      const name = `${row.side === 'active' ? 'Active' : 'Candidate'} ${row.version}`;
      g.append(svg('title', {}, `${group.label}, ${name}: ${proportionText(row.proportion)}`));
      g.append(svg('text', { x: 8, y: middle, 'dominant-baseline': 'central', fill: COLOURS[row.side] }, name));
      const p = row.proportion;
      if (p.total) {
        g.append(svg('line', { x1: x(p.low).toFixed(1), x2: x(p.high).toFixed(1), y1: middle, y2: middle, stroke: COLOURS[row.side], 'stroke-width': 3 }));
        g.append(svg('circle', { cx: x(p.rate).toFixed(1), cy: middle, r: 5, fill: COLOURS[row.side] }));
      } else {
        g.append(svg('text', { x: x(0) + 4, y: middle, 'dominant-baseline': 'central', fill: '#444' }, 'no cases'));
      }
      chart.append(g);
      top += ROW_HEIGHT;
    }
    top += GROUP_GAP;
  }
  return chart;
}
