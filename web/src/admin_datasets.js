// Admin page: research datasets. Export the signed reports of consenting patients of one exam
// type as a de-identified dataset on the server (POST /api/v1/datasets/), see what it holds and
// what was left out, and list the datasets already there (GET). Wires its own section of
// admin.html; `loadDatasets` fills it.
import { api } from './api.js';
import { definitionList } from './cases.js';
import { inSentence } from './exam_types.js';
import { $, element, onSubmit, setStatus } from './page.js';
import { countText, exportSentence, labelCountsText, summaryRows, wasThere } from './dataset_summary.js';

const state = { datasets: [], examTypes: new Map() };

function examTypeName(code) {
  return state.examTypes.get(code) ?? code;
}

function datasetRow(dataset) {
  const row = element('tr', {}, [
    element('th', { scope: 'row', textContent: dataset.name }),
    element('td', { textContent: dataset.version }),
    element('td', { textContent: examTypeName(dataset.exam_type) }),
    element('td', { textContent: String(dataset.examples) }),
    element('td', { textContent: labelCountsText(dataset) }),
  ]);
  row.dataset.name = dataset.name;
  row.dataset.version = dataset.version;
  return row;
}

async function loadList() {
  state.datasets = await api('/datasets/');
  $('datasets-table').tBodies[0].replaceChildren(...state.datasets.map(datasetRow));
  $('datasets-table').hidden = state.datasets.length === 0;
  $('datasets-empty').hidden = state.datasets.length > 0;
}

/** Fill the exam type menu (the exam types the installed models read) and the list of datasets. */
export async function loadDatasets() {
  const packages = await api('/models/');
  state.examTypes = new Map(packages.filter((p) => p.exam_type).map((p) => [p.exam_type, p.exam_type_label ?? p.exam_type]));
  const menu = $('datasets-exam-type');
  const chosen = menu.value;
  const types = [...state.examTypes].sort(([, a], [, b]) => a.localeCompare(b));
  menu.replaceChildren(...types.map(([code, label]) => element('option', { value: code, textContent: label })));
  if (state.examTypes.has(chosen)) menu.value = chosen;
  $('datasets-export').disabled = types.length === 0;
  await loadList();
}

function showResult(summary, already) {
  const id = 'datasets-result-title';
  const result = $('datasets-result');
  result.replaceChildren(
    element('h3', { id, textContent: `${summary.name} ${summary.version}` }),
    element('p', { className: 'datasets-sentence', textContent: exportSentence(summary, already) }),
    element('dl', { className: 'datasets-counts' }, definitionList(summaryRows(summary))),
  );
  result.setAttribute('aria-labelledby', id);
  result.dataset.version = summary.version;
  result.dataset.already = String(already);
  result.hidden = false;
}

onSubmit('datasets-form', async (form) => {
  const fields = Object.fromEntries(new FormData(form).entries());
  const body = { exam_type: fields.exam_type };
  if (fields.signed_until) body.signed_until = fields.signed_until;
  if (fields.name.trim()) body.name = fields.name.trim();
  const button = $('datasets-export');
  const before = state.datasets;
  $('datasets-result').hidden = true;
  button.disabled = true; // one export at a time: it runs inside the request
  try {
    setStatus(`Exporting the signed ${inSentence(examTypeName(body.exam_type))} reports of consenting patients… `
      + 'This takes a few seconds per hundred images.');
    const summary = await api('/datasets/', { method: 'POST', json: body });
    const already = wasThere(summary, before);
    showResult(summary, already);
    await loadList();
    setStatus(already
      ? `Already there: ${summary.name} ${summary.version}, nothing new written.`
      : `Exported ${summary.name} ${summary.version}: ${countText(summary.examples, 'example')}.`);
  } finally {
    button.disabled = false;
  }
});
