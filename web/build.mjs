// Build web/dist/: ES module bundles of src/ (TensorFlow.js included, nothing
// fetched from a CDN), the TF.js WASM binaries beside them, the HTML pages and their stylesheet.
//
//   npm run build
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
// Built beside dist/ and swapped in at the end, so a page being served never sees a half-built folder.
const staging = join(root, `dist.building-${process.pid}`);
const retired = join(root, `dist.old-${process.pid}`);

// Pages import inference.js; each entry point gets a bundle, shared code a chunk.
const entryPoints = ['inference.js', 'demo.js', 'portal.js', 'doctor.js', 'admin.js', 'queue.js', 'queue_link.js', 'invitation.js', 'reset.js'].map(
  (name) => join(src, name),
);

await rm(staging, { recursive: true, force: true });
await mkdir(staging, { recursive: true });

await esbuild.build({
  entryPoints,
  outdir: staging,
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
  if (name.endsWith('.wasm')) await copyFile(join(wasmDir, name), join(staging, name));
}
// The pages, their stylesheets and the icon are served as they are.
for (const name of await readdir(src)) {
  if (['.html', '.css', '.svg'].some((ext) => name.endsWith(ext))) await copyFile(join(src, name), join(staging, name));
}
await rename(dist, retired).catch((error) => {
  if (error.code !== 'ENOENT') throw error;
});
await rename(staging, dist);
await rm(retired, { recursive: true, force: true });
console.log(`built ${dist}`);
