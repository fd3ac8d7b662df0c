// Uncompressed DICOM to 8-bit grayscale, in plain JavaScript.
//
// Mirrors the server's decoder (training/decoding.py `_decode_dicom`, pydicom):
// the middle frame of a multi-frame file, unused high bits masked (sign-extended when signed), modality
// rescale, window (LINEAR / LINEAR_EXACT / SIGMOID) when both Window Center and
// Width are present, then a min-max stretch to 0..255 with round-half-to-even,
// MONOCHROME1 inverted. Same float64 arithmetic in the same order, so the
// pixels come out identical.
//
// Differences, all sent to the server via UnsupportedInBrowserError so the
// reading still matches what the server would compute: compressed or big-endian
// transfer syntaxes, Modality LUT / VOI LUT sequences (tables instead of
// rescale/window), photometric interpretations other than MONOCHROME1/2, bit
// depths other than 8/16, and images over the decode bound. Colour DICOM fails as it does on the server
// (the server refuses it at upload, so no stored image is one).
import { ImageDecodeError, UnsupportedInBrowserError } from './errors.js';
import { EXPLICIT_LITTLE, IMPLICIT_LITTLE, readElements, TAG, UNDEFINED_LENGTH } from './dicom_elements.js';

// The server's default DECODE_MAX_BYTES (rows x columns x frames x bytes per value): a larger
// image is left to the server, which refuses it or decodes it under its own bound.
const MAX_DECODED_BYTES = 64 * 1024 * 1024;

/**
 * What the header says the image is, for the DICOM header check: Modality
 * (0008,0060) and BodyPartExamined (0018,0015), stripped; null where absent or
 * empty. Compressed files are read too (their data set is little endian); a
 * big-endian or deflated one, or one whose data set cannot be walked, gives
 * null: the server, which reads every syntax, checks it.
 *
 * @param {Uint8Array} bytes the whole file
 * @returns {{modality: string|null, bodyPart: string|null}|null}
 */
export function dicomHeader(bytes) {
  let elements;
  try {
    elements = readElements(bytes, { anySyntax: true });
  } catch {
    return null;
  }
  if (!elements.dataSetRead) return null;
  const value = (tag) => elements.string(tag) || null;
  return { modality: value(TAG.modality), bodyPart: value(TAG.bodyPartExamined) };
}

/**
 * Decode an uncompressed DICOM file to 8-bit grayscale, as the server does.
 *
 * @param {Uint8Array} bytes the whole file (128-byte preamble, "DICM", meta, data set)
 * @returns {{width: number, height: number, channels: 1, data: Uint8Array}}
 * @throws {UnsupportedInBrowserError} valid DICOM that only the server decodes
 * @throws {ImageDecodeError} not a readable DICOM image
 */
export function decodeDicom(bytes) {
  const elements = readElements(bytes);
  const syntax = elements.string(TAG.transferSyntax);
  if (syntax !== IMPLICIT_LITTLE && syntax !== EXPLICIT_LITTLE) {
    throw new UnsupportedInBrowserError(
      `DICOM transfer syntax ${syntax || 'unknown'} (compressed or big endian) is decoded on the server`,
    );
  }
  if (!elements.has(TAG.pixelData)) throw new ImageDecodeError('DICOM file has no pixel data');
  if ((elements.uint16(TAG.samplesPerPixel) ?? 1) !== 1) {
    throw new ImageDecodeError('colour DICOM images are not supported');
  }
  const photometric = elements.string(TAG.photometric);
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new UnsupportedInBrowserError(`DICOM photometric interpretation ${photometric} is decoded on the server`);
  }
  if (elements.hasItems(TAG.modalityLutSequence) || elements.hasItems(TAG.voiLutSequence)) {
    throw new UnsupportedInBrowserError('DICOM lookup-table sequences are decoded on the server');
  }

  const rows = elements.uint16(TAG.rows);
  const columns = elements.uint16(TAG.columns);
  const stored = middleFrame(elements, rows, columns);
  const rescale = modalityRescale(elements);
  const voi = elements.has(TAG.windowCenter) && elements.has(TAG.windowWidth) ? windowing(elements) : (v) => v;
  const data = stretchToBytes(stored, (v) => voi(rescale(v)), photometric === 'MONOCHROME1');
  return { width: columns, height: rows, channels: 1, data };
}

/**
 * The image's values after the modality rescale, before any window, for a viewer's own
 * window/level: 16-bit data stays 16-bit. Same frame, bit masking and rescale as decodeDicom.
 *
 * @param {Uint8Array} bytes the whole file
 * @returns {{width: number, height: number, values: Float32Array, window: {center: number, width: number}|null,
 *   monochrome1: boolean}} `window` is the file's first Window Center / Width, when it has both
 * @throws {UnsupportedInBrowserError} valid DICOM that only the server decodes
 * @throws {ImageDecodeError} not a readable DICOM image
 */
export function decodeDicomValues(bytes) {
  const elements = readElements(bytes);
  const syntax = elements.string(TAG.transferSyntax);
  if (syntax !== IMPLICIT_LITTLE && syntax !== EXPLICIT_LITTLE) {
    throw new UnsupportedInBrowserError(`DICOM transfer syntax ${syntax || 'unknown'} is decoded on the server`);
  }
  if (!elements.has(TAG.pixelData)) throw new ImageDecodeError('DICOM file has no pixel data');
  if ((elements.uint16(TAG.samplesPerPixel) ?? 1) !== 1) throw new ImageDecodeError('colour DICOM images are not supported');
  const photometric = elements.string(TAG.photometric);
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new UnsupportedInBrowserError(`DICOM photometric interpretation ${photometric} is decoded on the server`);
  }
  if (elements.hasItems(TAG.modalityLutSequence)) {
    throw new UnsupportedInBrowserError('DICOM modality lookup tables are decoded on the server');
  }
  const rows = elements.uint16(TAG.rows);
  const columns = elements.uint16(TAG.columns);
  const stored = middleFrame(elements, rows, columns);
  const rescale = modalityRescale(elements);
  const values = new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) values[i] = rescale(stored[i]);
  let window = null;
  if (elements.has(TAG.windowCenter) && elements.has(TAG.windowWidth)) {
    const center = elements.number(TAG.windowCenter);
    const width = elements.number(TAG.windowWidth);
    if (width > 0) window = { center, width };
  }
  return { width: columns, height: rows, values, window, monochrome1: photometric === 'MONOCHROME1' };
}

/**
 * The stored values of the frame the server reads (the middle one of a
 * multi-frame file, the only one otherwise), unused high bits removed as pydicom does.
 */
function middleFrame(elements, rows, columns) {
  const bitsAllocated = elements.uint16(TAG.bitsAllocated);
  const bitsStored = elements.uint16(TAG.bitsStored) ?? bitsAllocated;
  const signed = elements.uint16(TAG.pixelRepresentation) === 1;
  if (!rows || !columns) throw new ImageDecodeError('DICOM image has no rows or columns');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new UnsupportedInBrowserError(`DICOM with ${bitsAllocated} bits allocated is decoded on the server`);
  }
  const count = rows * columns;
  const bytesPerValue = bitsAllocated / 8;
  const { offset, length } = elements.get(TAG.pixelData);
  if (length === UNDEFINED_LENGTH) {
    throw new ImageDecodeError('DICOM pixel data is encapsulated although the transfer syntax says uncompressed');
  }
  const frameBytes = count * bytesPerValue;
  const frames = elements.has(TAG.numberOfFrames) ? Math.max(1, Math.trunc(elements.number(TAG.numberOfFrames))) : 1;
  if (frames * frameBytes > MAX_DECODED_BYTES) {
    throw new UnsupportedInBrowserError(`DICOM of ${frames * frameBytes} decoded bytes is decoded on the server`);
  }
  const start = offset + Math.floor(frames / 2) * frameBytes;
  if (length < frames * frameBytes || start + frameBytes > elements.bytes.length) {
    throw new ImageDecodeError('DICOM pixel data is shorter than its rows and columns say (truncated?)');
  }
  // Copy the frame so 16-bit values are aligned; typed arrays read them in the
  // platform's byte order, little endian on every browser platform.
  const frame = elements.bytes.slice(start, start + frameBytes);
  const raw = bytesPerValue === 2 ? new Uint16Array(frame.buffer) : frame;
  // Shifting left then right by the unused bits keeps Bits Stored bits:
  // masked when unsigned, sign-extended when signed.
  const shift = 32 - bitsStored;
  const values = new Int32Array(count);
  if (signed) for (let i = 0; i < count; i++) values[i] = (raw[i] << shift) >> shift;
  else for (let i = 0; i < count; i++) values[i] = (raw[i] << shift) >>> shift;
  return values;
}

/** Rescale Slope / Intercept (pydicom applies them only when both are present). */
function modalityRescale(elements) {
  if (!elements.has(TAG.rescaleSlope) || !elements.has(TAG.rescaleIntercept)) return (v) => v;
  const slope = elements.number(TAG.rescaleSlope);
  const intercept = elements.number(TAG.rescaleIntercept);
  return (v) => v * slope + intercept;
}

/** pydicom's `apply_windowing` with the first window, including its output range. */
function windowing(elements) {
  let center = elements.number(TAG.windowCenter);
  let width = elements.number(TAG.windowWidth);
  const bitsStored = elements.uint16(TAG.bitsStored) ?? elements.uint16(TAG.bitsAllocated);
  const signed = elements.uint16(TAG.pixelRepresentation) === 1;
  let yMin = signed ? -(2 ** (bitsStored - 1)) : 0;
  let yMax = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  if (elements.has(TAG.rescaleSlope) && elements.has(TAG.rescaleIntercept)) {
    const slope = elements.number(TAG.rescaleSlope);
    const intercept = elements.number(TAG.rescaleIntercept);
    yMin = yMin * slope + intercept;
    yMax = yMax * slope + intercept;
  }
  const yRange = yMax - yMin;
  const fn = (elements.string(TAG.voiLutFunction) || 'LINEAR').toUpperCase();
  if (fn === 'SIGMOID') {
    if (width <= 0) throw new ImageDecodeError('DICOM Window Width must be > 0 for SIGMOID');
    return (v) => yRange / (1 + Math.exp((-4 * (v - center)) / width)) + yMin;
  }
  if (fn === 'LINEAR') {
    if (width < 1) throw new ImageDecodeError('DICOM Window Width must be >= 1 for LINEAR windowing');
    center -= 0.5;
    width -= 1;
  } else if (fn !== 'LINEAR_EXACT') {
    throw new ImageDecodeError(`unsupported DICOM VOI LUT Function ${fn}`);
  } else if (width <= 0) {
    throw new ImageDecodeError('DICOM Window Width must be > 0 for LINEAR_EXACT');
  }
  const low = center - width / 2;
  const high = center + width / 2;
  return (v) => {
    if (v <= low) return yMin;
    if (v > high) return yMax;
    return ((v - center) / width + 0.5) * yRange + yMin;
  };
}

// Stored values are 8 or 16 bits, signed or not: -32768..65535 index one table.
const TABLE_OFFSET = 32768;
const TABLE_SIZE = 32768 + 65536;

/**
 * Min-max stretch to 0..255 (numpy's round half to even), inverted for MONOCHROME1.
 * Each output byte depends only on its stored value and the image's min/max,
 * so the float64 pipeline runs once per distinct stored value, not per pixel.
 */
function stretchToBytes(stored, transform, invert) {
  const seen = new Uint8Array(TABLE_SIZE);
  for (let i = 0; i < stored.length; i++) seen[stored[i] + TABLE_OFFSET] = 1;
  const mapped = new Float64Array(TABLE_SIZE);
  let low = Infinity;
  let high = -Infinity;
  for (let k = 0; k < TABLE_SIZE; k++) {
    if (!seen[k]) continue;
    const v = transform(k - TABLE_OFFSET);
    mapped[k] = v;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const table = new Uint8Array(TABLE_SIZE);
  const span = high - low;
  for (let k = 0; k < TABLE_SIZE; k++) {
    if (!seen[k]) continue;
    // A flat image stretches to zeros (MONOCHROME1 then turns them to 255), as on the server.
    let scaled = span > 0 ? (mapped[k] - low) / span : 0;
    if (invert) scaled = 1.0 - scaled;
    table[k] = roundHalfEven(scaled * 255.0);
  }
  const out = new Uint8Array(stored.length);
  for (let i = 0; i < stored.length; i++) out[i] = table[stored[i] + TABLE_OFFSET];
  return out;
}

/** numpy's `round`: halves go to the even neighbour (Math.round sends them up). */
function roundHalfEven(x) {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) === 1 ? r - 1 : r;
}
