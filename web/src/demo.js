// Demo page: choose a model and an image, see the reading and the heat map.
// Also exposes `window.inference` so browser tests and the benchmark drive the
// exact code path a user triggers.
import { decodeImage, drawReading, loadModel, selectBackend, UnsupportedInBrowserError } from './inference.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { model: null, pixels: null, reading: null };

/** Pick the backend once for the page: `?backend=wasm|webgl|cpu`, else automatic. */
const backendReady = selectBackend(params.get('backend') ? { order: [params.get('backend')] } : {});

/**
 * Load (or switch to) the model package at `baseUrl`.
 *
 * @param {string} baseUrl
 * @returns {Promise<{name: string, version: string, backend: string, loadMs: number}>}
 */
async function load(baseUrl) {
  const backend = await backendReady;
  setStatus(`Loading model on ${backend}…`);
  state.model?.dispose();
  state.model = null;
  $('file').disabled = true;
  const model = await loadModel(baseUrl, {
    onProgress: (fraction) => setStatus(`Loading model on ${backend}… ${Math.round(fraction * 100)}%`),
  });
  state.model = model;
  $('file').disabled = false;
  setStatus(`Model ${model.metadata.name} ${model.metadata.version} ready on ${backend} (${model.loadMs.toFixed(0)} ms).`);
  return { name: model.metadata.name, version: model.metadata.version, backend, loadMs: model.loadMs };
}

/**
 * Decode, predict and draw one file; returns the reading and where the time went.
 *
 * @param {Blob|ArrayBuffer|Uint8Array} file
 */
async function analyse(file) {
  if (!state.model) throw new Error('load a model first');
  const t0 = performance.now();
  const pixels = await decodeImage(file, { channels: state.model.channels });
  const t1 = performance.now();
  const reading = await state.model.predict(pixels);
  const t2 = performance.now();
  state.pixels = pixels;
  state.reading = reading;
  redraw();
  // Chrome records canvas drawing and rasterises it later: reading one pixel
  // back makes the timed span include that work, as the user waits for it.
  $('canvas').getContext('2d').getImageData(0, 0, 1, 1);
  const t3 = performance.now();
  const timings = { decodeMs: t1 - t0, predictMs: t2 - t1, drawMs: t3 - t2, totalMs: t3 - t0 };
  showReading(reading, timings);
  return { reading, timings, pixels };
}

function redraw() {
  if (!state.pixels) return;
  const opacity = $('show-heatmap').checked ? Number($('opacity').value) : 0;
  drawReading($('canvas'), state.pixels, state.reading.heatmap, { opacity });
}

function showReading(reading, timings) {
  const rows = [
    ['Reading', reading.label],
    ['Probability', `${(reading.probability * 100).toFixed(1)} %`],
    ...Object.entries(reading.probabilitiesByLabel).map(([name, p]) => [`P(${name})`, p.toFixed(4)]),
    ['Decision threshold', reading.threshold === null ? 'highest probability' : reading.threshold.toFixed(4)],
    ['Model', `${reading.model.name} ${reading.model.version}`],
    ['Ran on', `this browser (${reading.backend})`],
    ['Time', `${timings.totalMs.toFixed(0)} ms (decode ${timings.decodeMs.toFixed(0)}, model ${timings.predictMs.toFixed(0)}, drawing ${timings.drawMs.toFixed(0)})`],
  ];
  $('result').replaceChildren(
    ...rows.flatMap(([term, value]) => [
      Object.assign(document.createElement('dt'), { textContent: term }),
      Object.assign(document.createElement('dd'), { textContent: value }),
    ]),
  );
}

function setStatus(text) {
  $('status').textContent = text;
}

function showError(error) {
  const fallback = error instanceof UnsupportedInBrowserError ? ' The app would send this file for a server reading.' : '';
  $('error').textContent = `${error.message}.${fallback}`;
  setStatus('');
}

async function run(task) {
  $('error').textContent = '';
  try {
    return await task();
  } catch (error) {
    showError(error);
    throw error;
  }
}

$('model').value = params.get('model') ?? '/models/chest-xray-pneumonia/1.0.0';
$('backend').value = params.get('backend') ?? '';
$('backend').addEventListener('change', () => {
  params.set('backend', $('backend').value);
  if (!$('backend').value) params.delete('backend');
  location.search = params.toString();
});
$('load').addEventListener('click', () => run(() => load($('model').value)).catch(() => {}));
$('file').addEventListener('change', () => {
  const file = $('file').files[0];
  if (file) run(() => analyse(file)).catch(() => {});
});
$('show-heatmap').addEventListener('change', redraw);
$('opacity').addEventListener('input', redraw);

const ready = backendReady.then(
  (backend) => {
    setStatus(`TensorFlow.js backend: ${backend}. Choose a model.`);
    return backend;
  },
  (error) => {
    showError(error);
    throw error;
  },
);

window.inference = {
  ready,
  load: (baseUrl) => run(() => load(baseUrl)),
  /** Fetch an image by URL (not timed) and analyse it; returns plain data for test drivers. */
  async analyseUrl(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const { reading, timings, pixels } = await run(() => analyse(bytes));
    const digest = await crypto.subtle.digest('SHA-256', pixels.data);
    return {
      label: reading.label,
      probability: reading.probability,
      probabilities: reading.probabilities,
      backend: reading.backend,
      latencyMs: reading.latencyMs,
      timings,
      pixels: {
        width: pixels.width,
        height: pixels.height,
        channels: pixels.channels,
        sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
      },
    };
  },
};
