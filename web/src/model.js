// Load a model package and run it: backend choice, warm-up, prediction.
//
// Everything about the model (labels, threshold, channels, the preprocessing
// in the graph) comes from the package; nothing here re-implements it.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { bandOf, decideLabel, dicomRefusal, gateAccepts, heatmapClass, heatmapShown, refusalText } from './decision.js';
import { NoBackendError } from './errors.js';

export { decideLabel };

/** Backends in the order we try them: WASM is the fastest on CPUs, WebGL next, plain JS last. */
export const BACKEND_ORDER = ['wasm', 'webgl', 'cpu'];

/**
 * Switch TF.js to the first backend that initialises. TF.js holds one backend
 * per page, so call this once, before loading models.
 *
 * @param {object} [options]
 * @param {string[]} [options.order] backends to try, best first
 * @param {string} [options.wasmPaths] URL prefix of the served `.wasm` files (default: beside this bundle)
 * @returns {Promise<string>} the active backend's name
 * @throws {NoBackendError} when none of them works here
 */
export async function selectBackend({ order = BACKEND_ORDER, wasmPaths = defaultWasmPaths() } = {}) {
  if (order.includes('wasm') && wasmPaths) setWasmPaths(wasmPaths);
  const failures = [];
  for (const name of order) {
    try {
      // setBackend resolves false (not throws) when initialisation fails.
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
      failures.push(`${name}: failed to initialise`);
    } catch (error) {
      failures.push(`${name}: ${error.message}`);
    }
  }
  throw new NoBackendError(`no TensorFlow.js backend works in this browser (${failures.join('; ')})`);
}

function defaultWasmPaths() {
  // The build puts the .wasm files beside the bundle; import.meta.url is the bundle's URL.
  return typeof document === 'undefined' ? undefined : new URL('./', import.meta.url).href;
}

/**
 * Side of the blank image a model is also warmed up on, on the WASM backend:
 * about a full-size X-ray (1.7k to 2.4k pixels a side). Its heap grows to the
 * largest image seen and memory touched for the first time is slow (a first
 * 2k x 2k image took several times as long as the next), so loading pays for
 * it rather than the user's first image. The other backends allocate per call:
 * for them it would only slow loading.
 */
export const WARM_UP_IMAGE_SIDE = 2048;

/**
 * A fetch that reports the fraction of weight files downloaded so far, the
 * number of files read from the model.json it fetches first.
 *
 * @param {(fraction: number) => void} onProgress
 * @returns {typeof fetch}
 */
function countingFetch(onProgress) {
  let total = 0;
  let done = 0;
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.ok) return response; // TF.js turns it into an error that names the file
    if (String(url).split('?')[0].endsWith('model.json')) {
      const manifest = (await response.clone().json()).weightsManifest ?? [];
      total = manifest.reduce((count, group) => count + group.paths.length, 0);
      onProgress(0);
    } else if (total) {
      done += 1;
      onProgress(Math.min(1, done / total));
    }
    return response;
  };
}

/**
 * Load a model package served at `baseUrl` (holding `model_metadata.json` and
 * `tfjs/model.json`) and warm it up.
 *
 * @param {string} baseUrl e.g. "/api/v1/models/chest-xray-pneumonia/2.0.0/" (the `base_url` of GET /api/v1/models/)
 * @param {object} [options]
 * @param {(fraction: number) => void} [options.onProgress] weight download progress
 * @param {number} [options.warmUpImageSide] also warm up on a blank image this large (0: only at the
 *   model's size; default WARM_UP_IMAGE_SIDE on WASM, 0 elsewhere)
 * @returns {Promise<Classifier>}
 */
export async function loadModel(baseUrl, { onProgress, warmUpImageSide } = {}) {
  const base = baseUrl.replace(/\/+$/, '');
  const started = performance.now();
  const response = await fetch(`${base}/model_metadata.json`);
  if (!response.ok) throw new Error(`model metadata not found at ${base} (HTTP ${response.status})`);
  const metadata = await response.json();
  // TF.js's own onProgress leaves a failed weight download as an unhandled rejection besides
  // the error it throws, so progress is counted here, one weight file at a time.
  const fetchFunc = onProgress ? countingFetch(onProgress) : undefined;
  const graph = await tf.loadGraphModel(`${base}/tfjs/model.json`, { fetchFunc });
  const classifier = new Classifier(graph, metadata);
  await classifier.warmUp({ imageSide: warmUpImageSide ?? (tf.getBackend() === 'wasm' ? WARM_UP_IMAGE_SIDE : 0) });
  classifier.loadMs = performance.now() - started;
  return classifier;
}

/**
 * @typedef {object} Reading
 * @property {'succeeded'|'refused'} status refused: the input gate or the DICOM header turned the
 *   image down; there is no reading then, only `refusal` (every field below `refusal` but
 *   `probabilities`, `backend`, `latencyMs` and `model` is null)
 * @property {string|null} refusal what to show instead of a reading
 * @property {number|null} inputScore the gate's score (`input_check`) in [0, 1]; null for packages
 *   without a gate and for files the DICOM header refused before the model ran
 * @property {string|null} label the label shown
 * @property {number|null} labelIndex
 * @property {number|null} probability probability of the label shown
 * @property {Object<string, number>|null} probabilitiesByLabel label name -> probability
 * @property {number|null} score probability of the positive class (null for multi-class models)
 * @property {number|null} threshold the decision threshold on `score`
 * @property {boolean} flagged score >= threshold
 * @property {{index: number, name: string}|null} band the operating point's band of `score`
 * @property {{data: Float32Array, height: number, width: number}|null} heatmap in [0, 1], covering
 *   the center square crop of the image: the evidence for `heatmapLabel`, only on a positive
 *   reading (a multi-class one: its label's); null otherwise
 * @property {string|null} heatmapLabel the class heat maps of this model are evidence for
 *   ("pneumonia"), also when this reading has none; null for multi-class models
 * @property {number[]} probabilities the graph's class probabilities, in `metadata.label_names`
 *   order; on a refused image for checks only, never shown or stored (empty when the model did not run)
 * @property {string} backend TF.js backend that ran the graph
 * @property {number} latencyMs graph run plus reading the outputs back
 * @property {{name: string, version: string}} model
 */

/**
 * The graph's tensor name for each output of the package's signature.
 *
 * The TF.js converter names a signature output by matching dtype and shape, so
 * two outputs alike in both (`input_check` and `input_accepted`, float32 (N,))
 * are left under their tensor names ("Identity_1:0"). Their keys then follow
 * from how TensorFlow flattens a SavedModel's outputs: by sorted key, the k-th
 * as Identity_k ("Identity" for the first). That order is used only when it
 * agrees with every output the converter did name and accounts for all of them;
 * otherwise unnamed outputs stay unnamed.
 *
 * @param {{outputs: Object<string, {name: string}>}} signature the graph's (model.json) signature
 * @param {string[]} keys the outputs the package's metadata lists
 * @returns {Object<string, string>} output key -> tensor name
 */
export function outputTensorNames(signature, keys) {
  const named = Object.fromEntries(Object.entries(signature.outputs).map(([key, info]) => [key, info.name]));
  const unnamed = Object.keys(named).filter((key) => key === named[key] && !keys.includes(key));
  if (!unnamed.length) return named;
  const sorted = [...keys].sort();
  const tensorOf = (k) => (k === 0 ? 'Identity:0' : `Identity_${k}:0`);
  const agrees = sorted.length === Object.keys(named).length
    && sorted.every((key, k) => (key in named ? named[key] === tensorOf(k) : unnamed.includes(tensorOf(k))));
  if (!agrees) return named;
  return Object.fromEntries(sorted.map((key, k) => [key, tensorOf(k)]));
}

/** A loaded model package: the graph plus its metadata. */
export class Classifier {
  /**
   * @param {tf.GraphModel} graph loaded TF.js graph model
   * @param {object} metadata the package's model_metadata.json
   */
  constructor(graph, metadata) {
    this.graph = graph;
    this.metadata = metadata;
    this.channels = metadata.input.channels;
    this.loadMs = null;
    this.inputValues = new Int32Array(0);
    const signature = graph.modelSignature;
    this.inputName = Object.keys(signature.inputs)[0];
    // Ask for outputs by their signature names: the graph's default output
    // order is not the signature's.
    const gate = metadata.input_check?.outputs ?? { score: 'input_check', accepted: 'input_accepted' };
    const tensors = outputTensorNames(signature, Object.keys(metadata.outputs ?? {}));
    const outputName = (key) => {
      if (!tensors[key]) throw new Error(`model signature has no "${key}" output`);
      return tensors[key];
    };
    this.outputNames = ['probabilities', 'heatmaps'].map(outputName);
    // The input gate: packages made before it have neither output and accept every image.
    this.hasGate = Boolean(tensors[gate.score] && tensors[gate.accepted]);
    if (metadata.input_check && !this.hasGate) {
      throw new Error(`model metadata describes an input check but the graph has no "${gate.score}" and "${gate.accepted}" outputs`);
    }
    if (this.hasGate) this.outputNames.push(outputName(gate.score), outputName(gate.accepted));
  }

  /**
   * Run on zeros so the first real prediction does not pay for kernel setup
   * and, with `imageSide`, for growing the backend's memory to an upload's size.
   *
   * @param {{imageSide?: number}} [options]
   */
  async warmUp({ imageSide = 0 } = {}) {
    for (const side of [this.metadata.input.model_size ?? 64, imageSide]) {
      if (side <= 0) continue;
      const data = new Uint8Array(side * side * this.channels);
      await this.predict({ width: side, height: side, channels: this.channels, data });
    }
  }

  /**
   * The DICOM header check (rule 2 of docs/model-package.md), before the model runs.
   *
   * @param {{modality: string|null, bodyPart: string|null}|null} header from dicomHeader()
   * @returns {Reading|null} a refused reading, or null when the header does not refuse the file
   */
  checkDicomHeader(header) {
    const refusal = dicomRefusal(header, this.metadata);
    return refusal ? this.refused(refusal, { inputScore: null, probabilities: [], latencyMs: 0 }) : null;
  }

  /**
   * Predict one image.
   *
   * @param {import('./decode.js').Pixels} pixels decoded with the model's channel count
   * @returns {Promise<Reading>}
   */
  async predict({ width, height, channels, data }) {
    if (channels !== this.channels) {
      throw new Error(`model expects ${this.channels} channel(s), image has ${channels}`);
    }
    const started = performance.now();
    // TF.js has no uint8 dtype: the graph's uint8 input takes int32 values and casts them.
    // The values are copied in a plain loop (about twice as fast as new Int32Array(data)
    // in V8) into a buffer kept between calls: a fresh full-size one costs
    // several ms of page faults. It is only used until execute() returns, by
    // which time the input tensor is disposed, so calls cannot overlap on it.
    if (this.inputValues.length < data.length) this.inputValues = new Int32Array(data.length);
    const values = this.inputValues.subarray(0, data.length);
    for (let i = 0; i < data.length; i++) values[i] = data[i];
    const outputs = tf.tidy(() => {
      const image = tf.tensor4d(values, [1, height, width, channels], 'int32');
      return this.graph.execute({ [this.inputName]: image }, this.outputNames);
    });
    let results;
    try {
      results = await Promise.all(outputs.map((t) => t.data()));
    } finally {
      tf.dispose(outputs);
    }
    const latencyMs = performance.now() - started;
    const [probabilities, heatmaps, inputCheck, inputAccepted] = results;
    const [, mapHeight, mapWidth, classes] = outputs[1].shape;
    // float32 rounding can step a hair outside [0, 1]; the server clamps too.
    const clamped = Array.from(probabilities, clamp01);
    const inputScore = this.hasGate ? clamp01(inputCheck[0]) : null;
    if (!gateAccepts(this.hasGate ? inputAccepted[0] : null)) {
      return this.refused(refusalText(this.metadata), { inputScore, probabilities: clamped, latencyMs });
    }
    return this.reading(clamped, { heatmaps, mapHeight, mapWidth, classes }, { inputScore, latencyMs });
  }

  /** A reading of an image the gate accepted. */
  reading(probabilities, { heatmaps, mapHeight, mapWidth, classes }, { inputScore, latencyMs }) {
    const names = this.metadata.label_names;
    const labelIndex = decideLabel(probabilities, this.metadata);
    const positive = this.metadata.positive_class ?? null;
    const decisionThreshold = this.metadata.decision?.threshold ?? null;
    // Only binary models have a score and a threshold (as on the server).
    const binary = positive !== null && decisionThreshold !== null;
    const score = binary ? probabilities[positive] : null;
    const threshold = binary ? decisionThreshold : null;
    // A heat map only for a positive reading; the maps are interleaved (h, w, class).
    const shown = heatmapShown(probabilities, labelIndex, this.metadata);
    let heatmap = null;
    if (shown.shown) {
      const map = new Float32Array(mapHeight * mapWidth);
      for (let i = 0; i < map.length; i++) map[i] = clamp01(heatmaps[i * classes + shown.classIndex]);
      heatmap = { data: map, height: mapHeight, width: mapWidth };
    }
    return {
      status: 'succeeded',
      refusal: null,
      inputScore,
      label: names[labelIndex],
      labelIndex,
      probability: probabilities[labelIndex],
      probabilities,
      probabilitiesByLabel: Object.fromEntries(names.map((name, k) => [name, probabilities[k]])),
      score,
      threshold,
      flagged: binary && score >= threshold,
      band: bandOf(score, this.metadata),
      heatmap,
      heatmapLabel: heatmapClass(this.metadata).label,
      backend: tf.getBackend(),
      latencyMs,
      model: { name: this.metadata.name, version: this.metadata.version },
    };
  }

  /** No reading: the gate or the DICOM header refused the image. */
  refused(refusal, { inputScore, probabilities, latencyMs }) {
    return {
      status: 'refused',
      refusal,
      inputScore,
      label: null,
      labelIndex: null,
      probability: null,
      probabilities,
      probabilitiesByLabel: null,
      score: null,
      threshold: null,
      flagged: false,
      band: null,
      heatmap: null,
      heatmapLabel: null,
      backend: tf.getBackend(),
      latencyMs,
      model: { name: this.metadata.name, version: this.metadata.version },
    };
  }

  /** Free the weights (tensors live outside the JS heap). */
  dispose() {
    this.graph.dispose();
    this.inputValues = new Int32Array(0);
  }
}

/**
 * The body of a browser reading for the readings API (BrowserReadingSerializer):
 * a refused image is sent as refused, with the reason and the gate's score and
 * no label, probabilities or heat map.
 *
 * @param {Reading} reading
 * @param {{image: number}} ids the uploaded image's id
 * @returns {object}
 */
export function browserReadingPayload(reading, { image }) {
  const common = {
    image,
    model_name: reading.model.name,
    model_version: reading.model.version,
    backend: reading.backend,
    input_accepted: reading.status !== 'refused',
    input_score: reading.inputScore,
    latency_ms: reading.latencyMs,
  };
  if (reading.status === 'refused') return { ...common, refusal: reading.refusal };
  const map = reading.heatmap;
  return {
    ...common,
    probabilities: reading.probabilitiesByLabel,
    label: reading.label,
    score: reading.score,
    threshold: reading.threshold,
    heatmap: map && Array.from({ length: map.height }, (_, y) => Array.from(map.data.subarray(y * map.width, (y + 1) * map.width))),
  };
}

function clamp01(value) {
  return Math.min(Math.max(value, 0), 1);
}

export { tf };
