// Admin page: the drift watch. For the chosen model, per version and ISO week, four charts (score
// and brightness PSI against the version's validation reference, the share of images refused,
// agreement with doctors) with their thresholds, the weeks that breached in plain sentences, and
// every number in a table. Wires its own section of admin.html; `loadDrift` fills it.
import { api } from './api.js';
import { $, act, element, onSubmit, setStatus } from './page.js';
import { MEASURES, breachSentences, driftChart, driftRows } from './drift_chart.js';

const state = { report: null, width: 0 };

function versionBlock(version, weeks) {
  const id = `drift-${version.model}-${version.version}`.replace(/[^\w-]/g, '-');
  const reference = version.reference_split
    ? `Compared with ${version.reference_images} validation images: ${version.reference_split}.`
    : 'This version has no drift reference: its scores and brightness are not compared.';
  const charts = element('div', { className: 'drift-charts' });
  const block = element('article', { className: 'drift-version' }, [
    element('h3', { id, textContent: `${version.model} ${version.version}${version.active ? ' (active)' : ''}` }),
    element('p', { className: 'note', textContent: reference }),
    charts,
  ]);
  block.setAttribute('aria-labelledby', id);
  block.dataset.version = version.version;
  const width = Math.min(420, Math.max(220, ($('drift-versions').clientWidth || 880) / 2 - 16));
  charts.append(...MEASURES.map((measure) => element('div', { className: 'drift-chart-box' }, [driftChart(weeks, measure, width)])));
  return block;
}

function draw() {
  const report = state.report;
  const weeks = report.weeks;
  state.width = $('drift-versions').clientWidth;
  const withWeeks = report.versions.filter((version) => weeks.some((week) => week.model_version === version.version));
  $('drift-versions').replaceChildren(...withWeeks.map((version) => versionBlock(
    version, weeks.filter((week) => week.model_version === version.version),
  )));
  $('drift-table').tBodies[0].replaceChildren(...driftRows(weeks));
  const breaches = breachSentences(weeks);
  $('drift-breaches').replaceChildren(...breaches.map((text) => element('li', { textContent: text })));
  $('drift-verdict').textContent = !weeks.length
    ? `No real readings of ${report.model} yet: nothing to watch.`
    : breaches.length
      ? `${breaches.length} check${breaches.length === 1 ? '' : 's'} breached; the latest first:`
      : `No check breached in ${weeks.length} week${weeks.length === 1 ? '' : 's'} of readings.`;
}

/** Fill the model menu (models with readings first) and show the first one. */
export async function loadDrift() {
  const all = await api('/drift/');
  const read = new Set(all.weeks.map((week) => week.model_name));
  const names = [...new Set(all.versions.map((version) => version.model))]
    .sort((a, b) => Number(read.has(b)) - Number(read.has(a)) || a.localeCompare(b));
  const menu = $('drift-model');
  const chosen = menu.value;
  menu.replaceChildren(...names.map((name) => element('option', { value: name, textContent: name })));
  if (names.includes(chosen)) menu.value = chosen;
  if (names.length) await showModel(menu.value);
}

async function showModel(name) {
  state.report = await api(`/drift/?${new URLSearchParams({ model: name })}`);
  draw();
}

onSubmit('drift-filters', async () => {
  setStatus('Loading the drift watch…');
  await showModel($('drift-model').value);
  setStatus(`Drift watch of ${$('drift-model').value} loaded.`);
});

$('drift-model').addEventListener('change', () => act(() => showModel($('drift-model').value), $('drift-model')));

// Redraw at the new width, so the charts' text keeps its size on any screen.
new ResizeObserver(() => {
  if (state.report && $('drift-versions').clientWidth !== state.width) draw();
}).observe($('drift-versions'));
