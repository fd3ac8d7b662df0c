// The doctor's image viewer: dark, as tall as the screen, the whole image fitted at first; wheel
// and pinch zoom at the pointer, drag to pan, Fit and 1:1; window/level on the image's own values
// (a DICOM's 16-bit values after its modality rescale, starting from its own window; PNG and JPEG
// pixels as decoded), invert, reset; the model's heat map on its own canvas with an opacity slider.
// Every control works from the keyboard too (the viewport takes + − arrows f 1 i 0).
import { decodeImage, sniffImageType } from './decode.js';
import { decodeDicomValues } from './dicom.js';
import { UnsupportedInBrowserError } from './errors.js';
import { drawHeatmap } from './heatmap.js';
import { heatmapLegend } from './heatmap_legend.js';
import { element } from './page.js';
import { attachGestures, fitView, oneToOne, panBy, zoomAt } from './viewer_gestures.js';
import { dragWindow, fullRangeWindow, IDENTITY_8_BIT, renderWindow, valueRange, windowStep } from './viewer_pixels.js';

const HEATMAP_OPACITY = 45; // percent, as the heat maps have always been drawn
const KEY_ZOOM = 1.25;
const KEY_PAN_PX = 40;

/**
 * The image's values for window/level: the original file when the browser decodes it, else the
 * stored 8-bit preview (with why).
 *
 * @param {{id: number}} image
 * @returns {Promise<{width: number, height: number, channels: number, data: Float32Array|Uint8Array,
 *   window: {center: number, width: number}, invert: boolean, source: string}>}
 */
async function loadValues(image) {
  const response = await fetch(`/api/v1/images/${image.id}/file/`, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`the image file could not be loaded (${response.status})`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  try {
    if (sniffImageType(bytes) === 'dicom') {
      const dicom = decodeDicomValues(bytes);
      const range = valueRange(dicom.values);
      return {
        width: dicom.width, height: dicom.height, channels: 1, data: dicom.values,
        window: dicom.window ?? fullRangeWindow(range), invert: dicom.monochrome1,
        source: `Window/level on the DICOM's own values (${range.min} to ${range.max})`
          + `${dicom.window ? ', starting from the file\'s window' : ''}${dicom.monochrome1 ? ', MONOCHROME1 shown inverted' : ''}.`,
      };
    }
    const pixels = onlyChannelIfGrey(await decodeImage(bytes, { channels: 3 }));
    return { ...pixels, window: IDENTITY_8_BIT, invert: false, source: 'Window/level on the decoded image pixels.' };
  } catch (error) {
    if (!(error instanceof UnsupportedInBrowserError)) throw error;
    const pixels = onlyChannelIfGrey(await previewPixels(image));
    return { ...pixels, window: IDENTITY_8_BIT, invert: false,
      source: `Window/level on the 8-bit preview: ${error.message}.` };
  }
}

/** The stored preview's pixels, RGB. */
async function previewPixels(image) {
  const img = new Image();
  img.src = `/api/v1/images/${image.id}/preview/`;
  await img.decode();
  const canvas = element('canvas', { width: img.naturalWidth, height: img.naturalHeight });
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(img, 0, 0);
  const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const data = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) data.set(rgba.subarray(i, i + 3), j);
  return { width: canvas.width, height: canvas.height, channels: 3, data };
}

/** RGB pixels whose channels are all equal (an X-ray) as one channel: a third of the work per redraw. */
function onlyChannelIfGrey(pixels) {
  const { data } = pixels;
  for (let i = 0; i < data.length; i += 3) if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return pixels;
  const grey = new Uint8Array(data.length / 3);
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) grey[i] = data[j];
  return { ...pixels, channels: 1, data: grey };
}

function button(text, title) {
  return element('button', { type: 'button', className: 'secondary', textContent: text, title });
}

function numberField(id, label) {
  const input = element('input', { type: 'number', id, step: 'any' });
  return { input, wrapper: element('span', { className: 'field' }, [element('label', { htmlFor: id, textContent: label }), input]) };
}

/**
 * A figure with the image, its tools and (when given) the heat map layer.
 *
 * @param {{id: number, original_filename?: string}} image from the images API
 * @param {object} options
 * @param {{data: Float32Array, height: number, width: number}|null} options.heatmap of the reading to
 *   show (a positive one), over the image's centre square, as the model saw it
 * @param {string|null} [options.heatmapLabel] the class the map is evidence for (its legend)
 * @param {string|null} [options.noHeatmapNote] why there is no heat map
 * @param {string} options.label the caption
 * @returns {{figure: HTMLElement, ready: Promise<void>, hasHeatmap: boolean, toggleHeatmap: () => void, focus: () => void}}
 */
export function imageViewer(image, { heatmap, heatmapLabel = null, noHeatmapNote = null, label }) {
  const prefix = `image-${image.id}`;
  const name = image.original_filename || `Image ${image.id}`;
  const picture = element('canvas', { className: 'picture', width: 1, height: 1 });
  picture.setAttribute('role', 'img');
  picture.setAttribute('aria-label', `${name}${heatmap ? `, with the heat map of the evidence for ${heatmapLabel}` : ''}`);
  const overlay = element('canvas', { className: 'overlay', width: 1, height: 1 });
  overlay.setAttribute('aria-hidden', 'true');
  const stack = element('div', { className: 'stack' }, [picture, overlay]);
  const help = element('p', {
    id: `${prefix}-keys`, className: 'note viewer-keys',
    textContent: 'Keys here: + and − zoom, arrows pan, Shift+arrows set the window, f fit, 1 actual size, i invert, 0 reset. '
      + 'Mouse: wheel zooms at the pointer, drag pans, right-drag or Shift-drag sets the window.',
  });
  const viewport = element('div', { className: 'viewer', tabIndex: 0 }, [stack]);
  viewport.setAttribute('role', 'application');
  viewport.setAttribute('aria-roledescription', 'image viewer');
  viewport.setAttribute('aria-label', name);
  viewport.setAttribute('aria-describedby', help.id);

  const fit = button('Fit', 'Whole image (f)');
  const actual = button('1:1', 'One image pixel per screen pixel (1)');
  const zoomIn = button('+', 'Zoom in (+)');
  zoomIn.setAttribute('aria-label', 'Zoom in');
  const zoomOut = button('−', 'Zoom out (−)');
  zoomOut.setAttribute('aria-label', 'Zoom out');
  const invert = button('Invert', 'Invert (i)');
  const windowMode = button('W/L drag', 'Left drag sets the window instead of panning');
  const reset = button('Reset view', 'Fit, the starting window, not inverted (0)');
  for (const toggle of [invert, windowMode]) toggle.setAttribute('aria-pressed', 'false');
  const center = numberField(`${prefix}-center`, 'Window centre');
  const width = numberField(`${prefix}-width`, 'Window width');
  const toggle = element('input', { type: 'checkbox', id: `${prefix}-heatmap`, checked: Boolean(heatmap), disabled: !heatmap });
  const opacity = element('input', { type: 'range', id: `${prefix}-opacity`, min: 0, max: 100, step: 5, value: HEATMAP_OPACITY, disabled: !heatmap });
  const tools = element('div', { className: 'viewer-tools' }, [
    element('span', { className: 'group' }, [fit, actual, zoomIn, zoomOut]),
    element('span', { className: 'group' }, [center.wrapper, width.wrapper, invert, windowMode]),
    element('span', { className: 'group' }, [
      toggle, element('label', { htmlFor: toggle.id, textContent: heatmap ? 'Heat map' : 'No heat map' }),
      ...(heatmap ? [element('label', { htmlFor: opacity.id, textContent: 'Heat-map opacity' }), opacity] : []),
    ]),
    reset,
  ]);
  const source = element('p', { className: 'note viewer-source', textContent: 'Loading the image…' });
  const legend = heatmap ? heatmapLegend(heatmapLabel) : null;

  let values = null;
  let range = { min: 0, max: 255 };
  let start = { window: IDENTITY_8_BIT, invert: false };
  let view = { scale: 1, x: 0, y: 0 };
  let fitted = true;
  let win = IDENTITY_8_BIT;
  let inverted = false;
  let dragStart = null;
  let frame = null;
  let pixels = null;

  const size = () => ({ width: viewport.clientWidth, height: viewport.clientHeight });
  const place = () => {
    stack.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    viewport.dataset.scale = view.scale.toFixed(4);
  };
  const setView = (next, { keepFitted = false } = {}) => {
    view = next;
    fitted = keepFitted;
    place();
  };
  const fitNow = () => values && setView(fitView(values, size()), { keepFitted: true });
  const draw = () => {
    frame = null;
    if (!values) return;
    renderWindow(values, win, { invert: inverted, out: pixels.data });
    picture.getContext('2d').putImageData(pixels, 0, 0);
    picture.dataset.window = `${win.center.toFixed(1)}/${win.width.toFixed(1)}`;
  };
  const redraw = () => {
    if (frame === null) frame = requestAnimationFrame(draw);
  };
  const setWindow = (next, { fromFields = false } = {}) => {
    win = { center: next.center, width: Math.max(1, next.width) };
    if (!fromFields) {
      center.input.value = String(Math.round(win.center * 10) / 10);
      width.input.value = String(Math.round(win.width * 10) / 10);
    }
    redraw();
  };
  const setInverted = (on) => {
    inverted = on;
    invert.setAttribute('aria-pressed', String(on !== start.invert));
    redraw();
  };
  const showHeatmap = (on) => {
    toggle.checked = on;
    overlay.hidden = !on;
    if (legend) legend.hidden = !on;
  };
  const zoomCentre = (factor) => {
    const { width: w, height: h } = size();
    setView(zoomAt(view, factor, w / 2, h / 2));
  };
  const resetAll = () => {
    setInverted(start.invert);
    setWindow(start.window);
    showHeatmap(Boolean(heatmap));
    opacity.value = HEATMAP_OPACITY;
    overlay.style.opacity = String(HEATMAP_OPACITY / 100);
    windowMode.setAttribute('aria-pressed', 'false');
    fitNow();
  };

  fit.addEventListener('click', fitNow);
  actual.addEventListener('click', () => setView(oneToOne(view, size())));
  zoomIn.addEventListener('click', () => zoomCentre(KEY_ZOOM));
  zoomOut.addEventListener('click', () => zoomCentre(1 / KEY_ZOOM));
  invert.addEventListener('click', () => setInverted(!inverted));
  windowMode.addEventListener('click', () => {
    windowMode.setAttribute('aria-pressed', String(windowMode.getAttribute('aria-pressed') !== 'true'));
  });
  reset.addEventListener('click', resetAll);
  for (const field of [center, width]) {
    field.input.addEventListener('input', () => {
      const c = Number(center.input.value);
      const w = Number(width.input.value);
      if (center.input.value !== '' && width.input.value !== '' && Number.isFinite(c) && Number.isFinite(w) && w >= 1) {
        setWindow({ center: c, width: w }, { fromFields: true });
      }
    });
  }
  // A checkbox fires 'input' too, on every change.
  toggle.addEventListener('input', () => showHeatmap(toggle.checked));
  opacity.addEventListener('input', () => {
    overlay.style.opacity = String(Number(opacity.value) / 100);
  });
  overlay.style.opacity = String(HEATMAP_OPACITY / 100);
  showHeatmap(Boolean(heatmap));

  attachGestures(viewport, {
    zoom: (factor, px, py) => setView(zoomAt(view, factor, px, py)),
    pan: (dx, dy) => setView(panBy(view, dx, dy)),
    windowStart: () => {
      dragStart = win;
    },
    windowDrag: (dx, dy) => setWindow(dragWindow(dragStart ?? win, dx, dy, { range })),
    windowMode: () => windowMode.getAttribute('aria-pressed') === 'true',
  });
  viewport.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const step = windowStep(range);
    const arrows = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (event.key in arrows && event.shiftKey) {
      const [dx, dy] = arrows[event.key];
      // Up raises the level, right widens the window.
      setWindow({ center: win.center + dy * step, width: win.width - dx * step });
    } else if (event.key in arrows) {
      const [dx, dy] = arrows[event.key];
      setView(panBy(view, dx * KEY_PAN_PX, dy * KEY_PAN_PX));
    } else if (event.key === '+' || event.key === '=') zoomCentre(KEY_ZOOM);
    else if (event.key === '-' || event.key === '−') zoomCentre(1 / KEY_ZOOM);
    else if (event.key === 'f') fitNow();
    else if (event.key === '1') setView(oneToOne(view, size()));
    else if (event.key === 'i') setInverted(!inverted);
    else if (event.key === '0') resetAll();
    else return;
    event.preventDefault();
  });
  // The viewport follows the window's size; a fitted image stays fitted.
  new ResizeObserver(() => {
    if (fitted) fitNow();
  }).observe(viewport);

  const ready = loadValues(image).then((loaded) => {
    values = loaded;
    range = valueRange(loaded.data);
    start = { window: loaded.window, invert: loaded.invert };
    for (const canvas of [picture, overlay]) {
      canvas.width = loaded.width;
      canvas.height = loaded.height;
    }
    stack.style.width = `${loaded.width}px`;
    stack.style.height = `${loaded.height}px`;
    pixels = new ImageData(loaded.width, loaded.height);
    source.textContent = loaded.source;
    // The image keeps the proportions the model read, so its centre square is the model's crop.
    if (heatmap) drawHeatmap(overlay.getContext('2d'), heatmap, loaded.width, loaded.height, 1, { opacity: 1 });
    inverted = loaded.invert;
    setWindow(loaded.window);
    fitNow();
    draw();
    picture.dataset.loaded = 'true';
  }).catch((error) => {
    source.textContent = `The image could not be shown: ${error.message}`;
    throw error;
  });

  const original = element('a', { href: `/api/v1/images/${image.id}/file/`, textContent: 'download the original file' });
  const caption = element('figcaption', { className: 'note' }, [`${label} · `, original]);
  const below = legend ? [legend] : noHeatmapNote ? [element('p', { className: 'note heatmap-note', textContent: noHeatmapNote })] : [];
  const figure = element('figure', { className: 'image-viewer' }, [tools, viewport, help, source, ...below, caption]);
  return {
    figure,
    ready,
    hasHeatmap: Boolean(heatmap),
    toggleHeatmap: () => heatmap && showHeatmap(!toggle.checked),
    focus: () => {
      viewport.focus({ preventScroll: true });
      figure.scrollIntoView({ block: 'start' });
    },
  };
}
