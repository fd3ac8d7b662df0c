// Patient portal: sign up or in, open a case, read an X-ray in this browser,
// and add the image and the reading to the case only when the patient chooses.
import { api, ApiError, errorMessage, forgetCsrfToken } from './api.js';
import { $, act, setStatus } from './page.js';
import { requestServerReading } from './server_readings.js';
import { browserReadingRows, caseListItems, definitionList, fileSize, historyItems, readingItems, reportItems, serverReadingRows, statusText } from './cases.js';
import { noHeatmapText } from './decision.js';
import { heatmapLegend } from './heatmap_legend.js';
import { browserReadingPayload, drawReading, loadModel, readImage, selectBackend } from './inference.js';
import { activePackage, packageMetadata } from './model_packages.js';

/** The model the portal reads chest X-rays with (its active version comes from the API). */
const MODEL_NAME = 'chest-xray-pneumonia';
const HEATMAP_OPACITY = 0.45;
const SERVER_READING_WAIT_MS = 120_000;
/** localStorage key of the patient's choice to have her images read on the server only. */
const READ_ON_SERVER_KEY = 'portal.readOnServer';

const state = {
  user: null, cases: [], caseId: null, model: null, modelLoading: null, modelError: null,
  file: null, reading: null, serverReason: null, uploaded: null,
};

function readOnServerChosen() {
  try {
    return localStorage.getItem(READ_ON_SERVER_KEY) === 'true';
  } catch {
    return false; // storage blocked: browser reading, the default
  }
}

// One TF.js backend per page, chosen on first need.
let backendReady = null;
function backend() {
  backendReady ??= selectBackend();
  return backendReady;
}
// Start choosing it at once, in parallel with the sign-in check, unless she reads on the server.
$('read-on-server').checked = readOnServerChosen();
if (!$('read-on-server').checked) backend().catch(() => {}); // the failure shows when the model loads




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
  showReadingMode();
  if (!$('read-on-server').checked) prepareModel().catch(() => {}); // shown in the fallback notice
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
    state.uploaded = null;
    $('reading').hidden = true;
    showHeatmapInfo(null);
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
    let backendName;
    try {
      backendName = await backend();
    } catch (error) {
      throw modelUnavailable(error);
    }
    setStatus('Finding the current model…');
    const pkg = await activePackage(MODEL_NAME);
    setStatus(`Loading model ${pkg.name} ${pkg.version} on ${backendName}…`);
    let model;
    try {
      model = await loadModel(pkg.base_url, {
        onProgress: (fraction) => setStatus(`Loading model ${pkg.name} ${pkg.version} on ${backendName}… ${Math.round(fraction * 100)}%`),
      });
    } catch (error) {
      throw modelUnavailable(error);
    }
    state.model = model;
    state.modelError = null;
    showReadingMode();
    setStatus(`Model ${pkg.name} ${pkg.version} ready in this browser (${backendName}).`);
    return model;
  })();
  state.modelLoading.catch((error) => {
    state.modelLoading = null; // the next file tries again
    state.modelError = error;
    showReadingMode();
    setStatus(`${error.message} Images you add to your case are read on the server instead.`);
  });
  return state.modelLoading;
}

/** No TF.js backend, or model files that would not load: say so plainly; the server still reads. */
function modelUnavailable(cause) {
  const error = new Error(`The model cannot run in this browser (${cause.message}).`);
  error.cause = cause;
  return error;
}

/** Headings, notes and the fallback notice for browser or server reading. */
function showReadingMode() {
  const onServer = $('read-on-server').checked;
  $('read-title').textContent = onServer || state.modelError ? 'Add an X-ray to be read on the server' : 'Read an X-ray in this browser';
  $('read-note').textContent = onServer
    ? 'The image is sent to the server and read there when you add it to your case.'
    : 'The image stays on this device while it is read; it is sent only if you add it to your case.';
  const notice = !onServer && state.modelError
    ? `${state.modelError.message} Images you add to your case are read on the server instead.`
    : '';
  $('fallback-notice').textContent = notice;
  $('fallback-notice').hidden = !notice;
}

async function readFile(file) {
  state.reading = null;
  state.file = file;
  state.serverReason = null;
  $('add-to-case').disabled = true;
  $('add-to-case').textContent = 'Add to my case';
  if ($('read-on-server').checked) {
    offerServerReading(file, 'chosen');
    return;
  }
  let model;
  try {
    model = await prepareModel();
  } catch (error) {
    if (state.file === file) offerServerReading(file, 'model', error);
    return;
  }
  if (state.file !== file) return; // another file was chosen meanwhile
  let read;
  const started = performance.now();
  try {
    setStatus(`Reading ${file.name} in this browser…`);
    read = await readImage(model, file);
  } catch (error) {
    // A file this browser cannot decode (e.g. JPEG 2000 DICOM): the server can still read it.
    if (state.file === file) offerServerReading(file, 'file', error);
    return;
  }
  if (state.file !== file) return;
  const { reading, pixels } = read;
  if (reading.status === 'refused') {
    showRefused(file, reading, performance.now() - started);
    return;
  }
  drawReading($('canvas'), pixels, reading.heatmap, { opacity: HEATMAP_OPACITY });
  const totalMs = performance.now() - started;
  state.reading = reading;
  $('refusal').hidden = true;
  $('canvas').hidden = false;
  $('canvas').setAttribute('aria-label', reading.heatmap
    ? `The X-ray, with the heat map of the evidence for ${reading.heatmapLabel ?? reading.label} over its centre square`
    : 'The X-ray');
  showHeatmapInfo(reading);
  $('result').replaceChildren(...definitionList([['Image', file.name], ...browserReadingRows(reading, totalMs, model.metadata)]));
  $('reading').hidden = false;
  $('add-to-case').disabled = false;
  setStatus(`Read ${file.name} in ${totalMs.toFixed(0)} ms. Nothing has been sent.`);
}

/**
 * The heat map's legend when the reading has a map; otherwise why there is none.
 *
 * @param {import('./model.js').Reading|null} reading null: neither
 */
function showHeatmapInfo(reading) {
  const label = reading?.heatmapLabel ?? reading?.label;
  const legend = reading?.heatmap ? [heatmapLegend(label)] : [];
  $('heatmap-legend').replaceChildren(...legend);
  $('heatmap-legend').hidden = !legend.length;
  const note = reading && !reading.heatmap && reading.heatmapLabel ? noHeatmapText(reading.heatmapLabel) : '';
  $('heatmap-note').textContent = note;
  $('heatmap-note').hidden = !note;
}

/**
 * The model (or the DICOM header) refused the image: say why, and show no reading.
 * She may still add the image to her case; it is recorded as not read.
 *
 * @param {File} file
 * @param {import('./model.js').Reading} reading a refused one
 * @param {number} totalMs
 */
function showRefused(file, reading, totalMs) {
  state.reading = reading;
  $('canvas').hidden = true;
  showHeatmapInfo(null);
  $('refusal').textContent = reading.refusal;
  $('refusal').hidden = false;
  $('result').replaceChildren(...definitionList([['Image', file.name], ...browserReadingRows(reading, totalMs, state.model.metadata)]));
  $('reading').hidden = false;
  $('add-to-case').disabled = false;
  setStatus(`${file.name} was not read: ${reading.refusal} Nothing has been sent.`);
}

/**
 * Offer to add the file for a server reading instead.
 *
 * @param {File} file
 * @param {'chosen'|'model'|'file'} reason she chose it, the model cannot run here, or this browser cannot read the file
 * @param {Error} [error] what went wrong in the browser
 */
function offerServerReading(file, reason, error) {
  state.serverReason = reason;
  $('canvas').hidden = true;
  $('refusal').hidden = true;
  showHeatmapInfo(null);
  $('result').replaceChildren(...definitionList([
    ['Image', `${file.name} (${fileSize(file.size)})`],
    ['Reading', reason === 'chosen'
      ? 'on the server, once you add the image to your case.'
      : `not possible in this browser (${error.message}). If you add the image to your case, the server reads it instead.`],
  ]));
  $('reading').hidden = false;
  $('add-to-case').textContent = 'Add to my case (read on the server)';
  $('add-to-case').disabled = false;
  setStatus({
    chosen: `${file.name} will be read on the server once you add it to your case. Nothing has been sent yet.`,
    model: `${error?.message} Add the image to your case to have it read on the server. Nothing has been sent yet.`,
    file: 'This image cannot be read in this browser. Nothing has been sent.',
  }[reason]);
}

/** Ask the server to read an uploaded image, and wait for the answer. */
async function serverReading(caseId, image) {
  setStatus('The server is reading the image…');
  const reading = await requestServerReading(caseId, image.id, MODEL_NAME, { waitMs: SERVER_READING_WAIT_MS });
  if (reading.status === 'failed') throw new Error(`the server could not read the image (${reading.error})`);
  if (!['succeeded', 'refused'].includes(reading.status)) {
    throw new Error('the server has not read the image yet; it will appear in your case when it has');
  }
  const metadata = await packageMetadata(reading.model_name, reading.model_version);
  const rows = serverReadingRows(reading, state.serverReason, metadata);
  $('result').replaceChildren(...definitionList([['Image', image.original_filename], ...rows]));
  $('refusal').textContent = reading.refusal ?? '';
  $('refusal').hidden = reading.status !== 'refused';
  return reading;
}

/**
 * Upload a file to the case with XMLHttpRequest, which (unlike fetch) reports upload progress.
 * Refusals become ApiErrors with the API's message, as api() makes them.
 *
 * @param {number} caseId
 * @param {File} file
 * @param {(loaded: number, total: number) => void} onProgress
 * @returns {Promise<object>} the new image
 */
async function uploadImage(caseId, file, onProgress) {
  const { csrf_token: token } = await api('/auth/csrf/');
  const form = new FormData();
  form.append('file', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/cases/${caseId}/images/`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRFToken', token);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('error', () => reject(new ApiError('Could not reach the server. Check your connection and try again.')));
    xhr.addEventListener('load', () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // A proxy's HTML error page, say: fall through to the status line.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else if (data?.error) reject(new ApiError(errorMessage(data.error), { status: xhr.status, ...data.error }));
      else reject(new ApiError(`The server answered ${xhr.status} ${xhr.statusText}.`, { status: xhr.status, code: 'http_error' }));
    });
    xhr.send(form);
  });
}

/** Upload the chosen file, then attach the reading computed here to it (or have the server read it). */
async function addToCase() {
  const { caseId, file, reading } = state;
  if (!caseId || !file) return;
  $('add-to-case').disabled = true;
  // Uploaded already, but the reading was refused: a retry must not upload the file twice.
  let image = state.uploaded?.file === file ? state.uploaded.image : null;
  try {
    if (!image) {
      const uploading = `Uploading ${file.name} (${fileSize(file.size)})…`;
      setStatus(uploading);
      // The request is the file plus a few hundred bytes of form; say it in the file's own size.
      image = await uploadImage(caseId, file, (loaded, total) => {
        const fraction = loaded / total;
        setStatus(`${uploading} ${fileSize(fraction * file.size)} of ${fileSize(file.size)} (${Math.round(100 * fraction)}%)`);
      });
      state.uploaded = { file, image };
    }
    if (reading) {
      setStatus('Saving the reading…');
      await api(`/cases/${caseId}/readings/`, { method: 'POST', json: browserReadingPayload(reading, { image: image.id }) });
    }
  } catch (error) {
    $('add-to-case').disabled = false; // let the patient try again
    $('add-to-case').focus();
    throw error;
  }
  state.file = null; // added once; choosing a file again (even the same one) reads it afresh
  state.uploaded = null;
  $('file').value = '';
  $('add-to-case').textContent = 'Added to your case';
  if (!reading) {
    let read;
    try {
      read = await serverReading(caseId, image);
    } finally {
      await showAdded(caseId);
    }
    setStatus(read.status === 'refused'
      ? `The image was added to your case; the server did not read it: ${read.refusal}`
      : 'The image was added to your case and read on the server.');
    return;
  }
  await showAdded(caseId);
  setStatus(reading.status === 'refused'
    ? `The image was added to your case, without a reading: ${reading.refusal}`
    : 'The image and its reading were added to your case.');
}

/** Show the case with the image just added; focus moves to its list, since the button is now disabled. */
async function showAdded(caseId) {
  await openCase(caseId, { keepReading: true });
  await refreshCases();
  $('case-readings-title').focus();
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
$('read-on-server').addEventListener('change', () => {
  const onServer = $('read-on-server').checked;
  try {
    localStorage.setItem(READ_ON_SERVER_KEY, String(onServer));
  } catch {
    // storage blocked: the choice holds for this page only
  }
  showReadingMode();
  if (state.file) act(() => readFile(state.file)); // offer the chosen file the new way
  else if (!onServer && state.user) prepareModel().catch(() => {}); // shown in the fallback notice
});
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
