// Reports on the doctor page: the case's reports (a signed one amended later keeps its chain), the
// form to write, save, sign and amend one, the templates of the case's exam type, and the offer of
// the next case once a report is signed.
import { api } from './api.js';
import { $, act, element, setStatus } from './page.js';
import { filledReport, templateFor, templatesFor } from './report_templates.js';
import { actions, percent, personName, state, TO_REVIEW, when } from './doctor_state.js';
import { loadWorklist, neighbourCase } from './doctor_worklist.js';

export function renderReports() {
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

function templateOptions() {
  const choices = templatesFor(state.case.exam_type).map((t) => element('option', { value: t.id, textContent: t.name }));
  return [element('option', { value: '', textContent: choices.length ? 'Choose a template…' : 'No templates for this exam type' }), ...choices];
}

/** The form as the open case needs it: the doctor's own draft, else an empty new report. */
export function resetReportForm() {
  $('report-template').replaceChildren(...templateOptions());
  const draft = state.reports.find((r) => r.status === 'draft' && r.author?.id === state.user.id);
  if (draft) {
    fillReportForm(draft, { draftId: draft.id, amending: draft.amends ? { id: draft.amends } : null, focus: false });
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

function fillReportForm(report, { draftId, amending, focus = true }) {
  state.draftId = draftId;
  state.amending = amending;
  $('report-form').hidden = false;
  $('report-template').value = '';
  $('findings').value = report.findings;
  $('impression').value = report.impression;
  for (const radio of document.querySelectorAll('input[name=ai_agreement]')) radio.checked = radio.value === report.ai_agreement;
  $('report-reading').replaceChildren(...readingOptions(report.reading));
  $('amend-block').hidden = !amending;
  $('amend-reason').required = Boolean(amending);
  $('amend-reason').value = draftId ? report.amendment_reason ?? '' : '';
  $('cancel-amend').hidden = !amending;
  $('report-form-title').textContent = amending ? `Amendment of report ${amending.id}` : draftId ? 'Draft report' : 'New report';
  if (focus) (amending ? $('amend-reason') : $('findings')).focus();
}

/** Fill findings and impression from the chosen template; the AI choice stays the doctor's. */
function applyTemplate() {
  const template = templateFor(state.case.exam_type, $('report-template').value);
  if (!template) return;
  const filled = filledReport(template, { findings: $('findings').value, impression: $('impression').value });
  if (filled.overwrites && !window.confirm(`Replace the findings and impression you wrote with "${template.name}"?`)) {
    $('report-template').value = '';
    return;
  }
  $('findings').value = filled.findings;
  $('impression').value = filled.impression;
  setStatus(`Template "${template.name}" filled the findings and the impression; edit them as needed.`);
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

/** Whether the open case has a report form to sign. */
export const canSign = () => state.case !== null && !$('case').hidden && !$('report-form').hidden;

export async function signReport() {
  const fields = reportFields();
  // Signing is final: the patient sees the report and it can only be amended.
  if (!window.confirm('Sign this report? It cannot be changed afterwards, only amended.')) return;
  setStatus('Signing the report…');
  const draft = await saveDraft(fields);
  await api(`/reports/${draft.id}/sign/`, { method: 'POST' });
  const caseId = state.caseId;
  await loadWorklist();
  await actions.openCase(caseId);
  offerNextCase();
  setStatus('The report is signed.');
}

/** After signing: the next case of the worklist, one key (Enter, or j) away. */
function offerNextCase() {
  const next = neighbourCase(1);
  const button = $('next-case');
  $('next-case-offer').hidden = false;
  button.hidden = !next;
  $('no-next-case').hidden = Boolean(next);
  if (!next) return;
  button.textContent = `Next case: ${next.title}`;
  button.dataset.caseId = next.id;
  button.focus();
}

/** Focus the report: its template menu when it has one, else the findings. */
export function focusReport() {
  if ($('report-form').hidden) {
    $('reports-title').scrollIntoView({ block: 'start' });
    return;
  }
  const menu = $('report-template');
  (menu.options.length > 1 ? menu : $('findings')).focus();
}

export function wireReportForm() {
  $('report-template').addEventListener('change', applyTemplate);
  $('save-draft').addEventListener('click', () => act(async () => {
    await saveDraft(reportFields());
    await actions.openCase(state.caseId);
    setStatus('The draft is saved.');
  }));
  $('sign-report').addEventListener('click', () => act(signReport));
  $('cancel-amend').addEventListener('click', () => act(async () => resetReportForm()));
  $('next-case').addEventListener('click', () => act(() => actions.openCase(Number($('next-case').dataset.caseId))));
}
