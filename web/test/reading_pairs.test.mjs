// Pairing of browser and server readings for the doctor's side-by-side view.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { heatmapOfRows, maxDifference, mismatchOf, pairReadings } from '../src/reading_pairs.js';

const reading = (id, image, runsOn, probabilities, extra = {}) => ({
  id, image, runs_on: runsOn, status: 'succeeded', probabilities,
  label: Object.entries(probabilities).sort((a, b) => b[1] - a[1])[0][0],
  created_at: `2026-01-01T00:00:0${id}Z`, verifies: null, max_difference: null, disagrees: false, ...extra,
});

test('the largest difference over the shared labels', () => {
  const a = reading(1, 1, 'browser', { normal: 0.2, pneumonia: 0.8 });
  const b = reading(2, 1, 'server', { normal: 0.2004, pneumonia: 0.7996 });
  assert.ok(Math.abs(maxDifference(a, b) - 4e-4) < 1e-12);
  assert.equal(maxDifference(a, reading(3, 1, 'server', { benign: 1 })), null);
});

// The server's INFERENCE_VERIFY_TOLERANCE, as GET /api/v1/models/ publishes it.
const TOLERANCE = 1e-3;

test('readings within the tolerance agree; beyond it, or with another label, they do not', () => {
  const browser = reading(1, 1, 'browser', { normal: 0.2, pneumonia: 0.8 });
  assert.equal(mismatchOf(browser, reading(2, 1, 'server', { normal: 0.2005, pneumonia: 0.7995 }), TOLERANCE), null);
  assert.match(mismatchOf(browser, reading(2, 1, 'server', { normal: 0.25, pneumonia: 0.75 }), TOLERANCE), /differ by 5\.0e-2 \(more than 0\.001\)/);
  assert.match(mismatchOf(browser, reading(2, 1, 'server', { normal: 0.9, pneumonia: 0.1 }), TOLERANCE), /browser read "pneumonia" but the server read "normal"/);
  // The server's own verdict counts even when the numbers look close.
  const flagged = reading(2, 1, 'server', { normal: 0.2, pneumonia: 0.8 }, { verifies: 1, max_difference: 0.002, disagrees: true });
  assert.match(mismatchOf(browser, flagged, TOLERANCE), /differ by 2\.0e-3/);
  // Nothing to compare until both have succeeded.
  assert.equal(mismatchOf(browser, { ...flagged, status: 'pending' }, TOLERANCE), null);
  assert.equal(mismatchOf(null, flagged, TOLERANCE), null);
});

test('the tolerance is the one given: what is a mismatch under a tight one agrees under a loose one', () => {
  const browser = reading(1, 1, 'browser', { normal: 0.2, pneumonia: 0.8 });
  const server = reading(2, 1, 'server', { normal: 0.205, pneumonia: 0.795 });
  assert.match(mismatchOf(browser, server, 1e-3), /differ by 5\.0e-3 \(more than 0\.001\)/);
  assert.equal(mismatchOf(browser, server, 1e-2), null);
  const [pair] = pairReadings([{ id: 1 }], [browser, server], 1e-2);
  assert.equal(pair.mismatch, null);
  assert.match(pairReadings([{ id: 1 }], [browser, server], 1e-4)[0].mismatch, /more than 0\.0001/);
});

test('without a known tolerance only the server\'s own verdict makes a mismatch', () => {
  const browser = reading(1, 1, 'browser', { normal: 0.2, pneumonia: 0.8 });
  assert.equal(mismatchOf(browser, reading(2, 1, 'server', { normal: 0.25, pneumonia: 0.75 }), null), null);
  const flagged = reading(2, 1, 'server', { normal: 0.25, pneumonia: 0.75 }, { verifies: 1, max_difference: 0.05, disagrees: true });
  assert.match(mismatchOf(browser, flagged, null), /differ by 5\.0e-2 \(more than the server allows\)/);
});

test('two refusals mismatch when the server says their input check scores differ', () => {
  const refused = (id, runsOn, extra = {}) => ({ ...reading(id, 1, runsOn, { normal: 1 }, extra), status: 'refused', refusal: 'Not a chest X-ray.', label: null });
  const browser = refused(1, 'browser');
  assert.equal(mismatchOf(browser, refused(2, 'server', { verifies: 1, max_difference: 1e-4 }), TOLERANCE), null);
  assert.match(mismatchOf(browser, refused(2, 'server', { verifies: 1, max_difference: 0.01, disagrees: true }), TOLERANCE),
    /input check scores differ by 1\.0e-2 \(more than 0\.001\)/);
});

test('each image gets its newest browser reading and the server reading that verifies it', () => {
  const images = [{ id: 1 }, { id: 2 }];
  const readings = [
    reading(1, 1, 'browser', { normal: 0.3, pneumonia: 0.7 }),
    reading(2, 1, 'server', { normal: 0.9, pneumonia: 0.1 }),
    reading(3, 1, 'server', { normal: 0.3, pneumonia: 0.7 }, { verifies: 1, max_difference: 0 }),
    reading(4, 2, 'server', { normal: 0.6, pneumonia: 0.4 }),
  ];
  const [first, second] = pairReadings(images, readings, TOLERANCE);
  assert.equal(first.browser.id, 1);
  assert.equal(first.server.id, 3);
  assert.equal(first.mismatch, null);
  assert.equal(second.browser, null);
  assert.equal(second.server.id, 4);
});

test('heat map rows become a flat grid', () => {
  const grid = heatmapOfRows([[0, 0.5], [1, 0.25], [0.75, 0]]);
  assert.deepEqual({ height: grid.height, width: grid.width }, { height: 3, width: 2 });
  assert.deepEqual([...grid.data], [0, 0.5, 1, 0.25, 0.75, 0]);
  assert.equal(heatmapOfRows(null), null);
  assert.equal(heatmapOfRows([]), null);
});
