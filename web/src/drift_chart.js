// The drift watch of one model version as four small SVG line charts, one per measure, week by week,
// with the warning threshold dashed and the breach threshold solid; a week that breached is a red
// square. The same numbers go into a table (the charts are pictures; the table is what a screen
// reader reads), built by driftRows.

const SVG = 'http://www.w3.org/2000/svg';
const FONT_PX = 13;
const HEIGHT = 150;
const PAD = { top: 30, right: 24, bottom: 26, left: 44 };
// PSI beyond this is drawn at the top edge, with its number beside the point.
const PSI_AXIS_MAX = 1;
const MIN_WIDTH = 220;
const COLOURS = { ok: '#0b5fa5', warn: '#b35900', breach: '#c0001a', too_few: '#888', no_reference: '#888' };

/** The four charts: which check, its title, and whether a higher value is worse. */
export const MEASURES = [
  { check: 'score', title: 'Score PSI (against validation)', higherIsWorse: true, percent: false },
  { check: 'intensity', title: 'Brightness PSI (against validation)', higherIsWorse: true, percent: false },
  { check: 'refusals', title: 'Refused by the model', higherIsWorse: true, percent: true },
  { check: 'agreement', title: 'Doctors agree', higherIsWorse: false, percent: true },
];

const LEVEL_WORDS = { ok: 'ok', warn: 'warning', breach: 'BREACH', too_few: 'too few to judge', no_reference: 'no reference' };
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 0 });

function svg(tag, attributes = {}, text = undefined) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {{value: number|null}} check @param {boolean} asPercent */
export function valueText(check, asPercent) {
  if (check.value === null || check.value === undefined) return '–';
  return asPercent ? percent.format(check.value) : check.value.toFixed(2);
}

/** The week's check called `name`. */
export function checkOf(week, name) {
  return week.checks.find((check) => check.name === name);
}

/**
 * One measure over the weeks of one version.
 *
 * @param {Array<object>} weeks one version's weeks, oldest first, as GET /drift/ lists them
 * @param {{check: string, title: string, higherIsWorse: boolean, percent: boolean}} measure
 * @param {number} width pixels to draw at
 * @returns {SVGSVGElement}
 */
export function driftChart(weeks, measure, width) {
  const plotWidth = Math.max(MIN_WIDTH, Math.floor(width)) - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const checks = weeks.map((week) => checkOf(week, measure.check));
  const thresholds = [checks[0]?.warn_at ?? 0, checks[0]?.breach_at ?? 0];
  const values = checks.map((check) => check.value).filter((value) => value !== null);
  const top = measure.percent ? 1 : Math.min(PSI_AXIS_MAX, Math.max(0.3, ...values, ...thresholds) * 1.15);
  const x = (index) => PAD.left + (weeks.length === 1 ? plotWidth / 2 : (index * plotWidth) / (weeks.length - 1));
  const y = (value) => PAD.top + plotHeight - (Math.min(value, top) / top) * plotHeight;
  const chart = svg('svg', {
    viewBox: `0 0 ${plotWidth + PAD.left + PAD.right} ${HEIGHT}`,
    width: plotWidth + PAD.left + PAD.right,
    height: HEIGHT,
    role: 'img',
    class: 'drift-chart',
    'data-check': measure.check,
    'font-size': FONT_PX,
    'font-family': 'system-ui, sans-serif',
  });
  chart.append(svg('title', {}, `${measure.title}, week by week; the numbers are in the table that follows.`));
  chart.append(svg('text', { x: PAD.left, y: 14, fill: '#1a1a1a', 'font-weight': 600 }, measure.title));
  chart.append(svg('line', { x1: PAD.left, x2: PAD.left + plotWidth, y1: y(0), y2: y(0), stroke: '#bbb' }));
  chart.append(svg('text', { x: PAD.left - 6, y: y(0), 'text-anchor': 'end', 'dominant-baseline': 'central', fill: '#444' },
    measure.percent ? '0%' : '0'));
  const [warnAt, breachAt] = thresholds;
  for (const [value, kind] of [[warnAt, 'warn'], [breachAt, 'breach']]) {
    chart.append(svg('line', {
      class: `threshold ${kind}`, x1: PAD.left, x2: PAD.left + plotWidth, y1: y(value), y2: y(value),
      stroke: COLOURS[kind], 'stroke-dasharray': kind === 'warn' ? '4 3' : '', 'stroke-width': 1,
    }));
    chart.append(svg('text', { x: PAD.left - 6, y: y(value), 'text-anchor': 'end', 'dominant-baseline': 'central', fill: COLOURS[kind] },
      measure.percent ? percent.format(value) : value.toFixed(1)));
  }
  const points = checks.map((check, index) => (check.value === null ? null : [x(index), y(check.value)]));
  const path = points.filter(Boolean).map(([px, py], index) => `${index ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
  if (path) chart.append(svg('path', { d: path, fill: 'none', stroke: '#555', 'stroke-width': 1.5 }));
  weeks.forEach((week, index) => {
    const check = checks[index];
    chart.append(svg('text', { x: x(index), y: HEIGHT - 8, 'text-anchor': 'middle', fill: '#444' }, week.week.slice(5)));
    if (!points[index]) return;
    const [px, py] = points[index];
    const mark = check.level === 'breach'
      ? svg('rect', { x: px - 5, y: py - 5, width: 10, height: 10, fill: COLOURS.breach })
      : svg('circle', { cx: px, cy: py, r: 4, fill: COLOURS[check.level] });
    mark.setAttribute('class', `week ${check.level}`);
    mark.setAttribute('data-week', week.week);
    mark.append(svg('title', {}, `${week.week}: ${check.says}`));
    chart.append(mark);
    if (check.level === 'breach' || check.value > top) {
      chart.append(svg('text', { class: 'value', x: px, y: py - 9, 'text-anchor': index === weeks.length - 1 ? 'end' : 'middle', fill: COLOURS[check.level] },
        valueText(check, measure.percent)));
    }
  });
  return chart;
}

function cell(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (tag === 'th') node.scope = 'row';
  return node;
}

/**
 * The charts' numbers as table rows: version, week, readings, then each check's value and verdict.
 *
 * @returns {HTMLTableRowElement[]}
 */
export function driftRows(weeks) {
  return weeks.map((week) => {
    const row = document.createElement('tr');
    row.dataset.week = week.week;
    row.append(cell('th', `${week.model_version} ${week.week}`), cell('td', String(week.readings)));
    for (const name of ['score', 'intensity', 'size', 'refusals', 'agreement']) {
      const check = checkOf(week, name);
      const asPercent = name === 'refusals' || name === 'agreement';
      row.append(cell('td', `${valueText(check, asPercent)} (${LEVEL_WORDS[check.level]})`));
    }
    return row;
  });
}

/**
 * Plain sentences for the weeks that breached, latest first: which version, which week, which check.
 *
 * @returns {string[]}
 */
export function breachSentences(weeks) {
  return weeks.filter((week) => week.breaches.length).reverse().flatMap((week) => week.checks
    .filter((check) => check.level === 'breach')
    .map((check) => `${week.model_name} ${week.model_version}, week ${week.week}: the ${check.name} check breached. ${check.says}`));
}
