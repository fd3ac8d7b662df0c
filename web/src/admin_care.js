// Admin page: care relationships. Find a patient or a doctor by name, see her current care
// relationships, end one, or link her to a doctor (or a doctor to a patient), found by name
// too: nobody types an id. Wires its own section of admin.html when imported.
import { api } from './api.js';
import { $, act, element, onSubmit, setStatus } from './page.js';

const ROLE_TEXT = { patient: 'patient', doctor: 'doctor' };
const OTHER_ROLE = { patient: 'doctor', doctor: 'patient' };

/** The person chosen in the search, whose relationships are shown. */
const care = { person: null };

/**
 * How a person is named on this page: her full name and username, or the username alone.
 *
 * @param {{username: string, first_name?: string, last_name?: string, full_name?: string}} person
 * @returns {string}
 */
export function personText(person) {
  const full = person.full_name ?? [person.first_name, person.last_name].filter(Boolean).join(' ');
  return full ? `${full} (${person.username})` : person.username;
}

/**
 * Patients and doctors whose name, username or e-mail contains `words` (GET /users/?search=).
 *
 * @param {string} words
 * @param {string} [role] only this role
 * @returns {Promise<object[]>}
 */
async function findPeople(words, role) {
  const params = new URLSearchParams({ search: words.trim(), page_size: '25' });
  if (role) params.set('role', role);
  const body = await api(`/users/?${params}`);
  return body.results.filter((user) => user.role in ROLE_TEXT);
}

function personItem(person) {
  const button = element('button', { type: 'button', className: 'secondary', textContent: `${personText(person)}, ${ROLE_TEXT[person.role]}` });
  button.addEventListener('click', () => act(() => showPerson(person), button));
  return element('li', {}, [button]);
}

function relationshipItem(link) {
  const other = care.person.role === 'patient' ? link.doctor : link.patient;
  const since = new Date(link.started_at).toLocaleDateString();
  const text = care.person.role === 'patient' ? `Dr ${personText(other)}` : personText(other);
  const end = element('button', { type: 'button', className: 'secondary', textContent: 'End' });
  end.setAttribute('aria-label', `End the care of ${personText(link.doctor)} for ${personText(link.patient)}`);
  end.addEventListener('click', () => act(() => endRelationship(link), end));
  return element('li', {}, [element('span', { textContent: `${text}, since ${since} ` }), end]);
}

/** Show the chosen person's current care relationships, and the form to link her to someone. */
async function showPerson(person) {
  care.person = person;
  setStatus(`Loading the care relationships of ${personText(person)}…`);
  const body = await api(`/care-relationships/?${person.role}=${person.id}&page_size=100`);
  const active = body.results.filter((link) => link.is_active);
  $('care-person').hidden = false;
  $('care-person-title').textContent = `${personText(person)}, ${ROLE_TEXT[person.role]}`;
  $('care-links').replaceChildren(...active.map(relationshipItem));
  $('care-links-empty').hidden = active.length > 0;
  $('care-links-empty').textContent = person.role === 'patient' ? 'She has no doctor now.' : 'No patient in this doctor\'s care now.';
  $('care-link-search-label').textContent = `Find a ${OTHER_ROLE[person.role]} to link, by name`;
  $('care-link-choice').replaceChildren();
  $('care-link-form').hidden = true;
  $('care-person-title').focus();
  setStatus(`${active.length} current care relationship${active.length === 1 ? '' : 's'} of ${personText(person)}.`);
}

async function endRelationship(link) {
  setStatus('Ending the care relationship…');
  await api(`/care-relationships/${link.id}/end/`, { method: 'POST' });
  await showPerson(care.person);
  setStatus(`Ended: ${personText(link.doctor)} no longer cares for ${personText(link.patient)}.`);
}

onSubmit('care-search-form', async (form) => {
  setStatus('Searching…');
  const people = await findPeople(form.elements.search.value);
  $('care-people').replaceChildren(...people.map(personItem));
  $('care-people-empty').hidden = people.length > 0;
  setStatus(`${people.length} patient${people.length === 1 ? '' : 's'} or doctor${people.length === 1 ? '' : 's'} found.`);
});

onSubmit('care-link-search-form', async (form) => {
  const role = OTHER_ROLE[care.person.role];
  setStatus(`Searching the ${role}s…`);
  const found = await findPeople(form.elements.search.value, role);
  const options = found.map((person) => element('option', { value: String(person.id), textContent: personText(person) }));
  $('care-link-choice').replaceChildren(...options);
  $('care-link-form').hidden = options.length === 0;
  setStatus(options.length ? `${options.length} ${role}${options.length === 1 ? '' : 's'} found: choose one and link.` : `No ${role} found by that name.`);
});

onSubmit('care-link-form', async (form) => {
  const otherId = Number(form.elements.other.value);
  const [doctor, patient] = care.person.role === 'patient' ? [otherId, care.person.id] : [care.person.id, otherId];
  setStatus('Linking…');
  const link = await api('/care-relationships/', { method: 'POST', json: { doctor, patient } });
  await showPerson(care.person);
  setStatus(`Linked: ${personText(link.doctor)} cares for ${personText(link.patient)}.`);
});
