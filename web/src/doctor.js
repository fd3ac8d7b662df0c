// Doctor workspace: a worklist of the doctor's patients' cases (AI-flagged and
// longest waiting first), a case view with the images, the browser and server
// readings side by side, the patient's history, and reports to write, sign and amend.
import { api } from './api.js';
import { $, act, element, setStatus } from './page.js';
import { historyItems } from './cases.js';
import { imageViewer } from './image_viewer.js';
import { bandOf, noHeatmapText, operatingPoint } from './decision.js';
import { CHEST_XRAY_MODEL, packageMetadata, verifyTolerance } from './model_packages.js';
import { findingOf, isPositive, pairReadings, shownHeatmap } from './reading_pairs.js';
import { requestServerReading } from './server_readings.js';
import { startSession, wireSignOut } from './session.js';

const PAGE_SIZE = 50;
const SERVER_READING_WAIT_MS = 120_000;
const TO_REVIEW = ['submitted', 'ai_read', 'in_review'];
const STATUS_TEXT = {
  draft: 'draft (patient adding images)',
  submitted: 'submitted',
  ai_read: 'AI read',
  in_review: 'in review',
  reported: 'reported',
};

const state = { user: null, page: 1, hasMore: false, cases: [], caseId: null, case: null, readings: [], reports: [], amending: null, draftId: null };

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

/** How long ago, in the largest whole unit: "3 days", "25 min". */
function age(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}
const percent = (p) => (p == null ? '—' : `${(p * 100).toFixed(1)} %`);
const personName = (p) => (p ? p.full_name || p.username : '—');

// --- worklist --------------------------------------------------------------

function worklistQuery(page) {
  const params = new URLSearchParams({ ordering: '-ai_flagged,submitted_at,created_at', page_size: PAGE_SIZE, page });
  const status = $('filter-status').value;
  for (const s of status === 'to-review' ? TO_REVIEW : status === 'all' ? [] : [status]) params.append('status', s);
  if ($('filter-patient').value) params.set('patient', $('filter-patient').value);
  if ($('filter-flagged').checked) params.set('ai_flagged', 'true');
  return `/cases/?${params}`;
}

async function loadWorklist({ more = false } = {}) {
  state.page = more ? state.page + 1 : 1;
  setStatus('Loading the worklist…');
  const body = await api(worklistQuery(state.page));
  state.cases = more ? [...state.cases, ...body.results] : body.results;
  state.hasMore = Boolean(body.next);
  renderWorklist(body.count);
  setStatus(`${body.count} case${body.count === 1 ? '' : 's'} in the worklist.`);
}

function renderWorklist(count) {
  const rows = state.cases.map((c) => {
    const open = element('button', { type: 'button', className: 'secondary', textContent: c.title });
    open.addEventListener('click', () => act(() => openCase(c.id)));
    const row = element('tr', {}, [
      element('td', {}, c.ai_flagged ? [element('span', { className: 'flag', textContent: '⚑ flagged' })] : ['']),
      element('td', { textContent: personName(c.patient) }),
      element('td', {}, [open]),
      element('td', {}, [element('span', { className: 'badge', textContent: STATUS_TEXT[c.status] ?? c.status })]),
      element('td', {}, [element('time', {
        dateTime: c.submitted_at || c.created_at, title: when(c.submitted_at || c.created_at), textContent: age(c.submitted_at || c.created_at),
      })]),
    ]);
    row.dataset.caseId = c.id;
    row.setAttribute('aria-current', String(c.id === state.caseId));
    return row;
  });
  if (!rows.length) rows.push(element('tr', {}, [element('td', { colSpan: 5, textContent: 'No cases match these filters.' })]));
  $('worklist').tBodies[0].replaceChildren(...rows);
  $('worklist-count').textContent = `Showing ${state.cases.length} of ${count}`;
  $('more-cases').hidden = !state.hasMore;
}

async function loadPatients() {
  const body = await api('/patients/?page_size=100');
  const options = body.results.map((p) => element('option', { value: p.id, textContent: personName(p) }));
  $('filter-patient').replaceChildren(element('option', { value: '', textContent: 'All my patients' }), ...options);
}

// --- a case ----------------------------------------------------------------

async function openCase(caseId) {
  setStatus('Opening the case…');
  const [theCase, images, readings, reports] = await Promise.all([
    api(`/cases/${caseId}/`),
    api(`/cases/${caseId}/images/`),
    api(`/cases/${caseId}/readings/`),
    api(`/cases/${caseId}/reports/`),
  ]);
  Object.assign(state, { caseId, case: theCase, readings, reports, amending: null });
  $('case-title').textContent = theCase.title;
  $('case-patient').textContent = `Patient: ${personName(theCase.patient)}`;
  $('case-status').textContent = STATUS_TEXT[theCase.status] ?? theCase.status;
  $('case-flag').textContent = theCase.ai_flagged ? '⚑ flagged by the AI' : '';
  $('case-description').textContent = theCase.description || '';
  $('case').hidden = false;
  // The address names the open case, so a reload or a shared link opens it again.
  window.history.replaceState(null, '', `#case-${caseId}`);
  for (const row of $('worklist').tBodies[0].rows) row.setAttribute('aria-current', String(Number(row.dataset.caseId) === caseId));
  const [metadata, tolerance] = await Promise.all([readingsMetadata(readings), verifyTolerance()]);
  const viewersReady = renderImages(images, readings, metadata, tolerance);
  renderReports();
  resetReportForm();
  await renderHistory(theCase.patient.id);
  $('case-title').focus();
  await viewersReady;
  setStatus(`Case "${theCase.title}" is open.`);
}

/**
 * The metadata of each model version the readings name (for bands, the threshold's goal and
 * the heat map's class), keyed "name@version"; null for a version no longer installed.
 */
async function readingsMetadata(readings) {
  const keys = [...new Set(readings.map((r) => `${r.model_name}@${r.model_version}`))];
  const found = await Promise.all(keys.map((key) => packageMetadata(...key.split('@'))));
  return new Map(keys.map((key, i) => [key, found[i]]));
}

const metadataOf = (reading, metadata) => (reading ? metadata.get(`${reading.model_name}@${reading.model_version}`) ?? null : null);

function readingCell(reading, metadata) {
  if (!reading) return element('td', { textContent: 'none' });
  const source = element('span', { className: 'note', textContent: `${reading.model_name} ${reading.model_version} · ${reading.backend || reading.runs_on} · ${reading.latency_ms == null ? '—' : `${reading.latency_ms.toFixed(0)} ms`}` });
  if (reading.status === 'refused') {
    // No diagnosis: the model's input gate (or the DICOM header) turned the image down.
    const threshold = metadata?.input_check?.threshold;
    const score = reading.input_score == null ? 'not run (refused by the DICOM header)'
      : `${reading.input_score.toPrecision(2)}${threshold == null ? '' : ` (accepts from ${threshold.toPrecision(2)})`}`;
    return element('td', {}, [
      element('strong', { textContent: 'Not read' }), element('br'),
      reading.refusal, element('br'),
      `Input check: ${score}`, element('br'),
      source,
    ]);
  }
  if (reading.status !== 'succeeded') {
    return element('td', { textContent: reading.status === 'failed' ? `failed: ${reading.error}` : `${reading.status}…` });
  }
  const probabilities = Object.entries(reading.probabilities).map(([label, p]) => `${label} ${percent(p)}`).join(', ');
  const lines = [element('strong', { textContent: reading.label }), element('br'), probabilities, element('br')];
  const finding = findingOf(reading, metadata);
  if (reading.score != null && finding) {
    const band = metadata ? bandOf(reading.score, metadata) : null;
    const goal = metadata ? operatingPoint(metadata)?.goal : null;
    lines.push(
      `P(${finding}) ${percent(reading.score)}`, ...(band ? [' · ', element('span', { className: 'band', textContent: band.name })] : []), element('br'),
      `Threshold ${percent(reading.threshold)}${goal ? `, chosen for ${goal}` : ''}`, element('br'),
    );
  }
  return element('td', {}, [...lines, source]);
}

function comparison({ browser, server, mismatch }, metadata) {
  const table = element('table', { className: 'readings' }, [
    element('thead', {}, [element('tr', {}, [
      element('th', { scope: 'col', textContent: 'Read in the patient\'s browser' }),
      element('th', { scope: 'col', textContent: 'Read on the server' }),
    ])]),
    element('tbody', {}, [element('tr', {}, [readingCell(browser, metadataOf(browser, metadata)), readingCell(server, metadataOf(server, metadata))])]),
  ]);
  const parts = [element('div', { className: 'table-scroll' }, [table])];
  if (mismatch) parts.push(element('p', { className: 'mismatch', textContent: `Mismatch: ${mismatch}` }));
  else if (browser?.status === 'succeeded' && server?.status === 'succeeded') {
    parts.push(element('p', { className: 'note', textContent: 'The browser and server readings agree.' }));
  } else if (browser?.status === 'refused' && server?.status === 'refused') {
    parts.push(element('p', { className: 'note', textContent: 'The browser and the server both refused the image.' }));
  }
  return parts;
}

function renderImages(images, readings, metadata, tolerance) {
  if (!images.length) {
    $('images').replaceChildren(element('p', { textContent: 'No images in this case.' }));
    return Promise.resolve();
  }
  const ready = [];
  const blocks = pairReadings(images, readings, tolerance).map((pair) => {
    // A heat map only for a positive reading, named by the class it is evidence for.
    const shown = shownHeatmap(pair);
    const read = [pair.server, pair.browser].find((r) => r?.status === 'succeeded');
    const finding = read ? findingOf(read, metadataOf(read, metadata)) : null;
    const viewer = imageViewer(pair.image, {
      heatmap: shown?.heatmap ?? null,
      heatmapLabel: shown ? findingOf(shown.reading, metadataOf(shown.reading, metadata)) ?? shown.reading.label : null,
      noHeatmapNote: !shown && read && !isPositive(read) && finding ? noHeatmapText(finding) : null,
      label: `${pair.image.original_filename || `Image ${pair.image.id}`}${pair.image.width ? ` · ${pair.image.width}×${pair.image.height}` : ''}`
        + (shown ? ` · heat map of the ${shown.reading.runs_on} reading` : ''),
    });
    ready.push(viewer.ready);
    const block = element('div', { className: 'image-block' }, [viewer.figure, ...comparison(pair, metadata)]);
    block.dataset.imageId = pair.image.id;
    if (!pair.server || pair.server.status === 'failed') {
      const button = element('button', { type: 'button', className: 'secondary', textContent: 'Ask the server to read this image' });
      // Without a browser reading to take the model from, the chest X-ray model reads it.
      const model = pair.browser?.model_name ?? CHEST_XRAY_MODEL;
      button.addEventListener('click', () => act(() => readOnServer(pair.image.id, model, button)));
      block.append(element('p', {}, [button]));
    }
    return block;
  });
  $('images').replaceChildren(...blocks);
  return Promise.all(ready).catch((error) => {
    $('error').textContent = `An image could not be shown: ${error.message}`;
  });
}

async function readOnServer(imageId, modelName, button) {
  button.disabled = true;
  setStatus('The server is reading the image…');
  const reading = await requestServerReading(state.caseId, imageId, modelName, { waitMs: SERVER_READING_WAIT_MS });
  await openCase(state.caseId);
  if (reading.status === 'failed') throw new Error(`the server could not read the image (${reading.error})`);
  setStatus(reading.status === 'succeeded' ? 'The server has read the image.' : 'The server has not read the image yet; reopen the case later.');
}

// --- reports ---------------------------------------------------------------

function renderReports() {
  const items = state.reports.map((r) => {
    const superseded = r.amended_by != null;
    const heading = r.status === 'signed'
      ? `Signed by ${personName(r.author)} on ${when(r.signed_at)}${superseded ? ' (amended later)' : ''}`
      : `Draft by ${personName(r.author)}, last saved ${when(r.updated_at)}`;
    const article = element('article', { className: 'report' }, [
      element('p', {}, [element('strong', { textContent: heading })]),
      ...(r.amends ? [element('p', { className: 'note', textContent: `Amends report ${r.amends}: ${r.amendment_reason}` })] : []),
      element('p', {}, [element('strong', { textContent: 'Findings: ' }), r.findings]),
      element('p', {}, [element('strong', { textContent: 'Impression: ' }), r.impression]),
      element('p', { className: 'note', textContent: `AI: ${agreementText(r)}` }),
    ]);
    article.dataset.reportId = r.id;
    const mine = r.author?.id === state.user.id;
    if (r.status === 'draft' && mine) {
      const edit = element('button', { type: 'button', className: 'secondary', textContent: 'Continue this draft' });
      edit.addEventListener('click', () => fillReportForm(r, { draftId: r.id, amending: r.amends ? { id: r.amends } : null }));
      article.append(edit);
    } else if (r.status === 'signed' && !superseded && mine) {
      const amend = element('button', { type: 'button', className: 'secondary', textContent: 'Amend this report' });
      amend.addEventListener('click', () => fillReportForm(r, { draftId: null, amending: r }));
      article.append(amend);
    }
    return article;
  });
  $('reports').replaceChildren(...(items.length ? items : [element('p', { textContent: 'No report yet.' })]));
}

function agreementText(report) {
  const reading = state.readings.find((r) => r.id === report.reading);
  const cited = reading ? ` (${reading.runs_on} reading: ${reading.label})` : '';
  return { agrees: `agrees${cited}`, disagrees: `disagrees${cited}`, no_reading: 'no AI reading used' }[report.ai_agreement] ?? report.ai_agreement;
}

function readingOptions(selected) {
  const usable = state.readings.filter((r) => r.status === 'succeeded');
  const options = usable.map((r) => element('option', {
    value: r.id,
    textContent: `${r.label} ${percent(r.score ?? r.probabilities[r.label])} · ${r.runs_on} · ${r.model_name} ${r.model_version}`,
    selected: r.id === selected,
  }));
  return [element('option', { value: '', textContent: 'None' }), ...options];
}

/** The reading a new report refers to by default: the server's newest, else the browser's. */
function defaultReading() {
  const usable = state.readings.filter((r) => r.status === 'succeeded');
  return (usable.find((r) => r.runs_on === 'server') ?? usable[0])?.id ?? null;
}

function resetReportForm() {
  const draft = state.reports.find((r) => r.status === 'draft' && r.author?.id === state.user.id);
  if (draft) {
    fillReportForm(draft, { draftId: draft.id, amending: draft.amends ? { id: draft.amends } : null });
    return;
  }
  const reportable = TO_REVIEW.includes(state.case.status);
  $('report-form').reset();
  $('report-reading').replaceChildren(...readingOptions(defaultReading()));
  state.draftId = null;
  state.amending = null;
  $('report-form-title').textContent = 'New report';
  $('amend-block').hidden = true;
  $('cancel-amend').hidden = true;
  $('report-form').hidden = !reportable;
}

function fillReportForm(report, { draftId, amending }) {
  state.draftId = draftId;
  state.amending = amending;
  $('report-form').hidden = false;
  $('findings').value = report.findings;
  $('impression').value = report.impression;
  for (const radio of document.querySelectorAll('input[name=ai_agreement]')) radio.checked = radio.value === report.ai_agreement;
  $('report-reading').replaceChildren(...readingOptions(report.reading));
  $('amend-block').hidden = !amending;
  $('amend-reason').required = Boolean(amending);
  $('amend-reason').value = draftId ? report.amendment_reason ?? '' : '';
  $('cancel-amend').hidden = !amending;
  $('report-form-title').textContent = amending ? `Amendment of report ${amending.id}` : draftId ? 'Draft report' : 'New report';
  (amending ? $('amend-reason') : $('findings')).focus();
}

function reportFields() {
  if (!$('report-form').reportValidity()) throw new Error('fill in the findings, the impression and how the report compares with the AI.');
  const ai = document.querySelector('input[name=ai_agreement]:checked').value;
  const reading = $('report-reading').value ? Number($('report-reading').value) : null;
  if (ai !== 'no_reading' && reading == null) throw new Error('choose the AI reading the report agrees or disagrees with.');
  return { findings: $('findings').value, impression: $('impression').value, ai_agreement: ai, reading };
}

/** Create or update the draft; an amendment is created from the signed report it corrects. */
async function saveDraft(fields) {
  let report;
  if (state.draftId) {
    report = await api(`/reports/${state.draftId}/`, { method: 'PATCH', json: fields });
  } else if (state.amending) {
    report = await api(`/reports/${state.amending.id}/amend/`, { method: 'POST', json: { ...fields, reason: $('amend-reason').value } });
  } else {
    report = await api(`/cases/${state.caseId}/reports/`, { method: 'POST', json: fields });
  }
  state.draftId = report.id;
  return report;
}

async function signReport() {
  const fields = reportFields();
  // Signing is final: the patient sees the report and it can only be amended.
  if (!window.confirm('Sign this report? It cannot be changed afterwards, only amended.')) return;
  setStatus('Signing the report…');
  const draft = await saveDraft(fields);
  await api(`/reports/${draft.id}/sign/`, { method: 'POST' });
  const caseId = state.caseId;
  await loadWorklist();
  await openCase(caseId);
  setStatus('The report is signed.');
}

async function renderHistory(patientId) {
  const [entries, cases] = await Promise.all([
    api(`/patients/${patientId}/history/`),
    api(`/cases/?patient=${patientId}&ordering=-created_at&page_size=${PAGE_SIZE}`),
  ]);
  $('history').replaceChildren(...historyItems(entries));
  $('patient-cases').replaceChildren(...cases.results.map((c) => {
    if (c.id === state.caseId) return element('li', { textContent: `${c.title} (this case) — ${STATUS_TEXT[c.status] ?? c.status}, opened ${when(c.created_at)}` });
    const open = element('button', { type: 'button', className: 'secondary', textContent: c.title });
    open.addEventListener('click', () => act(() => openCase(c.id)));
    return element('li', {}, [open, ` — ${STATUS_TEXT[c.status] ?? c.status}, opened ${when(c.created_at)}`]);
  }));
}

// --- wiring ----------------------------------------------------------------

for (const id of ['filter-status', 'filter-patient', 'filter-flagged']) {
  $(id).addEventListener('change', () => act(() => loadWorklist()));
}
$('filters').addEventListener('submit', (event) => event.preventDefault());
$('more-cases').addEventListener('click', () => act(() => loadWorklist({ more: true })));
$('save-draft').addEventListener('click', () => act(async () => {
  await saveDraft(reportFields());
  await openCase(state.caseId);
  setStatus('The draft is saved.');
}));
$('sign-report').addEventListener('click', () => act(signReport));
$('cancel-amend').addEventListener('click', () => act(async () => resetReportForm()));
wireSignOut();

act(async () => {
  // Not signed in: the front page has the sign-in form and brings doctors back here.
  const user = await startSession({ roles: ['doctor'], onDenied: () => {
    $('not-a-doctor').hidden = false;
    setStatus('');
  } });
  if (!user) return;
  state.user = user;
  $('workspace').hidden = false;
  await Promise.all([loadPatients(), loadWorklist()]);
  await openLinkedCase();
});

/** Open the case the address names (#case-12), if any. */
async function openLinkedCase() {
  const linked = /^#case-(\d+)$/.exec(window.location.hash);
  if (linked && Number(linked[1]) !== state.caseId) {
    $('case').hidden = true;
    await openCase(Number(linked[1]));
  }
}
window.addEventListener('hashchange', () => act(openLinkedCase));
