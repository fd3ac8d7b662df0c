// The doctor's worklist: AI-flagged cases first, then the longest waiting; filters; next and
// previous case.
import { api } from './api.js';
import { $, act, element, setStatus } from './page.js';
import { actions, PAGE_SIZE, personName, state, statusText, TO_REVIEW, waiting, when } from './doctor_state.js';

function worklistQuery(page) {
  const params = new URLSearchParams({ ordering: '-ai_flagged,submitted_at,created_at', page_size: PAGE_SIZE, page });
  const status = $('filter-status').value;
  for (const s of status === 'to-review' ? TO_REVIEW : status === 'all' ? [] : [status]) params.append('status', s);
  if ($('filter-patient').value) params.set('patient', $('filter-patient').value);
  if ($('filter-flagged').checked) params.set('ai_flagged', 'true');
  return `/cases/?${params}`;
}

/** Load the worklist's first page again (or its next page, `more`). */
export async function loadWorklist({ more = false } = {}) {
  state.page = more ? state.page + 1 : 1;
  setStatus('Loading the worklist…');
  const body = await api(worklistQuery(state.page));
  state.cases = more ? [...state.cases, ...body.results] : body.results;
  state.hasMore = Boolean(body.next);
  renderWorklist(body.count);
  setStatus(`${body.count} case${body.count === 1 ? '' : 's'} in the worklist.`);
}

function renderWorklist(count) {
  const rows = state.cases.map((c) => {
    const open = element('button', { type: 'button', className: 'secondary', textContent: c.title });
    open.addEventListener('click', () => act(() => actions.openCase(c.id)));
    const row = element('tr', {}, [
      element('td', {}, c.ai_flagged ? [element('span', { className: 'flag', textContent: '⚑ flagged' })] : ['']),
      element('td', { textContent: personName(c.patient) }),
      element('td', {}, [open]),
      element('td', {}, [element('span', { className: 'badge', textContent: statusText(c.status) })]),
      element('td', {}, [element('time', {
        dateTime: c.submitted_at || c.created_at, title: when(c.submitted_at || c.created_at), textContent: waiting(c.submitted_at || c.created_at),
      })]),
    ]);
    row.dataset.caseId = c.id;
    row.setAttribute('aria-current', String(c.id === state.caseId));
    return row;
  });
  if (!rows.length) rows.push(element('tr', {}, [element('td', { colSpan: 5, textContent: 'No cases match these filters.' })]));
  $('worklist').tBodies[0].replaceChildren(...rows);
  $('worklist-count').textContent = `Showing ${state.cases.length} of ${count}`;
  $('more-cases').hidden = !state.hasMore;
}

/** Mark the open case's row and remember where it stands. */
export function markOpenCase(caseId) {
  for (const row of $('worklist').tBodies[0].rows) row.setAttribute('aria-current', String(Number(row.dataset.caseId) === caseId));
  const index = state.cases.findIndex((c) => c.id === caseId);
  if (index >= 0) state.worklistIndex = index;
}

/**
 * The case `step` places after (1) or before (-1) the open one in the worklist; the first when
 * none is open. A case that left the list (signed) keeps its place: the next is the one now there.
 *
 * @param {1|-1} step
 * @returns {object|null}
 */
export function neighbourCase(step) {
  if (!state.cases.length) return null;
  const index = state.cases.findIndex((c) => c.id === state.caseId);
  if (state.caseId === null || (index < 0 && state.worklistIndex < 0)) return step > 0 ? state.cases[0] : null;
  const target = index >= 0 ? index + step : step > 0 ? state.worklistIndex : state.worklistIndex - 1;
  return state.cases[target] ?? null;
}

export async function loadPatients() {
  const body = await api('/patients/?page_size=100');
  const options = body.results.map((p) => element('option', { value: p.id, textContent: personName(p) }));
  $('filter-patient').replaceChildren(element('option', { value: '', textContent: 'All my patients' }), ...options);
}

/** The worklist's own controls. */
export function wireWorklist() {
  for (const id of ['filter-status', 'filter-patient', 'filter-flagged']) {
    $(id).addEventListener('change', () => act(() => loadWorklist()));
  }
  $('filters').addEventListener('submit', (event) => event.preventDefault());
  $('more-cases').addEventListener('click', () => act(() => loadWorklist({ more: true })));
}
