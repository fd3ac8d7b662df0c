// Image file (PNG, JPEG, DICOM) to raw pixels, the only step outside the model.
//
// The type is sniffed from the content, never the file name, as on the server
// (training/decoding.py). PNG and JPEG go through the browser's decoder;
// uncompressed DICOM through dicom.js. Pixels come out as the model's channel
// count: grayscale uses Pillow's "L" formula so browser and server agree.
//
// PNG and JPEG are read with WebCodecs' ImageDecoder where the browser has it:
// it hands over the decoded pixels directly, where a canvas needs a draw and a
// readback of the full-size image (together about a third of the decode time
// of an X-ray). Frames that ImageDecoder leaves in YUV, or that need an EXIF
// rotation, go through createImageBitmap and a canvas instead, because their
// RGB conversion would not be the one Pillow (libjpeg) does.
//
// Both sides turn photos upright by their EXIF orientation. Known differences
// from the server (Pillow): a canvas stores pixels premultiplied, so on the
// canvas path semi-transparent PNG pixels may differ by a grey level. 16-bit
// PNGs go to the server: it stretches them min-max over their own range
// (training/decoding.py), where a browser scales them by a fixed 1/257, and the
// reading must match the server's.
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
  const raster = (await decodeWithImageDecoder(bytes, kind)) ?? (await decodeWithCanvas(bytes, kind));
  const { width, height, source } = raster;
  let converted;
  try {
    converted = wordsToChannels(raster.pixels, channels, raster.order);
  } catch (error) {
    source.close();
    throw error;
  } finally {
    raster.release?.();
  }
  const pixels = { width, height, channels, data: converted.data };
  // Drawing the decoded bitmap shows exactly these pixels only when they are
  // opaque and, for one channel, already grey (as X-rays are).
  if (converted.opaque && (channels === 3 || converted.gray)) drawableSources.set(pixels, source);
  else source.close();
  return pixels;
}

/**
 * Decoded pixels as the browser holds them, for drawing: an ImageBitmap of the
 * same image as `pixels.data`, or null (DICOM, colour images read as grey,
 * transparent images, pixels not from decodeImage). Scaling it on a canvas is
 * much cheaper than scaling `pixels.data` in JavaScript.
 *
 * @param {Pixels} pixels
 * @returns {ImageBitmap|null}
 */
export function drawableSource(pixels) {
  return drawableSources.get(pixels) ?? null;
}

// Held beside the pixels rather than on them, so a Pixels object stays plain data;
// the bitmap goes with the pixels when they are garbage collected.
const drawableSources = new WeakMap();

/**
 * RGBA pixels to 1 channel (Pillow's "L": L = R*299/1000 + G*587/1000 + B*114/1000,
 * in Pillow's fixed-point rounding) or 3 channels (alpha dropped, as Pillow's "RGB").
 *
 * @param {Uint8Array|Uint8ClampedArray} rgba
 * @param {number} channels 1 or 3
 * @returns {Uint8Array}
 */
export function rgbaToChannels(rgba, channels) {
  return wordsToChannels(rgba, channels, 'rgba').data;
}

/**
 * 4-byte pixels in RGBA or BGRA order (the fourth byte alpha or unused) to the
 * model's channels, noting on the way whether the image is grey and opaque.
 *
 * @param {Uint8Array|Uint8ClampedArray} bytes
 * @param {number} channels 1 or 3
 * @param {'rgba'|'bgra'|'rgbx'|'bgrx'} order
 * @returns {{data: Uint8Array, gray: boolean, opaque: boolean}} `gray` is only checked for 1 channel
 */
function wordsToChannels(bytes, channels, order) {
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${channels}`);
  const count = bytes.length / 4;
  const [r, g, b] = order.startsWith('bgr') ? [2, 1, 0] : [0, 1, 2];
  const hasAlpha = order.endsWith('a');
  if (channels === 1) {
    const out = new Uint8Array(count);
    // Pillow's ImagingConvert rgb2l: weights scaled by 2^16, plus a half for rounding.
    if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
      // One 32-bit read per pixel is much faster; byte k of a pixel is bits 8k..8k+7.
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset, count);
      const [rShift, bShift] = [8 * r, 8 * b];
      let mixed = 0; // nonzero once some pixel has R, G and B not all equal
      let alpha = 0xffffffff; // AND of all pixels: its top byte is 255 only if every pixel is opaque
      for (let i = 0; i < count; i++) {
        const v = words[i];
        alpha &= v;
        // A grey pixel is its own "L" value (the weights sum to 2^16): skip the arithmetic.
        if (((v ^ (v >>> 8)) & 0xffff) === 0) {
          out[i] = v & 255;
        } else {
          mixed = 1;
          out[i] = (((v >>> rShift) & 255) * 19595 + ((v >>> 8) & 255) * 38470 + ((v >>> bShift) & 255) * 7471 + 0x8000) >>> 16;
        }
      }
      return { data: out, gray: mixed === 0, opaque: !hasAlpha || alpha >>> 24 === 255 };
    }
    let gray = true;
    let opaque = true;
    for (let i = 0, j = 0; i < count; i++, j += 4) {
      out[i] = (bytes[j + r] * 19595 + bytes[j + g] * 38470 + bytes[j + b] * 7471 + 0x8000) >>> 16;
      gray &&= bytes[j] === bytes[j + 1] && bytes[j + 1] === bytes[j + 2];
      opaque &&= !hasAlpha || bytes[j + 3] === 255;
    }
    return { data: out, gray, opaque };
  }
  const out = new Uint8Array(count * 3);
  let opaque = true;
  for (let i = 0, j = 0, k = 0; i < count; i++, j += 4, k += 3) {
    out[k] = bytes[j + r];
    out[k + 1] = bytes[j + g];
    out[k + 2] = bytes[j + b];
    opaque &&= !hasAlpha || bytes[j + 3] === 255;
  }
  return { data: out, gray: false, opaque };
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

/**
 * The bytes of a file, however it was given.
 *
 * @param {Blob|ArrayBuffer|Uint8Array} file
 * @returns {Promise<Uint8Array>}
 */
export async function toBytes(file) {
  if (file instanceof Uint8Array) return file;
  if (file instanceof ArrayBuffer) return new Uint8Array(file);
  if (typeof Blob !== 'undefined' && file instanceof Blob) return new Uint8Array(await file.arrayBuffer());
  throw new TypeError('expected a Blob, File, ArrayBuffer or Uint8Array');
}

/**
 * @typedef {object} Raster
 * @property {number} width
 * @property {number} height
 * @property {Uint8Array|Uint8ClampedArray} pixels 4 bytes per pixel, in `order`
 * @property {'rgba'|'bgra'|'rgbx'|'bgrx'} order
 * @property {ImageBitmap} source the same image, for drawing; the caller closes it
 * @property {() => void} [release] call once `pixels` have been read
 */

// VideoFrame formats whose bytes are the decoder's own RGB (no YUV conversion).
const RGB_FRAME_FORMATS = { RGBA: 'rgba', RGBX: 'rgbx', BGRA: 'bgra', BGRX: 'bgrx' };

/**
 * PNG/JPEG bytes to pixels with WebCodecs' ImageDecoder, or null when it is
 * missing, fails, or gives a frame that the canvas path must handle.
 *
 * @returns {Promise<Raster|null>}
 */
async function decodeWithImageDecoder(bytes, kind) {
  if (typeof ImageDecoder === 'undefined') return null;
  let decoder;
  let frame;
  try {
    // Same settings as the canvas path: no colour management, no premultiplied alpha.
    decoder = new ImageDecoder({
      data: bytes,
      type: `image/${kind}`,
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      preferAnimation: false,
    });
    frame = (await decoder.decode({ frameIndex: 0 })).image;
    const order = RGB_FRAME_FORMATS[frame.format];
    // ImageDecoder leaves the EXIF orientation to the reader (rotation/flip): the
    // canvas path applies it. A browser without those fields cannot tell us.
    const upright = frame.rotation === 0 && frame.flip === false;
    if (!order || !upright) return null;
    const { width, height } = frame.visibleRect;
    const size = frame.allocationSize();
    if (size !== width * height * 4) return null;
    const pixels = borrowFrameBuffer(size);
    await frame.copyTo(pixels);
    const source = await createImageBitmap(frame);
    return { width, height, pixels, order, source, release: () => returnFrameBuffer(pixels) };
  } catch {
    // Corrupt files get the canvas path's error messages.
    return null;
  } finally {
    frame?.close();
    decoder?.close();
  }
}

// The decoded frame's bytes only live until they are converted to the model's
// channels. Reusing one buffer for them saves the page faults of a fresh
// full-size allocation per image (several ms for an X-ray); a decode running
// while another holds it gets its own.
let spareFrameBuffer = null;

function borrowFrameBuffer(size) {
  const buffer = spareFrameBuffer !== null && spareFrameBuffer.length >= size ? spareFrameBuffer : new Uint8Array(size);
  if (buffer === spareFrameBuffer) spareFrameBuffer = null;
  return buffer.subarray(0, size);
}

function returnFrameBuffer(view) {
  const buffer = new Uint8Array(view.buffer);
  if (spareFrameBuffer === null || buffer.length > spareFrameBuffer.length) spareFrameBuffer = buffer;
}

/**
 * PNG/JPEG bytes to RGBA with the browser's decoder, read back through a 2D canvas.
 *
 * @returns {Promise<Raster>}
 */
async function decodeWithCanvas(bytes, kind) {
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
    const pixels = context.getImageData(0, 0, width, height).data;
    return { width, height, pixels, order: 'rgba', source: bitmap };
  } catch (error) {
    bitmap.close();
    throw error;
  }
}
