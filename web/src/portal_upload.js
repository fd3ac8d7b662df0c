// Portal: adding the chosen image to the open case, with the reading made in this browser, or
// for the server to read.
import { api, upload } from './api.js';
import { fileSize, serverReadingBlock } from './cases.js';
import { browserReadingPayload } from './inference.js';
import { packageMetadata } from './model_packages.js';
import { $, setStatus } from './page.js';
import { openCase, refreshCases } from './portal_cases.js';
import { showFileRefused } from './portal_reading.js';
import { state } from './portal_state.js';
import { fileRefusal } from './read_image.js';
import { requestServerReading } from './server_readings.js';

const SERVER_READING_WAIT_MS = 120_000;

/** Upload the chosen file, then attach the reading computed here to it (or have the server read it). */
export async function addToCase() {
  const { caseId, file, reading } = state;
  if (!caseId || !file) return;
  $('add-to-case').disabled = true;
  // Uploaded already, but the reading was refused: a retry must not upload the file twice.
  let image = state.uploaded?.file === file ? state.uploaded.image : null;
  try {
    if (!image) {
      // Checked again here: no file the server must refuse is sent, however it was chosen.
      const refusal = await fileRefusal(file);
      if (refusal) {
        state.file = null;
        $('reading').hidden = true;
        showFileRefused(refusal);
        return;
      }
      const uploading = `Uploading ${file.name} (${fileSize(file.size)})…`;
      setStatus(uploading);
      // The request is the file plus a few hundred bytes of form; say it in the file's own size.
      image = await upload(`/cases/${caseId}/images/`, file, (loaded, total) => {
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

/** Ask the server to read an uploaded image, wait for the answer, and show it. */
async function serverReading(caseId, image) {
  setStatus('The server is reading the image…');
  // No model named: the server reads it with the active model for the case's exam type.
  const reading = await requestServerReading(caseId, image.id, null, { waitMs: SERVER_READING_WAIT_MS });
  if (reading.status === 'failed') throw new Error(`the server could not read the image (${reading.error})`);
  if (!['succeeded', 'refused'].includes(reading.status)) {
    throw new Error('the server has not read the image yet; it will appear in your case when it has');
  }
  const metadata = await packageMetadata(reading.model_name, reading.model_version);
  $('result').replaceChildren(...serverReadingBlock(reading, state.serverReason, metadata, image.original_filename));
  $('refusal').textContent = reading.refusal ?? '';
  $('refusal').hidden = reading.status !== 'refused';
  return reading;
}

/**
 * Show the case with the image just added. Focus moves to the message beside the button (the
 * button is now disabled), so that she reads what happened where she acted.
 */
async function showAdded(caseId) {
  await openCase(caseId, { keepReading: true });
  await refreshCases();
  $('add-to-case-status')?.focus();
}
