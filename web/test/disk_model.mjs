// Load exported TF.js graph models from disk and run them on the WASM backend
// in Node, the same backend the browser uses by default.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/**
 * A `tf.io` load handler that reads `model.json` and the weight shards it
 * lists from a directory, so no HTTP server or `tfjs-node` is needed.
 *
 * @param {string} modelDir directory holding `model.json` and its shards
 * @returns {tf.io.IOHandler}
 */
export function diskModelHandler(modelDir) {
  return {
    async load() {
      const modelJSON = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        // Shard bytes must be concatenated in manifest order to line up with
        // the weight specs, which are listed in the same order.
        const shardPaths = manifest.flatMap((group) => group.paths);
        const shards = await Promise.all(shardPaths.map((p) => readFile(join(modelDir, p))));
        const buffers = shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/**
 * Load a TF.js graph model from a directory on disk.
 *
 * @param {string} modelDir directory holding `model.json` and its shards
 * @returns {Promise<tf.GraphModel>}
 */
export function loadGraphModelFromDisk(modelDir) {
  return tf.loadGraphModel(diskModelHandler(modelDir));
}

/**
 * Switch TF.js to the WASM backend, using the `.wasm` binaries shipped inside
 * the installed `@tensorflow/tfjs-backend-wasm` package (nothing is fetched).
 * Throws if TF.js ends up on any other backend.
 *
 * @returns {Promise<typeof tf>} the initialised `tf` namespace
 */
export async function useWasmBackend() {
  // Resolves to .../tfjs-backend-wasm/dist/tf-backend-wasm.node.js; the
  // binaries sit beside it. The prefix is a plain file path: in Node the
  // Emscripten loader reads it with fs, not fetch.
  const entry = fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(dirname(entry) + '/');
  // setBackend resolves false instead of throwing when init fails.
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('TF.js could not initialise the wasm backend');
  }
  await tf.ready();
  if (tf.getBackend() !== 'wasm') {
    throw new Error(`expected the wasm backend, got ${tf.getBackend()}`);
  }
  return tf;
}

export { tf };
