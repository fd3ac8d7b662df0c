// How often doctors agree with the AI, per model version: a horizontal bar chart drawn as SVG,
// and the same numbers as table rows (the chart is a picture; the table is what a screen reader reads).

const SVG = 'http://www.w3.org/2000/svg';
const FONT_PX = 14;
const LABEL_HEIGHT = 20;
const BAR_HEIGHT = 22;
const ROW_GAP = 14;
const AXIS_HEIGHT = 22;
const MIN_WIDTH = 240;
// A value label this wide or less fits beside its bar; longer bars carry it inside.
const VALUE_LABEL_PX = 130;

const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });

/** @param {number} rate between 0 and 1 */
export function formatRate(rate) {
  return percent.format(rate);
}

function svg(tag, attributes = {}, text = undefined) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function valueText(version) {
  return `${formatRate(version.agreement_rate)} · ${version.agrees} of ${version.reports}`;
}

/**
 * A bar per model version: its agreement rate on a 0–100 % scale, labelled with the counts.
 *
 * @param {Array<{model_name: string, model_version: string, agrees: number, disagrees: number,
 *   reports: number, agreement_rate: number}>} versions as GET /reports/agreement/ lists them
 * @param {number} width the pixel width to draw at (text stays at its real size on any screen)
 * @returns {SVGSVGElement}
 */
export function agreementChart(versions, width) {
  const plotWidth = Math.max(MIN_WIDTH, Math.floor(width)) - 2;
  const rowHeight = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP;
  const height = AXIS_HEIGHT + versions.length * rowHeight;
  const chart = svg('svg', {
    viewBox: `0 0 ${plotWidth + 2} ${height}`,
    width: plotWidth + 2,
    height,
    role: 'img',
    'aria-labelledby': 'agreement-chart-title',
    'font-size': FONT_PX,
    'font-family': 'system-ui, sans-serif',
  });
  chart.append(svg('title', { id: 'agreement-chart-title' },
    'Agreement rate per model version as bars; the numbers are in the table that follows.'));

  const plot = svg('g', { transform: 'translate(1, 0)' });
  for (const tick of [0, 0.5, 1]) {
    const x = tick * plotWidth;
    plot.append(svg('line', { x1: x, x2: x, y1: AXIS_HEIGHT - 4, y2: height, stroke: '#bbb', 'stroke-dasharray': tick === 0 ? '' : '3 3' }));
    const anchor = tick === 0 ? 'start' : tick === 1 ? 'end' : 'middle';
    plot.append(svg('text', { x, y: AXIS_HEIGHT - 8, 'text-anchor': anchor, fill: '#444' }, formatRate(tick)));
  }

  versions.forEach((version, index) => {
    const top = AXIS_HEIGHT + index * rowHeight;
    const barTop = top + LABEL_HEIGHT;
    const barWidth = version.agreement_rate * plotWidth;
    const row = svg('g', { class: 'version' });
    row.append(svg('title', {}, `${version.model_name} ${version.model_version}: ${formatRate(version.agreement_rate)} agree `
      + `(${version.agrees} of ${version.reports} reports; ${version.disagrees} disagree)`));
    row.append(svg('text', { x: 0, y: top + FONT_PX, fill: '#1a1a1a', 'font-weight': 600 },
      `${version.model_name} ${version.model_version}`));
    row.append(svg('rect', { x: 0, y: barTop, width: plotWidth, height: BAR_HEIGHT, fill: '#e6e6e6' }));
    row.append(svg('rect', {
      class: 'bar',
      x: 0,
      y: barTop,
      width: barWidth.toFixed(1),
      height: BAR_HEIGHT,
      fill: '#0b5fa5',
      'data-model': version.model_name,
      'data-version': version.model_version,
      'data-rate': version.agreement_rate,
      'data-agrees': version.agrees,
      'data-disagrees': version.disagrees,
    }));
    const inside = barWidth > plotWidth - VALUE_LABEL_PX;
    row.append(svg('text', {
      class: 'value',
      x: inside ? barWidth - 6 : barWidth + 6,
      y: barTop + BAR_HEIGHT / 2,
      'dominant-baseline': 'central',
      'text-anchor': inside ? 'end' : 'start',
      fill: inside ? '#fff' : '#1a1a1a',
    }, valueText(version)));
    plot.append(row);
  });
  chart.append(plot);
  return chart;
}

function cell(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (tag === 'th') element.scope = 'row';
  return element;
}

/**
 * The chart's numbers as table rows: model, version, agree, disagree, rate.
 *
 * @returns {HTMLTableRowElement[]}
 */
export function agreementRows(versions) {
  return versions.map((version) => {
    const row = document.createElement('tr');
    row.append(
      cell('th', version.model_name),
      cell('td', version.model_version),
      cell('td', String(version.agrees)),
      cell('td', String(version.disagrees)),
      cell('td', formatRate(version.agreement_rate)),
    );
    return row;
  });
}
