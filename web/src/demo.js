// Demo page: choose a model and an image, see the reading and the heat map.
// Also exposes `window.inference` so browser tests and the benchmark drive the
// exact code path a user triggers.
import { bandOf, noHeatmapText, operatingPoint, trainingDataNote } from './decision.js';
import { heatmapLegend } from './heatmap_legend.js';
import { drawReading, loadModel, readImage, selectBackend, UnsupportedInBrowserError } from './inference.js';
import { CHEST_XRAY_MODEL, modelPackages } from './model_packages.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { model: null, pixels: null, reading: null, needsSignIn: false, packages: [], extraUrl: null };

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
  const note = trainingDataNote(model.metadata);
  $('data-note').textContent = note;
  $('data-note').hidden = !note;
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
  const { reading, pixels, timings: read } = await readImage(state.model, file);
  const t2 = performance.now();
  state.pixels = pixels;
  state.reading = reading;
  redraw();
  // Chrome records canvas drawing and rasterises it later: reading one pixel
  // back makes the timed span include that work, as the user waits for it.
  if (pixels) $('canvas').getContext('2d').getImageData(0, 0, 1, 1);
  const t3 = performance.now();
  const timings = { decodeMs: read.decodeMs, predictMs: read.predictMs, drawMs: t3 - t2, totalMs: t3 - t0 };
  showReading(reading, timings);
  return { reading, timings, pixels };
}

function redraw() {
  $('canvas').hidden = !state.pixels;
  if (!state.pixels) return;
  const opacity = $('show-heatmap').checked ? Number($('opacity').value) : 0;
  drawReading($('canvas'), state.pixels, state.reading.heatmap, { opacity });
}

const percent = (p) => `${(p * 100).toFixed(1)} %`;

function showReading(reading, timings) {
  const metadata = state.model.metadata;
  const refused = reading.status === 'refused';
  $('refusal').textContent = reading.refusal ?? '';
  $('refusal').hidden = !refused;
  $('heatmap-legend').replaceChildren(...(reading.heatmap ? [heatmapLegend(reading.heatmapLabel ?? reading.label)] : []));
  $('heatmap-legend').hidden = !reading.heatmap;
  const note = !refused && !reading.heatmap && reading.heatmapLabel ? noHeatmapText(reading.heatmapLabel) : '';
  $('heatmap-note').textContent = note;
  $('heatmap-note').hidden = !note;
  const point = operatingPoint(metadata);
  const band = bandOf(reading.score, metadata);
  const rows = refused
    ? [['Reading', `none. ${reading.refusal}`]]
    : [
      ['Reading', reading.label],
      ['Probability', `${percent(reading.probability)}${band ? ` (${band.name})` : ''}`],
      ...Object.entries(reading.probabilitiesByLabel).map(([name, p]) => [`P(${name})`, p.toFixed(4)]),
      ['Decision threshold', point ? `${point.threshold.toFixed(4)}${point.goal ? `: ${point.goal}` : ''}` : 'highest probability'],
    ];
  if (reading.inputScore !== null) rows.push(['Input check', `${reading.inputScore.toFixed(3)} (threshold ${metadata.input_check.threshold})`]);
  rows.push(
    ['Model', `${reading.model.name} ${reading.model.version}`],
    ['Ran on', `this browser (${reading.backend})`],
    ['Time', `${timings.totalMs.toFixed(0)} ms (decode ${timings.decodeMs.toFixed(0)}, model ${timings.predictMs.toFixed(0)}, drawing ${timings.drawMs.toFixed(0)})`],
  );
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

/**
 * Offer the models the server has installed (GET /api/v1/models/), one per name with the exam type
 * it reads, and the versions of the chosen one with its active version preselected. `?model=` may
 * name the model to preselect, or give a package URL to offer as well. Served without the API (a
 * plain file server) the lists stay empty and the page loads what `window.inference.load` is given.
 */
async function chooseModel() {
  const wanted = params.get('model');
  if (wanted?.includes('/')) state.extraUrl = wanted;
  try {
    state.packages = await modelPackages();
  } catch (error) {
    // No API here (a plain file server), or a server that shows its models to signed-in users only.
    if (error.status === 401 || error.status === 403) state.needsSignIn = true;
    state.packages = [];
  }
  const names = [...new Set(state.packages.map((p) => p.name))];
  $('model-name').replaceChildren(...names.map((name) => {
    const reads = state.packages.find((p) => p.name === name).exam_type_label;
    return Object.assign(document.createElement('option'), { value: name, textContent: reads ? `${name} (${reads})` : name });
  }));
  if (state.extraUrl) {
    $('model-name').append(Object.assign(document.createElement('option'), { value: '', textContent: 'the package at the address given' }));
  }
  const preselected = state.extraUrl ? '' : names.includes(wanted) ? wanted : names.includes(CHEST_XRAY_MODEL) ? CHEST_XRAY_MODEL : names[0];
  $('model-name').value = preselected ?? '';
  offerVersions();
}

/** The versions of the chosen model, the active one preselected, and what that model reads. */
function offerVersions() {
  const name = $('model-name').value;
  const versions = state.packages.filter((p) => p.name === name);
  $('model').replaceChildren(...(name ? versions : []).map((p) => Object.assign(document.createElement('option'), {
    value: p.base_url, textContent: `${p.version}${p.active ? ' (active)' : ''}`, selected: p.active,
  })));
  if (!name && state.extraUrl) {
    $('model').append(Object.assign(document.createElement('option'), { value: state.extraUrl, textContent: state.extraUrl }));
  }
  const reads = versions.find((p) => p.active)?.exam_type_label;
  $('model-reads').textContent = reads ? `Reads ${reads.charAt(0).toLowerCase()}${reads.slice(1)} images.` : '';
  $('model-reads').hidden = !reads;
}

$('backend').value = params.get('backend') ?? '';
$('backend').addEventListener('change', () => {
  params.set('backend', $('backend').value);
  if (!$('backend').value) params.delete('backend');
  location.search = params.toString();
});
$('model-name').addEventListener('change', offerVersions);
$('load').addEventListener('click', () => run(() => load($('model').value)).catch(() => {}));
$('file').addEventListener('change', () => {
  const file = $('file').files[0];
  if (file) run(() => analyse(file)).catch(() => {});
});
$('show-heatmap').addEventListener('change', redraw);
$('opacity').addEventListener('input', redraw);

const modelChosen = chooseModel().catch(showError);
const ready = backendReady.then(
  async (backend) => {
    await modelChosen;
    const next = $('model').value ? 'Choose a model and load it.'
      : state.needsSignIn ? 'Sign in to be offered the installed models.' : 'The server offers no models.';
    setStatus(`TensorFlow.js backend: ${backend}. ${next}`);
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
    return {
      status: reading.status,
      refusal: reading.refusal,
      inputScore: reading.inputScore,
      label: reading.label,
      probability: reading.probability,
      probabilities: reading.probabilities,
      band: reading.band?.name ?? null,
      heatmap: reading.heatmap && { height: reading.heatmap.height, width: reading.heatmap.width },
      heatmapLabel: reading.heatmapLabel,
      backend: reading.backend,
      latencyMs: reading.latencyMs,
      timings,
      pixels: pixels && {
        width: pixels.width,
        height: pixels.height,
        channels: pixels.channels,
        sha256: [...new Uint8Array(await crypto.subtle.digest('SHA-256', pixels.data))]
          .map((b) => b.toString(16).padStart(2, '0')).join(''),
      },
    };
  },
};
