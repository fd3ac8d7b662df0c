// The shadow comparison's chart and its words: what the admin page draws for a candidate in shadow.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { measureRows, proportionText } from '../src/shadow_chart.js';

const proportion = (hits, total, low, high) => ({ hits, total, rate: total ? hits / total : null, low, high });

const comparison = {
  model_name: 'chest-xray-pneumonia',
  candidate_version: '1.0.0',
  active_version: '2.0.0',
  active: { version: '2.0.0', agreement: proportion(4, 6, 0.3, 0.9032), sensitivity: proportion(2, 3, 0.2077, 0.9385), specificity: proportion(0, 0, null, null) },
  candidate: { version: '1.0.0', agreement: proportion(5, 6, 0.4365, 0.9699), sensitivity: proportion(2, 3, 0.2077, 0.9385), specificity: proportion(0, 0, null, null) },
};

test('a proportion reads as its rate, its counts and its interval', () => {
  assert.equal(proportionText(proportion(5, 6, 0.4365, 0.9699)), '83% (5 of 6; 95% CI 44%–97%)');
  assert.equal(proportionText(proportion(0, 0, null, null)), 'no cases');
  assert.equal(proportionText(null), 'no cases');
});

test('each measure has a row for the active version, then one for the candidate', () => {
  const groups = measureRows(comparison);
  assert.deepEqual(groups.map((group) => group.key), ['agreement', 'sensitivity', 'specificity']);
  assert.deepEqual(groups[0].rows.map((row) => [row.side, row.version, row.proportion.hits]), [['active', '2.0.0', 4], ['candidate', '1.0.0', 5]]);
});

test('a multi-class model has no sensitivity or specificity to draw', () => {
  const multi = {
    ...comparison,
    active: { ...comparison.active, sensitivity: null, specificity: null },
    candidate: { ...comparison.candidate, sensitivity: null, specificity: null },
  };
  assert.deepEqual(measureRows(multi).map((group) => group.key), ['agreement']);
});
