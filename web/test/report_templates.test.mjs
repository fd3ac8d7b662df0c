// Report templates: two for every exam type the product knows, filling findings and impression only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { filledReport, REPORT_TEMPLATES, templateFor, templatesFor } from '../src/report_templates.js';

// The vocabulary is training/exam_types.py's EXAM_TYPES.
const source = readFileSync(new URL('../../training/exam_types.py', import.meta.url), 'utf8');
const block = /EXAM_TYPES: dict\[str, str\] = \{([^}]*)\}/.exec(source)[1];
const examTypes = [...block.matchAll(/"(\w+)":/g)].map((m) => m[1]);

test('every exam type has a normal template first and a finding after it', () => {
  assert.deepEqual(examTypes.sort(), Object.keys(REPORT_TEMPLATES).sort());
  for (const examType of examTypes) {
    const templates = templatesFor(examType);
    assert.ok(templates.length >= 2, examType);
    for (const t of templates) assert.ok(t.findings.length > 20 && t.impression.length > 10 && t.name, t.id);
  }
  assert.equal(templatesFor('chest_xray')[0].name, 'Normal chest X-ray');
  assert.equal(templatesFor('chest_xray')[1].name, 'Pneumonia');
  assert.deepEqual(templatesFor('breast_ultrasound').map((t) => t.name), ['No suspicious finding', 'Suspicious mass']);
  assert.deepEqual(templatesFor('retina_photo').map((t) => t.name), ['No retinopathy', 'Retinopathy present']);
  assert.deepEqual(templatesFor('knee_mri'), []);
});

test('template ids are unique and found by exam type', () => {
  const ids = Object.values(REPORT_TEMPLATES).flat().map((t) => t.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(templateFor('chest_xray', 'chest-pneumonia').name, 'Pneumonia');
  assert.equal(templateFor('retina_photo', 'chest-pneumonia'), null);
});

test('a template fills findings and impression, and says when it would replace the doctor\'s own text', () => {
  const [normal, pneumonia] = templatesFor('chest_xray');
  const filled = filledReport(normal, { findings: '', impression: '' });
  assert.deepEqual(filled, { findings: normal.findings, impression: normal.impression, overwrites: false });
  assert.equal(Object.keys(filled).includes('ai_agreement'), false);
  assert.equal(filledReport(pneumonia, { findings: normal.findings, impression: normal.impression }).overwrites, false);
  assert.equal(filledReport(pneumonia, { findings: 'Left basal opacity.', impression: '' }).overwrites, true);
});
