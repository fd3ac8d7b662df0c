// Image file (PNG, JPEG, DICOM) to raw pixels, the only step outside the model.
//
// The type is sniffed from the content, never the file name, as on the server
// (training/decoding.py). PNG and JPEG go through the browser's decoder;
// uncompressed DICOM through dicom.js. Pixels come out as the model's channel
// count: grayscale uses Pillow's "L" formula so browser and server agree.
//
// Both sides turn photos upright by their EXIF orientation. Known differences
// from the server (Pillow): a canvas stores pixels premultiplied, so
// semi-transparent PNG pixels may differ by a grey level. 16-bit PNGs go to the
// server: Pillow clips them to 255 where a browser scales them, and the reading
// must match the server's.
import { decodeDicom } from './dicom.js';
import { ImageDecodeError, UnsupportedInBrowserError } from './errors.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const DICOM_MAGIC_OFFSET = 128; // "DICM" follows a 128-byte preamble
const PNG_BIT_DEPTH_OFFSET = 24; // in the IHDR chunk, which must come first
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * @typedef {object} Pixels
 * @property {number} width
 * @property {number} height
 * @property {number} channels 1 (grayscale) or 3 (RGB)
 * @property {Uint8Array} data row-major, channels interleaved, length width*height*channels
 */

/**
 * "png", "jpeg", "dicom" or null, from the first bytes of a file.
 *
 * @param {Uint8Array} bytes
 * @returns {'png'|'jpeg'|'dicom'|null}
 */
export function sniffImageType(bytes) {
  const startsWith = (magic, at = 0) => magic.every((b, i) => bytes[at + i] === b);
  if (startsWith(PNG_MAGIC)) return 'png';
  if (startsWith(JPEG_MAGIC)) return 'jpeg';
  if (startsWith([0x44, 0x49, 0x43, 0x4d], DICOM_MAGIC_OFFSET)) return 'dicom';
  return null;
}

/**
 * Decode an image file to pixels with the model's channel count.
 *
 * @param {Blob|ArrayBuffer|Uint8Array} file a File from an <input>, a fetched body, or bytes
 * @param {{channels?: number}} [options] 1 for grayscale models, 3 for RGB ones
 * @returns {Promise<Pixels>}
 * @throws {UnsupportedInBrowserError} valid file that only the server decodes (fall back to it)
 * @throws {ImageDecodeError} not a readable PNG, JPEG or DICOM
 */
export async function decodeImage(file, { channels = 1 } = {}) {
  const bytes = await toBytes(file);
  const kind = sniffImageType(bytes);
  if (kind === null) throw new ImageDecodeError('not a PNG, JPEG or DICOM file');
  if (kind === 'dicom') return grayToChannels(decodeDicom(bytes), channels);
  if (kind === 'png' && bytes[PNG_BIT_DEPTH_OFFSET] === 16) {
    throw new UnsupportedInBrowserError('16-bit PNG images are decoded on the server');
  }
  const { width, height, rgba } = await decodeRaster(bytes, kind);
  return { width, height, channels, data: rgbaToChannels(rgba, channels) };
}

/**
 * RGBA pixels to 1 channel (Pillow's "L": L = R*299/1000 + G*587/1000 + B*114/1000,
 * in Pillow's fixed-point rounding) or 3 channels (alpha dropped, as Pillow's "RGB").
 *
 * @param {Uint8Array|Uint8ClampedArray} rgba
 * @param {number} channels 1 or 3
 * @returns {Uint8Array}
 */
export function rgbaToChannels(rgba, channels) {
  const count = rgba.length / 4;
  if (channels === 1) {
    const out = new Uint8Array(count);
    // Pillow's ImagingConvert rgb2l: weights scaled by 2^16, plus a half for rounding.
    if (LITTLE_ENDIAN && rgba.byteOffset % 4 === 0) {
      // One 32-bit read per pixel (R is the low byte) is much faster.
      const words = new Uint32Array(rgba.buffer, rgba.byteOffset, count);
      for (let i = 0; i < count; i++) {
        const v = words[i];
        out[i] = ((v & 255) * 19595 + ((v >>> 8) & 255) * 38470 + ((v >>> 16) & 255) * 7471 + 0x8000) >>> 16;
      }
      return out;
    }
    for (let i = 0, j = 0; i < count; i++, j += 4) {
      out[i] = (rgba[j] * 19595 + rgba[j + 1] * 38470 + rgba[j + 2] * 7471 + 0x8000) >>> 16;
    }
    return out;
  }
  if (channels === 3) {
    const out = new Uint8Array(count * 3);
    for (let i = 0, j = 0, k = 0; i < count; i++, j += 4, k += 3) {
      out[k] = rgba[j];
      out[k + 1] = rgba[j + 1];
      out[k + 2] = rgba[j + 2];
    }
    return out;
  }
  throw new RangeError(`channels must be 1 or 3, got ${channels}`);
}

/**
 * Grayscale pixels to the model's channel count (RGB repeats the grey, as Pillow does).
 *
 * @param {Pixels} gray a 1-channel image
 * @param {number} channels 1 or 3
 * @returns {Pixels}
 */
export function grayToChannels(gray, channels) {
  if (channels === 1) return gray;
  if (channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${channels}`);
  const data = new Uint8Array(gray.data.length * 3);
  for (let i = 0, k = 0; i < gray.data.length; i++, k += 3) {
    data[k] = data[k + 1] = data[k + 2] = gray.data[i];
  }
  return { width: gray.width, height: gray.height, channels: 3, data };
}

async function toBytes(file) {
  if (file instanceof Uint8Array) return file;
  if (file instanceof ArrayBuffer) return new Uint8Array(file);
  if (typeof Blob !== 'undefined' && file instanceof Blob) return new Uint8Array(await file.arrayBuffer());
  throw new TypeError('expected a Blob, File, ArrayBuffer or Uint8Array');
}

/** PNG/JPEG bytes to RGBA with the browser's decoder, read back through a 2D canvas. */
async function decodeRaster(bytes, kind) {
  let bitmap;
  try {
    // No colour management: Pillow ignores embedded ICC profiles too. EXIF
    // orientation applied, as the server does (ImageOps.exif_transpose).
    bitmap = await createImageBitmap(new Blob([bytes], { type: `image/${kind}` }), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
  } catch (error) {
    throw new ImageDecodeError(`corrupt or truncated ${kind.toUpperCase()} image (${error.message})`);
  }
  try {
    const { width, height } = bitmap;
    const canvas =
      typeof OffscreenCanvas !== 'undefined'
        ? new OffscreenCanvas(width, height)
        : Object.assign(document.createElement('canvas'), { width, height });
    // willReadFrequently keeps the canvas in CPU memory: exact values, fast readback.
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    return { width, height, rgba: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}
