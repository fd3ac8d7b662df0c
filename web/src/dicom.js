// Uncompressed DICOM to 8-bit grayscale, in plain JavaScript.
//
// Mirrors the server's decoder (training/decoding.py `_decode_dicom`, pydicom):
// first frame, unused high bits masked (sign-extended when signed), modality
// rescale, window (LINEAR / LINEAR_EXACT / SIGMOID) when both Window Center and
// Width are present, then a min-max stretch to 0..255 with round-half-to-even,
// MONOCHROME1 inverted. Same float64 arithmetic in the same order, so the
// pixels come out identical.
//
// Differences, all sent to the server via UnsupportedInBrowserError so the
// reading still matches what the server would compute: compressed or big-endian
// transfer syntaxes, Modality LUT / VOI LUT sequences (tables instead of
// rescale/window), photometric interpretations other than MONOCHROME1/2, and
// bit depths other than 8/16. Colour DICOM fails as it does on the server.
import { ImageDecodeError, UnsupportedInBrowserError } from './errors.js';

const PREAMBLE_BYTES = 128;
const IMPLICIT_LITTLE = '1.2.840.10008.1.2';
const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';
// Explicit-VR elements with these VRs have 2 reserved bytes and a 32-bit length.
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;

const TAG = {
  transferSyntax: 0x00020010,
  samplesPerPixel: 0x00280002,
  photometric: 0x00280004,
  numberOfFrames: 0x00280008,
  rows: 0x00280010,
  columns: 0x00280011,
  bitsAllocated: 0x00280100,
  bitsStored: 0x00280101,
  pixelRepresentation: 0x00280103,
  windowCenter: 0x00281050,
  windowWidth: 0x00281051,
  rescaleIntercept: 0x00281052,
  rescaleSlope: 0x00281053,
  voiLutFunction: 0x00281056,
  modalityLutSequence: 0x00283000,
  voiLutSequence: 0x00283010,
  pixelData: 0x7fe00010,
};
const WANTED = new Set(Object.values(TAG));

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
  const stored = firstFrame(elements, rows, columns);
  const rescale = modalityRescale(elements);
  const window = elements.has(TAG.windowCenter) && elements.has(TAG.windowWidth) ? windowing(elements) : (v) => v;
  const data = stretchToBytes(stored, (v) => window(rescale(v)), photometric === 'MONOCHROME1');
  return { width: columns, height: rows, channels: 1, data };
}

/** The first frame's stored values, unused high bits removed as pydicom does. */
function firstFrame(elements, rows, columns) {
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
  const frameBytes = count * bytesPerValue;
  if (length === UNDEFINED_LENGTH || length < frameBytes || offset + frameBytes > elements.bytes.length) {
    throw new ImageDecodeError('DICOM pixel data is shorter than its rows and columns say (truncated?)');
  }
  // Copy the frame so 16-bit values are aligned; typed arrays read them in the
  // platform's byte order, little endian on every browser platform.
  const frame = elements.bytes.slice(offset, offset + frameBytes);
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

/**
 * Walk the meta group and the top-level data set, remembering where the few
 * elements we need are; sequences are skipped (only "has items" is kept).
 */
function readElements(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = new Map();
  const text = (offset, length) => String.fromCharCode(...bytes.subarray(offset, offset + length));
  if (bytes.length < PREAMBLE_BYTES + 4 || text(PREAMBLE_BYTES, 4) !== 'DICM') {
    throw new ImageDecodeError('not a DICOM file (no "DICM" after the 128-byte preamble)');
  }
  const need = (offset, n) => {
    if (offset + n > bytes.length) throw new ImageDecodeError('DICOM file is truncated');
  };

  // Reads one element header at `offset`; returns its tag, value offset and length.
  const header = (offset, explicit) => {
    need(offset, 8);
    const tag = ((view.getUint16(offset, true) << 16) | view.getUint16(offset + 2, true)) >>> 0;
    if (tag >>> 16 === 0xfffe || !explicit) {
      return { tag, vr: null, valueOffset: offset + 8, length: view.getUint32(offset + 4, true) };
    }
    const vr = text(offset + 4, 2);
    if (LONG_VRS.has(vr)) {
      need(offset, 12);
      return { tag, vr, valueOffset: offset + 12, length: view.getUint32(offset + 8, true) };
    }
    return { tag, vr, valueOffset: offset + 8, length: view.getUint16(offset + 6, true) };
  };

  // Skips a sequence of undefined length; returns the offset after it and whether it had items.
  const skipSequence = (offset, explicit) => {
    let hadItems = false;
    for (;;) {
      const item = header(offset, false);
      offset = item.valueOffset;
      if (item.tag === SEQUENCE_END) return { offset, hadItems };
      if (item.tag !== ITEM) throw new ImageDecodeError('malformed DICOM sequence');
      hadItems = true;
      offset = item.length === UNDEFINED_LENGTH ? walk(offset, explicit, ITEM_END, null) : offset + item.length;
    }
  };

  // Walks elements until `stopTag` (an item end) or, at the top level, the end of the file.
  const walk = (offset, explicit, stopTag, record) => {
    while (offset < bytes.length) {
      const element = header(offset, explicit);
      if (element.tag === stopTag) return element.valueOffset;
      if (record && element.tag >>> 16 !== 0x0002 && record.metaOnly) return offset;
      let next;
      let hadItems = element.length > 0;
      if (element.length === UNDEFINED_LENGTH) {
        if (element.tag === TAG.pixelData) {
          // Encapsulated pixel data under a native transfer syntax: nothing we can read.
          record?.set(element.tag, { offset: element.valueOffset, length: element.length });
          return bytes.length;
        }
        ({ offset: next, hadItems } = skipSequence(element.valueOffset, explicit));
      } else {
        next = element.valueOffset + element.length;
        need(element.valueOffset, element.tag === TAG.pixelData ? 0 : element.length);
      }
      if (record && WANTED.has(element.tag)) {
        record.set(element.tag, { offset: element.valueOffset, length: element.length, hadItems });
      }
      offset = next;
    }
    if (stopTag !== null) throw new ImageDecodeError('DICOM file is truncated inside a sequence');
    return offset;
  };

  // The meta group (0002) is always explicit VR little endian; it tells the rest.
  const meta = new Map();
  meta.metaOnly = true;
  const dataStart = walk(PREAMBLE_BYTES + 4, true, null, meta);
  const syntaxAt = meta.get(TAG.transferSyntax);
  const syntax = syntaxAt ? text(syntaxAt.offset, syntaxAt.length).replace(/[\0 ]+$/, '') : '';
  for (const [tag, where] of meta) found.set(tag, where);
  if (syntax === IMPLICIT_LITTLE || syntax === EXPLICIT_LITTLE) {
    walk(dataStart, syntax === EXPLICIT_LITTLE, null, found);
  }
  return elementReader(view, bytes, found, text);
}

function elementReader(view, bytes, found, text) {
  const string = (tag) => {
    const at = found.get(tag);
    return at ? text(at.offset, at.length).replace(/[\0 ]+$/, '').trim() : null;
  };
  return {
    bytes,
    // An element present with an empty value counts as absent, as in pydicom.
    has: (tag) => (found.get(tag)?.length ?? 0) > 0,
    get: (tag) => found.get(tag),
    hasItems: (tag) => Boolean(found.get(tag)?.hadItems),
    string,
    uint16: (tag) => {
      const at = found.get(tag);
      return at && at.length >= 2 ? view.getUint16(at.offset, true) : null;
    },
    // Decimal String values may hold several (backslash-separated): the first one wins, as in pydicom.
    number: (tag) => {
      const value = Number.parseFloat(string(tag).split('\\')[0]);
      if (!Number.isFinite(value)) throw new ImageDecodeError(`DICOM element ${tag.toString(16)} is not a number`);
      return value;
    },
  };
}
