// Which model packages the server offers (GET /api/v1/models/), which version
// of a model is active, and a package version's metadata. Every page takes the
// version to use from here: no page names a version of its own.
import { api } from './api.js';

/** The model the pages read chest X-rays with, unless told otherwise; its version comes from the API. */
export const CHEST_XRAY_MODEL = 'chest-xray-pneumonia';

let listing = null;
const metadataByVersion = new Map();

/**
 * The installed model packages, as GET /api/v1/models/ lists them (asked once per page).
 *
 * @returns {Promise<object[]>} each with name, version, active, base_url, metadata_url, ...
 */
export function modelPackages() {
  listing ??= api('/models/');
  listing.catch(() => {
    listing = null; // the next call asks again
  });
  return listing;
}

/**
 * The version of a model that new readings use: the one the API marks active.
 *
 * @param {string} name e.g. "chest-xray-pneumonia"
 * @returns {Promise<object>} its entry in GET /api/v1/models/
 * @throws {Error} when the server offers no version of it
 */
export async function activePackage(name) {
  const packages = await modelPackages();
  const chosen = packages.find((p) => p.name === name && p.active);
  if (!chosen) throw new Error(`the server offers no active ${name} model`);
  return chosen;
}

/**
 * The active package that reads one exam type: the model new readings of a case of that exam
 * type use (each package names its exam type in its metadata, `exam_type`).
 *
 * @param {string} examType e.g. "chest_xray", "breast_ultrasound", "retina_photo"
 * @returns {Promise<object>} its entry in GET /api/v1/models/
 * @throws {Error} when no active model reads that exam type
 */
export async function activePackageForExamType(examType) {
  const packages = await modelPackages();
  const chosen = packages.find((p) => p.active && p.exam_type === examType);
  if (!chosen) throw new Error(`the server offers no model for ${examType}`);
  return chosen;
}

/**
 * The exam types some active model reads, chest X-ray first, then in the order the API lists them.
 *
 * @returns {Promise<{value: string, label: string}[]>} e.g. [{value: "chest_xray", label: "Chest X-ray"}]
 */
export async function examTypesWithActiveModel() {
  const packages = await modelPackages();
  const seen = new Map();
  for (const p of packages) {
    if (p.active && p.exam_type && !seen.has(p.exam_type)) {
      seen.set(p.exam_type, { value: p.exam_type, label: p.exam_type_label || p.exam_type });
    }
  }
  const types = [...seen.values()];
  return [...types.filter((t) => t.value === 'chest_xray'), ...types.filter((t) => t.value !== 'chest_xray')];
}

/**
 * The largest browser/server difference in a class probability that the server still counts as
 * the same reading (its INFERENCE_VERIFY_TOLERANCE, published with every package).
 *
 * @returns {Promise<number|null>} null when the list is empty or cannot be read
 */
export async function verifyTolerance() {
  try {
    return (await modelPackages()).find((p) => typeof p.verify_tolerance === 'number')?.verify_tolerance ?? null;
  } catch {
    return null; // mismatches then rest on the server's own verdict
  }
}

/**
 * The model_metadata.json of one installed version (for its operating point,
 * bands and heat map), fetched once per page.
 *
 * @param {string} name
 * @param {string} version
 * @returns {Promise<object|null>} null when that version is not installed (any more) or cannot be read
 */
export function packageMetadata(name, version) {
  const key = `${name}@${version}`;
  if (!metadataByVersion.has(key)) {
    metadataByVersion.set(key, (async () => {
      try {
        const entry = (await modelPackages()).find((p) => p.name === name && p.version === version);
        if (!entry) return null;
        const response = await fetch(entry.metadata_url);
        return response.ok ? await response.json() : null;
      } catch {
        return null; // shown without bands or the threshold's goal
      }
    })());
  }
  return metadataByVersion.get(key);
}
