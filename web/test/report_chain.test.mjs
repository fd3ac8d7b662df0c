import assert from 'node:assert/strict';
import { test } from 'node:test';

import { reportChains } from '../src/report_chain.js';

const report = (id, { amends = null, status = 'signed' } = {}) => ({ id, amends, status });
const ids = (chains) => chains.map(({ current, replaced }) => [current.id, replaced.map((r) => r.id)]);

test('a report without amendments is a chain of its own', () => {
  assert.deepEqual(ids(reportChains([report(1), report(2)])), [[1, []], [2, []]]);
});

test('a signed amendment replaces the report it amends', () => {
  assert.deepEqual(ids(reportChains([report(1), report(2, { amends: 1 })])), [[2, [1]]]);
});

test('an amendment of an amendment shows the latest with all earlier versions, newest first', () => {
  const reports = [report(1), report(5), report(2, { amends: 1 }), report(3, { amends: 2 })];
  assert.deepEqual(ids(reportChains(reports)), [[5, []], [3, [2, 1]]]);
});

test('a draft amendment does not replace the signed report, and drafts are not shown', () => {
  assert.deepEqual(ids(reportChains([report(1), report(2, { amends: 1, status: 'draft' }), report(4, { status: 'draft' })])),
    [[1, []]]);
});

test('an amendment of a report not in the list stands alone', () => {
  assert.deepEqual(ids(reportChains([report(7, { amends: 6 })])), [[7, []]]);
});

test('no reports, no chains', () => {
  assert.deepEqual(reportChains([]), []);
});
