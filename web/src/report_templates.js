// Report templates per exam type (training/exam_types.py EXAM_TYPES): a usual normal report and a
// usual finding for each, which fill the findings and the impression. The doctor edits them and
// chooses herself whether she agrees with the AI: a template never answers that. Pure data.

/** @typedef {{id: string, name: string, findings: string, impression: string}} ReportTemplate */

/** @type {Record<string, ReportTemplate[]>} */
export const REPORT_TEMPLATES = {
  chest_xray: [
    {
      id: 'chest-normal',
      name: 'Normal chest X-ray',
      findings: 'Lungs are clear. No focal consolidation, pleural effusion or pneumothorax. '
        + 'Heart size and mediastinal contours are normal. No acute bony abnormality.',
      impression: 'Normal chest X-ray. No evidence of pneumonia.',
    },
    {
      id: 'chest-pneumonia',
      name: 'Pneumonia',
      findings: 'Airspace opacity in the [right/left] [lower/middle/upper] zone with air bronchograms, '
        + 'in keeping with consolidation. No pleural effusion or pneumothorax. Heart size is normal.',
      impression: 'Findings consistent with pneumonia in the [right/left] [lower/middle/upper] zone. '
        + 'Suggest clinical correlation and a follow-up radiograph after treatment.',
    },
  ],
  breast_ultrasound: [
    {
      id: 'breast-normal',
      name: 'No suspicious finding',
      findings: 'Normal fibroglandular and fatty tissue. No solid or cystic mass, no architectural '
        + 'distortion, no abnormal axillary lymph node.',
      impression: 'No sonographic evidence of malignancy (BI-RADS 1, negative).',
    },
    {
      id: 'breast-suspicious-mass',
      name: 'Suspicious mass',
      findings: 'Irregular hypoechoic mass at [clock position], [distance] cm from the nipple, measuring '
        + '[size] mm, with non-circumscribed margins and posterior shadowing; not parallel to the skin.',
      impression: 'Suspicious mass (BI-RADS 4). Tissue diagnosis by ultrasound-guided core biopsy is recommended.',
    },
  ],
  retina_photo: [
    {
      id: 'retina-normal',
      name: 'No retinopathy',
      findings: 'Optic disc with clear margins and a normal cup. Normal vessels. No microaneurysms, '
        + 'haemorrhages, exudates or neovascularisation. Macula normal.',
      impression: 'No diabetic retinopathy. Routine screening in 12 months.',
    },
    {
      id: 'retina-retinopathy',
      name: 'Retinopathy present',
      findings: 'Microaneurysms and dot-blot haemorrhages in [quadrants]; [hard exudates near the macula / '
        + 'no exudates]; [no] neovascularisation.',
      impression: 'Diabetic retinopathy, [mild/moderate/severe non-proliferative / proliferative]. '
        + 'Refer to ophthalmology [routinely/urgently].',
    },
  ],
};

/**
 * The templates for an exam type, normal first; none for an unknown one.
 *
 * @param {string} examType e.g. "chest_xray"
 * @returns {ReportTemplate[]}
 */
export function templatesFor(examType) {
  return REPORT_TEMPLATES[examType] ?? [];
}

/**
 * One template of an exam type by id, or null.
 *
 * @param {string} examType
 * @param {string} id
 * @returns {ReportTemplate|null}
 */
export function templateFor(examType, id) {
  return templatesFor(examType).find((t) => t.id === id) ?? null;
}

/**
 * The findings and impression a template gives, replacing what was typed only when the doctor
 * agreed to (the page asks before overwriting her own text).
 *
 * @param {ReportTemplate} template
 * @param {{findings: string, impression: string}} current
 * @returns {{findings: string, impression: string, overwrites: boolean}} `overwrites`: the current
 *   text is neither empty nor another template's
 */
export function filledReport(template, current) {
  const untouched = (text, field) => text.trim() === ''
    || Object.values(REPORT_TEMPLATES).flat().some((t) => t[field] === text);
  return {
    findings: template.findings,
    impression: template.impression,
    overwrites: !(untouched(current.findings, 'findings') && untouched(current.impression, 'impression')),
  };
}
