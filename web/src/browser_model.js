// The model in this browser: TF.js's backend, chosen once per page, and the active version of a
// model loaded from the API's list. No page elements here: progress is reported through onStatus.
import { loadModel, selectBackend } from './inference.js';
import { activePackage, activePackageForExamType } from './model_packages.js';

let backendReady = null;

/**
 * Choose TF.js's backend, once per page (TF.js holds one); later calls share the answer.
 *
 * @returns {Promise<string>} the backend's name
 */
export function chooseBackend() {
  backendReady ??= selectBackend();
  return backendReady;
}

/**
 * Load the version of `name` the API marks active, on this page's backend.
 *
 * @param {string} name e.g. "chest-xray-pneumonia"
 * @param {{onStatus: (text: string) => void}} options what is happening, in a sentence
 * @returns {Promise<import('./model.js').Classifier>}
 * @throws {Error} "The model cannot run in this browser (…)" without a backend or when the files
 *   will not load; the server still reads images then
 */
export async function loadActiveModel(name, { onStatus }) {
  return loadChosenPackage(() => activePackage(name), { onStatus });
}

/**
 * Load the active model for an exam type (the package whose metadata names it), on this page's backend.
 *
 * @param {string} examType e.g. "breast_ultrasound"
 * @param {{onStatus: (text: string) => void}} options what is happening, in a sentence
 * @returns {Promise<import('./model.js').Classifier>}
 * @throws {Error} as loadActiveModel; also when no active model reads that exam type
 */
export async function loadActiveModelForExamType(examType, { onStatus }) {
  return loadChosenPackage(() => activePackageForExamType(examType), { onStatus });
}

async function loadChosenPackage(choose, { onStatus }) {
  let backendName;
  try {
    backendName = await chooseBackend();
  } catch (error) {
    throw modelUnavailable(error);
  }
  onStatus('Finding the current model…');
  const pkg = await choose();
  const loading = `Loading model ${pkg.name} ${pkg.version} on ${backendName}…`;
  onStatus(loading);
  let model;
  try {
    model = await loadModel(pkg.base_url, { onProgress: (fraction) => onStatus(`${loading} ${Math.round(fraction * 100)}%`) });
  } catch (error) {
    throw modelUnavailable(error);
  }
  onStatus(`Model ${pkg.name} ${pkg.version} ready in this browser (${backendName}).`);
  return model;
}

/** No TF.js backend, or model files that would not load: say so plainly. */
function modelUnavailable(cause) {
  const error = new Error(`The model cannot run in this browser (${cause.message}).`);
  error.cause = cause;
  return error;
}
