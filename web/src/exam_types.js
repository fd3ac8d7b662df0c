// Exam types (chest X-ray, breast ultrasound, retina photograph): the exam type a DICOM file's
// header proposes, and the sentences the pages say about exam types. No page elements here.
//
// Each model package names the exam type it reads (`exam_type`) and, where it has an input gate,
// the DICOM codes it reads (`dicom`: Modality and BodyPartExamined); GET /api/v1/models/ lists both.

/** What the file field accepts, after the exam type's name. */
const FILE_KINDS = 'PNG, JPEG or uncompressed DICOM';

const norm = (value) => (value ?? '').trim().toUpperCase();

/**
 * The exam type a DICOM header says its image is, from the packages' DICOM codes: the one exam
 * type whose packages read the header's Modality and, when the header names one, its
 * BodyPartExamined. A header that names a body part some exam type lists is matched on it first
 * (an ultrasound of the breast is a breast ultrasound even if another model reads "US" too).
 *
 * @param {{modality: string|null, bodyPart: string|null}|null} header as dicomHeader reads it
 * @param {object[]} packages GET /api/v1/models/ entries (exam_type, dicom: {modalities, body_parts})
 * @returns {string|null} e.g. "breast_ultrasound"; null when the header says nothing, matches no
 *   exam type, or matches more than one
 */
export function proposedExamType(header, packages) {
  if (!header) return null;
  const modality = norm(header.modality);
  const bodyPart = norm(header.bodyPart);
  if (!modality && !bodyPart) return null;
  const codes = new Map(); // exam type -> {modalities, bodyParts} over all its packages
  for (const p of packages ?? []) {
    if (!p.exam_type || !p.dicom) continue;
    const entry = codes.get(p.exam_type) ?? { modalities: new Set(), bodyParts: new Set() };
    for (const m of p.dicom.modalities ?? []) entry.modalities.add(norm(m));
    for (const b of p.dicom.body_parts ?? []) entry.bodyParts.add(norm(b));
    codes.set(p.exam_type, entry);
  }
  const matches = [...codes].filter(([, c]) => (!modality || c.modalities.has(modality))
    && (!bodyPart || c.bodyParts.size === 0 || c.bodyParts.has(bodyPart)));
  const named = bodyPart ? matches.filter(([, c]) => c.bodyParts.has(bodyPart)) : [];
  const chosen = named.length ? named : matches;
  return chosen.length === 1 ? chosen[0][0] : null;
}

/**
 * An exam type's name as the API gives it ("Breast ultrasound"), or the code when no package names it.
 *
 * @param {string} examType
 * @param {object[]} packages GET /api/v1/models/ entries
 * @returns {string}
 */
export function examTypeLabel(examType, packages) {
  return (packages ?? []).find((p) => p.exam_type === examType && p.exam_type_label)?.exam_type_label ?? examType;
}

/** "Chest X-ray" -> "chest X-ray": an exam type's name inside a sentence. */
export function inSentence(label) {
  return label.charAt(0).toLowerCase() + label.slice(1);
}

/**
 * The file field's label for a case of this exam type.
 *
 * @param {string} label e.g. "Chest X-ray"
 * @returns {string} "Chest X-ray (PNG, JPEG or uncompressed DICOM)"
 */
export function fileFieldLabel(label) {
  return `${label} (${FILE_KINDS})`;
}

/**
 * What the portal says when a file's DICOM header moved an empty case to its exam type.
 *
 * @param {string} fileName
 * @param {string} label the new exam type's name
 * @returns {string}
 */
export function examTypeSwitchedText(fileName, label) {
  return `The DICOM header of ${fileName} says it is a ${inSentence(label)}, so this case is now a `
    + `${inSentence(label)} case and the ${inSentence(label)} model reads it.`;
}

/**
 * What the portal says when a file's DICOM header names another exam type than the case's, once
 * the case holds images (its exam type can no longer change): nothing is read or sent.
 *
 * @param {string} fileName
 * @param {string} fileLabel the exam type the header names
 * @param {string} caseLabel the case's exam type
 * @returns {string}
 */
export function otherExamTypeText(fileName, fileLabel, caseLabel) {
  return `${fileName} looks like a ${inSentence(fileLabel)} (its DICOM header says so), and this case is for `
    + `${inSentence(caseLabel)} images. Open a new case for it. Nothing has been sent.`;
}
