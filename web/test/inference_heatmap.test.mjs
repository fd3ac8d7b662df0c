// Heat map geometry and colours (the canvas drawing itself is covered by the browser test).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { centerSquare, colorize, downscaleToRgba, JET, upsampleBilinear } from '../src/heatmap.js';

test('covers the square the graph crops (offsets rounded down)', () => {
  assert.deepEqual(centerSquare(2444, 2155), { x: 144, y: 0, size: 2155 });
  assert.deepEqual(centerSquare(728, 1001), { x: 0, y: 136, size: 728 });
  assert.deepEqual(centerSquare(5, 5), { x: 0, y: 0, size: 5 });
});

test('upsamples with half-pixel centers and clamped edges', () => {
  const map = Float32Array.from([0, 1, 2, 3]); // 2x2
  const out = upsampleBilinear(map, 2, 2, 4);
  // Output pixel centers at 0.125, 0.375, 0.625, 0.875 of the side map to
  // input positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
  assert.deepEqual(Array.from(out.subarray(0, 4)), [0, 0.25, 0.75, 1]);
  assert.deepEqual(Array.from(out.subarray(12, 16)), [2, 2.25, 2.75, 3]);
  assert.ok(upsampleBilinear(Float32Array.from([0.5]), 1, 1, 3).every((v) => v === 0.5));
});

test('colours low values blue and high values red, with the chosen opacity', () => {
  const rgba = colorize(Float32Array.from([0, 1, -3, 7]), { opacity: 0.5 });
  assert.deepEqual(Array.from(rgba.subarray(0, 4)), [...JET[0][1], 128]);
  assert.deepEqual(Array.from(rgba.subarray(4, 8)), [...JET[JET.length - 1][1], 128]);
  assert.deepEqual(Array.from(rgba.subarray(8, 12)), Array.from(rgba.subarray(0, 4)), 'values are clamped to [0, 1]');
  assert.deepEqual(Array.from(rgba.subarray(12, 16)), Array.from(rgba.subarray(4, 8)));
  assert.equal(colorize(Float32Array.from([0.5]), { opacity: 0 })[3], 0);
});

test('shrinks images for display by averaging the pixels each output pixel covers', () => {
  // 4x2 grayscale to 2x1: each output pixel is the mean of a 2x2 block.
  const gray = { width: 4, height: 2, channels: 1, data: Uint8Array.from([0, 10, 100, 200, 20, 30, 50, 50]) };
  assert.deepEqual(Array.from(downscaleToRgba(gray, 2, 1)), [15, 15, 15, 255, 100, 100, 100, 255]);
  const rgb = { width: 2, height: 1, channels: 3, data: Uint8Array.from([10, 20, 30, 40, 50, 60]) };
  assert.deepEqual(Array.from(downscaleToRgba(rgb, 2, 1)), [10, 20, 30, 255, 40, 50, 60, 255]);
  assert.deepEqual(Array.from(downscaleToRgba(rgb, 1, 1)), [25, 35, 45, 255]);
});
