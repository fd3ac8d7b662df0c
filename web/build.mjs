// Build web/dist/: ES module bundles of src/ (TensorFlow.js included, nothing
// fetched from a CDN), the TF.js WASM binaries beside them, and the HTML pages.
//
//   npm run build
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

// Pages import inference.js; each entry point gets a bundle, shared code a chunk.
const entryPoints = ['inference.js', 'demo.js', 'portal.js'].map((name) => join(src, name));

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

await esbuild.build({
  entryPoints,
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});

// model.js points setWasmPaths at the bundle's own folder.
const wasmDir = dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')));
for (const name of await readdir(wasmDir)) {
  if (name.endsWith('.wasm')) await copyFile(join(wasmDir, name), join(dist, name));
}
for (const name of await readdir(src)) {
  if (name.endsWith('.html')) await copyFile(join(src, name), join(dist, name));
}
console.log(`built ${dist}`);
