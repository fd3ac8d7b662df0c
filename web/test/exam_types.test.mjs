// Exam types in the browser (src/exam_types.js): the exam type a DICOM header proposes, from the
// DICOM codes the shipped packages list, and the sentences the portal says about exam types.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, test } from 'node:test';

import { dicomHeader } from '../src/dicom.js';
import {
  examTypeLabel, examTypeSwitchedText, fileFieldLabel, inSentence, otherExamTypeText, proposedExamType,
} from '../src/exam_types.js';
import { requirePath } from './unavailable.mjs';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const modelsDir = join(repo, 'exported_models');
const dicomDir = join(resolve(process.env.MEDICAL_DATA_DIR ?? join(repo, '..', 'shared', 'data')), 'dicom');
const LABELS = { chest_xray: 'Chest X-ray', breast_ultrasound: 'Breast ultrasound', retina_photo: 'Retina photograph' };

/** The shipped packages as GET /api/v1/models/ lists them: exam type, its name, DICOM codes. */
function shippedPackages() {
  const packages = [];
  for (const name of readdirSync(modelsDir)) {
    for (const version of readdirSync(join(modelsDir, name))) {
      const metadata = JSON.parse(readFileSync(join(modelsDir, name, version, 'model_metadata.json'), 'utf8'));
      packages.push({
        name,
        version,
        exam_type: metadata.exam_type,
        exam_type_label: LABELS[metadata.exam_type],
        dicom: metadata.input_check?.dicom ?? null,
      });
    }
  }
  return packages;
}

describe('proposedExamType with the shipped packages', () => {
  const packages = shippedPackages();

  it('every shipped package names an exam type', () => {
    assert.deepEqual(new Set(packages.map((p) => p.exam_type)), new Set(Object.keys(LABELS)));
  });

  it('a chest radiograph header proposes a chest X-ray', () => {
    assert.equal(proposedExamType({ modality: 'CR', bodyPart: 'CHEST' }, packages), 'chest_xray');
    assert.equal(proposedExamType({ modality: 'DX', bodyPart: null }, packages), 'chest_xray');
    assert.equal(proposedExamType({ modality: ' dx ', bodyPart: 'thorax' }, packages), 'chest_xray');
  });

  it('an ultrasound of the breast proposes a breast ultrasound', () => {
    assert.equal(proposedExamType({ modality: 'US', bodyPart: 'BREAST' }, packages), 'breast_ultrasound');
    assert.equal(proposedExamType({ modality: 'US', bodyPart: null }, packages), 'breast_ultrasound');
  });

  it('an ophthalmic photograph proposes a retina photograph', () => {
    assert.equal(proposedExamType({ modality: 'OP', bodyPart: 'EYE' }, packages), 'retina_photo');
    assert.equal(proposedExamType({ modality: 'XC', bodyPart: 'RETINA' }, packages), 'retina_photo');
  });

  it('proposes nothing for what no model reads, or a header that contradicts itself', () => {
    assert.equal(proposedExamType({ modality: 'CT', bodyPart: 'CHEST' }, packages), null);
    assert.equal(proposedExamType({ modality: 'MR', bodyPart: 'HEAD' }, packages), null);
    assert.equal(proposedExamType({ modality: 'US', bodyPart: 'CHEST' }, packages), null);
    assert.equal(proposedExamType({ modality: null, bodyPart: null }, packages), null);
    assert.equal(proposedExamType(null, packages), null);
  });

  it('a body part alone proposes the exam type that lists it', () => {
    assert.equal(proposedExamType({ modality: null, bodyPart: 'BREAST' }, packages), 'breast_ultrasound');
    assert.equal(proposedExamType({ modality: '', bodyPart: 'LUNGS' }, packages), 'chest_xray');
  });

  test('the real DICOM files: the chest radiographs propose a chest X-ray, the CT and MR nothing', (t) => {
    if (!requirePath(t, dicomDir, 'the real DICOM files')) return;
    const proposed = (file) => proposedExamType(dicomHeader(new Uint8Array(readFileSync(join(dicomDir, file)))), packages);
    assert.equal(proposed('RG1_UNCI.dcm'), 'chest_xray');
    assert.equal(proposed('RG1_J2KI.dcm'), 'chest_xray');
    assert.equal(proposed('CT_small.dcm'), null);
    assert.equal(proposed('MR_small.dcm'), null);
  });
});

describe('proposedExamType rules', () => {
  it('ignores packages without an exam type or DICOM codes', () => {
    const packages = [{ exam_type: null, dicom: { modalities: ['US'] } }, { exam_type: 'breast_ultrasound', dicom: null }];
    assert.equal(proposedExamType({ modality: 'US', bodyPart: 'BREAST' }, packages), null);
  });

  it('proposes nothing when two exam types read the same codes', () => {
    const packages = [
      { exam_type: 'chest_xray', dicom: { modalities: ['CR'], body_parts: [] } },
      { exam_type: 'retina_photo', dicom: { modalities: ['CR'], body_parts: [] } },
    ];
    assert.equal(proposedExamType({ modality: 'CR', bodyPart: null }, packages), null);
  });

  it('a body part one exam type names decides between two that read the modality', () => {
    const packages = [
      { exam_type: 'breast_ultrasound', dicom: { modalities: ['US'], body_parts: ['BREAST'] } },
      { exam_type: 'chest_xray', dicom: { modalities: ['US', 'CR'] } },
    ];
    assert.equal(proposedExamType({ modality: 'US', bodyPart: 'BREAST' }, packages), 'breast_ultrasound');
    assert.equal(proposedExamType({ modality: 'US', bodyPart: null }, packages), null);
  });
});

describe('exam type sentences', () => {
  it('names exam types as the API does, and inside a sentence', () => {
    const packages = [{ exam_type: 'breast_ultrasound', exam_type_label: 'Breast ultrasound' }];
    assert.equal(examTypeLabel('breast_ultrasound', packages), 'Breast ultrasound');
    assert.equal(examTypeLabel('retina_photo', packages), 'retina_photo');
    assert.equal(inSentence('Chest X-ray'), 'chest X-ray');
  });

  it('labels the file field with the exam type', () => {
    assert.equal(fileFieldLabel('Chest X-ray'), 'Chest X-ray (PNG, JPEG or uncompressed DICOM)');
    assert.equal(fileFieldLabel('Breast ultrasound'), 'Breast ultrasound (PNG, JPEG or uncompressed DICOM)');
  });

  it('says plainly when the case changed its exam type, and when a file belongs in another case', () => {
    assert.equal(
      examTypeSwitchedText('scan.dcm', 'Breast ultrasound'),
      'The DICOM header of scan.dcm says it is a breast ultrasound, so this case is now a breast ultrasound case '
        + 'and the breast ultrasound model reads it.',
    );
    assert.equal(
      otherExamTypeText('scan.dcm', 'Breast ultrasound', 'Chest X-ray'),
      'scan.dcm looks like a breast ultrasound (its DICOM header says so), and this case is for chest X-ray images. '
        + 'Open a new case for it. Nothing has been sent.',
    );
  });
});
