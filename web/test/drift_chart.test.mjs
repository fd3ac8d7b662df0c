// The drift watch's words on the admin page: which week of which version breached which check.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { breachSentences, checkOf, valueText } from '../src/drift_chart.js';

const check = (name, level, value, says) => ({ name, level, value, p_value: null, warn_at: 0.1, breach_at: 0.2, sample: 50, says });

function week(name, breached) {
  return {
    model_name: 'chest-xray-pneumonia',
    model_version: '2.0.0',
    week: name,
    breaches: breached.map(([checkName]) => checkName),
    checks: [
      check('score', 'ok', 0.05, 'P(pneumonia): no significant shift.'),
      ...breached.map(([checkName, says]) => check(checkName, 'breach', 0.9, says)),
    ],
  };
}

test('breaches read latest week first, naming the version, the week and the check', () => {
  const weeks = [
    week('2026-W45', []),
    week('2026-W46', [['intensity', 'Image brightness shifted.']]),
    week('2026-W47', [['size', 'Image size shifted.'], ['refusals', '12 of 40 refused.']]),
  ];
  assert.deepEqual(breachSentences(weeks), [
    'chest-xray-pneumonia 2.0.0, week 2026-W47: the size check breached. Image size shifted.',
    'chest-xray-pneumonia 2.0.0, week 2026-W47: the refusals check breached. 12 of 40 refused.',
    'chest-xray-pneumonia 2.0.0, week 2026-W46: the intensity check breached. Image brightness shifted.',
  ]);
  assert.deepEqual(weeks.map((w) => w.week), ['2026-W45', '2026-W46', '2026-W47'], 'the weeks are left in order');
});

test('quiet weeks say nothing', () => {
  assert.deepEqual(breachSentences([week('2026-W45', [])]), []);
});

test('values read as PSI or as a share, and a missing one as a dash', () => {
  assert.equal(valueText(check('score', 'ok', 0.1234), false), '0.12');
  assert.equal(valueText(check('agreement', 'ok', 0.875), true), '88%');
  assert.equal(valueText(check('size', 'no_reference', null), false), '–');
  assert.equal(checkOf(week('2026-W45', []), 'score').level, 'ok');
});
