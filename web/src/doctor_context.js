// What the doctor reads beside the images: who the patient is (age, sex), why the exam was asked
// for, her earlier cases of the same exam type side by side, and her timeline by case and day.
import { api } from './api.js';
import { $, act, element } from './page.js';
import { reportChains } from './report_chain.js';
import { actions, day, examTypeText, PAGE_SIZE, personName, state, statusText, when } from './doctor_state.js';
import { timelineByCaseAndDay } from './doctor_timeline.js';

const PRIORS_SHOWN = 3;
const SEX_TEXT = { female: 'female', male: 'male', other: 'other' };

/** "Erin Hale, 46 years, female" (what is known of her). */
export function patientText(patient) {
  const parts = [personName(patient)];
  if (patient?.age != null) parts.push(`${patient.age} year${patient.age === 1 ? '' : 's'}`);
  if (patient?.sex) parts.push(SEX_TEXT[patient.sex] ?? patient.sex);
  if (patient && patient.age == null && !patient.sex) parts.push('age and sex not given');
  return parts.join(', ');
}

/** The patient, the exam and its reason, at the top of the case. */
export function renderCaseContext(theCase) {
  $('case-patient').textContent = patientText(theCase.patient);
  $('case-exam-type').textContent = examTypeText(theCase);
  $('case-reason').textContent = theCase.description ? `${theCase.title}: ${theCase.description}` : theCase.title;
  $('case-opened').textContent = `opened ${when(theCase.created_at)}${theCase.submitted_at ? `, sent ${when(theCase.submitted_at)}` : ''}`;
  $('priors-title').textContent = `Earlier ${examTypeText(theCase).toLowerCase()} cases`;
}

const openButton = (c) => {
  const open = element('button', { type: 'button', className: 'secondary', textContent: c.title });
  open.addEventListener('click', () => act(() => actions.openCase(c.id)));
  return open;
};

/** One earlier case: its date, the first image's thumbnail and the impression of its report in force. */
async function priorItem(prior) {
  const [images, reports] = await Promise.all([api(`/cases/${prior.id}/images/`), api(`/cases/${prior.id}/reports/`)]);
  const inForce = reportChains(reports).at(-1)?.current ?? null;
  const first = images[0];
  const thumbnail = first
    ? element('img', {
      src: `/api/v1/images/${first.id}/preview/`, className: 'prior-thumbnail',
      alt: `${prior.title}, ${day(prior.created_at)}: ${first.original_filename || `image ${first.id}`}`,
    })
    : element('span', { className: 'note', textContent: 'No image.' });
  const item = element('li', { className: 'prior' }, [
    thumbnail,
    element('div', {}, [
      element('time', { dateTime: prior.created_at, textContent: day(prior.created_at) }), ' ', openButton(prior),
      element('p', {}, inForce
        ? [element('strong', { textContent: 'Impression: ' }), inForce.impression, element('span', { className: 'note', textContent: ` (signed ${day(inForce.signed_at)})` })]
        : [element('span', { className: 'note', textContent: `No signed report (${statusText(prior.status)}).` })]),
    ]),
  ]);
  item.dataset.caseId = prior.id;
  return item;
}

/** The patient's other cases, her earlier ones of this exam type, and her timeline. */
export async function renderPatientContext(theCase) {
  const patientId = theCase.patient.id;
  const [entries, cases, sameType] = await Promise.all([
    api(`/patients/${patientId}/history/`),
    api(`/cases/?patient=${patientId}&ordering=-created_at&page_size=${PAGE_SIZE}`),
    api(`/cases/?patient=${patientId}&exam_type=${encodeURIComponent(theCase.exam_type)}&ordering=-created_at&page_size=${PRIORS_SHOWN + 1}`),
  ]);
  const priors = sameType.results.filter((c) => c.id !== theCase.id).slice(0, PRIORS_SHOWN);
  const priorItems = await Promise.all(priors.map(priorItem));
  $('priors').replaceChildren(...(priorItems.length ? priorItems : [element('li', { className: 'note', textContent: 'None.' })]));

  $('patient-cases').replaceChildren(...cases.results.map((c) => {
    if (c.id === state.caseId) return element('li', { textContent: `${c.title} (this case) — ${examTypeText(c)}, ${statusText(c.status)}, opened ${when(c.created_at)}` });
    return element('li', {}, [openButton(c), ` — ${examTypeText(c)}, ${statusText(c.status)}, opened ${when(c.created_at)}`]);
  }));

  const titles = new Map(cases.results.map((c) => [c.id, c.title]));
  const groups = timelineByCaseAndDay(entries, titles);
  $('history').replaceChildren(...(groups.length ? groups.map((group) => element('li', { className: 'timeline-case' }, [
    element('strong', { textContent: group.caseId === state.caseId ? `${group.title} (this case)` : group.title }),
    element('ul', {}, group.days.map(({ day: date, entries: onDay }) => element('li', {}, [
      element('time', { dateTime: date, textContent: day(onDay[0].at) }),
      element('ul', {}, onDay.map((entry) => element('li', {}, [
        element('time', { dateTime: entry.at, textContent: new Date(entry.at).toLocaleTimeString() }),
        ` — ${entry.kind.replace(/[._]/g, ' ')}: ${entry.summary}`,
      ]))),
    ]))),
  ])) : [element('li', { textContent: 'Nothing yet.' })]));
}
