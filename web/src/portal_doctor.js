// Portal: the patient's doctor. Who has her cases; choosing her doctor among the practice's
// doctors when she has none; and what the send button says: who will get the case.
import { api } from './api.js';
import { $, element, onSubmit, setStatus } from './page.js';

/** Her doctors' names now, the practice's doctors, and whether the practice has a shared queue. */
const doctor = { team: [], doctors: [], queue: false };

/**
 * Doctors named as a sentence says them: "Dr Ada Lane", "Dr Ada Lane and Dr Bo Kim".
 *
 * @param {string[]} names
 * @returns {string}
 */
export function doctorNames(names) {
  const titled = names.map((name) => `Dr ${name}`);
  return titled.length > 1 ? `${titled.slice(0, -1).join(', ')} and ${titled.at(-1)}` : (titled[0] ?? '');
}

/**
 * What the patient is told once a case is sent, from the case's `care_team`.
 *
 * @param {string[]} careTeam
 * @returns {string}
 */
export function sentText(careTeam) {
  return careTeam.length
    ? `Your case was sent to ${doctorNames(careTeam)}.`
    : "Your case was sent to the practice's queue; the first available doctor will take it.";
}

/**
 * Say who has the open case: nobody while it is a draft, else her doctors or the practice's queue.
 *
 * @param {{status: string, care_team: string[]}} detail the case as GET /cases/<id>/ returns it
 */
export function showCareTeam(detail) {
  const line = $('case-care-team');
  line.hidden = detail.status === 'draft';
  line.textContent = detail.care_team.length
    ? `${doctorNames(detail.care_team)} ${detail.care_team.length > 1 ? 'have' : 'has'} this case.`
    : "This case is in the practice's queue; the first available doctor will take it.";
}

const personName = (person) => person.full_name || person.username;

function summaryText() {
  if (doctor.team.length) return `Your doctor: ${doctorNames(doctor.team)}. The cases you send go to your doctor.`;
  if (doctor.queue) {
    return "You have no doctor yet. A case you send goes to the practice's queue, and the first available doctor "
      + 'takes it; or choose your doctor now.';
  }
  return 'You have no doctor yet. Choose your doctor before you send a case.';
}

/** The send button names who gets the case; without a doctor or a queue it cannot send, and says why. */
function showSendTarget() {
  const nobody = !doctor.team.length && !doctor.queue;
  $('submit-case').textContent = doctor.team.length
    ? `Send to ${doctorNames(doctor.team)}`
    : doctor.queue ? "Send to the practice's queue" : 'Send to my doctor';
  $('submit-case').disabled = nobody;
  $('send-needs-doctor').hidden = !nobody;
}

function showChoice() {
  const form = $('choose-doctor-form');
  form.hidden = doctor.team.length > 0;
  const options = doctor.doctors.map((d) => element('option', { value: String(d.id), textContent: `Dr ${d.name}` }));
  $('doctor-choice').replaceChildren(...options);
  $('no-doctors').hidden = options.length > 0;
  form.querySelector('button[type=submit]').disabled = options.length === 0;
}

/** Load and show her doctor, the choice when she has none, and the send button's words. */
export async function showDoctor() {
  const [practice, links] = await Promise.all([api('/doctors/'), api('/care-relationships/?page_size=100')]);
  doctor.doctors = practice.doctors;
  doctor.queue = practice.practice_queue;
  doctor.team = (links.results ?? links).filter((link) => link.is_active).map((link) => personName(link.doctor));
  $('doctor-summary').textContent = summaryText();
  showChoice();
  showSendTarget();
}

onSubmit('choose-doctor-form', async (form) => {
  const chosen = doctor.doctors.find((d) => String(d.id) === form.elements.doctor.value);
  setStatus(`Choosing Dr ${chosen?.name ?? ''}…`);
  await api('/care-relationships/', { method: 'POST', json: { doctor: Number(form.elements.doctor.value) } });
  await showDoctor();
  $('doctor-title').focus();
  setStatus(`Dr ${chosen?.name ?? ''} is now your doctor.`);
});
