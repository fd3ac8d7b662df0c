// What the patient portal remembers between her actions, shared by its modules.

/**
 * Fields:
 * - {object|null} user the signed-in patient
 * - {object[]} cases her cases
 * - {number|null} caseId the open case
 * - {string} examType the open case's exam type (chest_xray before a case is open): it chooses the model
 * - {string|null} examTypeLabel its name, as the API gives it ("Breast ultrasound")
 * - {number} caseImageCount how many images the open case holds (its exam type changes only while none)
 * - {object|null} model the model loaded in this browser for that exam type
 * - {Error|null} modelError why the model cannot run here (images are then read on the server)
 * - {File|null} file the chosen image, until it is added to the case
 * - {object|null} reading the browser's reading of it (null: to be read on the server)
 * - {'chosen'|'model'|'file'|null} serverReason why the server reads it
 * - {{file: File, image: object}|null} uploaded the image, uploaded already, while its reading is not saved
 */
export const state = {
  user: null, cases: [], caseId: null, examType: 'chest_xray', examTypeLabel: null, caseImageCount: 0, model: null, modelError: null,
  file: null, reading: null, serverReason: null, uploaded: null,
};
