// The doctor's viewer: window/level on the image values, and where zoom and pan put the image.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fitView, imagePoint, oneToOne, panBy, wheelFactor, zoomAt } from '../src/viewer_gestures.js';
import {
  dragWindow, fullRangeWindow, IDENTITY_8_BIT, renderWindow, valueRange, windowLevel, windowStep,
} from '../src/viewer_pixels.js';

const grey = (rgba) => Array.from({ length: rgba.length / 4 }, (_, i) => rgba[4 * i]);

test('the 8-bit identity window shows every stored value as it is', () => {
  const data = Uint8Array.from({ length: 256 }, (_, i) => i);
  const shown = grey(renderWindow({ width: 256, height: 1, channels: 1, data }, IDENTITY_8_BIT));
  assert.deepEqual(shown, [...data]);
});

test('a window follows DICOM LINEAR: black below, white above, a ramp between', () => {
  const window = { center: 1000, width: 101 };
  assert.equal(windowLevel(949, window), 0);
  assert.equal(windowLevel(1050, window), 255);
  assert.equal(windowLevel(999.5, window), 127.5);
  const data = Float32Array.from([900, 949.5, 999.5, 1049.5, 1100]);
  assert.deepEqual(grey(renderWindow({ width: 5, height: 1, channels: 1, data }, window)), [0, 0, 128, 255, 255]);
});

test('16-bit values keep their detail: a narrow window spreads 100 neighbouring values over the grey scale', () => {
  const data = Float32Array.from({ length: 100 }, (_, i) => 20_000 + i);
  const shown = grey(renderWindow({ width: 100, height: 1, channels: 1, data }, { center: 20_050, width: 100 }));
  assert.equal(new Set(shown).size, 100);
  for (let i = 1; i < shown.length; i++) assert.ok(shown[i] > shown[i - 1]);
});

test('invert turns black to white, and colour pictures window each channel', () => {
  const data = Uint8Array.from([0, 128, 255]);
  const shown = renderWindow({ width: 1, height: 1, channels: 3, data }, IDENTITY_8_BIT, { invert: true });
  assert.deepEqual([...shown], [255, 127, 0, 255]);
});

test('the full-range window maps the smallest value to black and the largest to white', () => {
  const data = Float32Array.from([803, 5000, 26512]);
  const window = fullRangeWindow(valueRange(data));
  const shown = grey(renderWindow({ width: 3, height: 1, channels: 1, data }, window));
  assert.equal(shown[0], 0);
  assert.equal(shown[2], 255);
});

test('dragging right widens the window, down raises the level, by the value range per span', () => {
  const range = { min: 0, max: 1000 };
  const start = { center: 500, width: 400 };
  assert.deepEqual(dragWindow(start, 100, 0, { range, span: 500 }), { center: 500, width: 600 });
  assert.deepEqual(dragWindow(start, 0, -50, { range, span: 500 }), { center: 400, width: 400 });
  assert.equal(dragWindow(start, -10_000, 0, { range }).width, 1);
  assert.equal(windowStep(range), 20);
});

test('fit shows the whole portrait image centred, never cut', () => {
  const view = fitView({ width: 1000, height: 2000 }, { width: 800, height: 600 });
  assert.equal(view.scale, 0.3);
  assert.deepEqual([view.x, view.y], [250, 0]);
  assert.ok(view.y + 2000 * view.scale <= 600);
});

test('zooming keeps the image point under the cursor where it is', () => {
  let view = { scale: 0.37, x: 13, y: -41 };
  for (const [factor, px, py] of [[1.5, 200, 300], [0.4, 17, 590], [wheelFactor(-120), 640, 10]]) {
    const before = imagePoint(view, px, py);
    view = zoomAt(view, factor, px, py);
    const after = imagePoint(view, px, py);
    assert.ok(Math.abs(after.x - before.x) < 1e-9 && Math.abs(after.y - before.y) < 1e-9);
  }
  assert.ok(wheelFactor(-100) > 1 && wheelFactor(100) < 1);
  assert.equal(wheelFactor(3, 1), wheelFactor(48, 0));
});

test('1:1 keeps the centre of the viewport on the same image point, and pan moves the image', () => {
  const viewport = { width: 800, height: 600 };
  const view = { scale: 0.25, x: 100, y: 50 };
  const centre = imagePoint(view, 400, 300);
  const actual = oneToOne(view, viewport);
  assert.equal(actual.scale, 1);
  assert.deepEqual(imagePoint(actual, 400, 300), centre);
  assert.deepEqual(panBy(actual, 10, -5), { ...actual, x: actual.x + 10, y: actual.y - 5 });
});
