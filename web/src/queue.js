// The practice's queue: sent cases of patients who have no doctor yet, oldest first. A doctor
// takes one, becomes the patient's doctor, and opens the case on her worklist (doctor.html).
// GET /cases/queue/ answers 404 while the practice keeps no queue (PRACTICE_QUEUE off).
import { api, ApiError } from './api.js';
import { $, act, element, setStatus } from './page.js';
import { startSession, wireSignOut } from './session.js';

/**
 * The patient as the queue may show her: first name and age, when she gave them.
 *
 * @param {{patient_first_name: string, patient_age: number|null}} row
 * @returns {string}
 */
export function patientText(row) {
  const name = row.patient_first_name || 'A patient';
  return row.patient_age == null ? name : `${name}, ${row.patient_age}`;
}

const caseLink = (id) => element('a', { href: `./doctor.html#case-${id}`, textContent: 'Open the case on my worklist' });

function queueRow(row) {
  const take = element('button', { type: 'button', textContent: 'Take' });
  take.setAttribute('aria-label', `Take the case "${row.title}"`);
  const action = element('td', {}, [take]);
  take.addEventListener('click', () => act(() => takeCase(row, action), take));
  const sent = new Date(row.submitted_at);
  const tr = element('tr', {}, [
    element('td', { textContent: row.title }),
    element('td', { textContent: row.exam_type_label }),
    element('td', { textContent: patientText(row) }),
    element('td', {}, [element('time', { dateTime: row.submitted_at, textContent: sent.toLocaleString() })]),
    element('td', {}, row.ai_flagged ? [element('span', { className: 'flag', textContent: '⚑ flagged' })] : ['—']),
    action,
  ]);
  ['Case', 'Exam', 'Patient', 'Sent', 'AI'].forEach((label, i) => { tr.cells[i].dataset.label = label; });
  tr.dataset.caseId = row.id;
  return tr;
}

/** Take the case; then the row offers to open it. Someone quicker gets it: the row says so. */
async function takeCase(row, cell) {
  setStatus(`Taking "${row.title}"…`);
  try {
    await api(`/cases/${row.id}/take/`, { method: 'POST' });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      cell.replaceChildren(element('span', { textContent: error.message }));
      setStatus(error.message);
      return;
    }
    throw error;
  }
  cell.closest('tr').classList.add('taken');
  const link = caseLink(row.id);
  cell.replaceChildren(link);
  link.focus();
  setStatus(`"${row.title}" is yours: it is on your worklist now.`);
}

/** @returns {Promise<boolean>} false while the practice keeps no queue */
async function loadQueue() {
  let body;
  try {
    body = await api('/cases/queue/?page_size=100');
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
  const rows = body.results.map(queueRow);
  if (!rows.length) rows.push(element('tr', {}, [element('td', { colSpan: 6, textContent: 'No case is waiting.' })]));
  $('queue').tBodies[0].replaceChildren(...rows);
  $('queue-count').textContent = `${body.count} case${body.count === 1 ? '' : 's'} waiting`;
  return true;
}

async function start() {
  const user = await startSession({ roles: ['doctor'], onDenied: () => { $('not-a-doctor').hidden = false; setStatus(''); } });
  if (!user) return;
  setStatus('Loading the queue…');
  if (!await loadQueue()) {
    $('queue-off').hidden = false;
    setStatus('');
    return;
  }
  $('workspace').hidden = false;
  setStatus(`Loaded at ${new Date().toLocaleTimeString()}.`);
}

wireSignOut();
act(start, null);
