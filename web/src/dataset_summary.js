// A research dataset in words: what the admin page says about an export (POST /api/v1/datasets/)
// and the datasets already there (GET). Pure functions of the API's summaries, no page elements,
// so that the Node tests hold the wording; admin_datasets.js builds the section from them.

// Why a report or an image was left out (backend/datasets/selectors.py EXCLUSION_REASONS), as
// (one, many). A report's reason counts reports, an image's reason counts images.
const LEFT_OUT = {
  withdrawn_case: ['report of a withdrawn case', 'reports of withdrawn cases'],
  no_consent: ['report of a patient without research consent', 'reports of patients without research consent'],
  shadow_reading: ['report citing a candidate version’s shadow reading', 'reports citing a candidate version’s shadow reading'],
  no_label: ['report that names no label', 'reports that name no label'],
  no_image: ['report whose case has no image', 'reports whose cases have no image'],
  withdrawn_image: ['image the patient withdrew', 'images the patients withdrew'],
  missing_file: ['image whose stored file is missing', 'images whose stored files are missing'],
  undecodable_image: ['image that cannot be decoded', 'images that cannot be decoded'],
};

const SPLIT_ORDER = ['train', 'validation', 'test'];

/** "1 example", "8 examples". */
export function countText(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * What was left out and why, one phrase per reason with a count, in the API's order.
 *
 * @param {Record<string, number>} excluded the summary's `excluded`
 * @returns {string[]} e.g. ["2 reports of patients without research consent"]; empty when nothing was
 */
export function leftOutPhrases(excluded) {
  return Object.entries(excluded ?? {}).filter(([, count]) => count > 0).map(([reason, count]) => {
    const [one, many] = LEFT_OUT[reason] ?? [`left out: ${reason}`, `left out: ${reason}`];
    return `${count} ${count === 1 ? one : many}`;
  });
}

/** Labels in the dataset's own order (its label names), e.g. "normal 4, pneumonia 3". */
export function labelCountsText(summary) {
  const names = [...(summary.label_names ?? []), ...Object.keys(summary.labels ?? {})];
  return [...new Set(names)].filter((name) => summary.labels?.[name]).map((name) => `${name} ${summary.labels[name]}`).join(', ')
    || 'none';
}

/** Splits as train, validation, test, e.g. "train 6, validation 1, test 1". */
export function splitCountsText(summary) {
  const names = [...new Set([...SPLIT_ORDER, ...Object.keys(summary.splits ?? {})])];
  return names.filter((name) => summary.splits?.[name]).map((name) => `${name} ${summary.splits[name]}`).join(', ') || 'none';
}

/**
 * Whether this summary's name and version were in the list before the export: the API answers an
 * identical re-export like a new one (the folder there is left as it is), so the page tells them apart.
 *
 * @param {{name: string, version: string}} summary
 * @param {{name: string, version: string}[]} before GET /api/v1/datasets/ as it was before
 * @returns {boolean}
 */
export function wasThere(summary, before) {
  return (before ?? []).some((d) => d.name === summary.name && d.version === summary.version);
}

/**
 * The sentence that says what an export did.
 *
 * @param {object} summary the POST's answer
 * @param {boolean} already whether that version was there already
 * @returns {string}
 */
export function exportSentence(summary, already) {
  const what = `${summary.name} version ${summary.version}`;
  return already
    ? `${what} is already there, with the same ${countText(summary.examples, 'example')}: no signed report has `
      + 'changed since it was exported, so nothing new was written.'
    : `Exported ${what}: ${countText(summary.examples, 'example')}.`;
}

/**
 * The summary as term and value rows: examples, labels, splits, left out.
 *
 * @param {object} summary
 * @returns {[string, string][]}
 */
export function summaryRows(summary) {
  const phrases = leftOutPhrases(summary.excluded);
  return [
    ['Examples', String(summary.examples)],
    ['Per label', labelCountsText(summary)],
    ['Per split', splitCountsText(summary)],
    ['Left out', phrases.length ? phrases.join('; ') : 'nothing'],
  ];
}
