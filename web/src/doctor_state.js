// What the doctor page's modules share: the page's state, the actions one module asks of another
// (set by doctor.js), and how dates, people and statuses are written.

export const PAGE_SIZE = 50;
export const TO_REVIEW = ['submitted', 'ai_read', 'in_review'];
export const STATUS_TEXT = {
  draft: 'draft (patient adding images)',
  submitted: 'submitted',
  ai_read: 'AI read',
  in_review: 'in review',
  reported: 'reported',
};

export const state = {
  user: null,
  page: 1,
  hasMore: false,
  cases: [],
  caseId: null,
  case: null,
  readings: [],
  reports: [],
  amending: null,
  draftId: null,
  viewers: [],
  // Where the open case stood in the worklist, so that "next" still knows after it leaves the list.
  worklistIndex: -1,
};

/** Filled by doctor.js: what one part of the page asks another to do. */
export const actions = {
  /** @type {(caseId: number) => Promise<void>} */
  openCase: async () => {},
  /** @type {() => Promise<void>} */
  loadWorklist: async () => {},
};

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const day = (iso) => (iso ? new Date(iso).toLocaleDateString() : '—');
export const percent = (p) => (p == null ? '—' : `${(p * 100).toFixed(1)} %`);
export const personName = (p) => (p ? p.full_name || p.username : '—');
export const statusText = (status) => STATUS_TEXT[status] ?? status;
/** A case's exam type by its name, as the API gives it. */
export const examTypeText = (theCase) => theCase.exam_type_label ?? theCase.exam_type ?? '—';

/** How long ago, in the largest whole unit: "3 days", "25 min". */
export function waiting(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}
