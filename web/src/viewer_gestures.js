// Where the image sits in the doctor's viewer, and the pointer gestures that move it: wheel and
// pinch zoom anchored where the pointer is, drag to pan, and a drag that changes window/level
// (right button, Shift, or the window/level mode). The view math is pure and tested in Node.

/**
 * @typedef {object} View where the image is drawn in the viewport, in CSS pixels
 * @property {number} scale viewport pixels per image pixel
 * @property {number} x viewport x of the image's left edge
 * @property {number} y viewport y of the image's top edge
 */

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 32;
const WHEEL_ZOOM_PER_PIXEL = 0.0015;

const clampScale = (scale) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));

/**
 * The whole image, as large as the viewport allows, centred: nothing is cut.
 *
 * @param {{width: number, height: number}} image
 * @param {{width: number, height: number}} viewport
 * @returns {View}
 */
export function fitView(image, viewport) {
  const scale = clampScale(Math.min(viewport.width / image.width, viewport.height / image.height));
  return { scale, x: (viewport.width - image.width * scale) / 2, y: (viewport.height - image.height * scale) / 2 };
}

/**
 * Zoom by `factor`, keeping the image point under (px, py) where it is.
 *
 * @param {View} view
 * @param {number} factor > 1 zooms in
 * @param {number} px viewport x of the anchor
 * @param {number} py viewport y of the anchor
 * @returns {View}
 */
export function zoomAt(view, factor, px, py) {
  const scale = clampScale(view.scale * factor);
  const k = scale / view.scale;
  return { scale, x: px - (px - view.x) * k, y: py - (py - view.y) * k };
}

/**
 * Scale 1 (one image pixel per CSS pixel), keeping the viewport's centre on the same image point.
 *
 * @param {View} view
 * @param {{width: number, height: number}} viewport
 * @returns {View}
 */
export function oneToOne(view, viewport) {
  return zoomAt(view, 1 / view.scale, viewport.width / 2, viewport.height / 2);
}

/**
 * Move the image by (dx, dy) viewport pixels.
 *
 * @param {View} view
 * @param {number} dx
 * @param {number} dy
 * @returns {View}
 */
export function panBy(view, dx, dy) {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/**
 * The image point under a viewport point.
 *
 * @param {View} view
 * @param {number} px
 * @param {number} py
 * @returns {{x: number, y: number}}
 */
export function imagePoint(view, px, py) {
  return { x: (px - view.x) / view.scale, y: (py - view.y) / view.scale };
}

/**
 * The zoom factor of a wheel event's vertical delta (pixels; lines count as 16 pixels).
 *
 * @param {number} deltaY
 * @param {number} [deltaMode] 0 pixels, 1 lines, 2 pages
 * @returns {number}
 */
export function wheelFactor(deltaY, deltaMode = 0) {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-pixels * WHEEL_ZOOM_PER_PIXEL);
}

/**
 * Wire the pointer gestures of a viewport element.
 *
 * @param {HTMLElement} viewport
 * @param {object} handlers
 * @param {(factor: number, px: number, py: number) => void} handlers.zoom anchored at (px, py)
 * @param {(dx: number, dy: number) => void} handlers.pan
 * @param {() => void} handlers.windowStart a window/level drag begins
 * @param {(dx: number, dy: number) => void} handlers.windowDrag pixels since it began
 * @param {() => boolean} handlers.windowMode whether a plain left drag changes window/level
 */
export function attachGestures(viewport, { zoom, pan, windowStart, windowDrag, windowMode }) {
  const pointers = new Map();
  let drag = null; // {kind: 'pan'|'window', x0, y0, x, y}
  let pinch = null; // {distance, mx, my}
  const local = (event) => {
    // The image is placed inside the border, so points are measured from there.
    const box = viewport.getBoundingClientRect();
    return { x: event.clientX - box.left - viewport.clientLeft, y: event.clientY - box.top - viewport.clientTop };
  };
  const pinchState = () => {
    const [a, b] = [...pointers.values()];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
  };

  viewport.addEventListener('wheel', (event) => {
    event.preventDefault();
    const { x, y } = local(event);
    zoom(wheelFactor(event.deltaY, event.deltaMode), x, y);
  }, { passive: false });
  // The right button drags window/level, so it opens no menu over the image.
  viewport.addEventListener('contextmenu', (event) => event.preventDefault());
  viewport.addEventListener('pointerdown', (event) => {
    if (event.button !== 0 && event.button !== 2) return;
    try {
      viewport.setPointerCapture(event.pointerId);
    } catch {
      // A pointer the browser no longer tracks (already lifted): the drag still works inside.
    }
    pointers.set(event.pointerId, local(event));
    if (pointers.size === 2) {
      drag = null;
      pinch = pinchState();
      return;
    }
    const { x, y } = local(event);
    const kind = event.button === 2 || event.shiftKey || windowMode() ? 'window' : 'pan';
    if (kind === 'window') windowStart();
    drag = { kind, x0: x, y0: y, x, y };
    viewport.classList.add('dragging');
  });
  viewport.addEventListener('pointermove', (event) => {
    if (!pointers.has(event.pointerId)) return;
    const point = local(event);
    pointers.set(event.pointerId, point);
    if (pinch && pointers.size === 2) {
      const now = pinchState();
      // The image point between the fingers follows them: move it there, then zoom around it.
      pan(now.mx - pinch.mx, now.my - pinch.my);
      if (pinch.distance > 0) zoom(now.distance / pinch.distance, now.mx, now.my);
      pinch = now;
    } else if (drag) {
      if (drag.kind === 'pan') pan(point.x - drag.x, point.y - drag.y);
      else windowDrag(point.x - drag.x0, point.y - drag.y0);
      drag.x = point.x;
      drag.y = point.y;
    }
  });
  const end = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinch = null;
    if (pointers.size === 0) {
      drag = null;
      viewport.classList.remove('dragging');
    }
  };
  viewport.addEventListener('pointerup', end);
  viewport.addEventListener('pointercancel', end);
}
