// Draw an image and the model's heat map over the part of it the model saw.
//
// The graph center-crops the image to a square on its short edge before
// resizing, so the heat map covers that square, not the whole image.
import { drawableSource } from './decode.js';

/** Colour map stops (value, [r, g, b]): the classic "jet", blue (low) to red (high). */
export const JET = [
  [0.0, [0, 0, 128]],
  [0.125, [0, 0, 255]],
  [0.375, [0, 255, 255]],
  [0.625, [255, 255, 0]],
  [0.875, [255, 0, 0]],
  [1.0, [128, 0, 0]],
];

/**
 * The colour map as a CSS gradient, low (left) to high (right), for a legend.
 *
 * @param {Array} [colormap] stops as in JET
 * @returns {string} e.g. "linear-gradient(to right, rgb(0, 0, 128) 0%, ...)"
 */
export function colormapGradient(colormap = JET) {
  const stops = colormap.map(([v, [r, g, b]]) => `rgb(${r}, ${g}, ${b}) ${Math.round(v * 1000) / 10}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/**
 * The square the graph crops: side = short edge, offsets rounded down
 * (training/preprocessing.py uses (height - side) // 2).
 *
 * @param {number} width
 * @param {number} height
 * @returns {{x: number, y: number, size: number}} in image pixels
 */
export function centerSquare(width, height) {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}

/**
 * Bilinear upsampling with half-pixel centers (each map cell covers an equal
 * patch of the crop, as in tf.image.resize), edges clamped.
 *
 * @param {Float32Array} map row-major, height x width
 * @param {number} height
 * @param {number} width
 * @param {number} outSize side of the square output
 * @returns {Float32Array} outSize x outSize
 */
export function upsampleBilinear(map, height, width, outSize) {
  const out = new Float32Array(outSize * outSize);
  const axis = (i, n) => {
    const position = Math.min(Math.max(((i + 0.5) * n) / outSize - 0.5, 0), n - 1);
    const low = Math.floor(position);
    return { low, high: Math.min(low + 1, n - 1), t: position - low };
  };
  // The map has few rows: interpolate each along x once, then blend pairs of them per output row.
  const across = Array.from({ length: height }, () => new Float64Array(outSize));
  for (let x = 0; x < outSize; x++) {
    const { low, high, t } = axis(x, width);
    for (let y = 0; y < height; y++) across[y][x] = map[y * width + low] * (1 - t) + map[y * width + high] * t;
  }
  for (let y = 0; y < outSize; y++) {
    const row = axis(y, height);
    const upper = across[row.low];
    const lower = across[row.high];
    for (let x = 0, o = y * outSize; x < outSize; x++, o++) out[o] = upper[x] * (1 - row.t) + lower[x] * row.t;
  }
  return out;
}

/**
 * Map values in [0, 1] to RGBA with a colour map and a constant opacity.
 *
 * @param {Float32Array} values
 * @param {{opacity?: number, colormap?: Array}} [options]
 * @returns {Uint8ClampedArray} RGBA, 4 bytes per value
 */
export function colorize(values, { opacity = 0.45, colormap = JET } = {}) {
  const lut = colormapTable(colormap);
  const alpha = Math.round(Math.min(Math.max(opacity, 0), 1) * 255);
  // 256 whole RGBA pixels, written one 32-bit word at a time (the words hold
  // the bytes in this machine's order, so the bytes land as R, G, B, A).
  const entries = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) entries.set([lut[3 * i], lut[3 * i + 1], lut[3 * i + 2], alpha], 4 * i);
  const words = new Uint32Array(entries.buffer);
  const rgba = new Uint8ClampedArray(values.length * 4);
  const out = new Uint32Array(rgba.buffer);
  for (let i = 0; i < values.length; i++) out[i] = words[Math.round(Math.min(Math.max(values[i], 0), 1) * 255)];
  return rgba;
}

/** 256 RGB entries interpolated from the colour map's stops. */
function colormapTable(stops) {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const v = i / 255;
    let s = 1;
    while (s < stops.length - 1 && stops[s][0] < v) s++;
    const [v0, c0] = stops[s - 1];
    const [v1, c1] = stops[s];
    const t = v1 > v0 ? Math.min(Math.max((v - v0) / (v1 - v0), 0), 1) : 0;
    for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(c0[c] + (c1[c] - c0[c]) * t);
  }
  return table;
}

/**
 * Draw decoded pixels on a canvas, scaled to fit `maxSize`, and optionally the
 * heat map over the center square crop.
 *
 * @param {HTMLCanvasElement|OffscreenCanvas} canvas resized to the drawn image
 * @param {import('./decode.js').Pixels} pixels
 * @param {{data: Float32Array, height: number, width: number}|null} heatmap from a Reading
 * @param {{opacity?: number, maxSize?: number, colormap?: Array}} [options]
 * @returns {{scale: number}} canvas pixels per image pixel
 */
export function drawReading(canvas, pixels, heatmap, { opacity = 0.45, maxSize = 512, colormap = JET } = {}) {
  const scale = Math.min(1, maxSize / Math.max(pixels.width, pixels.height));
  canvas.width = Math.max(1, Math.round(pixels.width * scale));
  canvas.height = Math.max(1, Math.round(pixels.height * scale));
  const context = canvas.getContext('2d');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  const source = drawableSource(pixels);
  if (source) {
    // The browser scales its own decoded bitmap faster than anything in JS.
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
  } else {
    // Without one, averaging down in JS is several times cheaper than putting a
    // full-size X-ray on a canvas and letting the browser scale it.
    context.putImageData(new ImageData(downscaleToRgba(pixels, canvas.width, canvas.height), canvas.width, canvas.height), 0, 0);
  }
  if (heatmap && opacity > 0) drawHeatmap(context, heatmap, pixels.width, pixels.height, scale, { opacity, colormap });
  return { scale };
}

/**
 * Draw only the heat map, over the center square crop of an image already drawn
 * at `scale` canvas pixels per image pixel.
 *
 * @param {CanvasRenderingContext2D|OffscreenCanvasRenderingContext2D} context
 * @param {{data: Float32Array, height: number, width: number}} heatmap
 * @param {number} imageWidth
 * @param {number} imageHeight
 * @param {number} scale
 * @param {{opacity?: number, colormap?: Array}} [options]
 */
export function drawHeatmap(context, heatmap, imageWidth, imageHeight, scale, options = {}) {
  const crop = centerSquare(imageWidth, imageHeight);
  // Upsample to the crop's size on the canvas, so the browser does not smooth it again.
  const side = Math.max(1, Math.round(crop.size * scale));
  const values = upsampleBilinear(heatmap.data, heatmap.height, heatmap.width, side);
  const overlay = toCanvas(side, side, colorize(values, options));
  context.drawImage(overlay, Math.round(crop.x * scale), Math.round(crop.y * scale), side, side);
}

/**
 * Grayscale or RGB pixels to opaque RGBA at a smaller (or equal) size, each
 * output pixel the mean of the input pixels it covers (a box filter).
 *
 * @param {import('./decode.js').Pixels} pixels
 * @param {number} outWidth at most pixels.width
 * @param {number} outHeight at most pixels.height
 * @returns {Uint8ClampedArray}
 */
export function downscaleToRgba({ width, height, channels, data }, outWidth, outHeight) {
  const rgba = new Uint8ClampedArray(outWidth * outHeight * 4);
  const columnOf = new Int32Array(width);
  const columnCount = new Int32Array(outWidth);
  for (let x = 0; x < width; x++) {
    columnOf[x] = Math.min(outWidth - 1, Math.floor((x * outWidth) / width));
    columnCount[columnOf[x]]++;
  }
  const sums = new Float64Array(outWidth * channels);
  let outRow = 0;
  let rowsInBand = 0;
  const flush = () => {
    for (let ox = 0; ox < outWidth; ox++) {
      const n = columnCount[ox] * rowsInBand;
      const o = (outRow * outWidth + ox) * 4;
      for (let c = 0; c < 3; c++) rgba[o + c] = sums[ox * channels + (channels === 3 ? c : 0)] / n;
      rgba[o + 3] = 255;
    }
    sums.fill(0);
    rowsInBand = 0;
  };
  for (let y = 0; y < height; y++) {
    const target = Math.min(outHeight - 1, Math.floor((y * outHeight) / height));
    if (target !== outRow) {
      flush();
      outRow = target;
    }
    const row = y * width * channels;
    if (channels === 1) {
      for (let x = 0; x < width; x++) sums[columnOf[x]] += data[row + x];
    } else {
      for (let x = 0; x < width; x++) {
        const i = row + x * channels;
        const o = columnOf[x] * channels;
        sums[o] += data[i];
        sums[o + 1] += data[i + 1];
        sums[o + 2] += data[i + 2];
      }
    }
    rowsInBand++;
  }
  flush();
  return rgba;
}

function toCanvas(width, height, rgba) {
  const canvas =
    typeof OffscreenCanvas !== 'undefined'
      ? new OffscreenCanvas(width, height)
      : Object.assign(document.createElement('canvas'), { width, height });
  canvas.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas;
}
