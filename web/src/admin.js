// Clinic administration: the versions of each model and which one is active, how often doctors
// agree with the AI per model version, and the audit log.
import { agreementChart, agreementRows, formatRate } from './agreement_chart.js';
import { api, ApiError } from './api.js';
import { definitionList } from './cases.js';
import { $, act, element, onSubmit, setStatus } from './page.js';
import { auditQuery, auditRows, dayEnd, dayStart } from './audit_table.js';
import { startSession, wireSignOut } from './session.js';
import './admin_care.js'; // the care relationships section wires itself
import { loadShadow } from './admin_shadow.js';
import { loadDrift } from './admin_drift.js';
import { loadDatasets } from './admin_datasets.js';

const AUDIT_PAGE_SIZE = 25;
const MAX_USER_PAGES = 10; // the people menus list up to 1,000 accounts

const state = { people: new Map(), versions: [], chartWidth: 0, auditQuery: null, auditNewer: null, auditOlder: null, auditPage: 1 };

// --- models ---------------------------------------------------------------

const METRICS = [
  ['auc', 'AUC', (value) => value.toFixed(3)],
  ['accuracy', 'Accuracy', formatRate],
  ['sensitivity', 'Sensitivity', formatRate],
  ['specificity', 'Specificity', formatRate],
  ['f1', 'F1', (value) => value.toFixed(3)],
  ['macro_f1', 'Macro F1', (value) => value.toFixed(3)],
  ['n', 'Test images', String],
];

function metricList(pkg) {
  const test = pkg.metrics?.test ?? pkg.headline_metrics ?? {};
  const rows = METRICS.filter(([key]) => typeof test[key] === 'number').map(([key, label, format]) => [label, format(test[key])]);
  if (pkg.created) rows.push(['Exported', new Date(pkg.created).toLocaleDateString()]);
  return element('dl', {}, definitionList(rows));
}

function versionItem(pkg) {
  const item = element('li', { className: pkg.active ? 'active' : '' });
  item.dataset.version = pkg.version;
  const title = element('p', {}, [element('strong', { textContent: `Version ${pkg.version}` })]);
  if (pkg.active) title.append(' ', element('span', { className: 'badge active', textContent: 'Active' }));
  item.append(title, metricList(pkg));
  if (!pkg.active) {
    const button = element('button', { type: 'button', className: 'secondary', textContent: `Make ${pkg.version} active` });
    button.addEventListener('click', () => act(() => activate(pkg)));
    item.append(button);
  }
  return item;
}

function modelArticle(name, packages) {
  const active = packages.find((pkg) => pkg.active);
  const description = [active?.description || packages[0].description, `Active version: ${active ? active.version : 'none'}.`];
  const list = element('ul', { className: 'versions' }, packages.map(versionItem));
  list.setAttribute('aria-label', `Versions of ${name}`);
  const article = element('article', {}, [
    element('h3', { id: `model-${name}`, tabIndex: -1, textContent: name }),
    element('p', { className: 'note', textContent: description.filter(Boolean).join('. ') }),
    list,
  ]);
  article.dataset.model = name;
  article.setAttribute('aria-labelledby', `model-${name}`);
  return article;
}

async function loadModels() {
  const packages = await api('/models/');
  const byName = new Map();
  for (const pkg of packages) byName.set(pkg.name, [...(byName.get(pkg.name) ?? []), pkg]);
  const articles = [...byName].map(([name, versions]) => modelArticle(name, versions));
  $('models').replaceChildren(...(articles.length ? articles : [element('p', { textContent: 'No model package is installed.' })]));
}

async function activate(pkg) {
  // The question is the confirmation: Cancel changes nothing; the answer is kept in the audit log.
  // A blank answer is sent as it is, and the API's refusal is shown.
  const question =
    `Make version ${pkg.version} of ${pkg.name} active? New server readings of ${pkg.name} will use it.\n\n` +
    'Why? Your reason is kept in the audit log with your name.';
  const reason = window.prompt(question, '');
  if (reason === null) return;
  setStatus(`Activating ${pkg.name} ${pkg.version}…`);
  await api(`/models/${encodeURIComponent(pkg.name)}/activate/`, { method: 'POST', json: { version: pkg.version, reason } });
  await Promise.all([loadModels(), loadShadow()]); // an activated version leaves shadow
  document.getElementById(`model-${pkg.name}`)?.focus();
  setStatus(`${pkg.name} ${pkg.version} is now active.`);
  await loadAudit(state.auditQuery); // the change is in the log
}

// --- agreement with the AI ------------------------------------------------

function drawAgreement() {
  const container = $('agreement-chart');
  state.chartWidth = container.clientWidth;
  container.replaceChildren(...(state.versions.length ? [agreementChart(state.versions, state.chartWidth)] : []));
}

async function loadAgreement() {
  const params = new URLSearchParams();
  const { from, to } = Object.fromEntries(new FormData($('agreement-filters')).entries());
  if (from && to && from > to) throw new ApiError('The period ends before it starts: choose an earlier "from" day.');
  if (from) params.set('signed_after', dayStart(from));
  if (to) params.set('signed_before', dayEnd(to));
  const body = await api(`/reports/agreement/?${params}`);
  state.versions = body.versions;
  drawAgreement();
  $('agreement-table').tBodies[0].replaceChildren(...agreementRows(body.versions));
  const withReading = body.reports - body.no_reading;
  $('agreement-summary').textContent = body.reports === 0
    ? 'No signed reports in force in this period.'
    : `${body.reports} signed report${body.reports === 1 ? '' : 's'} in force: ${withReading} ${withReading === 1 ? 'cites' : 'cite'} an AI reading, `
      + `${body.no_reading} ${body.no_reading === 1 ? 'cites' : 'cite'} none.`;
}

// Redraw at the new width, so the chart's text keeps its size on any screen.
new ResizeObserver(() => {
  if (state.versions.length && $('agreement-chart').clientWidth !== state.chartWidth) drawAgreement();
}).observe($('agreement-chart'));

// --- audit log ------------------------------------------------------------

async function loadPeople() {
  let path = '/users/?page_size=100';
  for (let page = 0; path && page < MAX_USER_PAGES; page += 1) {
    const body = await api(path);
    for (const user of body.results) state.people.set(user.id, user);
    path = body.next ? `/users/${new URL(body.next).search}` : null;
  }
  const people = [...state.people.values()].sort((a, b) => a.username.localeCompare(b.username));
  const option = (user) => element('option', { value: String(user.id), textContent: `${user.username} (${user.role})` });
  $('audit-actor').append(...people.map(option));
  $('audit-patient').append(...people.filter((user) => user.role === 'patient').map(option));
}

/**
 * Show one page of the audit log.
 *
 * @param {URLSearchParams} query the filters, and the cursor of the page when paging
 * @param {number} [pageNumber]
 */
async function loadAudit(query, pageNumber = 1) {
  const params = new URLSearchParams(query);
  params.set('page_size', String(AUDIT_PAGE_SIZE));
  const body = await api(`/audit-events/?${params}`);
  // One table body per request (audit_table.js), replacing the page shown before.
  const table = $('audit-table');
  for (const section of [...table.tBodies]) section.remove();
  table.append(...auditRows(body.results, state.people));
  $('audit-empty').hidden = body.results.length > 0;
  state.auditNewer = body.previous ? new URL(body.previous).searchParams : null;
  state.auditOlder = body.next ? new URL(body.next).searchParams : null;
  state.auditPage = pageNumber;
  $('audit-newer').disabled = !state.auditNewer;
  $('audit-older').disabled = !state.auditOlder;
  $('audit-page').textContent = `Page ${pageNumber}`;
}

function filterAudit() {
  state.auditQuery = auditQuery($('audit-filters'));
  const exportLink = $('audit-export');
  exportLink.href = `/api/v1/audit-events/export/${state.auditQuery.size ? `?${state.auditQuery}` : ''}`;
  return loadAudit(state.auditQuery);
}

// --- not an administrator ---------------------------------------------------

function showNotAdmin(user) {
  $('not-admin-text').textContent = `You are signed in as ${user.username}, a ${user.role}. `
    + 'Ask a clinic administrator if you need access.';
  $('not-admin').hidden = false;
  setStatus('');
}

async function start() {
  if (!await startSession({ roles: ['admin'], onDenied: showNotAdmin })) return;
  $('workspace').hidden = false;
  setStatus('Loading the models, the agreement figures and the audit log…');
  state.auditQuery = auditQuery($('audit-filters'));
  await Promise.all([loadModels(), loadAgreement(), loadShadow(), loadDrift(), loadDatasets(), loadPeople().then(() => loadAudit(state.auditQuery))]);
  setStatus(`Loaded at ${new Date().toLocaleTimeString()}.`);
}

wireSignOut();
onSubmit('agreement-filters', async () => {
  setStatus('Counting the reports…');
  await loadAgreement();
  setStatus('Agreement figures updated.');
});
onSubmit('audit-filters', async () => {
  setStatus('Loading the audit log…');
  await filterAudit();
  setStatus('Audit log filtered.');
});
$('audit-newer').addEventListener('click', () => act(() => loadAudit(state.auditNewer, state.auditPage - 1)));
$('audit-older').addEventListener('click', () => act(() => loadAudit(state.auditOlder, state.auditPage + 1)));

document.addEventListener('shadow-promoted', () => act(loadModels)); // admin_shadow.js: a new active version
act(start);
