// One image file through a model, as every page reads it: the DICOM header
// check (before the model runs), decoding, then the model and its input gate.
import { decodeImage, sniffImageType, toBytes } from './decode.js';
import { dicomHeader } from './dicom.js';

/**
 * Read a file with a loaded model.
 *
 * @param {import('./model.js').Classifier} model
 * @param {Blob|ArrayBuffer|Uint8Array} file
 * @returns {Promise<{reading: import('./model.js').Reading, pixels: import('./decode.js').Pixels|null,
 *   timings: {decodeMs: number, predictMs: number}}>} pixels is null when the DICOM header refused
 *   the file (it is not decoded then)
 * @throws {import('./errors.js').UnsupportedInBrowserError} a file only the server decodes
 * @throws {import('./errors.js').ImageDecodeError} not a readable PNG, JPEG or DICOM
 */
export async function readImage(model, file) {
  const started = performance.now();
  const bytes = await toBytes(file);
  if (sniffImageType(bytes) === 'dicom') {
    const refused = model.checkDicomHeader(dicomHeader(bytes));
    if (refused) return { reading: refused, pixels: null, timings: { decodeMs: performance.now() - started, predictMs: 0 } };
  }
  const pixels = await decodeImage(bytes, { channels: model.channels });
  const decoded = performance.now();
  const reading = await model.predict(pixels);
  return { reading, pixels, timings: { decodeMs: decoded - started, predictMs: performance.now() - decoded } };
}
