// An image viewer for doctors: the stored preview with zoom, brightness and
// contrast controls, and the model's heat map as a layer that can be switched off.
// The heat map sits on its own canvas, so brightness and contrast never change its colours.
import { drawHeatmap } from './heatmap.js';
import { heatmapLegend } from './heatmap_legend.js';
import { element } from './page.js';

const HEATMAP_OPACITY = 0.45;

function range(id, label, { min, max, step, value }) {
  const input = element('input', { type: 'range', id, min, max, step, value });
  return { input, wrapper: element('span', {}, [element('label', { htmlFor: id, textContent: label }), ' ', input]) };
}

/**
 * Load an image element from a URL (the session cookie goes along).
 *
 * @param {string} url
 * @returns {Promise<HTMLImageElement>}
 */
function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`the image at ${url} could not be loaded`));
    img.src = url;
  });
}

/**
 * A figure with the image, its controls and (when given) the heat map layer.
 *
 * @param {{id: number, original_filename?: string}} image from the images API
 * @param {object} options
 * @param {{data: Float32Array, height: number, width: number}|null} options.heatmap of the reading to
 *   show (a positive one), over the image's centre square, as the model saw it
 * @param {string|null} [options.heatmapLabel] the class the map is evidence for (its legend)
 * @param {string|null} [options.noHeatmapNote] why there is no heat map
 * @param {string} options.label the caption
 * @returns {{figure: HTMLElement, ready: Promise<void>}}
 */
export function imageViewer(image, { heatmap, heatmapLabel = null, noHeatmapNote = null, label }) {
  const prefix = `image-${image.id}`;
  const picture = element('canvas', { className: 'picture', width: 1, height: 1 });
  picture.setAttribute('role', 'img');
  picture.setAttribute('aria-label', `${image.original_filename || `Image ${image.id}`}${heatmap ? `, with the heat map of the evidence for ${heatmapLabel}` : ''}`);
  const overlay = element('canvas', { className: 'overlay', width: 1, height: 1 });
  overlay.setAttribute('aria-hidden', 'true');
  const stack = element('div', { className: 'stack' }, [picture, overlay]);
  const viewer = element('div', { className: 'viewer' }, [stack]);

  const zoom = range(`${prefix}-zoom`, 'Zoom', { min: 1, max: 4, step: 0.25, value: 1 });
  const brightness = range(`${prefix}-brightness`, 'Brightness', { min: 0.5, max: 2, step: 0.05, value: 1 });
  const contrast = range(`${prefix}-contrast`, 'Contrast', { min: 0.5, max: 3, step: 0.05, value: 1 });
  const toggle = element('input', { type: 'checkbox', id: `${prefix}-heatmap`, checked: Boolean(heatmap), disabled: !heatmap });
  const reset = element('button', { type: 'button', className: 'secondary', textContent: 'Reset view' });
  const controls = element('div', { className: 'controls' }, [
    zoom.wrapper, brightness.wrapper, contrast.wrapper,
    element('span', {}, [toggle, ' ', element('label', { htmlFor: toggle.id, textContent: heatmap ? 'Heat map' : 'No heat map' })]),
    reset,
  ]);

  const legend = heatmap ? heatmapLegend(heatmapLabel) : null;
  const apply = () => {
    stack.style.width = `${Number(zoom.input.value) * 100}%`;
    picture.style.filter = `brightness(${brightness.input.value}) contrast(${contrast.input.value})`;
    overlay.hidden = !toggle.checked;
    if (legend) legend.hidden = !toggle.checked;
  };
  // A checkbox fires 'input' too, on every change.
  for (const input of [zoom.input, brightness.input, contrast.input, toggle]) input.addEventListener('input', apply);
  reset.addEventListener('click', () => {
    zoom.input.value = 1;
    brightness.input.value = 1;
    contrast.input.value = 1;
    toggle.checked = Boolean(heatmap);
    apply();
  });
  apply();

  const ready = loadImage(`/api/v1/images/${image.id}/preview/`).then((img) => {
    for (const canvas of [picture, overlay]) {
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
    }
    picture.getContext('2d').drawImage(img, 0, 0);
    // The preview keeps the image's proportions, so its centre square is the model's crop.
    if (heatmap) drawHeatmap(overlay.getContext('2d'), heatmap, img.naturalWidth, img.naturalHeight, 1, { opacity: HEATMAP_OPACITY });
    picture.dataset.loaded = 'true';
  });

  const original = element('a', { href: `/api/v1/images/${image.id}/file/`, textContent: 'download the original file' });
  const caption = element('figcaption', { className: 'note' }, [`${label} · `, original]);
  const below = legend ? [legend] : noHeatmapNote ? [element('p', { className: 'note heatmap-note', textContent: noHeatmapNote })] : [];
  return { figure: element('figure', {}, [controls, viewer, ...below, caption]), ready };
}
