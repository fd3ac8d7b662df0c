// The research datasets section's words: what an export holds, what it left out and why, and an
// identical re-export told apart from a new one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { exportSentence, labelCountsText, leftOutPhrases, splitCountsText, summaryRows, wasThere } from '../src/dataset_summary.js';

const summary = {
  name: 'chest-xray-pneumonia',
  version: 'dd2f0dfb326f',
  exam_type: 'chest_xray',
  model_name: 'chest-xray-pneumonia',
  label_names: ['normal', 'pneumonia'],
  examples: 7,
  splits: { test: 1, train: 5, validation: 1 },
  labels: { pneumonia: 3, normal: 4 },
  excluded: { missing_file: 0, no_consent: 2, no_image: 0, no_label: 1, shadow_reading: 0, undecodable_image: 1, withdrawn_case: 0, withdrawn_image: 0 },
};

test('labels follow the label names and splits go train, validation, test', () => {
  assert.equal(labelCountsText(summary), 'normal 4, pneumonia 3');
  assert.equal(splitCountsText(summary), 'train 5, validation 1, test 1');
  assert.equal(splitCountsText({ ...summary, splits: { train: 2 } }), 'train 2');
  assert.equal(labelCountsText({ ...summary, labels: {} }), 'none');
});

test('what was left out is said per reason, counting reports or images, and zero counts are not said', () => {
  assert.deepEqual(leftOutPhrases(summary.excluded), [
    '2 reports of patients without research consent',
    '1 report that names no label',
    '1 image that cannot be decoded',
  ]);
  assert.deepEqual(leftOutPhrases({ no_consent: 1, withdrawn_image: 3 }), [
    '1 report of a patient without research consent',
    '3 images the patients withdrew',
  ]);
  assert.deepEqual(leftOutPhrases({ no_consent: 0 }), []);
  assert.deepEqual(leftOutPhrases({ some_new_reason: 2 }), ['2 left out: some_new_reason']);
});

test('the summary rows give examples, labels, splits and what was left out', () => {
  assert.deepEqual(summaryRows(summary), [
    ['Examples', '7'],
    ['Per label', 'normal 4, pneumonia 3'],
    ['Per split', 'train 5, validation 1, test 1'],
    ['Left out', '2 reports of patients without research consent; 1 report that names no label; 1 image that cannot be decoded'],
  ]);
  assert.equal(summaryRows({ ...summary, excluded: { no_consent: 0 } })[3][1], 'nothing');
});

test('an identical re-export says the version was there already and nothing was written', () => {
  assert.equal(wasThere(summary, []), false);
  assert.equal(wasThere(summary, [{ name: 'chest-xray-pneumonia', version: 'another' }]), false);
  assert.equal(wasThere(summary, [{ name: 'clinic', version: summary.version }]), false);
  assert.equal(wasThere(summary, [{ name: summary.name, version: summary.version }]), true);
  assert.equal(exportSentence(summary, false), 'Exported chest-xray-pneumonia version dd2f0dfb326f: 7 examples.');
  assert.equal(exportSentence({ ...summary, examples: 1 }, true),
    'chest-xray-pneumonia version dd2f0dfb326f is already there, with the same 1 example: no signed report has '
    + 'changed since it was exported, so nothing new was written.');
});
