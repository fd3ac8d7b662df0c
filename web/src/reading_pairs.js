// Browser and server readings of the same image, paired so that a doctor sees
// them side by side, and whether they disagree. Pure functions of API data.
//
// The tolerance (the largest difference in any class probability that still counts as the same
// reading) is the server's: `verify_tolerance` of GET /api/v1/models/ (see model_packages.js).

/**
 * The largest absolute difference between two readings' class probabilities.
 *
 * @param {object} a a reading from the API
 * @param {object} b
 * @returns {number|null} null when they do not share their labels
 */
export function maxDifference(a, b) {
  const labels = Object.keys(a.probabilities ?? {});
  if (!labels.length || labels.length !== Object.keys(b.probabilities ?? {}).length) return null;
  let worst = 0;
  for (const label of labels) {
    if (!(label in b.probabilities)) return null;
    worst = Math.max(worst, Math.abs(a.probabilities[label] - b.probabilities[label]));
  }
  return worst;
}

/**
 * Why the two readings of an image disagree, in a sentence, or null when they agree.
 *
 * @param {object|null} browser
 * @param {object|null} server
 * @param {number|null} tolerance the server's; null when unknown: then only the server's own
 *   verdict on the browser reading it verified counts
 * @returns {string|null}
 */
export function mismatchOf(browser, server, tolerance) {
  // The input gate must decide alike: one refusing what the other read is a mismatch.
  const done = ['succeeded', 'refused'];
  if (done.includes(browser?.status) && done.includes(server?.status) && browser.status !== server.status) {
    return browser.status === 'refused'
      ? `The browser refused the image ("${browser.refusal}") but the server read it.`
      : `The server refused the image ("${server.refusal}") but the browser read it.`;
  }
  if (browser?.status === 'refused' && server?.status === 'refused') {
    // Both refused it: the gate's scores must still agree, as the server's verification says.
    const checked = server.verifies === browser.id && server.max_difference != null;
    return checked && server.disagrees
      ? `The input check scores differ by ${server.max_difference.toExponential(1)} (${beyond(tolerance)}).`
      : null;
  }
  if (browser?.status !== 'succeeded' || server?.status !== 'succeeded') return null;
  if (browser.label !== server.label) {
    return `The browser read "${browser.label}" but the server read "${server.label}".`;
  }
  const difference = server.verifies === browser.id && server.max_difference != null
    ? server.max_difference
    : maxDifference(browser, server);
  if (difference == null) return 'The two readings do not report the same classes.';
  if (server.disagrees || (tolerance != null && difference > tolerance)) {
    return `The probabilities differ by ${difference.toExponential(1)} (${beyond(tolerance)}).`;
  }
  return null;
}

const beyond = (tolerance) => (tolerance == null ? 'more than the server allows' : `more than ${tolerance}`);

const newestFirst = (a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || b.id - a.id;

/**
 * One entry per image: its newest browser reading, the server reading of the
 * same image (the one verifying that browser reading if there is one), and any
 * mismatch between them.
 *
 * @param {object[]} images from GET /cases/<id>/images/
 * @param {object[]} readings from GET /cases/<id>/readings/
 * @param {number|null} tolerance the server's, as mismatchOf takes it
 * @returns {{image: object, browser: object|null, server: object|null, mismatch: string|null}[]}
 */
export function pairReadings(images, readings, tolerance) {
  return images.map((image) => {
    const own = readings.filter((r) => r.image === image.id).sort(newestFirst);
    const browser = own.find((r) => r.runs_on === 'browser') ?? null;
    const server = (browser && own.find((r) => r.runs_on === 'server' && r.verifies === browser.id))
      ?? own.find((r) => r.runs_on === 'server')
      ?? null;
    return { image, browser, server, mismatch: mismatchOf(browser, server, tolerance) };
  });
}

/**
 * Whether a reading is positive, the only kind that shows a heat map: a binary
 * reading at or above its threshold; a multi-class one (no score) always.
 *
 * @param {object} reading from the API
 * @returns {boolean}
 */
export function isPositive(reading) {
  if (reading?.status !== 'succeeded') return false;
  return reading.score == null || reading.threshold == null || reading.score >= reading.threshold;
}

/**
 * The heat map to show for an image: of its server reading, else its browser
 * reading, and only of a positive one.
 *
 * @param {{browser: object|null, server: object|null}} pair from pairReadings
 * @returns {{reading: object, heatmap: {data: Float32Array, height: number, width: number}}|null}
 */
export function shownHeatmap({ browser, server }) {
  for (const reading of [server, browser]) {
    const heatmap = isPositive(reading) ? heatmapOfRows(reading.heatmap) : null;
    if (heatmap) return { reading, heatmap };
  }
  return null;
}

/**
 * The finding a binary reading is about ("pneumonia"): the model's positive
 * label from its metadata, else read off the reading itself.
 *
 * @param {object} reading from the API
 * @param {object|null} metadata the package's, when known
 * @returns {string|null} null for multi-class readings
 */
export function findingOf(reading, metadata) {
  if (metadata && metadata.positive_class != null) return metadata.heatmap?.label ?? metadata.label_names[metadata.positive_class];
  if (reading?.score == null) return null;
  if (reading.flagged) return reading.label;
  return Object.keys(reading.probabilities ?? {}).find((label) => label !== reading.label) ?? null;
}

/**
 * A reading's heat map as the drawing code wants it.
 *
 * @param {number[][]|null} rows from the API: rows of values in [0, 1]
 * @returns {{data: Float32Array, height: number, width: number}|null}
 */
export function heatmapOfRows(rows) {
  if (!Array.isArray(rows) || !rows.length || !rows[0].length) return null;
  return { data: Float32Array.from(rows.flat()), height: rows.length, width: rows[0].length };
}
