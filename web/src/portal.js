// Patient portal: sign up or in, open a case, read an X-ray in this browser,
// and add the image and the reading to the case only when the patient chooses.
import { api, ApiError, forgetCsrfToken } from './api.js';
import { browserReadingRows, caseListItems, definitionList, historyItems, readingItems, reportItems, serverReadingRows, statusText } from './cases.js';
import { browserReadingPayload, decodeImage, drawReading, loadModel, selectBackend, UnsupportedInBrowserError } from './inference.js';

/** The model the portal reads chest X-rays with (its active version comes from the API). */
const MODEL_NAME = 'chest-xray-pneumonia';
const HEATMAP_OPACITY = 0.45;
const SERVER_READING_WAIT_MS = 120_000;

const $ = (id) => document.getElementById(id);
const state = { user: null, cases: [], caseId: null, model: null, modelLoading: null, file: null, reading: null };

// One TF.js backend per page: start choosing it at once, in parallel with the sign-in check.
const backendReady = selectBackend();

function setStatus(text) {
  $('status').textContent = text;
}

function showError(error) {
  $('error').textContent = error instanceof ApiError || error instanceof UnsupportedInBrowserError
    ? error.message
    : `Something went wrong: ${error.message}`;
}

/** Run a user action: clear the last error, show this one; buttons stay usable afterwards. */
async function act(task) {
  $('error').textContent = '';
  try {
    return await task();
  } catch (error) {
    showError(error);
    setStatus('');
    return undefined;
  }
}

// --- signing in -----------------------------------------------------------

/** Doctors and administrators have their own pages; the portal is the patients'. */
const PAGE_OF_ROLE = { doctor: 'doctor.html', admin: 'admin.html' };

async function showSignedIn(user) {
  if (PAGE_OF_ROLE[user.role]) {
    setStatus('Opening your workspace…');
    window.location.assign(PAGE_OF_ROLE[user.role]);
    return;
  }
  state.user = user;
  $('username').textContent = `Signed in as ${user.username}`;
  $('whoami').hidden = false;
  $('auth').hidden = true;
  $('workspace').hidden = false;
  await refreshCases();
  setStatus(`Welcome, ${user.first_name || user.username}.`);
  prepareModel().catch(() => {}); // errors show when a file is chosen
}

function showSignedOut() {
  state.user = null;
  state.caseId = null;
  $('whoami').hidden = true;
  $('workspace').hidden = true;
  $('case').hidden = true;
  $('auth').hidden = false;
  setStatus('Sign in, or create an account.');
}

/** A form's fields as JSON; empty optional fields are left out, since the API refuses blanks. */
function formJson(form) {
  return Object.fromEntries([...new FormData(form).entries()].filter(([, value]) => value !== ''));
}

async function signIn(credentials) {
  setStatus('Signing in…');
  const user = await api('/auth/login/', { method: 'POST', json: credentials });
  forgetCsrfToken();
  await showSignedIn(user);
}

// --- cases ----------------------------------------------------------------

async function refreshCases() {
  const page = await api('/cases/?page_size=100');
  state.cases = page.results ?? page;
  $('case-list').replaceChildren(...caseListItems(state.cases, { current: state.caseId, onOpen: (id) => act(() => openCase(id)) }));
  // The timeline of everything in her cases, as the API orders it.
  $('history').replaceChildren(...historyItems(await api(`/patients/${state.user.id}/history/`)));
}

/**
 * Show one case: its status, images, readings and signed reports.
 *
 * @param {number} caseId
 * @param {{keepReading?: boolean}} [options] keep the reading on screen (just added to this case)
 */
async function openCase(caseId, { keepReading = false } = {}) {
  setStatus('Opening the case…');
  state.caseId = caseId;
  if (!keepReading) {
    state.reading = null;
    state.file = null;
    $('reading').hidden = true;
    $('file').value = '';
  }
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

// --- reading in the browser -----------------------------------------------

/** Load the active pneumonia model once; later calls share the same promise. */
function prepareModel() {
  state.modelLoading ??= (async () => {
    const backend = await backendReady;
    setStatus('Finding the current model…');
    const packages = await api('/models/');
    const pkg = packages.find((p) => p.name === MODEL_NAME && p.active) ?? packages.find((p) => p.name === MODEL_NAME);
    if (!pkg) throw new Error(`the server offers no ${MODEL_NAME} model`);
    setStatus(`Loading model ${pkg.name} ${pkg.version} on ${backend}…`);
    const model = await loadModel(pkg.base_url, {
      onProgress: (fraction) => setStatus(`Loading model ${pkg.name} ${pkg.version} on ${backend}… ${Math.round(fraction * 100)}%`),
    });
    state.model = model;
    setStatus(`Model ${pkg.name} ${pkg.version} ready in this browser (${backend}).`);
    return model;
  })();
  state.modelLoading.catch(() => { state.modelLoading = null; }); // allow a retry
  return state.modelLoading;
}

async function readFile(file) {
  state.reading = null;
  state.file = file;
  $('add-to-case').disabled = true;
  $('add-to-case').textContent = 'Add to my case';
  let model;
  let pixels;
  try {
    model = await prepareModel();
    setStatus(`Reading ${file.name} in this browser…`);
    pixels = await decodeImage(file, { channels: model.channels });
  } catch (error) {
    // No backend, no model or a file this browser cannot decode (e.g. JPEG 2000 DICOM): the server can still read it.
    offerServerReading(error);
    return;
  }
  const started = performance.now();
  const reading = await model.predict(pixels);
  drawReading($('canvas'), pixels, reading.heatmap, { opacity: HEATMAP_OPACITY });
  const totalMs = performance.now() - started;
  state.reading = reading;
  $('canvas').hidden = false;
  $('result').replaceChildren(...definitionList(browserReadingRows(reading, totalMs)));
  $('reading').hidden = false;
  $('add-to-case').disabled = false;
  setStatus(`Read in ${totalMs.toFixed(0)} ms. Nothing has been sent.`);
}

function offerServerReading(error) {
  $('canvas').hidden = true;
  $('result').replaceChildren(...definitionList([
    ['Reading', `not possible in this browser (${error.message}). If you add the image to your case, the server reads it instead.`],
  ]));
  $('reading').hidden = false;
  $('add-to-case').textContent = 'Add to my case (read on the server)';
  $('add-to-case').disabled = false;
  setStatus('This image cannot be read in this browser. Nothing has been sent.');
}

/** Ask the server to read an uploaded image, and wait for the answer. */
async function serverReading(caseId, imageId) {
  setStatus('The server is reading the image…');
  let reading = await api(`/cases/${caseId}/server-readings/`, { method: 'POST', json: { image: imageId, model_name: MODEL_NAME } });
  const deadline = Date.now() + SERVER_READING_WAIT_MS;
  while (reading.status === 'pending' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    reading = await api(`/readings/${reading.id}/`);
  }
  if (reading.status === 'failed') throw new Error(`the server could not read the image (${reading.error})`);
  if (reading.status === 'pending') throw new Error('the server has not read the image yet; it will appear in your case when it has');
  $('result').replaceChildren(...definitionList(serverReadingRows(reading)));
  return reading;
}

/** Upload the chosen file, then attach the reading computed here to it (or have the server read it). */
async function addToCase() {
  const { caseId, file, reading } = state;
  if (!caseId || !file) return;
  $('add-to-case').disabled = true;
  let image;
  try {
    setStatus('Uploading the image…');
    const form = new FormData();
    form.append('file', file, file.name);
    image = await api(`/cases/${caseId}/images/`, { method: 'POST', form });
    if (reading) {
      setStatus('Saving the reading…');
      await api(`/cases/${caseId}/readings/`, { method: 'POST', json: browserReadingPayload(reading, { image: image.id }) });
    }
  } catch (error) {
    $('add-to-case').disabled = false; // let the patient try again
    throw error;
  }
  state.file = null; // added once; choosing another file reads it afresh
  $('add-to-case').textContent = 'Added to your case';
  if (!reading) {
    try {
      await serverReading(caseId, image.id);
    } finally {
      await openCase(caseId, { keepReading: true });
      await refreshCases();
    }
    setStatus('The image was added to your case and read on the server.');
    return;
  }
  await openCase(caseId, { keepReading: true });
  await refreshCases();
  setStatus('The image and its reading were added to your case.');
}

/** Hand the case to the care team (the API refuses a case without images). */
async function submitCase() {
  setStatus('Sending the case to your doctor…');
  await api(`/cases/${state.caseId}/submit/`, { method: 'POST' });
  await openCase(state.caseId);
  await refreshCases();
  setStatus('Your case was sent to your doctor.');
}

// --- wiring ---------------------------------------------------------------

$('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(() => signIn(formJson(event.target)));
});
$('sign-up-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    const fields = formJson(event.target);
    setStatus('Creating your account…');
    await api('/auth/register/', { method: 'POST', json: fields });
    await signIn({ username: fields.username, password: fields.password });
  });
});
$('sign-out').addEventListener('click', () => act(async () => {
  await api('/auth/logout/', { method: 'POST' });
  forgetCsrfToken();
  showSignedOut();
}));
$('new-case-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    setStatus('Opening a new case…');
    const created = await api('/cases/', { method: 'POST', json: formJson(event.target) });
    event.target.reset();
    state.caseId = created.id;
    await refreshCases();
    await openCase(created.id);
  });
});
$('file').addEventListener('change', () => {
  const file = $('file').files[0];
  if (file) act(() => readFile(file));
});
// Dropping a file anywhere on the zone reads it like choosing it (only while images can be added).
$('drop-zone').addEventListener('dragover', (event) => {
  if ($('file').disabled) return;
  event.preventDefault();
  $('drop-zone').classList.add('over');
});
$('drop-zone').addEventListener('dragleave', () => $('drop-zone').classList.remove('over'));
$('drop-zone').addEventListener('drop', (event) => {
  $('drop-zone').classList.remove('over');
  if ($('file').disabled) return;
  event.preventDefault();
  const file = event.dataTransfer.files[0];
  if (file) act(() => readFile(file));
});
$('add-to-case').addEventListener('click', () => act(addToCase));
$('submit-case').addEventListener('click', () => act(submitCase));

// Already signed in (session cookie)? Go straight to the cases.
act(async () => {
  try {
    await showSignedIn(await api('/auth/me/'));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) showSignedOut();
    else throw error;
  }
});
