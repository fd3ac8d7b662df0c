// Doctor workspace: a worklist of the doctor's patients' cases (AI-flagged and longest waiting
// first), a case with its images in a radiologist's viewer, the browser and server readings side
// by side, the patient's age, sex, reason for the exam, earlier cases and timeline, and reports to
// write (from templates), sign and amend; keyboard shortcuts listed behind "?".
// This module opens cases and wires the page; each concern lives in its doctor_*.js module.
import { api } from './api.js';
import { $, act, element, setStatus } from './page.js';
import { verifyTolerance } from './model_packages.js';
import { startSession, wireSignOut } from './session.js';
import { SHORTCUTS, shortcutAction, VIEWER_KEYS } from './shortcuts.js';
import { focusNextImage, readingsMetadata, renderImages, toggleHeatmap } from './doctor_case.js';
import { renderCaseContext, renderPatientContext } from './doctor_context.js';
import { canSign, focusReport, renderReports, resetReportForm, signReport, wireReportForm } from './doctor_report.js';
import { actions, state, statusText } from './doctor_state.js';
import { loadPatients, loadWorklist, markOpenCase, neighbourCase, wireWorklist } from './doctor_worklist.js';

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
  $('case-status').textContent = statusText(theCase.status);
  $('case-flag').textContent = theCase.ai_flagged ? '⚑ flagged by the AI' : '';
  renderCaseContext(theCase);
  $('next-case-offer').hidden = true;
  $('case').hidden = false;
  // The address names the open case, so a reload or a shared link opens it again.
  window.history.replaceState(null, '', `#case-${caseId}`);
  markOpenCase(caseId);
  const [metadata, tolerance] = await Promise.all([readingsMetadata(readings), verifyTolerance()]);
  const viewersReady = renderImages(images, readings, metadata, tolerance);
  renderReports();
  resetReportForm();
  $('case-title').focus();
  await renderPatientContext(theCase);
  await viewersReady;
  setStatus(`Case "${theCase.title}" is open.`);
}

async function openNeighbour(step) {
  const target = neighbourCase(step);
  if (!target) {
    setStatus(step > 0 ? 'No next case in the worklist.' : 'No previous case in the worklist.');
    return;
  }
  await openCase(target.id);
}

function renderShortcutList() {
  const rows = [...SHORTCUTS, ...VIEWER_KEYS.map((k) => ({ ...k, viewer: true }))].map((s) => element('tr', {}, [
    element('th', { scope: 'row' }, [element('kbd', { textContent: s.keys })]),
    element('td', { textContent: s.viewer ? `${s.description} (in the image viewer)` : s.description }),
  ]));
  $('shortcut-list').replaceChildren(...rows);
}

function showShortcuts() {
  const dialog = $('shortcuts');
  if (!dialog.open) dialog.showModal();
}

/** What each shortcut does on this page. */
const SHORTCUT_ACTIONS = {
  nextCase: () => act(() => openNeighbour(1), null),
  previousCase: () => act(() => openNeighbour(-1), null),
  nextImage: () => focusNextImage() || setStatus('No image to go to: open a case first.'),
  toggleHeatmap: () => toggleHeatmap() || setStatus('No heat map to show in this case.'),
  focusReport: () => (state.case ? focusReport() : setStatus('Open a case first.')),
  sign: () => (canSign() ? act(signReport, $('sign-report')) : setStatus('No report to sign here.')),
  help: showShortcuts,
};

document.addEventListener('keydown', (event) => {
  if ($('workspace').hidden || $('shortcuts').open) return;
  const action = shortcutAction(event);
  if (!action) return;
  event.preventDefault();
  SHORTCUT_ACTIONS[action]();
});

actions.openCase = openCase;
actions.loadWorklist = loadWorklist;
wireWorklist();
wireReportForm();
renderShortcutList();
$('show-shortcuts').addEventListener('click', showShortcuts);
$('close-shortcuts').addEventListener('click', () => $('shortcuts').close());
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
