// From a model package's outputs to what a reader may show, by the rules of
// docs/model-package.md: the input gate, the label, the operating point's
// bands, when a heat map is shown, and the DICOM header check.
//
// Pure functions of the package's metadata and the numbers: the pages, the
// Classifier (model.js) and the tests use the same ones. The server follows
// the same rules (backend/inference/decision.py).

/**
 * The decision the model ships with: threshold on the positive class for
 * binary models, argmax otherwise (mirrors training/metrics.py `predict_labels`).
 *
 * @param {ArrayLike<number>} probabilities
 * @param {object} metadata the package's model_metadata.json
 * @returns {number} the index of the label to show
 */
export function decideLabel(probabilities, metadata) {
  const positive = metadata.positive_class ?? null;
  const threshold = metadata.decision?.threshold ?? null;
  if (positive === null || threshold === null) {
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
    return best;
  }
  return probabilities[positive] >= threshold ? positive : 1 - positive;
}

/**
 * Whether the input gate accepted the image. Packages made before the gate
 * (no `input_accepted` output) accept every image: pass null.
 *
 * @param {number|null} accepted the graph's `input_accepted` value (1 or 0), or null
 * @returns {boolean}
 */
export function gateAccepts(accepted) {
  return accepted === null || accepted === undefined || accepted >= 0.5;
}

/**
 * What to say when the gate refuses an image.
 *
 * @param {object} metadata
 * @returns {string}
 */
export function refusalText(metadata) {
  const check = metadata.input_check ?? {};
  return check.refusal ?? `This image does not look like what the model reads${check.expects ? ` (${check.expects})` : ''}.`;
}

/**
 * The operating point of a binary model: its threshold and the goal it was
 * chosen for. Packages without `operating_point` give their decision threshold
 * and its rule.
 *
 * @param {object} metadata
 * @returns {{threshold: number, goal: string|null}|null} null for multi-class models
 */
export function operatingPoint(metadata) {
  const threshold = metadata.operating_point?.threshold ?? metadata.decision?.threshold ?? null;
  if (metadata.positive_class == null || threshold == null) return null;
  return { threshold, goal: metadata.operating_point?.goal ?? metadata.decision?.rule ?? null };
}

/**
 * The band the positive class's probability falls in: below `below` the first
 * name, from `from` the last, in between the middle one ("uncertain").
 *
 * @param {number|null} score probability of the positive class
 * @param {object} metadata
 * @returns {{index: 0|1|2, name: string}|null} null when the package has no bands or there is no score
 */
export function bandOf(score, metadata) {
  const bands = metadata.operating_point?.bands;
  if (score == null || !bands || bands.below == null || bands.from == null) return null;
  const names = bands.names ?? ['likely negative', 'uncertain', 'likely positive'];
  const index = score < bands.below ? 0 : score >= bands.from ? 2 : 1;
  return { index, name: names[index] };
}

/**
 * Which class's heat map a package shows, and under what name. Binary models:
 * `heatmap.class` (the positive class for packages without `heatmap`);
 * multi-class ones: the predicted label's (class null).
 *
 * @param {object} metadata
 * @returns {{classIndex: number|null, label: string|null}}
 */
export function heatmapClass(metadata) {
  const names = metadata.label_names ?? [];
  const classIndex = metadata.heatmap ? metadata.heatmap.class ?? null : metadata.positive_class ?? null;
  if (classIndex === null) return { classIndex: null, label: null };
  return { classIndex, label: metadata.heatmap?.label ?? names[classIndex] ?? null };
}

/**
 * Whether a reading gets a heat map, and which class's: only a positive one
 * (binary: probability of the heat map's class at or above the threshold);
 * a multi-class reading shows its predicted label's map.
 *
 * @param {ArrayLike<number>} probabilities
 * @param {number} labelIndex the label shown
 * @param {object} metadata
 * @returns {{shown: boolean, classIndex: number, label: string}}
 */
export function heatmapShown(probabilities, labelIndex, metadata) {
  const { classIndex, label } = heatmapClass(metadata);
  const point = operatingPoint(metadata);
  if (classIndex === null || !point) {
    return { shown: true, classIndex: labelIndex, label: metadata.label_names[labelIndex] };
  }
  return { shown: probabilities[classIndex] >= point.threshold, classIndex, label };
}

/**
 * Why there is no heat map on a reading that was read: said once, the same everywhere.
 *
 * @param {string} label the class the maps are evidence for, e.g. "pneumonia"
 * @returns {string}
 */
export function noHeatmapText(label) {
  return `Heat maps are shown for ${label} readings only.`;
}

/** "a" or "an" before a modality code read letter by letter ("an MR", "a CT"). */
const codeArticle = (code) => (/^[AEFHILMNORSX]/.test(code) ? 'an' : 'a');
/** "a" or "an" before words ("a chest X-ray", "an eye fundus photograph"). */
const wordArticle = (words) => (/^[aeiou]/i.test(words) ? 'an' : 'a');

/**
 * Rule 2 of the contract: the DICOM header check, before the model runs.
 * A Modality not in `input_check.dicom.modalities` refuses the file; so does a
 * BodyPartExamined that is present, non-empty and not in `body_parts`.
 * Case-insensitive on stripped values; no check without `input_check.dicom`.
 *
 * @param {{modality: string|null, bodyPart: string|null}|null} header from dicomHeader()
 * @param {object} metadata
 * @returns {string|null} the reason, or null when the header does not refuse it
 */
export function dicomRefusal(header, metadata) {
  const rules = metadata.input_check?.dicom;
  if (!rules || !header) return null;
  const expects = metadata.input_check.expects ?? 'what the model reads';
  const norm = (value) => (value ?? '').trim().toUpperCase();
  const modality = norm(header.modality);
  const modalities = (rules.modalities ?? []).map(norm);
  if (rules.modalities && !modalities.includes(modality)) {
    const says = modality ? `${codeArticle(modality)} ${modality} (Modality ${modality})` : 'of no modality (Modality missing)';
    return `The DICOM header says this is ${says}, not ${wordArticle(expects)} ${expects}.`;
  }
  const bodyPart = norm(header.bodyPart);
  const bodyParts = (rules.body_parts ?? []).map(norm);
  if (rules.body_parts && bodyPart && !bodyParts.includes(bodyPart)) {
    return `The DICOM header says this is an image of the ${bodyPart} (BodyPartExamined ${bodyPart}), not ${wordArticle(expects)} ${expects}.`;
  }
  return null;
}

/**
 * What a reader should know about the data behind a model: a note when it was
 * trained and tested only on MedMNIST's small images, so how it reads a
 * full-size image is unmeasured; "" for a model measured on real scans.
 *
 * @param {object} metadata the package's model_metadata.json
 * @returns {string}
 */
export function trainingDataNote(metadata) {
  if (metadata?.training?.source?.kind !== 'medmnist') return '';
  const size = metadata.input?.model_size;
  return `This model was trained and tested only on small (${size}x${size}) public images: `
    + 'how well it reads a full-size image has not been measured.';
}
