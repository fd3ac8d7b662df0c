// Portal: the patient's cases: the list and her history, opening one, opening a new one, and
// sending one to her doctor.
import { api } from './api.js';
import { caseListItems, historyItems, readingItems, reportItems, statusText } from './cases.js';
import { $, act, setStatus } from './page.js';
import { clearReading } from './portal_reading.js';
import { state } from './portal_state.js';

/** List her cases, and the timeline of everything in them as the API orders it. */
export async function refreshCases() {
  const page = await api('/cases/?page_size=100');
  state.cases = page.results ?? page;
  $('case-list').replaceChildren(...caseListItems(state.cases, { current: state.caseId, onOpen: (id) => act(() => openCase(id)) }));
  $('history').replaceChildren(...historyItems(await api(`/patients/${state.user.id}/history/`)));
}

/**
 * Show one case: its status, images, readings and signed reports.
 *
 * @param {number} caseId
 * @param {{keepReading?: boolean}} [options] keep the reading on screen (just added to this case)
 */
export async function openCase(caseId, { keepReading = false } = {}) {
  setStatus('Opening the case…');
  state.caseId = caseId;
  if (!keepReading) clearReading();
  const [detail, images, readings, reports] = await Promise.all([
    api(`/cases/${caseId}/`),
    api(`/cases/${caseId}/images/`),
    api(`/cases/${caseId}/readings/`),
    api(`/cases/${caseId}/reports/`),
  ]);
  $('case').hidden = false;
  $('case-title').textContent = detail.title;
  $('case-status').textContent = statusText(detail.status);
  $('file').disabled = detail.status !== 'draft';
  $('submit-block').hidden = detail.status !== 'draft' || images.length === 0;
  $('case-readings').replaceChildren(...readingItems(images, readings));
  $('case-reports').replaceChildren(...reportItems(reports));
  // Move keyboard and screen-reader focus to the case just opened (not after an upload).
  if (!keepReading) $('case-title').focus();
  for (const button of $('case-list').querySelectorAll('button')) {
    button.setAttribute('aria-current', String(Number(button.dataset.caseId) === caseId));
  }
  setStatus(detail.status === 'draft' ? 'Choose an X-ray to read it in this browser.' : `Case status: ${statusText(detail.status)}.`);
}

/**
 * Open a new case and show it.
 *
 * @param {{title: string}} fields
 */
export async function createCase(fields) {
  setStatus('Opening a new case…');
  const created = await api('/cases/', { method: 'POST', json: fields });
  state.caseId = created.id;
  await refreshCases();
  await openCase(created.id);
}

/** Hand the open case to the care team (the API refuses a case without images). */
export async function submitCase() {
  setStatus('Sending the case to your doctor…');
  await api(`/cases/${state.caseId}/submit/`, { method: 'POST' });
  await openCase(state.caseId);
  await refreshCases();
  setStatus('Your case was sent to your doctor.');
}
