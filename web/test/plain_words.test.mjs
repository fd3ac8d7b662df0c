// plain_words.js: what a patient reads of her cases, her history and an AI reading.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { bandText, caseDatesText, dateText, historyText, plainReadingRows, readingLine } from '../src/plain_words.js';

const chest = JSON.parse(readFileSync(new URL('../../exported_models/chest-xray-pneumonia/2.0.0/model_metadata.json', import.meta.url)));
const chestWithoutBands = JSON.parse(readFileSync(new URL('../../exported_models/chest-xray-pneumonia/1.0.0/model_metadata.json', import.meta.url)));
const retina = JSON.parse(readFileSync(new URL('../../exported_models/retina-diabetic-retinopathy/1.1.0/model_metadata.json', import.meta.url)));
const { below, from } = chest.operating_point.bands;

const TECHNICAL = /\b(wasm|webgl|tensorflow|ms|ai reading)\b/i;

test('a 51 % "normal" reads as uncertain, with the label, its probability and the band it fell in', () => {
  const rows = Object.fromEntries(plainReadingRows({ label: 'normal', probabilities: { normal: 0.51, pneumonia: 0.49 }, score: 0.49, flagged: false }, chest));
  assert.equal(rows.Result, 'Uncertain');
  assert.equal(rows.Probability, 'normal: 51.0 %');
  assert.match(rows['What this means'], /cannot tell from this image whether there are signs of pneumonia/);
  assert.ok(rows['What this means'].includes(
    `“Uncertain” means a probability of pneumonia between ${(below * 100).toFixed(1)} % and ${(from * 100).toFixed(1)} %; here it is 49.0 %.`,
  ), rows['What this means']);
  for (const value of Object.values(rows)) assert.doesNotMatch(value, TECHNICAL);
});

test('clear readings read as their band: likely normal below it, likely pneumonia from it', () => {
  const low = Object.fromEntries(plainReadingRows({ label: 'normal', probabilities: { normal: 0.97, pneumonia: 0.03 }, score: 0.03 }, chest));
  assert.equal(low.Result, 'Likely normal');
  assert.match(low['What this means'], /little sign of pneumonia.*below/);
  const high = Object.fromEntries(plainReadingRows({ label: 'pneumonia', probabilities: { normal: 0.02, pneumonia: 0.98 }, score: 0.98, flagged: true }, chest));
  assert.equal(high.Result, 'Likely pneumonia');
  assert.equal(high.Probability, 'pneumonia: 98.0 %');
  assert.match(high['What this means'], /or more; here it is 98\.0 %/);
});

test('a package without bands shows its label, and a multi-class one the label and its probability', () => {
  const old = Object.fromEntries(plainReadingRows({ label: 'normal', probabilities: { normal: 0.51, pneumonia: 0.49 }, score: 0.49, flagged: false }, chestWithoutBands));
  assert.equal(old.Result, 'Normal');
  assert.equal(old['What this means'], 'The model found little sign of pneumonia in this image.');
  const grades = Object.fromEntries(plainReadingRows({ label: 'grade 2', probabilities: [0.1, 0.2, 0.6, 0.05, 0.05], score: null }, retina));
  assert.deepEqual(grades, { Result: 'Grade 2', Probability: 'grade 2: 60.0 %' });
});

test('a stored reading in one line: its result and the label\'s probability, or why there is none', () => {
  const stored = { status: 'succeeded', label: 'normal', probabilities: { normal: 0.51, pneumonia: 0.49 }, score: 0.49, flagged: false };
  assert.equal(readingLine(stored, chest), 'Uncertain (normal: 51.0 %)');
  assert.equal(readingLine(stored, null), 'Normal (normal: 51.0 %)');
  assert.equal(readingLine({ status: 'refused', refusal: 'This is not a chest X-ray.' }, chest), 'Not read: This is not a chest X-ray.');
  assert.equal(readingLine({ status: 'pending' }, chest), 'Being read…');
});

test('the band text names each band with its limits', () => {
  assert.equal(bandText({ index: 0, name: 'likely normal' }, { below: 0.15, from: 0.886 }, 0.031, 'pneumonia'),
    '“Likely normal” means a probability of pneumonia below 15.0 %; here it is 3.1 %.');
});

test('case dates are written in the patient\'s locale: opened, sent, report', () => {
  const c = { created_at: '2026-03-02T09:00:00Z', submitted_at: '2026-03-03T10:00:00Z', reported_at: '2026-03-05T16:00:00Z' };
  assert.equal(caseDatesText(c, 'en-GB'), 'Opened 2 Mar 2026 · sent 3 Mar 2026 · report 5 Mar 2026');
  assert.equal(caseDatesText(c, 'en-US'), 'Opened Mar 2, 2026 · sent Mar 3, 2026 · report Mar 5, 2026');
  assert.equal(caseDatesText({ created_at: c.created_at, submitted_at: null, reported_at: null }, 'de-DE'), `Opened ${dateText(c.created_at, 'de-DE')}`);
});

test('history entries in plain words: a reading names its case, not a bare label; no model name or version', () => {
  assert.equal(historyText({ kind: 'ai_reading', summary: 'normal (chest-xray-pneumonia 2.0.0, browser)' }, 'Cough'),
    'AI reading of an image in “Cough”');
  assert.equal(historyText({ kind: 'ai_refused', summary: 'Not a chest X-ray. (chest-xray-pneumonia 2.0.0, server)' }),
    'Image not read by the AI: Not a chest X-ray.');
  assert.equal(historyText({ kind: 'case_submitted', summary: 'Cough' }), 'Case sent to your doctor: Cough');
  assert.equal(historyText({ kind: 'something_new', summary: 'x' }), 'something new: x');
});
