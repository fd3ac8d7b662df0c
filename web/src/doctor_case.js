// A case on the doctor page: its images in the viewer, the browser and server readings side by
// side, and asking the server to read an image with the model for the case's exam type.
import { bandOf, noHeatmapText, operatingPoint } from './decision.js';
import { imageViewer } from './image_viewer.js';
import { activePackageForExamType, packageMetadata } from './model_packages.js';
import { $, act, element, setStatus } from './page.js';
import { findingOf, isPositive, pairReadings, shownHeatmap } from './reading_pairs.js';
import { requestServerReading } from './server_readings.js';
import { actions, percent, state } from './doctor_state.js';

const SERVER_READING_WAIT_MS = 120_000;

/**
 * The metadata of each model version the readings name (for bands, the threshold's goal and
 * the heat map's class), keyed "name@version"; null for a version no longer installed.
 */
export async function readingsMetadata(readings) {
  const keys = [...new Set(readings.map((r) => `${r.model_name}@${r.model_version}`))];
  const found = await Promise.all(keys.map((key) => packageMetadata(...key.split('@'))));
  return new Map(keys.map((key, i) => [key, found[i]]));
}

const metadataOf = (reading, metadata) => (reading ? metadata.get(`${reading.model_name}@${reading.model_version}`) ?? null : null);

function readingCell(reading, metadata) {
  if (!reading) return element('td', { textContent: 'none' });
  const source = element('span', { className: 'note', textContent: `${reading.model_name} ${reading.model_version} · ${reading.backend || reading.runs_on} · ${reading.latency_ms == null ? '—' : `${reading.latency_ms.toFixed(0)} ms`}` });
  if (reading.status === 'refused') {
    // No diagnosis: the model's input gate (or the DICOM header) turned the image down.
    const threshold = metadata?.input_check?.threshold;
    const score = reading.input_score == null ? 'not run (refused by the DICOM header)'
      : `${reading.input_score.toPrecision(2)}${threshold == null ? '' : ` (accepts from ${threshold.toPrecision(2)})`}`;
    return element('td', {}, [
      element('strong', { textContent: 'Not read' }), element('br'),
      reading.refusal, element('br'),
      `Input check: ${score}`, element('br'),
      source,
    ]);
  }
  if (reading.status !== 'succeeded') {
    return element('td', { textContent: reading.status === 'failed' ? `failed: ${reading.error}` : `${reading.status}…` });
  }
  const probabilities = Object.entries(reading.probabilities).map(([label, p]) => `${label} ${percent(p)}`).join(', ');
  const lines = [element('strong', { textContent: reading.label }), element('br'), probabilities, element('br')];
  const finding = findingOf(reading, metadata);
  if (reading.score != null && finding) {
    const band = metadata ? bandOf(reading.score, metadata) : null;
    const goal = metadata ? operatingPoint(metadata)?.goal : null;
    lines.push(
      `P(${finding}) ${percent(reading.score)}`, ...(band ? [' · ', element('span', { className: 'band', textContent: band.name })] : []), element('br'),
      `Threshold ${percent(reading.threshold)}${goal ? `, chosen for ${goal}` : ''}`, element('br'),
    );
  }
  return element('td', {}, [...lines, source]);
}

function comparison({ browser, server, mismatch }, metadata) {
  const table = element('table', { className: 'readings' }, [
    element('thead', {}, [element('tr', {}, [
      element('th', { scope: 'col', textContent: 'Read in the patient\'s browser' }),
      element('th', { scope: 'col', textContent: 'Read on the server' }),
    ])]),
    element('tbody', {}, [element('tr', {}, [readingCell(browser, metadataOf(browser, metadata)), readingCell(server, metadataOf(server, metadata))])]),
  ]);
  const parts = [element('div', { className: 'table-scroll' }, [table])];
  if (mismatch) parts.push(element('p', { className: 'mismatch', textContent: `Mismatch: ${mismatch}` }));
  else if (browser?.status === 'succeeded' && server?.status === 'succeeded') {
    parts.push(element('p', { className: 'note', textContent: 'The browser and server readings agree.' }));
  } else if (browser?.status === 'refused' && server?.status === 'refused') {
    parts.push(element('p', { className: 'note', textContent: 'The browser and the server both refused the image.' }));
  }
  return parts;
}

/**
 * Show the case's images, each in a viewer with its readings; resolves when every image is drawn.
 *
 * @returns {Promise<void>}
 */
export function renderImages(images, readings, metadata, tolerance) {
  state.viewers = [];
  if (!images.length) {
    $('images').replaceChildren(element('p', { textContent: 'No images in this case.' }));
    return Promise.resolve();
  }
  const ready = [];
  const blocks = pairReadings(images, readings, tolerance).map((pair, index) => {
    // A heat map only for a positive reading, named by the class it is evidence for.
    const shown = shownHeatmap(pair);
    const read = [pair.server, pair.browser].find((r) => r?.status === 'succeeded');
    const finding = read ? findingOf(read, metadataOf(read, metadata)) : null;
    const viewer = imageViewer(pair.image, {
      heatmap: shown?.heatmap ?? null,
      heatmapLabel: shown ? findingOf(shown.reading, metadataOf(shown.reading, metadata)) ?? shown.reading.label : null,
      noHeatmapNote: !shown && read && !isPositive(read) && finding ? noHeatmapText(finding) : null,
      label: `Image ${index + 1} of ${images.length}: ${pair.image.original_filename || `image ${pair.image.id}`}`
        + `${pair.image.width ? ` · ${pair.image.width}×${pair.image.height}` : ''}`
        + (shown ? ` · heat map of the ${shown.reading.runs_on} reading` : ''),
    });
    state.viewers.push(viewer);
    ready.push(viewer.ready);
    const block = element('div', { className: 'image-block' }, [viewer.figure, ...comparison(pair, metadata)]);
    block.dataset.imageId = pair.image.id;
    if (!pair.server || pair.server.status === 'failed') {
      const button = element('button', { type: 'button', className: 'secondary', textContent: 'Ask the server to read this image' });
      // The model of the case's exam type; a browser reading names the model it used.
      button.addEventListener('click', () => act(() => readOnServer(pair.image.id, pair.browser?.model_name ?? null, button)));
      block.append(element('p', {}, [button]));
    }
    return block;
  });
  $('images').replaceChildren(...blocks);
  return Promise.all(ready).then(() => undefined).catch((error) => {
    $('error').textContent = `An image could not be shown: ${error.message}`;
  });
}

async function readOnServer(imageId, modelName, button) {
  button.disabled = true;
  const model = modelName ?? (await activePackageForExamType(state.case.exam_type)).name;
  setStatus('The server is reading the image…');
  const reading = await requestServerReading(state.caseId, imageId, model, { waitMs: SERVER_READING_WAIT_MS });
  await actions.openCase(state.caseId);
  if (reading.status === 'failed') throw new Error(`the server could not read the image (${reading.error})`);
  setStatus(reading.status === 'succeeded' ? 'The server has read the image.' : 'The server has not read the image yet; reopen the case later.');
}

/** Move the focus to the next image's viewer (the first after the last, or when none has it). */
export function focusNextImage() {
  if (!state.viewers.length) return false;
  const current = state.viewers.findIndex((v) => v.figure.contains(document.activeElement));
  state.viewers[(current + 1) % state.viewers.length].focus();
  return true;
}

/** Show or hide the heat map of the image in use (the focused one, else the first with a map). */
export function toggleHeatmap() {
  const focused = state.viewers.find((v) => v.figure.contains(document.activeElement));
  const viewer = focused ?? state.viewers.find((v) => v.hasHeatmap);
  if (viewer) viewer.toggleHeatmap();
  return Boolean(viewer);
}
