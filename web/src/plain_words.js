// What a patient reads: case states, dates, the history and an AI reading in plain words.
// Pure functions of API data and a model package's metadata (no page elements), so that the
// Node tests hold the wording; cases.js builds the page's elements from them.
import { bandOf } from './decision.js';

/** Case states in the patient's words. */
const STATUS_TEXT = {
  draft: 'draft (you can add images)',
  submitted: 'sent to your doctor',
  ai_read: 'read by the AI, waiting for a doctor',
  in_review: 'a doctor is reviewing it',
  reported: 'report signed',
};

/**
 * @param {string} status a case status from the API
 * @returns {string}
 */
export function statusText(status) {
  return STATUS_TEXT[status] ?? status;
}

/**
 * A date as the patient's browser writes dates, e.g. "2 Dec 2026" (en-GB) or "Dec 2, 2026" (en-US).
 *
 * @param {string} iso a date-time from the API
 * @param {string|undefined} [locale] the browser's when undefined
 * @returns {string}
 */
export function dateText(iso, locale = undefined) {
  return new Date(iso).toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
}

/**
 * When a case was opened, sent and reported, in one line.
 *
 * @param {{created_at: string, submitted_at?: string|null, reported_at?: string|null}} c a case from the API
 * @param {string|undefined} [locale]
 * @returns {string} e.g. "Opened 2 Dec 2026 · sent 3 Dec 2026 · report 5 Dec 2026"
 */
export function caseDatesText(c, locale = undefined) {
  return [
    `Opened ${dateText(c.created_at, locale)}`,
    c.submitted_at && `sent ${dateText(c.submitted_at, locale)}`,
    c.reported_at && `report ${dateText(c.reported_at, locale)}`,
  ].filter(Boolean).join(' · ');
}

/** Each kind of history entry, as a patient would say it. */
const HISTORY_KINDS = {
  case_opened: 'Case opened',
  case_submitted: 'Case sent to your doctor',
  image_uploaded: 'Image added',
  ai_reading: 'AI reading',
  ai_refused: 'Image not read by the AI',
  report_drafted: 'Report drafted',
  report_signed: 'Report signed',
  report_amended: 'Report amended',
};

/**
 * One history entry in plain words. An AI reading names its case, not its label: the label alone
 * would read a 51 % "normal" as plainly normal, and the case shows it with its probability and
 * band. A refusal says why, without the model's name and version the server adds in brackets.
 *
 * @param {{kind: string, summary: string}} entry from GET /patients/<id>/history/
 * @param {string} [caseTitle] the title of the entry's case
 * @returns {string} e.g. "AI reading of an image in “Cough”"
 */
export function historyText(entry, caseTitle = '') {
  const kind = HISTORY_KINDS[entry.kind] ?? entry.kind.replace(/[._]/g, ' ');
  if (entry.kind === 'ai_reading') return `AI reading of an image${caseTitle ? ` in “${caseTitle}”` : ''}`;
  const summary = entry.kind === 'ai_refused' ? entry.summary.replace(/\s*\([^()]*\)$/, '') : entry.summary;
  return summary ? `${kind}: ${summary}` : kind;
}

/**
 * A probability as a percentage with one decimal.
 *
 * @param {number} p from 0 to 1
 * @returns {string} e.g. "51.0 %"
 */
export const percent = (p) => `${(p * 100).toFixed(1)} %`;

const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * What a binary reading means, said plainly to a patient, by its band (or, for packages
 * without bands, by the decision).
 *
 * @param {{index: number}|null} band
 * @param {boolean} flagged at or above the threshold
 * @param {string} finding the positive label, e.g. "pneumonia"
 * @returns {string}
 */
export function plainMeaning(band, flagged, finding) {
  const index = band ? band.index : flagged ? 2 : 0;
  return [
    `The model found little sign of ${finding} in this image.`,
    `The model cannot tell from this image whether there are signs of ${finding}.`,
    `The model found signs that may mean ${finding} in this image.`,
  ][index];
}

/**
 * The band the reading fell in, with its limits: what "uncertain" (or "likely ...") means here.
 *
 * @param {{index: number, name: string}} band
 * @param {{below: number, from: number}} bands the package's operating_point.bands
 * @param {number} score the probability of the finding
 * @param {string} finding
 * @returns {string}
 */
export function bandText(band, bands, score, finding) {
  const range = [
    `below ${percent(bands.below)}`,
    `between ${percent(bands.below)} and ${percent(bands.from)}`,
    `of ${percent(bands.from)} or more`,
  ][band.index];
  return `“${capitalised(band.name)}” means a probability of ${finding} ${range}; here it is ${percent(score)}.`;
}

/**
 * A reading as a patient reads it: the result (the band's name when the package has bands, so
 * that a 51 % "normal" reads as uncertain, not as normal), the label with its own probability,
 * and what it means.
 *
 * @param {{label: string, probabilities: Object<string, number>|ArrayLike<number>, score: number|null,
 *   flagged?: boolean}} reading the label, the probability of each label (by name or index), and
 *   the probability of the finding for binary models
 * @param {object|null} metadata the model package's (null: unknown, then no band)
 * @returns {[string, string][]} term/value rows
 */
export function plainReadingRows(reading, metadata) {
  const names = metadata?.label_names ?? [];
  const { label, score } = reading;
  const byName = Array.isArray(reading.probabilities) || ArrayBuffer.isView(reading.probabilities)
    ? Object.fromEntries(names.map((name, k) => [name, reading.probabilities[k]]))
    : reading.probabilities ?? {};
  const finding = metadata?.positive_class == null ? null : names[metadata.positive_class];
  const band = metadata && score != null ? bandOf(score, metadata) : null;
  const rows = [['Result', capitalised(band ? band.name : label)]];
  if (byName[label] != null) rows.push(['Probability', `${label}: ${percent(byName[label])}`]);
  if (finding && score != null) {
    const flagged = reading.flagged ?? label === finding;
    const meaning = plainMeaning(band, flagged, finding);
    rows.push(['What this means', band ? `${meaning} ${bandText(band, metadata.operating_point.bands, score, finding)}` : meaning]);
  }
  return rows;
}

/**
 * A reading in one line, for the list of a case's images: its result and the label's probability.
 *
 * @param {object} reading from the readings API
 * @param {object|null} metadata the model package's
 * @returns {string} e.g. "Uncertain (normal: 51.0 %)"
 */
export function readingLine(reading, metadata) {
  if (reading.status === 'refused') return `Not read: ${reading.refusal}`;
  if (reading.status === 'pending') return 'Being read…';
  if (reading.status === 'failed') return 'The reading failed; your doctor can ask for another.';
  const rows = Object.fromEntries(plainReadingRows(reading, metadata));
  return rows.Probability ? `${rows.Result} (${rows.Probability})` : rows.Result;
}
