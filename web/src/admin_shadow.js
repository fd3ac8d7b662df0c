// Admin page: candidate versions in shadow. Put an installed, inactive version in shadow (it reads
// every new case beside the active one, apart and never shown), compare it with the active version
// on the cases doctors signed, list where they differ, then promote it or stop. Every action asks
// for a reason, kept in the audit log. Wires its own section of admin.html; `loadShadow` fills it.
import { api } from './api.js';
import { $, act, element, onSubmit, setStatus } from './page.js';
import { measureRows, proportionText, shadowChart } from './shadow_chart.js';

const LEFT_OUT = {
  no_label: 'the report names no label',
  no_image: 'no compared image',
  no_active_reading: 'no reading by the active version',
};

const modelPath = (name) => `/models/${encodeURIComponent(name)}`;
const candidatePath = (c) => `${modelPath(c.name)}/shadow/${encodeURIComponent(c.version)}`;

function readingText(reading) {
  return reading.score === null ? reading.label : `${reading.label} (${reading.score.toFixed(2)})`;
}

function caseLink(caseId) {
  // The Django admin's read-only case page, audited like every read there.
  return element('a', { href: `/admin/cases/case/${caseId}/change/`, textContent: `Case ${caseId}` });
}

function numbersTable(comparison) {
  const rows = measureRows(comparison).flatMap((group) => group.rows.map((row) => element('tr', {}, [
    element('th', { scope: 'row', textContent: group.label }),
    element('td', { textContent: `${row.side === 'active' ? 'Active' : 'Candidate'} ${row.version}` }),
    element('td', { textContent: proportionText(row.proportion) }),
  ])));
  return element('table', { className: 'shadow-numbers' }, [
    element('caption', { textContent: 'Rates with 95% Wilson intervals' }),
    element('thead', {}, [element('tr', {}, ['Measure', 'Version', 'Rate'].map((text) => element('th', { scope: 'col', textContent: text })))]),
    element('tbody', {}, rows),
  ]);
}

function disagreementTable(comparison) {
  if (!comparison.disagreements.length) {
    return element('p', { className: 'shadow-no-disagreements', textContent: 'Both versions and the doctors agree on every compared case.' });
  }
  const rows = comparison.disagreements.map((row) => {
    const tr = element('tr', {}, [
      element('td', {}, [caseLink(row.case)]),
      element('td', { textContent: String(row.image) }),
      element('td', { textContent: row.doctor_label }),
      element('td', { textContent: readingText(row.active) }),
      element('td', { textContent: readingText(row.candidate) }),
    ]);
    tr.dataset.case = String(row.case);
    return tr;
  });
  return element('table', { className: 'shadow-disagreements' }, [
    element('caption', { textContent: 'Cases to review: the versions differ, or one differs from the doctor' }),
    element('thead', {}, [element('tr', {}, ['Case', 'Image', 'Doctor', `Active ${comparison.active_version}`, `Candidate ${comparison.candidate_version}`]
      .map((text) => element('th', { scope: 'col', textContent: text })))]),
    element('tbody', {}, rows),
  ]);
}

function summaryText(comparison) {
  const leftOut = Object.entries(comparison.left_out).filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} left out: ${LEFT_OUT[reason] ?? reason}`);
  const compared = `${comparison.compared} signed case${comparison.compared === 1 ? '' : 's'} compared`;
  return [compared, ...leftOut].join('; ') + '.';
}

function askReason(question) {
  // The question is the confirmation: Cancel changes nothing; a blank answer is refused by the API.
  const reason = window.prompt(`${question}\n\nWhy? Your reason is kept in the audit log with your name.`, '');
  return reason;
}

async function promote(candidate) {
  const reason = askReason(`Make ${candidate.name} ${candidate.version} the active version? New server readings will use it, and its shadow ends.`);
  if (reason === null) return;
  setStatus(`Promoting ${candidate.name} ${candidate.version}…`);
  await api(`${candidatePath(candidate)}/promote/`, { method: 'POST', json: { reason } });
  document.dispatchEvent(new CustomEvent('shadow-promoted')); // the models section shows the new active version
  await loadShadow();
  setStatus(`${candidate.name} ${candidate.version} is now active. The version it replaced can be put in shadow.`);
}

async function stop(candidate) {
  const reason = askReason(`Stop reading new cases with ${candidate.name} ${candidate.version} in shadow?`);
  if (reason === null) return;
  await api(`${candidatePath(candidate)}/stop/`, { method: 'POST', json: { reason } });
  await loadShadow();
  setStatus(`${candidate.name} ${candidate.version} is no longer in shadow.`);
}

async function candidateArticle(candidate) {
  const comparison = await api(`${candidatePath(candidate)}/comparison/`);
  const id = `shadow-${candidate.name}-${candidate.version}`.replace(/[^\w-]/g, '-');
  const started = new Date(candidate.started_at).toLocaleDateString();
  const chart = element('div', { className: 'shadow-chart-box' });
  const promoteButton = element('button', { type: 'button', textContent: `Promote ${candidate.version} to active` });
  promoteButton.addEventListener('click', () => act(() => promote(candidate), promoteButton));
  const stopButton = element('button', { type: 'button', className: 'secondary', textContent: 'Stop shadow' });
  stopButton.addEventListener('click', () => act(() => stop(candidate), stopButton));
  const article = element('article', { className: 'shadow-candidate' }, [
    element('h3', { id, tabIndex: -1, textContent: `${candidate.name} ${candidate.version}, against active ${comparison.active_version}` }),
    element('p', { className: 'note', textContent: `In shadow since ${started}, started by ${candidate.started_by}: ${candidate.reason}` }),
    element('p', { className: 'shadow-summary', textContent: summaryText(comparison) }),
    chart,
    numbersTable(comparison),
    disagreementTable(comparison),
    element('p', { className: 'actions' }, [promoteButton, ' ', stopButton]),
  ]);
  article.dataset.model = candidate.name;
  article.dataset.version = candidate.version;
  article.setAttribute('aria-labelledby', id);
  // Drawn once the article is in the page, at the width it has there.
  requestAnimationFrame(() => chart.replaceChildren(shadowChart(comparison, chart.clientWidth || 480)));
  return article;
}

function versionOptions(packages, candidates) {
  const inShadow = new Set(candidates.map((c) => `${c.name}|${c.version}`));
  const activeExamType = new Map(packages.filter((p) => p.active).map((p) => [p.name, p.exam_type]));
  return packages
    .filter((p) => !p.active && !inShadow.has(`${p.name}|${p.version}`) && activeExamType.get(p.name) === p.exam_type)
    .map((p) => element('option', { value: `${p.name}|${p.version}`, textContent: `${p.name} ${p.version}` }));
}

/** Fill the section: the candidates in shadow with their comparisons, and the versions that could join them. */
export async function loadShadow() {
  const [candidates, packages] = await Promise.all([api('/shadow-candidates/'), api('/models/')]);
  const options = versionOptions(packages, candidates);
  $('shadow-version').replaceChildren(...options);
  $('shadow-start-form').querySelector('button').disabled = options.length === 0;
  $('shadow-empty').hidden = candidates.length > 0;
  $('shadow-candidates').replaceChildren(...await Promise.all(candidates.map(candidateArticle)));
}

onSubmit('shadow-start-form', async (form) => {
  const { version: choice, reason } = Object.fromEntries(new FormData(form).entries());
  const [name, version] = choice.split('|');
  setStatus(`Putting ${name} ${version} in shadow…`);
  await api(`${modelPath(name)}/shadow/`, { method: 'POST', json: { version, reason } });
  form.reset();
  await loadShadow();
  setStatus(`${name} ${version} now reads every new case in shadow.`);
});
