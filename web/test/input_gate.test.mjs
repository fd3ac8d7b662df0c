// Every shipped package with an input gate, on real files, through the code the
// pages run (readImage with the Classifier, WASM backend): a photograph is refused
// with the package's message and no reading; a CT DICOM is refused by its header
// before the model runs; for the chest model, the 20 full-size X-rays are read,
// each with its band, and a heat map exactly when the reading is positive.
// Pixels of JPEGs come from the server's decoder (training.decoding), as Node
// has no image decoder of its own; DICOM is decoded by the browser's (dicom.js).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, test } from 'node:test';

import { bandOf, heatmapShown } from '../src/decision.js';
import { browserReadingPayload, Classifier } from '../src/model.js';
import { readImage } from '../src/read_image.js';
import { loadGraphModelFromDisk, useWasmBackend } from './disk_model.mjs';
import { requirePath, skipOrFail } from './unavailable.mjs';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const packagesDir = resolve(process.env.MODEL_PACKAGES_DIR ?? join(repo, 'exported_models'));
const dataDir = resolve(process.env.MEDICAL_DATA_DIR ?? join(repo, '..', 'shared', 'data'));
const python = process.env.PYTHON ?? join(repo, '.venv', 'bin', 'python');
const PHOTO = process.env.PHOTO ?? join(repo, '.venv', 'lib', 'python3.11', 'site-packages', 'sklearn', 'datasets', 'images', 'china.jpg');
const CT = join(dataDir, 'dicom', 'CT_small.dcm');
const XRAYS = join(dataDir, 'chest_xray_kermany');

/** Packages whose metadata describes an input gate. */
function gatedPackages() {
  const found = [];
  for (const name of existsSync(packagesDir) ? readdirSync(packagesDir).sort() : []) {
    for (const version of readdirSync(join(packagesDir, name)).sort()) {
      const dir = join(packagesDir, name, version);
      const metadataPath = join(dir, 'model_metadata.json');
      if (!existsSync(metadataPath) || !existsSync(join(dir, 'tfjs', 'model.json'))) continue;
      if (JSON.parse(readFileSync(metadataPath, 'utf8')).input_check) found.push({ id: `${name}/${version}`, dir });
    }
  }
  return found;
}

/** The server's pixels of each file (training.decoding.decode_image_file), as {width, height, channels, data}. */
function serverPixels(files, channels) {
  const out = mkdtempSync(join(tmpdir(), 'gate-'));
  try {
    const script = [
      'import json, sys',
      'from training.decoding import decode_image_file',
      'out, channels, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]',
      'shapes = []',
      'for i, path in enumerate(paths):',
      '    pixels = decode_image_file(path, channels=channels)',
      '    pixels.tofile(f"{out}/{i}.raw")',
      '    shapes.append(list(pixels.shape))',
      'print(json.dumps(shapes))',
    ].join('\n');
    const stdout = execFileSync(python, ['-c', script, out, String(channels), ...files], { cwd: repo, encoding: 'utf8' });
    const shapes = JSON.parse(stdout.trim().split('\n').pop());
    return shapes.map(([height, width, c], i) => ({ width, height, channels: c, data: new Uint8Array(readFileSync(join(out, `${i}.raw`))) }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The 20 full-size X-rays of the manifest, with their labels. */
function manifestXrays() {
  const [header, ...rows] = readFileSync(join(XRAYS, 'manifest.csv'), 'utf8').trim().split('\n').map((line) => line.split(','));
  const file = header.indexOf('file');
  return rows.map((row) => join(XRAYS, row[file]));
}

await useWasmBackend();
const packages = gatedPackages();

test('finds a package with an input gate', (t) => {
  if (packages.length) return;
  skipOrFail(t, `no package with input_check under ${packagesDir}`);
});

for (const pkg of packages) {
  describe(`the input gate of ${pkg.id}`, () => {
    let model;
    before(async () => {
      const metadata = JSON.parse(await readFile(join(pkg.dir, 'model_metadata.json'), 'utf8'));
      model = new Classifier(await loadGraphModelFromDisk(join(pkg.dir, 'tfjs')), metadata);
      await model.warmUp();
    });
    after(() => model?.dispose());

    it('refuses a photograph with the package\'s message, and gives no reading', async (t) => {
      if (!requirePath(t, PHOTO, 'a photograph') || !requirePath(t, python, 'Python with the training package')) return;
      const [pixels] = serverPixels([PHOTO], model.channels);
      const reading = await model.predict(pixels);
      t.diagnostic(`input check ${reading.inputScore.toExponential(2)} (threshold ${model.metadata.input_check.threshold})`);
      assert.equal(reading.status, 'refused');
      assert.equal(reading.refusal, model.metadata.input_check.refusal);
      assert.ok(reading.inputScore < model.metadata.input_check.threshold);
      assert.equal(reading.label, null);
      assert.equal(reading.probability, null);
      assert.equal(reading.heatmap, null);
      const payload = browserReadingPayload(reading, { image: 3 });
      assert.equal(payload.input_accepted, false);
      assert.equal(payload.refusal, model.metadata.input_check.refusal);
      assert.ok(!('label' in payload) && !('probabilities' in payload) && !('heatmap' in payload));
    });

    it('refuses a CT by its DICOM header before the model runs', async (t) => {
      if (!requirePath(t, CT, 'the CT DICOM')) return;
      if (!model.metadata.input_check.dicom) {
        t.skip('this package has no DICOM rules');
        return;
      }
      const { reading, pixels } = await readImage(model, readFileSync(CT));
      assert.equal(pixels, null, 'not even decoded');
      assert.equal(reading.status, 'refused');
      assert.equal(reading.inputScore, null, 'the model did not run');
      assert.equal(reading.refusal, `The DICOM header says this is a CT (Modality CT), not ${/^[aeiou]/i.test(model.metadata.input_check.expects) ? 'an' : 'a'} ${model.metadata.input_check.expects}.`);
    });

    it('reads the full-size chest X-rays, with a heat map exactly when positive', async (t) => {
      if (model.metadata.input_check.expects !== 'chest X-ray') {
        t.skip(`the gate expects ${model.metadata.input_check.expects}: no full-size examples of it here`);
        return;
      }
      if (!requirePath(t, join(XRAYS, 'manifest.csv'), 'the full-size X-rays') || !requirePath(t, python, 'Python')) return;
      const files = manifestXrays();
      const all = serverPixels(files, model.channels);
      let positives = 0;
      for (const [i, pixels] of all.entries()) {
        const reading = await model.predict(pixels);
        const name = files[i].slice(XRAYS.length + 1);
        assert.equal(reading.status, 'succeeded', `${name} refused (input check ${reading.inputScore})`);
        assert.ok(reading.inputScore >= model.metadata.input_check.threshold);
        assert.deepEqual(reading.band, bandOf(reading.score, model.metadata));
        assert.ok(reading.band, `${name}: no band`);
        const positive = reading.score >= model.metadata.operating_point.threshold;
        assert.equal(heatmapShown(reading.probabilities, reading.labelIndex, model.metadata).shown, positive);
        assert.equal(Boolean(reading.heatmap), positive, `${name}: heat map on a ${positive ? 'positive' : 'negative'} reading`);
        if (reading.heatmap) {
          assert.deepEqual([reading.heatmap.height, reading.heatmap.width], model.metadata.heatmap.grid);
          assert.equal(reading.heatmapLabel, model.metadata.heatmap.label);
          positives += 1;
        }
        t.diagnostic(`${name}: ${reading.label} P=${reading.score.toFixed(3)} (${reading.band.name}), input check ${reading.inputScore.toFixed(3)}, heat map ${reading.heatmap ? 'shown' : 'none'}`);
      }
      assert.ok(positives > 0 && positives < files.length, `${positives} of ${files.length} positive: both kinds are tested`);
    });
  });
}
