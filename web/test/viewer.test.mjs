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

/** A viewport element as attachGestures uses it, whose events the test sends. */
function fakeViewport() {
  const listeners = {};
  return {
    listeners,
    clientLeft: 1,
    clientTop: 1,
    addEventListener: (type, fn) => { listeners[type] = fn; },
    getBoundingClientRect: () => ({ left: 10, top: 20 }),
    setPointerCapture: () => {},
    classList: { add: () => {}, remove: () => {} },
    send(type, init) { listeners[type]({ preventDefault: () => {}, button: 0, shiftKey: false, ...init }); },
  };
}

test('a pinch keeps the image point between the fingers under them, however the fingers move', async () => {
  const { attachGestures } = await import('../src/viewer_gestures.js');
  const viewport = fakeViewport();
  let view = { scale: 0.5, x: 7, y: -3 };
  attachGestures(viewport, {
    zoom: (factor, px, py) => { view = zoomAt(view, factor, px, py); },
    pan: (dx, dy) => { view = panBy(view, dx, dy); },
    windowStart: () => assert.fail('a pinch is not a window drag'),
    windowDrag: () => assert.fail('a pinch is not a window drag'),
    windowMode: () => false,
  });
  // Fingers at 100 and 200 (client x), then apart to 40 and 300, one finger at a time, drifting down.
  const local = (clientX, clientY) => ({ x: clientX - 11, y: clientY - 21 });
  const under = imagePoint(view, local(150, 120).x, local(150, 120).y);
  viewport.send('pointerdown', { pointerId: 1, clientX: 100, clientY: 120 });
  viewport.send('pointerdown', { pointerId: 2, clientX: 200, clientY: 120 });
  for (let step = 1; step <= 6; step++) {
    viewport.send('pointermove', { pointerId: 1, clientX: 100 - 10 * step, clientY: 120 + step });
    viewport.send('pointermove', { pointerId: 2, clientX: 200 + 50 * step / 3, clientY: 120 + step });
  }
  const mid = local((40 + 300) / 2, 126);
  const now = imagePoint(view, mid.x, mid.y);
  assert.ok(Math.abs(now.x - under.x) < 1e-9 && Math.abs(now.y - under.y) < 1e-9, JSON.stringify({ now, under }));
  assert.ok(Math.abs(view.scale - 0.5 * (260 / 100)) < 1e-9);
});

test('a right-button or Shift drag sets the window; a plain drag pans', async () => {
  const { attachGestures } = await import('../src/viewer_gestures.js');
  const viewport = fakeViewport();
  const calls = [];
  attachGestures(viewport, {
    zoom: () => calls.push('zoom'),
    pan: (dx, dy) => calls.push(['pan', dx, dy]),
    windowStart: () => calls.push('windowStart'),
    windowDrag: (dx, dy) => calls.push(['window', dx, dy]),
    windowMode: () => false,
  });
  for (const init of [{ button: 2 }, { shiftKey: true }, {}]) {
    viewport.send('pointerdown', { pointerId: 1, clientX: 50, clientY: 50, ...init });
    viewport.send('pointermove', { pointerId: 1, clientX: 60, clientY: 45 });
    viewport.send('pointermove', { pointerId: 1, clientX: 70, clientY: 40 });
    viewport.send('pointerup', { pointerId: 1 });
  }
  assert.deepEqual(calls, [
    'windowStart', ['window', 10, -5], ['window', 20, -10],
    'windowStart', ['window', 10, -5], ['window', 20, -10],
    ['pan', 10, -5], ['pan', 10, -5],
  ]);
});
