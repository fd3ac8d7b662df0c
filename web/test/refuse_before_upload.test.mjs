// The portal refuses, before sending a byte, a file that no reader (here or on the server) can
// read: the decision is made from the file's first bytes, sniffed as training/decoding.py does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fileRefusal, SNIFF_BYTES, unreadableFileReason } from '../src/read_image.js';

const PNG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13);
const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16);
const PDF = new TextEncoder().encode('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj << /Type /Catalog >> endobj\n');

function dicom() {
  const bytes = new Uint8Array(200); // a 128-byte preamble, "DICM", then the elements
  bytes.set(new TextEncoder().encode('DICM'), 128);
  return bytes;
}

/** Deterministic noise with no image signature at its start. */
function randomBytes(length, seed = 7) {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  bytes[0] = 0x00;
  return bytes;
}

describe('unreadableFileReason', () => {
  it('lets PNG, JPEG and DICOM through', () => {
    assert.equal(unreadableFileReason(PNG), null);
    assert.equal(unreadableFileReason(JPEG), null);
    assert.equal(unreadableFileReason(dicom()), null);
  });

  it('refuses a PDF, a text file, random bytes and an empty file, saying nothing was sent', () => {
    for (const [bytes, name] of [
      [PDF, 'letter.pdf'],
      [new TextEncoder().encode('Dear doctor, my chest hurts.'), 'note.txt'],
      [randomBytes(4096), 'noise.png'],
    ]) {
      const reason = unreadableFileReason(bytes, name);
      assert.match(reason, new RegExp(`^${name.replace('.', '\\.')} is not a PNG, JPEG or DICOM image`));
      assert.match(reason, /Nothing has been sent\./);
    }
    assert.match(unreadableFileReason(new Uint8Array(0), 'empty.dcm'), /^empty\.dcm is empty/);
  });

  it('refuses what only looks like an image at the wrong place or in part', () => {
    assert.notEqual(unreadableFileReason(PNG.slice(0, 7)), null); // a cut-off signature
    const shifted = new Uint8Array(200);
    shifted.set(new TextEncoder().encode('DICM'), 0); // DICM without its preamble
    assert.notEqual(unreadableFileReason(shifted), null);
    const late = new Uint8Array(131); // too short for the DICOM signature
    late.set(new TextEncoder().encode('DIC'), 128);
    assert.notEqual(unreadableFileReason(late), null);
  });
});

describe('fileRefusal', () => {
  it('decides from the first bytes of a Blob, named as the file is', async () => {
    const pdf = new File([PDF, randomBytes(1 << 20)], 'scan.pdf', { type: 'image/png' }); // the type claimed is ignored
    assert.match(await fileRefusal(pdf), /^scan\.pdf is not a PNG, JPEG or DICOM image/);
    assert.equal(await fileRefusal(new File([dicom()], 'chest.dcm')), null);
    assert.equal(await fileRefusal(new Blob([JPEG])), null);
    assert.match(await fileRefusal(new Blob([PDF])), /^This file is not/);
  });

  it('reads only the head of the file', async () => {
    let sliced = null;
    const blob = new Blob([PNG, randomBytes(1 << 16)]);
    const spy = { name: 'x.png', slice: (start, end) => { sliced = [start, end]; return blob.slice(start, end); } };
    assert.equal(await fileRefusal(spy), null);
    assert.deepEqual(sliced, [0, SNIFF_BYTES]);
  });
});
