// The browser's decoders must give the server's pixels: DICOM decoded in JS is
// compared, pixel for pixel, with training.decoding.decode_image_file on the
// same real files, and Pillow's grayscale formula with Pillow itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

import { decodeDicom } from '../src/dicom.js';
import { decodeImage, drawableSource, grayToChannels, rgbaToChannels, sniffImageType } from '../src/decode.js';
import { ImageDecodeError, UnsupportedInBrowserError } from '../src/errors.js';
import { requirePath } from './unavailable.mjs';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = resolve(process.env.MEDICAL_DATA_DIR ?? join(repo, '..', 'shared', 'data'));
const dicomDir = join(dataDir, 'dicom');
const python = process.env.PYTHON ?? join(repo, '.venv', 'bin', 'python');
const UNCOMPRESSED = ['CT_small.dcm', 'MR_small.dcm', 'MR-SIEMENS-DICOM-WithOverlays.dcm', 'RG1_UNCI.dcm'];

/**
 * Runs the server's decoder once on each file, on an implicit-VR copy of the
 * first one and on a 3-frame copy of the second (pydicom writes both into
 * `out`); returns {path: {shape, bytes}}.
 */
function pythonDecode(files, out) {
  const implicitCopy = join(out, 'implicit_vr.dcm');
  const script = [
    'import json, sys',
    'import pydicom',
    'from pydicom.uid import ImplicitVRLittleEndian',
    'from training.decoding import decode_image_file',
    'out, paths = sys.argv[1], sys.argv[2:]',
    'dataset = pydicom.dcmread(paths[0])',
    'dataset.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian',
    'dataset.save_as(f"{out}/implicit_vr.dcm", enforce_file_format=True)',
    'paths.append(f"{out}/implicit_vr.dcm")',
    // Three frames with different contrast: the server reads the middle one.
    'import numpy as np',
    'dataset = pydicom.dcmread(paths[1])',
    'frame = dataset.pixel_array',
    'dataset.NumberOfFrames = 3',
    'dataset.PixelData = np.stack([frame, frame // 3, frame // 2]).tobytes()',
    'dataset.save_as(f"{out}/multi_frame.dcm", enforce_file_format=True)',
    'paths.append(f"{out}/multi_frame.dcm")',
    'shapes = {}',
    'for i, path in enumerate(paths):',
    '    pixels = decode_image_file(path, channels=1)',
    '    pixels.tofile(f"{out}/{i}.raw")',
    '    shapes[path] = list(pixels.shape)',
    'print(json.dumps(shapes))',
  ].join('\n');
  const stdout = execFileSync(python, ['-c', script, out, ...files], { cwd: repo, encoding: 'utf8' });
  const shapes = JSON.parse(stdout.trim().split('\n').pop());
  const paths = [...files, implicitCopy, join(out, 'multi_frame.dcm')];
  return Object.fromEntries(paths.map((f, i) => [f, { shape: shapes[f], bytes: readFileSync(join(out, `${i}.raw`)) }]));
}

/** Decodes `path` in JS and asserts the pixels equal the server's, reporting how far off. */
function assertSamePixels(t, path, reference) {
  const image = decodeDicom(new Uint8Array(readFileSync(path)));
  const { shape, bytes } = reference[path];
  assert.deepEqual([image.height, image.width, image.channels], shape);
  let differing = 0;
  let worst = 0;
  for (let i = 0; i < bytes.length; i++) {
    const diff = Math.abs(image.data[i] - bytes[i]);
    if (diff > 0) differing++;
    worst = Math.max(worst, diff);
  }
  t.diagnostic(`${image.width}x${image.height}: ${differing} pixels differ, worst by ${worst}`);
  assert.equal(differing, 0, `${differing} pixels differ from the Python decoder (worst by ${worst} grey levels)`);
}

describe('DICOM decoded in JS matches the server decoder', () => {
  let expected = null;
  let out = null;
  after(() => out && rmSync(out, { recursive: true, force: true }));
  const load = (t) => {
    if (!requirePath(t, dicomDir, 'real DICOM data') || !requirePath(t, python, 'Python with the training package')) {
      return null;
    }
    out ??= mkdtempSync(join(tmpdir(), 'decode-'));
    expected ??= pythonDecode(UNCOMPRESSED.map((name) => join(dicomDir, name)), out);
    return expected;
  };

  for (const name of UNCOMPRESSED) {
    it(`${name} gives identical pixels`, (t) => {
      const reference = load(t);
      if (reference) assertSamePixels(t, join(dicomDir, name), reference);
    });
  }

  it('reads implicit VR little endian files too', (t) => {
    const reference = load(t);
    if (!reference) return;
    const copy = Object.keys(reference).find((path) => path.endsWith('implicit_vr.dcm'));
    assertSamePixels(t, copy, reference);
  });

  it('reads the middle frame of a multi-frame file, as the server does', (t) => {
    const reference = load(t);
    if (!reference) return;
    const copy = Object.keys(reference).find((path) => path.endsWith('multi_frame.dcm'));
    assertSamePixels(t, copy, reference);
  });

  it('sends the JPEG 2000 DICOM to the server', async (t) => {
    const path = join(dicomDir, 'RG1_J2KI.dcm');
    if (!requirePath(t, path, 'JPEG 2000 DICOM')) return;
    const bytes = new Uint8Array(readFileSync(path));
    assert.equal(sniffImageType(bytes), 'dicom');
    assert.throws(() => decodeDicom(bytes), (error) => {
      assert.ok(error instanceof UnsupportedInBrowserError, `got ${error.name}: ${error.message}`);
      assert.match(error.message, /1\.2\.840\.10008\.1\.2\.4\.91/);
      return true;
    });
    await assert.rejects(decodeImage(bytes, { channels: 1 }), UnsupportedInBrowserError);
  });

  it('sends a DICOM over the decode bound to the server, as it does compressed ones', (t) => {
    const path = join(dicomDir, 'CT_small.dcm');
    if (!requirePath(t, path, 'CT DICOM')) return;
    const bytes = new Uint8Array(readFileSync(path));
    const view = new DataView(bytes.buffer);
    // (0028,0010) Rows and (0028,0011) Columns: 65535 x 65535 16-bit values, 8 GB decoded.
    for (const element of [0x10, 0x11]) {
      const tag = Uint8Array.of(0x28, 0x00, element, 0x00);
      const at = bytes.findIndex((_, i) => tag.every((b, j) => bytes[i + j] === b));
      view.setUint16(at + 8, 65535, true);
    }
    assert.throws(() => decodeDicom(bytes), (error) => {
      assert.ok(error instanceof UnsupportedInBrowserError, `got ${error.name}: ${error.message}`);
      assert.match(error.message, /decoded bytes is decoded on the server/);
      return true;
    });
  });

  it('decodes DICOM through decodeImage with the model channel count', async (t) => {
    const path = join(dicomDir, 'MR_small.dcm');
    if (!requirePath(t, path, 'real DICOM data')) return;
    const bytes = new Uint8Array(readFileSync(path));
    const gray = await decodeImage(bytes, { channels: 1 });
    const rgb = await decodeImage(bytes, { channels: 3 });
    assert.equal(rgb.channels, 3);
    assert.equal(rgb.data.length, gray.data.length * 3);
    assert.deepEqual([rgb.data[300], rgb.data[301], rgb.data[302]], [gray.data[100], gray.data[100], gray.data[100]]);
    assert.equal(drawableSource(gray), null, 'DICOM pixels are drawn from the data itself');
  });

  it('rejects truncated DICOM as a decode error', (t) => {
    const path = join(dicomDir, 'CT_small.dcm');
    if (!requirePath(t, path, 'real DICOM data')) return;
    const bytes = new Uint8Array(readFileSync(path));
    assert.throws(() => decodeDicom(bytes.subarray(0, bytes.length - 1000)), ImageDecodeError);
    assert.throws(() => decodeDicom(bytes.subarray(0, 200)), ImageDecodeError);
  });
});

describe('file type sniffing and conversions', () => {
  it('sniffs from content, not the name', () => {
    assert.equal(sniffImageType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'png');
    assert.equal(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
    assert.equal(sniffImageType(new TextEncoder().encode('GIF89a')), null);
  });

  it('refuses files that are not images', async () => {
    await assert.rejects(decodeImage(new TextEncoder().encode('not an image')), ImageDecodeError);
  });

  it('sends 16-bit PNGs to the server', async () => {
    // Signature + IHDR (13 data bytes): 2x2, bit depth 16, grayscale.
    const png = Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
      0, 0, 0, 2, 0, 0, 0, 2, 16, 0, 0, 0, 0,
    ]);
    await assert.rejects(decodeImage(png, { channels: 1 }), UnsupportedInBrowserError);
  });

  it('converts RGBA to grayscale exactly as Pillow does', (t) => {
    if (!requirePath(t, python, 'Python with Pillow')) return;
    // A spread of colours, including the ones where rounding is closest to a half.
    const count = 4096;
    const rgba = new Uint8Array(count * 4);
    for (let i = 0; i < count; i++) {
      rgba.set([(i * 37) & 255, (i * 101 + 7) & 255, (i * 53 + 200) & 255, (i * 11) & 255], i * 4);
    }
    const script =
      'import sys, numpy as np; from PIL import Image; ' +
      'a = np.frombuffer(sys.stdin.buffer.read(), np.uint8).reshape(1, -1, 4); ' +
      'sys.stdout.buffer.write(np.asarray(Image.fromarray(a, "RGBA").convert("L")).tobytes())';
    const expected = execFileSync(python, ['-c', script], { input: rgba });
    assert.deepEqual(Buffer.from(rgbaToChannels(rgba, 1)), expected);
    const unaligned = new Uint8Array(new ArrayBuffer(rgba.length + 1), 1);
    unaligned.set(rgba);
    assert.deepEqual(Buffer.from(rgbaToChannels(unaligned, 1)), expected, 'byte-by-byte path');
    assert.deepEqual(Array.from(rgbaToChannels(rgba.subarray(0, 8), 3)), [0, 7, 200, 37, 108, 253]);
  });

  it('repeats grey into three channels', () => {
    const rgb = grayToChannels({ width: 2, height: 1, channels: 1, data: Uint8Array.from([5, 9]) }, 3);
    assert.deepEqual(Array.from(rgb.data), [5, 5, 5, 9, 9, 9]);
  });
});
