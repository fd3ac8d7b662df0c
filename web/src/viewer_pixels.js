// Window/level on the image's own values, for the doctor's viewer. Pure data, no DOM.
//
// A DICOM image keeps its values after the modality rescale (16-bit data stays 16-bit) and starts
// from the file's own Window Center / Width; PNG and JPEG pixels are 8-bit values and start from
// the window that shows them as they are. The window is DICOM's LINEAR function (PS3.3 C.11.2.1.2.1):
//   x <= c - 0.5 - (w - 1) / 2          -> black
//   x >  c - 0.5 + (w - 1) / 2          -> white
//   else ((x - (c - 0.5)) / (w - 1) + 0.5) * 255

/**
 * @typedef {object} Values
 * @property {number} width
 * @property {number} height
 * @property {number} channels 1 (grey) or 3 (RGB, interleaved)
 * @property {Float32Array|Uint8Array} data the values, row-major
 */

/** The window that shows 8-bit pixels exactly as stored. */
export const IDENTITY_8_BIT = Object.freeze({ center: 128, width: 256 });

/** The narrowest window: DICOM's LINEAR function needs a width of at least 1. */
export const MIN_WIDTH = 1;

/**
 * The smallest and largest value.
 *
 * @param {ArrayLike<number>} data
 * @returns {{min: number, max: number}}
 */
export function valueRange(data) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return data.length ? { min, max } : { min: 0, max: 0 };
}

/**
 * The window that maps the smallest value to black and the largest to white.
 *
 * @param {{min: number, max: number}} range
 * @returns {{center: number, width: number}}
 */
export function fullRangeWindow({ min, max }) {
  return { center: (min + max + 1) / 2, width: Math.max(MIN_WIDTH + 1, max - min + 1) };
}

/**
 * Grey level (0..255, fractional) of one value in a window, DICOM LINEAR.
 *
 * @param {number} value
 * @param {{center: number, width: number}} window
 * @returns {number}
 */
export function windowLevel(value, { center, width }) {
  const w = Math.max(width, MIN_WIDTH + 1e-6);
  const low = center - 0.5 - (w - 1) / 2;
  const high = center - 0.5 + (w - 1) / 2;
  if (value <= low) return 0;
  if (value > high) return 255;
  return ((value - (center - 0.5)) / (w - 1) + 0.5) * 255;
}

/**
 * The values through a window, as opaque RGBA for a canvas.
 *
 * @param {Values} values
 * @param {{center: number, width: number}} window
 * @param {{invert?: boolean, out?: Uint8ClampedArray}} [options] `out` is reused when given
 * @returns {Uint8ClampedArray} width * height * 4 bytes
 */
export function renderWindow({ width, height, channels, data }, window, { invert = false, out } = {}) {
  const count = width * height;
  const rgba = out ?? new Uint8ClampedArray(count * 4);
  const w = Math.max(window.width, MIN_WIDTH + 1e-6);
  // ((x - (c - 0.5)) / (w - 1) + 0.5) * 255 = x * gain + offset, clamped by the canvas array.
  const gain = 255 / (w - 1);
  const offset = (0.5 - (window.center - 0.5) / (w - 1)) * 255;
  const sign = invert ? -1 : 1;
  const base = invert ? 255 : 0;
  const level = (x) => base + sign * (x * gain + offset);
  if (channels === 1) {
    for (let i = 0, o = 0; i < count; i++, o += 4) {
      const g = level(data[i]);
      rgba[o] = g;
      rgba[o + 1] = g;
      rgba[o + 2] = g;
      rgba[o + 3] = 255;
    }
  } else {
    for (let i = 0, j = 0, o = 0; i < count; i++, j += 3, o += 4) {
      rgba[o] = level(data[j]);
      rgba[o + 1] = level(data[j + 1]);
      rgba[o + 2] = level(data[j + 2]);
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

/**
 * The window after a drag, as radiologists expect: right widens the window (less contrast), down
 * raises the level (darker). A full drag across `span` pixels moves by the whole value range.
 *
 * @param {{center: number, width: number}} start the window when the drag began
 * @param {number} dx pixels right since then
 * @param {number} dy pixels down since then
 * @param {{range: {min: number, max: number}, span?: number}} options
 * @returns {{center: number, width: number}}
 */
export function dragWindow(start, dx, dy, { range, span = 500 }) {
  const perPixel = Math.max(range.max - range.min, 1) / span;
  return {
    center: start.center + dy * perPixel,
    width: Math.max(MIN_WIDTH, start.width + dx * perPixel),
  };
}

/**
 * One keyboard step of window/level: a fiftieth of the value range.
 *
 * @param {{min: number, max: number}} range
 * @returns {number}
 */
export function windowStep(range) {
  return Math.max(1, (range.max - range.min) / 50);
}
