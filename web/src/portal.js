// Patient portal: sign up or in, open a case, read an X-ray in this browser, and add the image
// and the reading to the case only when the patient chooses. This module wires the page; the
// work is in portal_cases.js, portal_reading.js and portal_upload.js.
import { chooseBackend } from './browser_model.js';
import { $, act, onSubmit, setStatus } from './page.js';
import { createCase, refreshCases, submitCase, withdrawCase } from './portal_cases.js';
import { showDoctor } from './portal_doctor.js';
import { showResearchConsent, wireResearchConsent } from './portal_research.js';
import { prepareModel, readFile, readOnServerChosen, rememberReadOnServer, showReadingMode } from './portal_reading.js';
import { state } from './portal_state.js';
import { addToCase } from './portal_upload.js';
import { needsSecondFactor } from './mfa.js';
import { askSecondFactor, hideSecondFactor } from './mfa_step.js';
import { admit, currentUser, register, signIn, wireSignOut } from './session.js';

// Start choosing TF.js's backend at once, in parallel with the sign-in check, unless she reads on the server.
$('read-on-server').checked = readOnServerChosen();
if (!$('read-on-server').checked) chooseBackend().catch(() => {}); // the failure shows when the model loads

// --- signing in -----------------------------------------------------------

/** Doctors and administrators go to their own pages; the portal is the patients'. */
async function showSignedIn(user) {
  if (!admit(user, { roles: ['patient'] })) return;
  state.user = user;
  $('auth').hidden = true;
  $('workspace').hidden = false;
  // Optional for patients: offered until she turns it on.
  $('second-factor-offer').hidden = user.second_factor !== 'optional';
  $('second-factor-on').hidden = user.second_factor !== 'verified';
  await Promise.all([showDoctor(), refreshCases(), showResearchConsent()]);
  setStatus(`Welcome, ${user.first_name || user.username}.`);
  showReadingMode();
  if (!$('read-on-server').checked) prepareModel().catch(() => {}); // shown in the fallback notice
}

/** Doctors and admins enter their authenticator's code (or set the app up) before going on. */
async function continueSignIn(user) {
  $('auth').hidden = true;
  if (needsSecondFactor(user)) await askSecondFactor(user, showSignedIn);
  else await showSignedIn(user);
}

function showSignedOut() {
  hideSecondFactor();
  state.user = null;
  state.caseId = null;
  $('whoami').hidden = true;
  $('workspace').hidden = true;
  $('case').hidden = true;
  $('auth').hidden = false;
  setStatus('Sign in, or create an account.');
}

/** A form's fields as JSON; empty optional fields are left out, since the API refuses blanks. */
function formJson(form) {
  return Object.fromEntries([...new FormData(form).entries()].filter(([, value]) => value !== ''));
}

async function signInAndShow(credentials) {
  setStatus('Signing in…');
  await continueSignIn(await signIn(credentials));
}

// --- wiring ---------------------------------------------------------------

onSubmit('sign-in-form', (form) => signInAndShow(formJson(form)));
onSubmit('sign-up-form', async (form) => {
  const fields = formJson(form);
  setStatus('Creating your account…');
  await register(fields);
  await signInAndShow({ username: fields.username, password: fields.password });
});
wireSignOut(showSignedOut);
wireResearchConsent();
onSubmit('new-case-form', async (form) => {
  await createCase(formJson(form));
  form.reset();
});
$('file').addEventListener('change', () => {
  const file = $('file').files[0];
  if (file) act(() => readFile(file), $('file'));
});
// Dropping a file anywhere on the zone reads it like choosing it (only while images can be added).
$('drop-zone').addEventListener('dragover', (event) => {
  if ($('file').disabled) return;
  event.preventDefault();
  $('drop-zone').classList.add('over');
});
$('drop-zone').addEventListener('dragleave', () => $('drop-zone').classList.remove('over'));
$('drop-zone').addEventListener('drop', (event) => {
  $('drop-zone').classList.remove('over');
  if ($('file').disabled) return;
  event.preventDefault();
  const file = event.dataTransfer.files[0];
  if (file) act(() => readFile(file), $('file'));
});
$('add-to-case').addEventListener('click', () => act(addToCase, $('add-to-case')));
$('read-on-server').addEventListener('change', () => {
  const onServer = $('read-on-server').checked;
  rememberReadOnServer(onServer);
  showReadingMode();
  if (state.file) act(() => readFile(state.file), $('file')); // offer the chosen file the new way
  else if (!onServer && state.user) prepareModel().catch(() => {}); // shown in the fallback notice
});
$('submit-case').addEventListener('click', () => act(submitCase, $('submit-case')));
$('withdraw-case').addEventListener('click', () => act(withdrawCase, $('withdraw-case')));
$('turn-on-second-factor').addEventListener('click', () => act(async () => {
  $('workspace').hidden = true;
  await askSecondFactor({ ...state.user, second_factor: 'enrolment_required' }, showSignedIn);
}));

// Already signed in (session cookie)? Go straight to the cases. No control started it: its
// messages stay at the top of the page.
act(async () => {
  const user = await currentUser();
  if (user) await continueSignIn(user);
  else showSignedOut();
}, null);
