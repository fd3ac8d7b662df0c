// Where things are in a DICOM file: the meta group and the top-level data set
// elements that decoding and the header check need, read in little endian
// (implicit or explicit VR). Sequences are skipped; only whether they hold items is kept.
import { ImageDecodeError } from './errors.js';

const PREAMBLE_BYTES = 128;
export const IMPLICIT_LITTLE = '1.2.840.10008.1.2';
export const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';
// Data sets not in little-endian explicit or implicit VR: their headers are left to the server.
const EXPLICIT_BIG = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
// Explicit-VR elements with these VRs have 2 reserved bytes and a 32-bit length.
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
export const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;

// The elements decoding and the header check need (group << 16 | element).
export const TAG = {
  transferSyntax: 0x00020010,
  modality: 0x00080060,
  bodyPartExamined: 0x00180015,
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
 * Walk the meta group and, for uncompressed little-endian transfer syntaxes, the
 * top-level data set, remembering where the elements in TAG are.
 *
 * @param {Uint8Array} bytes the whole file
 * @param {{anySyntax?: boolean}} [options] also walk the data set of compressed
 *   files (little-endian explicit VR, pixel data encapsulated), for their header
 * @returns {object} lookups: has, get, hasItems, string, uint16, number; the bytes; and
 *   dataSetRead, whether the data set was walked (else only the meta group was)
 * @throws {ImageDecodeError} not DICOM, or truncated
 */
export function readElements(bytes, { anySyntax = false } = {}) {
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

  // Walks elements until `stopTag` (an item end), the end of the meta group
  // when `metaOnly`, or the end of the file; records wanted ones in `record`.
  const walk = (offset, explicit, stopTag, record, metaOnly = false) => {
    while (offset < bytes.length) {
      const element = header(offset, explicit);
      if (element.tag === stopTag) return element.valueOffset;
      if (metaOnly && element.tag >>> 16 !== 0x0002) return offset;
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
  const dataStart = walk(PREAMBLE_BYTES + 4, true, null, found, true);
  const syntaxAt = found.get(TAG.transferSyntax);
  const syntax = syntaxAt ? text(syntaxAt.offset, syntaxAt.length).replace(/[\0 ]+$/, '') : '';
  let dataSetRead = true;
  if (syntax === IMPLICIT_LITTLE || syntax === EXPLICIT_LITTLE) {
    walk(dataStart, syntax === EXPLICIT_LITTLE, null, found);
  } else if (anySyntax && syntax && syntax !== EXPLICIT_BIG && syntax !== DEFLATED) {
    walk(dataStart, true, null, found);
  } else {
    dataSetRead = false;
  }
  return { ...elementReader(view, bytes, found, text), dataSetRead };
}

function elementReader(view, bytes, found, text) {
  const string = (tag) => {
    const at = found.get(tag);
    // As the server stores header text: no NUL or other control characters anywhere, trimmed.
    return at ? text(at.offset, at.length).replace(/\p{C}/gu, '').trim() : null;
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
