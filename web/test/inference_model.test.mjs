// The Classifier wrapper pages use (src/model.js) on every shipped model
// package, in Node on the WASM backend: the package's parity fixtures, the
// decision rule, the heat map of the shown label, and no leaked tensors.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, test } from 'node:test';

import { browserReadingPayload, Classifier, decideLabel } from '../src/model.js';
import { loadGraphModelFromDisk, useWasmBackend } from './disk_model.mjs';

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

const tf = await useWasmBackend();
const packages = await findPackages(packagesDir);

test('finds a model package', (t) => {
  if (packages.length > 0) return;
  const message = `no model package under ${packagesDir} (set MODEL_PACKAGES_DIR)`;
  if (process.env.CI === 'true') assert.fail(message);
  t.skip(message);
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

    it('reproduces the fixtures and shows the heat map of the label it shows', async (t) => {
      for (const fixture of fixtures.cases) {
        const [, height, width, channels] = fixture.input.shape;
        const data = new Uint8Array(Buffer.from(fixture.input.base64, 'base64'));
        const tensorsBefore = tf.memory().numTensors;
        const reading = await classifier.predict({ width, height, channels, data });
        assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');

        const expected = fixture.expected.probabilities.values;
        const worst = Math.max(...expected.map((p, k) => Math.abs(p - reading.probabilities[k])));
        assert.ok(worst <= fixtures.tolerance, `${fixture.name}: probabilities off by ${worst}`);
        assert.equal(reading.labelIndex, decideLabel(expected, classifier.metadata));
        assert.equal(reading.label, classifier.metadata.label_names[reading.labelIndex]);
        assert.equal(reading.probability, reading.probabilities[reading.labelIndex]);
        assert.equal(reading.backend, 'wasm');

        const [, mapHeight, mapWidth, classes] = fixture.expected.heatmaps.shape;
        assert.deepEqual([reading.heatmap.height, reading.heatmap.width], [mapHeight, mapWidth]);
        const maps = fixture.expected.heatmaps.values;
        reading.heatmap.data.forEach((v, i) => {
          assert.ok(Math.abs(v - maps[i * classes + reading.labelIndex]) <= fixtures.tolerance, `heat map value ${i}`);
        });
        const payload = browserReadingPayload(reading, { image: 7 });
        assert.equal(payload.image, 7);
        assert.deepEqual(payload.probabilities, reading.probabilitiesByLabel);
        assert.equal(payload.heatmap.length, mapHeight);
        assert.ok(payload.heatmap.every((row) => row.length === mapWidth && row.every((v) => v >= 0 && v <= 1)));
        assert.equal(payload.score === null, classifier.metadata.decision?.threshold == null);
        t.diagnostic(`${fixture.name}: ${reading.label} ${reading.probability.toFixed(4)}, ${reading.latencyMs.toFixed(1)} ms`);
      }
    });

    it('refuses an image with the wrong channel count', async () => {
      const channels = classifier.channels === 1 ? 3 : 1;
      const data = new Uint8Array(8 * 8 * channels);
      await assert.rejects(classifier.predict({ width: 8, height: 8, channels, data }), /channel/);
    });
  });
}
