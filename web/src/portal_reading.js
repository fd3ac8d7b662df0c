// Portal: reading the chosen X-ray in this browser and showing the reading, or, when she chose
// it or the browser cannot, offering to have the server read it once it is added to her case.
import { api } from './api.js';
import { loadActiveModelForExamType } from './browser_model.js';
import { browserReadingBlock, definitionList, detailsDisclosure, fileSize } from './cases.js';
import { noHeatmapText } from './decision.js';
import { heatmapLegend } from './heatmap_legend.js';
import { dicomHeader, drawReading, readImage, sniffImageType, toBytes } from './inference.js';
import { examTypeLabel, examTypeSwitchedText, fileFieldLabel, otherExamTypeText, proposedExamType } from './exam_types.js';
import { modelPackages } from './model_packages.js';
import { $, element, setStatus } from './page.js';
import { state } from './portal_state.js';
import { fileRefusal, SNIFF_BYTES } from './read_image.js';

const HEATMAP_OPACITY = 0.45;
/** localStorage key of the patient's choice to have her images read on the server only. */
const READ_ON_SERVER_KEY = 'portal.readOnServer';
const SERVER_INSTEAD = 'Images you add to your case are read on the server instead.';

/** Whether she chose, on this device, to have her images read on the server. */
export function readOnServerChosen() {
  try {
    return localStorage.getItem(READ_ON_SERVER_KEY) === 'true';
  } catch {
    return false; // storage blocked: browser reading, the default
  }
}

/** Remember her choice on this device. */
export function rememberReadOnServer(onServer) {
  try {
    localStorage.setItem(READ_ON_SERVER_KEY, String(onServer));
  } catch {
    // storage blocked: the choice holds for this page only
  }
}

/** The model for each exam type, loading or loaded: exam type -> promise of the model. */
const modelLoading = new Map();

/**
 * The model loader's progress in the patient's words: how far it is, without the model's name,
 * version or TF.js backend (those are in each reading's details).
 *
 * @param {string} text what the loader says, e.g. "Loading chest-xray-pneumonia 2.0.0… 45%"
 * @returns {string}
 */
export function plainLoadingText(text) {
  if (/ready/i.test(text)) return 'This browser is ready to read your images.';
  const done = text.match(/(\d+)%\s*$/);
  return `Getting this browser ready to read your images…${done ? ` ${done[1]}%` : ''}`;
}

/**
 * Load the active model for the open case's exam type (chest X-ray before a case is open), once
 * per exam type; later calls share the same promise, and a failure lets the next call try again.
 *
 * @param {string} [examType]
 * @returns {Promise<import('./model.js').Classifier>}
 */
export function prepareModel(examType = state.examType) {
  if (!modelLoading.has(examType)) {
    const loading = loadActiveModelForExamType(examType, { onStatus: (text) => setStatus(plainLoadingText(text)) });
    modelLoading.set(examType, loading);
    loading.then((model) => {
      if (state.examType !== examType) return; // another case opened meanwhile
      state.model = model;
      state.modelError = null;
      showReadingMode();
    }, (error) => {
      modelLoading.delete(examType);
      if (state.examType !== examType) return;
      state.model = null;
      state.modelError = error;
      showReadingMode();
      setStatus(`${error.message} ${SERVER_INSTEAD}`);
    });
  }
  return modelLoading.get(examType);
}

/**
 * Show the open case's exam type, name it on the file field, and read its images with its model.
 *
 * @param {string} examType e.g. "breast_ultrasound"
 */
export async function showExamType(examType) {
  $('exam-type-note').hidden = true;
  const label = examTypeLabel(examType, await modelPackages().catch(() => []));
  $('case-exam-type').textContent = label;
  $('file-label').textContent = fileFieldLabel(label);
  state.examTypeLabel = label;
  showReadingMode();
  if (state.examType === examType) return;
  state.examType = examType;
  state.model = null;
  state.modelError = null;
  showReadingMode();
  if (!$('read-on-server').checked && state.user) prepareModel().catch(() => {}); // shown in the fallback notice
}

/**
 * When a DICOM file's header names another exam type than the case's: an empty case becomes a
 * case of that exam type (said beside the file field); a case holding images keeps its own, and
 * the file is neither read nor offered for it.
 *
 * @param {File} file
 * @returns {Promise<boolean>} false when the file does not belong in this case
 */
async function followDicomExamType(file) {
  if (sniffImageType(await toBytes(file.slice(0, SNIFF_BYTES))) !== 'dicom') return true;
  const bytes = await toBytes(file);
  let packages;
  try {
    packages = await modelPackages();
  } catch {
    return true; // no proposal without the list; the server still checks the exam type
  }
  const proposed = proposedExamType(dicomHeader(bytes), packages);
  if (!proposed || proposed === state.examType) return true;
  const label = examTypeLabel(proposed, packages);
  if (state.caseImageCount > 0) {
    state.file = null;
    $('reading').hidden = true;
    const text = otherExamTypeText(file.name, label, examTypeLabel(state.examType, packages));
    showFileRefused(text);
    setStatus(text);
    return false;
  }
  await api(`/cases/${state.caseId}/`, { method: 'PATCH', json: { exam_type: proposed } });
  await showExamType(proposed);
  const text = examTypeSwitchedText(file.name, label);
  $('exam-type-note').textContent = text;
  $('exam-type-note').hidden = false;
  setStatus(text);
  return true;
}

/** Headings, notes and the fallback notice for browser or server reading. */
export function showReadingMode() {
  const onServer = $('read-on-server').checked;
  const examType = state.examTypeLabel ?? 'Chest X-ray';
  $('read-title').textContent = `${examType}: ${onServer || state.modelError ? 'read on the server' : 'read in this browser'}`;
  $('read-note').textContent = onServer
    ? 'The image is sent to the server and read there when you add it to your case.'
    : 'The image stays on this device while it is read; it is sent only if you add it to your case.';
  const notice = !onServer && state.modelError ? `${state.modelError.message} ${SERVER_INSTEAD}` : '';
  $('fallback-notice').textContent = notice;
  $('fallback-notice').hidden = !notice;
}

/**
 * Read the chosen file in this browser and show the reading; nothing is sent. Falls back to
 * offering a server reading when she chose that, or the model or the file cannot be read here.
 *
 * @param {File} file
 */
export async function readFile(file) {
  state.reading = null;
  state.file = file;
  state.serverReason = null;
  $('add-to-case').disabled = true;
  $('add-to-case').textContent = 'Add to my case';
  showFileRefused(null);
  $('exam-type-note').hidden = true;
  // Not a PNG, JPEG or DICOM file: no reader here or on the server can read it, so it is
  // neither read nor offered to the server.
  const refusal = await fileRefusal(file);
  if (state.file !== file) return; // another file was chosen meanwhile
  if (refusal) {
    state.file = null;
    $('reading').hidden = true;
    showFileRefused(refusal);
    setStatus(`${file.name} was not sent.`);
    return;
  }
  if (!(await followDicomExamType(file)) || state.file !== file) return;
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
    ? `The image, with the heat map of the evidence for ${reading.heatmapLabel ?? reading.label} over its centre square`
    : 'The image');
  showHeatmapInfo(reading);
  $('result').replaceChildren(...browserReadingBlock(reading, totalMs, model.metadata, file.name));
  $('reading').hidden = false;
  $('add-to-case').disabled = false;
  setStatus(`Read ${file.name} in this browser. Nothing has been sent.`);
}

/** Clear the reading shown, and the file chosen, as when another case opens. */
export function clearReading() {
  state.reading = null;
  state.file = null;
  state.uploaded = null;
  $('reading').hidden = true;
  showFileRefused(null);
  showHeatmapInfo(null);
  $('file').value = '';
}

/**
 * Say, next to the file input, why the file chosen was refused before anything was sent.
 *
 * @param {string|null} refusal null: clear it
 */
export function showFileRefused(refusal) {
  $('file-refused').textContent = refusal ?? '';
  $('file-refused').classList.toggle('refusal', Boolean(refusal));
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
  $('result').replaceChildren(...browserReadingBlock(reading, totalMs, state.model.metadata, file.name));
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
  $('result').replaceChildren(element('dl', {}, definitionList([
    ['Image', `${file.name} (${fileSize(file.size)})`],
    ['Reading', reason === 'chosen'
      ? 'on the server, once you add the image to your case.'
      : 'not possible in this browser. If you add the image to your case, the server reads it instead.'],
  ])), ...(error ? [detailsDisclosure([['Why', error.message]])] : []));
  $('reading').hidden = false;
  $('add-to-case').textContent = 'Add to my case (read on the server)';
  $('add-to-case').disabled = false;
  setStatus({
    chosen: `${file.name} will be read on the server once you add it to your case. Nothing has been sent yet.`,
    model: `${error?.message} Add the image to your case to have it read on the server. Nothing has been sent yet.`,
    file: 'This image cannot be read in this browser. Nothing has been sent.',
  }[reason]);
}
