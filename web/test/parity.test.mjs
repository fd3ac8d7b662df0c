// Every shipped model package must give, in TF.js on the WASM backend, the
// outputs its Python exporter recorded in parity_fixtures.json.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, test } from 'node:test';

import { outputTensorNames } from '../src/model.js';
import { loadGraphModelFromDisk, useWasmBackend } from './disk_model.mjs';

const packagesDir = resolve(
  process.env.MODEL_PACKAGES_DIR ?? fileURLToPath(new URL('../../exported_models', import.meta.url)),
);

/** Folders `<name>/<version>/` under `root` that hold a TF.js model and fixtures. */
async function findModelPackages(root) {
  const subdirs = async (dir) => {
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch (err) {
      if (err.code === 'ENOENT') return [];
      throw err;
    }
  };
  const found = [];
  for (const name of await subdirs(root)) {
    for (const version of await subdirs(join(root, name))) {
      const dir = join(root, name, version);
      if (existsSync(join(dir, 'tfjs', 'model.json')) && existsSync(join(dir, 'parity_fixtures.json'))) {
        found.push({ id: `${name}/${version}`, dir });
      }
    }
  }
  return found;
}

/** Largest absolute difference between two flat arrays, with where it is. */
function worstDifference(actual, expected) {
  let worst = { diff: 0, index: -1 };
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    // NaN never compares greater, so count it as the worst possible.
    if (!(diff <= worst.diff)) worst = { diff: Number.isNaN(diff) ? Infinity : diff, index: i };
  }
  return worst;
}

const tf = await useWasmBackend();
const packages = await findModelPackages(packagesDir);

test('runs on the wasm backend', () => {
  assert.equal(tf.getBackend(), 'wasm');
});

test('finds at least one model package', () => {
  assert.ok(
    packages.length > 0,
    `no model package found under ${packagesDir} ` +
      '(expected <name>/<version>/ with tfjs/model.json and parity_fixtures.json; set MODEL_PACKAGES_DIR)',
  );
});

for (const pkg of packages) {
  const fixtures = JSON.parse(await readFile(join(pkg.dir, 'parity_fixtures.json'), 'utf8'));
  const modelDir = join(pkg.dir, 'tfjs');
  const signature = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')).signature;
  const metadata = JSON.parse(await readFile(join(pkg.dir, 'model_metadata.json'), 'utf8'));
  // The output names as the browser resolves them (src/model.js).
  const tensorNameOf = outputTensorNames(signature, Object.keys(metadata.outputs ?? {}));

  describe(pkg.id, () => {
    let model;
    let packageWorst = 0;
    before(async () => {
      model = await loadGraphModelFromDisk(modelDir);
      // Warm up once on zeros so the timings below are not the first call's.
      const shape = fixtures.cases?.[0]?.input.shape;
      if (shape) tf.tidy(() => { model.execute({ image: tf.zeros(shape, 'int32') }); });
    });
    after(() => model?.dispose());

    it('has a usable tolerance and cases', () => {
      assert.ok(fixtures.tolerance > 0, `tolerance must be a positive number, got ${fixtures.tolerance}`);
      assert.ok(fixtures.cases?.length > 0, 'parity_fixtures.json has no cases');
    });

    for (const fixture of fixtures.cases ?? []) {
      it(fixture.name, (t) => {
        const { shape, dtype, base64 } = fixture.input;
        assert.equal(dtype, 'uint8', 'fixture inputs are raw uint8 pixels');
        const pixels = Buffer.from(base64, 'base64');
        assert.equal(pixels.length, shape.reduce((a, b) => a * b, 1), 'input bytes do not match its shape');

        // Ask for each output by the tensor name the signature gives it, so the
        // results come back in our order, not the model's.
        const outputNames = Object.keys(fixture.expected);
        const tensorNames = outputNames.map((name) => {
          assert.ok(tensorNameOf[name], `model.json signature has no output "${name}"`);
          return tensorNameOf[name];
        });

        const tensorsBefore = tf.memory().numTensors;
        const started = performance.now();
        // TF.js has no uint8 dtype: the converter maps the graph's uint8 input
        // to int32, so the pixel values go in as int32 and the graph casts them.
        const outputs = tf.tidy(() => {
          const image = tf.tensor(Int32Array.from(pixels), shape, 'int32');
          return model.execute({ image }, tensorNames);
        });
        const results = outputs.map((o) => ({ shape: o.shape, values: o.dataSync() }));
        const ms = performance.now() - started;
        tf.dispose(outputs);
        assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');

        const report = [];
        outputNames.forEach((name, i) => {
          const expected = fixture.expected[name];
          assert.deepEqual(results[i].shape, expected.shape, `${name}: shape`);
          assert.equal(expected.values.length, results[i].values.length, `${name}: fixture has the wrong number of values`);
          const worst = worstDifference(results[i].values, expected.values);
          packageWorst = Math.max(packageWorst, worst.diff);
          report.push(`${name} ${worst.diff.toExponential(2)}`);
          assert.ok(
            worst.diff <= fixtures.tolerance,
            `${pkg.id} ${fixture.name} ${name}: worst difference ${worst.diff} at index ${worst.index} ` +
              `(got ${results[i].values[worst.index]}, expected ${expected.values[worst.index]}) ` +
              `exceeds tolerance ${fixtures.tolerance}`,
          );
        });
        t.diagnostic(`worst difference: ${report.join(', ')}; ${ms.toFixed(1)} ms`);
      });
    }

    // Runs after the cases (tests in a suite run in order) to report the
    // package's worst difference in one line.
    it('worst difference over all cases', (t) => {
      t.diagnostic(`${pkg.id}: ${packageWorst.toExponential(2)} (tolerance ${fixtures.tolerance})`);
      assert.ok(packageWorst <= fixtures.tolerance, `${pkg.id}: worst difference ${packageWorst} exceeds tolerance`);
    });
  });
}
