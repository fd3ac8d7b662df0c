// One image file through a model, as every page reads it: the DICOM header
// check (before the model runs), decoding, then the model and its input gate.
import { decodeImage, sniffImageType, toBytes } from './decode.js';
import { dicomHeader } from './dicom.js';

/** How much of a file's start the type is sniffed from: "DICM" ends at byte 132. */
export const SNIFF_BYTES = 132;

/**
 * Why neither this browser nor the server can read a file, from its first bytes (sniffed as the
 * server does, training/decoding.py); null when it is a PNG, JPEG or DICOM file. Deciding this
 * here means a PDF or a text file is refused before a byte of it is sent.
 *
 * @param {Uint8Array} head the file's first SNIFF_BYTES bytes (or all of a shorter file)
 * @param {string} [name] the file's name, for the message
 * @returns {string|null}
 */
export function unreadableFileReason(head, name = 'This file') {
  if (sniffImageType(head) !== null) return null;
  const what = head.length === 0 ? 'is empty' : 'is not a PNG, JPEG or DICOM image';
  return `${name} ${what}, so it cannot be read here or on the server. Nothing has been sent. `
    + 'Choose an image saved as PNG, JPEG or DICOM.';
}

/**
 * unreadableFileReason for a chosen file, reading only its first bytes.
 *
 * @param {Blob & {name?: string}} file
 * @returns {Promise<string|null>}
 */
export async function fileRefusal(file) {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  return unreadableFileReason(head, file.name || undefined);
}

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
