// The Classifier wrapper pages use (src/model.js) on every shipped model
// package, in Node on the WASM backend: the package's parity fixtures, the
// decision rule, the heat map of the shown label, and no leaked tensors.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, test } from 'node:test';

import { bandOf, heatmapShown } from '../src/decision.js';
import { browserReadingPayload, Classifier, decideLabel, outputTensorNames } from '../src/model.js';
import { loadGraphModelFromDisk, useWasmBackend } from './disk_model.mjs';
import { skipOrFail } from './unavailable.mjs';

const packagesDir = resolve(
  process.env.MODEL_PACKAGES_DIR ?? fileURLToPath(new URL('../../exported_models', import.meta.url)),
);

async function findPackages(root) {
  const dirs = async (dir) =>
    (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name);
  const found = [];
  for (const name of (await dirs(root)).sort()) {
    for (const version of (await dirs(join(root, name))).sort()) {
      const dir = join(root, name, version);
      if (existsSync(join(dir, 'tfjs', 'model.json')) && existsSync(join(dir, 'parity_fixtures.json'))) {
        found.push({ id: `${name}/${version}`, dir });
      }
    }
  }
  return found;
}

test('decides binary models by the threshold on the positive class', () => {
  const metadata = { positive_class: 1, decision: { threshold: 0.3 } };
  assert.equal(decideLabel([0.65, 0.35], metadata), 1);
  assert.equal(decideLabel([0.75, 0.25], metadata), 0);
  assert.equal(decideLabel([0.7, 0.3], metadata), 1, 'a score equal to the threshold is positive');
  assert.equal(decideLabel([0.4, 0.6], { positive_class: 0, decision: { threshold: 0.45 } }), 1);
});

test('decides multi-class models by the highest probability', () => {
  const metadata = { positive_class: null, decision: { threshold: null } };
  assert.equal(decideLabel([0.1, 0.2, 0.5, 0.15, 0.05], metadata), 2);
});

test('names the outputs the converter left under their tensor names, by the SavedModel\'s sorted keys', () => {
  const info = (name) => ({ name });
  const keys = ['probabilities', 'heatmaps', 'input_check', 'input_accepted'];
  // As tensorflowjs 4.22 writes a gated package: two float32 (N,) outputs it cannot tell apart.
  const converted = { outputs: {
    probabilities: info('Identity_3:0'), heatmaps: info('Identity:0'), 'Identity_1:0': info('Identity_1:0'), 'Identity_2:0': info('Identity_2:0'),
  } };
  assert.deepEqual(outputTensorNames(converted, keys), {
    heatmaps: 'Identity:0', input_accepted: 'Identity_1:0', input_check: 'Identity_2:0', probabilities: 'Identity_3:0',
  });
  // A signature that names everything is taken as it is.
  const named = { outputs: { probabilities: info('Identity_1:0'), heatmaps: info('Identity:0') } };
  assert.deepEqual(outputTensorNames(named, ['probabilities', 'heatmaps']), { probabilities: 'Identity_1:0', heatmaps: 'Identity:0' });
  // When the order does not agree with the outputs it did name, nothing is guessed.
  const odd = { outputs: { ...converted.outputs, probabilities: info('Identity_2:0'), 'Identity_3:0': info('Identity_3:0') } };
  delete odd.outputs['Identity_2:0'];
  assert.equal(outputTensorNames(odd, keys).input_check, undefined);
});

const tf = await useWasmBackend();
const packages = await findPackages(packagesDir);

test('finds a model package', (t) => {
  if (packages.length > 0) return;
  const message = `no model package under ${packagesDir} (set MODEL_PACKAGES_DIR)`;
  skipOrFail(t, message);
});

for (const pkg of packages) {
  describe(`Classifier on ${pkg.id}`, () => {
    let classifier;
    let fixtures;
    before(async () => {
      const metadata = JSON.parse(await readFile(join(pkg.dir, 'model_metadata.json'), 'utf8'));
      fixtures = JSON.parse(await readFile(join(pkg.dir, 'parity_fixtures.json'), 'utf8'));
      classifier = new Classifier(await loadGraphModelFromDisk(join(pkg.dir, 'tfjs')), metadata);
      await classifier.warmUp();
    });
    after(() => classifier?.dispose());

    it('reproduces the fixtures: the gate, the label, and a heat map only when positive', async (t) => {
      const metadata = classifier.metadata;
      for (const fixture of fixtures.cases) {
        const [, height, width, channels] = fixture.input.shape;
        const data = new Uint8Array(Buffer.from(fixture.input.base64, 'base64'));
        const tensorsBefore = tf.memory().numTensors;
        const reading = await classifier.predict({ width, height, channels, data });
        assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
        assert.equal(reading.backend, 'wasm');

        const expected = fixture.expected.probabilities.values;
        const worst = Math.max(...expected.map((p, k) => Math.abs(p - reading.probabilities[k])));
        assert.ok(worst <= fixtures.tolerance, `${fixture.name}: probabilities off by ${worst}`);

        // The gate: packages with one answer its decision; the others accept everything.
        const accepted = fixture.expected.input_accepted?.values[0];
        assert.equal(classifier.hasGate, accepted !== undefined, 'the graph has a gate exactly when the fixtures do');
        assert.equal(classifier.hasGate, Boolean(metadata.input_check));
        if (accepted === undefined) {
          assert.equal(reading.inputScore, null);
        } else {
          assert.ok(Math.abs(reading.inputScore - fixture.expected.input_check.values[0]) <= fixtures.tolerance, 'input_check');
        }
        const payload = browserReadingPayload(reading, { image: 7 });
        assert.equal(payload.image, 7);
        assert.equal(payload.input_score, reading.inputScore);
        assert.equal(payload.input_accepted, reading.status === 'succeeded');
        if (accepted === 0) {
          assert.equal(reading.status, 'refused', `${fixture.name}: the gate refused it`);
          assert.equal(reading.refusal, metadata.input_check.refusal);
          for (const field of ['label', 'probability', 'probabilitiesByLabel', 'score', 'band', 'heatmap']) {
            assert.equal(reading[field], null, `a refused image has no ${field}`);
          }
          assert.deepEqual(
            Object.keys(payload).sort(),
            ['backend', 'image', 'input_accepted', 'input_score', 'latency_ms', 'model_name', 'model_version', 'refusal'],
          );
          assert.equal(payload.input_accepted, false);
          t.diagnostic(`${fixture.name}: refused (input check ${reading.inputScore.toFixed(4)})`);
          continue;
        }
        assert.equal(reading.status, 'succeeded');
        assert.equal(reading.refusal, null);
        assert.equal(reading.labelIndex, decideLabel(expected, metadata));
        assert.equal(reading.label, metadata.label_names[reading.labelIndex]);
        assert.equal(reading.probability, reading.probabilities[reading.labelIndex]);
        assert.deepEqual(reading.band, bandOf(reading.score, metadata));
        if (metadata.operating_point?.bands) assert.ok(reading.band, 'a binary package with bands names the band');

        // A heat map only for a positive reading; it is the evidence for the heat map's class.
        const rule = heatmapShown(expected, reading.labelIndex, metadata);
        const positive = metadata.positive_class == null || expected[metadata.positive_class] >= metadata.decision.threshold;
        assert.equal(rule.shown, positive);
        assert.equal(Boolean(reading.heatmap), positive, `${fixture.name}: heat map ${positive ? 'missing' : 'shown on a negative reading'}`);
        assert.equal(payload.heatmap === null, !positive);
        const [, mapHeight, mapWidth, classes] = fixture.expected.heatmaps.shape;
        if (metadata.heatmap?.grid) assert.deepEqual([mapHeight, mapWidth], metadata.heatmap.grid, 'the grid the metadata names');
        if (reading.heatmap) {
          assert.deepEqual([reading.heatmap.height, reading.heatmap.width], [mapHeight, mapWidth]);
          const maps = fixture.expected.heatmaps.values;
          reading.heatmap.data.forEach((v, i) => {
            assert.ok(Math.abs(v - maps[i * classes + rule.classIndex]) <= fixtures.tolerance, `heat map value ${i}`);
          });
          assert.equal(payload.heatmap.length, mapHeight);
          assert.ok(payload.heatmap.every((row) => row.length === mapWidth && row.every((v) => v >= 0 && v <= 1)));
        }
        assert.deepEqual(payload.probabilities, reading.probabilitiesByLabel);
        assert.equal(payload.score === null, metadata.decision?.threshold == null);
        t.diagnostic(`${fixture.name}: ${reading.label} ${reading.probability.toFixed(4)}${reading.band ? ` (${reading.band.name})` : ''}, `
          + `heat map ${reading.heatmap ? 'shown' : 'none'}, ${reading.latencyMs.toFixed(1)} ms`);
      }
    });

    it('refuses an image with the wrong channel count', async () => {
      const channels = classifier.channels === 1 ? 3 : 1;
      const data = new Uint8Array(8 * 8 * channels);
      await assert.rejects(classifier.predict({ width: 8, height: 8, channels, data }), /channel/);
    });
  });
}
