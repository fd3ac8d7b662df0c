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

test('readings within the tolerance agree; beyond it, or with another label, they do not', () => {
  const browser = reading(1, 1, 'browser', { normal: 0.2, pneumonia: 0.8 });
  assert.equal(mismatchOf(browser, reading(2, 1, 'server', { normal: 0.2005, pneumonia: 0.7995 })), null);
  assert.match(mismatchOf(browser, reading(2, 1, 'server', { normal: 0.25, pneumonia: 0.75 })), /differ by 5\.0e-2/);
  assert.match(mismatchOf(browser, reading(2, 1, 'server', { normal: 0.9, pneumonia: 0.1 })), /browser read "pneumonia" but the server read "normal"/);
  // The server's own verdict counts even when the numbers look close.
  const flagged = reading(2, 1, 'server', { normal: 0.2, pneumonia: 0.8 }, { verifies: 1, max_difference: 0.002, disagrees: true });
  assert.match(mismatchOf(browser, flagged), /differ by 2\.0e-3/);
  // Nothing to compare until both have succeeded.
  assert.equal(mismatchOf(browser, { ...flagged, status: 'pending' }), null);
  assert.equal(mismatchOf(null, flagged), null);
});

test('each image gets its newest browser reading and the server reading that verifies it', () => {
  const images = [{ id: 1 }, { id: 2 }];
  const readings = [
    reading(1, 1, 'browser', { normal: 0.3, pneumonia: 0.7 }),
    reading(2, 1, 'server', { normal: 0.9, pneumonia: 0.1 }),
    reading(3, 1, 'server', { normal: 0.3, pneumonia: 0.7 }, { verifies: 1, max_difference: 0 }),
    reading(4, 2, 'server', { normal: 0.6, pneumonia: 0.4 }),
  ];
  const [first, second] = pairReadings(images, readings);
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
