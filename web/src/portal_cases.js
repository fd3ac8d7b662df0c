// Portal: the patient's cases: the list and her history, opening one, opening a new one,
// sending one to her doctor, and withdrawing a draft case or an image not yet reviewed.
import { api } from './api.js';
import { caseListItems, patientHistoryItems, readingItems, reportItems, statusText } from './cases.js';
import { examTypesWithActiveModel, packageMetadata } from './model_packages.js';
import { $, act, element, setStatus } from './page.js';
import { caseDatesText } from './plain_words.js';
import { sentText, showCareTeam } from './portal_doctor.js';
import { clearReading, showExamType } from './portal_reading.js';
import { state } from './portal_state.js';

/** List her cases, and the timeline of everything in them as the API orders it. */
export async function refreshCases() {
  offerExamTypes();
  const page = await api('/cases/?page_size=100');
  state.cases = page.results ?? page;
  $('case-list').replaceChildren(...caseListItems(state.cases, {
    current: state.caseId,
    onOpen: (id) => act(() => openCase(id), $('case-list').querySelector(`[data-case-id="${id}"]`)),
  }));
  $('history').replaceChildren(...patientHistoryItems(await api(`/patients/${state.user.id}/history/`), state.cases));
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
  $('case-readings-note').textContent = '';
  $('case-list-note').textContent = '';
  const [detail, images, readings, reports] = await Promise.all([
    api(`/cases/${caseId}/`),
    api(`/cases/${caseId}/images/`),
    api(`/cases/${caseId}/readings/`),
    api(`/cases/${caseId}/reports/`),
  ]);
  $('case').hidden = false;
  $('case-title').textContent = detail.title;
  $('case-status').textContent = statusText(detail.status);
  showCareTeam(detail);
  $('case-dates').textContent = caseDatesText(detail);
  $('withdraw-case-block').hidden = detail.status !== 'draft';
  state.caseImageCount = images.length;
  await showExamType(detail.exam_type);
  $('file').disabled = detail.status !== 'draft';
  $('submit-block').hidden = detail.status !== 'draft' || images.length === 0;
  $('case-readings').replaceChildren(...readingItems(images, readings, {
    metadataOf: await metadataOfReadings(readings),
    canWithdraw: imagesWithdrawable(detail, images),
    onWithdraw: (image, button) => act(() => withdrawImage(image), button),
  }));
  $('case-reports').replaceChildren(...reportItems(reports));
  // Move keyboard and screen-reader focus to the case just opened (not after an upload).
  if (!keepReading) $('case-title').focus();
  for (const button of $('case-list').querySelectorAll('button')) {
    button.setAttribute('aria-current', String(Number(button.dataset.caseId) === caseId));
  }
  setStatus(detail.status === 'draft' ? 'Choose an image to add to this case.' : `Case status: ${statusText(detail.status)}.`);
}

let examTypesOffered = null;

/**
 * Fill the new-case form's exam types with those some installed model reads, chest X-ray first
 * (and chosen); asked once per page, and again after a failure (chest X-ray is offered meanwhile).
 */
function offerExamTypes() {
  examTypesOffered ??= examTypesWithActiveModel().then((types) => {
    if (!types.length) return;
    const select = $('new-case-exam-type');
    const chosen = select.value;
    select.replaceChildren(...types.map(({ value, label }) => element('option', { value, textContent: label })));
    select.value = types.some((t) => t.value === chosen) ? chosen : types[0].value;
  }, () => {
    examTypesOffered = null;
  });
}

/**
 * Open a new case and show it.
 *
 * @param {{title: string, exam_type?: string}} fields
 */
export async function createCase(fields) {
  setStatus('Opening a new case…');
  const created = await api('/cases/', { method: 'POST', json: fields });
  state.caseId = created.id;
  await refreshCases();
  await openCase(created.id);
}

/**
 * Hand the open case to her doctors, or to the practice's queue when she has none and the
 * practice keeps one (the API refuses a case without images, or one that would go to no one).
 */
export async function submitCase() {
  setStatus('Sending the case…');
  const sent = await api(`/cases/${state.caseId}/submit/`, { method: 'POST' });
  await openCase(state.caseId);
  await refreshCases();
  // Said where she is looking now: the send button is gone with the draft.
  $('case-care-team').textContent = sentText(sent.care_team);
  $('case-care-team').focus();
  setStatus(sentText(sent.care_team));
}

/**
 * The model package metadata of each reading (for its bands), fetched once per version.
 *
 * @param {object[]} readings
 * @returns {Promise<(reading: object) => object|null>}
 */
async function metadataOfReadings(readings) {
  const keys = [...new Set(readings.map((r) => `${r.model_name}@${r.model_version}`))];
  const found = new Map(await Promise.all(keys.map(async (key) => [key, await packageMetadata(...key.split('@'))])));
  return (r) => found.get(`${r.model_name}@${r.model_version}`) ?? null;
}

/**
 * Whether her images may still leave the case: until a doctor starts a report, and never the
 * only image of a case sent already (the server holds the same rules).
 */
function imagesWithdrawable(detail, images) {
  if (detail.status === 'draft') return true;
  return ['submitted', 'ai_read'].includes(detail.status) && images.length > 1;
}

/**
 * Withdraw one of her images, once she confirms: it leaves the case for everyone (it stays in
 * the clinic's records).
 *
 * @param {object} image from GET /cases/<id>/images/
 */
export async function withdrawImage(image) {
  const name = image.original_filename || `image ${image.id}`;
  if (!window.confirm(`Withdraw ${name} from this case? Nobody will see it in the case any more.`)) {
    setStatus(`${name} stays in your case.`);
    return;
  }
  setStatus(`Withdrawing ${name}…`);
  await api(`/images/${image.id}/withdraw/`, { method: 'POST' });
  await openCase(state.caseId, { keepReading: true });
  await refreshCases();
  $('case-readings-note').textContent = `${name} was withdrawn from your case.`;
  setStatus(`${name} was withdrawn from your case.`);
  $('case-readings-title').focus();
}

/** Withdraw the open draft case, once she confirms: it leaves her list (it stays in the clinic's records). */
export async function withdrawCase() {
  const title = $('case-title').textContent;
  if (!window.confirm(`Withdraw the draft case “${title}”? It and its images leave your list.`)) {
    setStatus('The case stays as it is.');
    return;
  }
  setStatus('Withdrawing the case…');
  await api(`/cases/${state.caseId}/withdraw/`, { method: 'POST' });
  state.caseId = null;
  clearReading();
  $('case').hidden = true;
  await refreshCases();
  $('case-list-note').textContent = `The case “${title}” was withdrawn.`;
  setStatus(`The case “${title}” was withdrawn.`);
  $('cases-title').focus();
}
