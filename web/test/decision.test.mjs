// The rules of docs/model-package.md as the browser applies them (src/decision.js):
// bands, when a heat map is shown, the input gate, the DICOM header check, and
// the header of real DICOM files as the browser reads it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, test } from 'node:test';

import {
  bandOf, decideLabel, dicomRefusal, gateAccepts, heatmapClass, heatmapShown, noHeatmapText, operatingPoint, refusalText,
  trainingDataNote,
} from '../src/decision.js';
import { dicomHeader } from '../src/dicom.js';
import { findingOf, isPositive, mismatchOf, shownHeatmap } from '../src/reading_pairs.js';
import { plainMeaning } from '../src/cases.js';
import { requirePath } from './unavailable.mjs';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dicomDir = join(resolve(process.env.MEDICAL_DATA_DIR ?? join(repo, '..', 'shared', 'data')), 'dicom');

/** The metadata of a gated binary package, as the contract's example writes it. */
const CHEST = {
  name: 'chest-xray-pneumonia',
  label_names: ['normal', 'pneumonia'],
  positive_class: 1,
  decision: { threshold: 0.41, on: 'P(pneumonia)' },
  operating_point: {
    goal: 'sensitivity >= 0.95 on the validation split, at the best specificity there',
    threshold: 0.41,
    bands: { below: 0.12, from: 0.83, names: ['likely normal', 'uncertain', 'likely pneumonia'] },
  },
  heatmap: { class: 1, label: 'pneumonia', grid: [16, 16] },
  input_check: {
    expects: 'chest X-ray',
    refusal: 'This does not look like a chest X-ray.',
    threshold: 0.5,
    outputs: { score: 'input_check', accepted: 'input_accepted' },
    dicom: { modalities: ['CR', 'DX'], body_parts: ['CHEST', 'THORAX', 'LUNG', 'LUNGS'] },
  },
};
/** A package made before the gate (1.0.0): no operating point, heat map, or input check. */
const OLD_BINARY = { label_names: ['malignant', 'normal or benign'], positive_class: 0, decision: { threshold: 0.42, rule: "maximises Youden's J" } };
const MULTI = { label_names: ['grade 0', 'grade 1', 'grade 2'], positive_class: null, decision: { threshold: null }, heatmap: { class: null } };

test('bands split the positive class probability at `below` and `from`', () => {
  const name = (score) => bandOf(score, CHEST)?.name;
  assert.equal(name(0), 'likely normal');
  assert.equal(name(0.1199), 'likely normal');
  assert.equal(name(0.12), 'uncertain', 'at `below` it is no longer below');
  assert.equal(name(0.5), 'uncertain');
  assert.equal(name(0.8299), 'uncertain');
  assert.equal(name(0.83), 'likely pneumonia', 'from `from` on, the last band');
  assert.equal(name(1), 'likely pneumonia');
  assert.deepEqual(bandOf(0.9, CHEST), { index: 2, name: 'likely pneumonia' });
  assert.equal(bandOf(0.9, OLD_BINARY), null, 'no bands in a package without them');
  assert.equal(bandOf(null, CHEST), null, 'no band without a score (multi-class)');
});

test('the operating point is the threshold and its goal; old packages give their rule', () => {
  assert.deepEqual(operatingPoint(CHEST), { threshold: 0.41, goal: CHEST.operating_point.goal });
  assert.deepEqual(operatingPoint(OLD_BINARY), { threshold: 0.42, goal: "maximises Youden's J" });
  assert.equal(operatingPoint(MULTI), null);
});

test('a heat map only for a positive binary reading; a multi-class one shows its label', () => {
  // At the threshold counts as positive, as for the label.
  for (const [p, shown] of [[0.41, true], [0.9, true], [0.4099, false], [0.05, false]]) {
    const probabilities = [1 - p, p];
    const result = heatmapShown(probabilities, decideLabel(probabilities, CHEST), CHEST);
    assert.deepEqual(result, { shown, classIndex: 1, label: 'pneumonia' }, `P(pneumonia) = ${p}`);
  }
  // Old binary packages: the positive class (here class 0) is the heat map's class.
  assert.equal(heatmapShown([0.5, 0.5], 0, OLD_BINARY).shown, true);
  assert.equal(heatmapShown([0.3, 0.7], 1, OLD_BINARY).shown, false);
  assert.deepEqual(heatmapClass(OLD_BINARY), { classIndex: 0, label: 'malignant' });
  assert.deepEqual(heatmapShown([0.2, 0.5, 0.3], 1, MULTI), { shown: true, classIndex: 1, label: 'grade 1' });
  assert.equal(noHeatmapText('pneumonia'), 'Heat maps are shown for pneumonia readings only.');
});

test('the gate accepts on 1, refuses on 0, and packages without it accept', () => {
  assert.equal(gateAccepts(1), true);
  assert.equal(gateAccepts(0), false);
  assert.equal(gateAccepts(null), true);
  assert.equal(refusalText(CHEST), 'This does not look like a chest X-ray.');
});

describe('the DICOM header check', () => {
  it('refuses another modality, naming what the header says', () => {
    assert.equal(dicomRefusal({ modality: 'CT', bodyPart: null }, CHEST),
      'The DICOM header says this is a CT (Modality CT), not a chest X-ray.');
    assert.equal(dicomRefusal({ modality: 'MR', bodyPart: 'ABDOMEN' }, CHEST),
      'The DICOM header says this is an MR (Modality MR), not a chest X-ray.');
  });

  it('refuses a body part that is present and not the expected one', () => {
    assert.match(dicomRefusal({ modality: 'CR', bodyPart: 'ABDOMEN' }, CHEST), /BodyPartExamined ABDOMEN.*not a chest X-ray/);
  });

  it('compares stripped values without case, and lets an empty body part through', () => {
    assert.equal(dicomRefusal({ modality: ' dx ', bodyPart: 'Chest ' }, CHEST), null);
    assert.equal(dicomRefusal({ modality: 'CR', bodyPart: null }, CHEST), null);
    assert.equal(dicomRefusal({ modality: 'CR', bodyPart: '  ' }, CHEST), null);
  });

  it('does not check without rules in the package, or without a header', () => {
    assert.equal(dicomRefusal({ modality: 'CT', bodyPart: 'HEAD' }, OLD_BINARY), null);
    assert.equal(dicomRefusal(null, CHEST), null);
  });

  // What pydicom reads from the same files: Modality, BodyPartExamined.
  const REAL = {
    'CT_small.dcm': { modality: 'CT', bodyPart: null },
    'MR-SIEMENS-DICOM-WithOverlays.dcm': { modality: 'MR', bodyPart: 'ABDOMEN' },
    'RG1_UNCI.dcm': { modality: 'CR', bodyPart: 'CHEST' },
    'RG1_J2KI.dcm': { modality: 'CR', bodyPart: 'CHEST' }, // JPEG 2000: the header is read all the same
  };
  for (const [name, expected] of Object.entries(REAL)) {
    it(`reads the header of ${name} as pydicom does`, (t) => {
      const path = join(dicomDir, name);
      if (!requirePath(t, path, 'real DICOM data (set MEDICAL_DATA_DIR)')) return;
      assert.deepEqual(dicomHeader(new Uint8Array(readFileSync(path))), expected);
    });
  }

  it('drops control characters inside header text, as the server does before storing it', (t) => {
    const path = join(dicomDir, 'RG1_UNCI.dcm');
    if (!requirePath(t, path, 'real DICOM data (set MEDICAL_DATA_DIR)')) return;
    const bytes = new Uint8Array(readFileSync(path));
    const at = Buffer.from(bytes).indexOf('CHEST');
    bytes[at + 2] = 0; // "CH\0ST": imaging/validation.py stores "CHST"
    assert.deepEqual(dicomHeader(bytes), { modality: 'CR', bodyPart: 'CHST' });
  });

  it('refuses the real CT and accepts the real chest radiograph', (t) => {
    if (!requirePath(t, join(dicomDir, 'CT_small.dcm'), 'real DICOM data (set MEDICAL_DATA_DIR)')) return;
    const header = (name) => dicomHeader(new Uint8Array(readFileSync(join(dicomDir, name))));
    assert.equal(dicomRefusal(header('CT_small.dcm'), CHEST), 'The DICOM header says this is a CT (Modality CT), not a chest X-ray.');
    assert.equal(dicomRefusal(header('RG1_UNCI.dcm'), CHEST), null);
    assert.equal(dicomRefusal(header('RG1_J2KI.dcm'), CHEST), null);
  });

  it('gives no header for a file that is not DICOM', () => {
    assert.equal(dicomHeader(new TextEncoder().encode('not a DICOM file at all')), null);
  });
});

describe('readings from the API', () => {
  const read = (extra) => ({
    status: 'succeeded', label: 'pneumonia', probabilities: { normal: 0.1, pneumonia: 0.9 },
    score: 0.9, threshold: 0.41, flagged: true, heatmap: [[0, 1], [1, 0]], ...extra,
  });
  const refused = { status: 'refused', refusal: 'This does not look like a chest X-ray.', input_score: 0.1 };

  it('show a heat map only when positive, the server reading first', () => {
    const negative = read({ label: 'normal', probabilities: { normal: 0.9, pneumonia: 0.1 }, score: 0.1, flagged: false });
    assert.equal(isPositive(read()), true);
    assert.equal(isPositive(negative), false);
    assert.equal(isPositive(refused), false);
    assert.equal(isPositive(read({ score: null, threshold: null, label: 'grade 2' })), true, 'multi-class');
    assert.equal(shownHeatmap({ browser: negative, server: negative }), null);
    assert.equal(shownHeatmap({ browser: refused, server: null }), null);
    const server = read({ runs_on: 'server' });
    assert.equal(shownHeatmap({ browser: read(), server }).reading, server);
    assert.deepEqual(shownHeatmap({ browser: read(), server: negative }).heatmap.data, Float32Array.from([0, 1, 1, 0]));
    assert.equal(findingOf(negative, null), 'pneumonia');
    assert.equal(findingOf(read(), CHEST), 'pneumonia');
  });

  it('count a gate decision the browser and the server took differently as a mismatch', () => {
    assert.match(mismatchOf({ ...refused, id: 1 }, read({ id: 2 })), /browser refused the image/);
    assert.match(mismatchOf(read({ id: 1 }), { ...refused, id: 2 }), /server refused the image/);
    assert.equal(mismatchOf({ ...refused, id: 1 }, { ...refused, id: 2, verifies: 1, max_difference: 2e-4, disagrees: false }), null);
    assert.match(mismatchOf({ ...refused, id: 1 }, { ...refused, id: 2, verifies: 1, max_difference: 0.05, disagrees: true }),
      /input check scores differ by 5\.0e-2/);
  });

  it('are said plainly to patients by their band', () => {
    assert.equal(plainMeaning({ index: 0 }, false, 'pneumonia'), 'The model found little sign of pneumonia in this image.');
    assert.match(plainMeaning({ index: 1 }, true, 'pneumonia'), /cannot tell/);
    assert.match(plainMeaning(null, true, 'pneumonia'), /signs that may mean pneumonia/);
  });
});

test('models measured only on 28x28 MedMNIST images say so; the real-scan chest model does not', () => {
  const metadata = (path) => JSON.parse(readFileSync(join(repo, 'exported_models', path, 'model_metadata.json'), 'utf8'));
  assert.match(trainingDataNote(metadata('breast-ultrasound-malignancy/1.1.0')), /only on small \(28x28\) public images/);
  assert.match(trainingDataNote(metadata('retina-diabetic-retinopathy/1.1.0')), /has not been measured/);
  assert.equal(trainingDataNote(metadata('chest-xray-pneumonia/2.0.0')), '');
});
