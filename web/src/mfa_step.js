// The portal's second sign-in step for doctors and admins: enter the authenticator's code, or,
// the first time, set the app up (QR code or key), confirm a code and save the recovery codes.
import { $, act, element, onSubmit, setStatus } from './page.js';
import { confirmEnrolment, startEnrolment, verifyCode } from './mfa.js';
import { currentUser } from './session.js';

let finish = async () => {};

/** The QR code comes as SVG markup from our own API; parsed as HTML it runs nothing. */
function qrCode(svgMarkup) {
  return new DOMParser().parseFromString(svgMarkup, 'text/html').body.firstElementChild;
}

function showOnly(id) {
  for (const part of ['code-form', 'enrolment', 'recovery']) $(part).hidden = part !== id;
  $('second-factor').hidden = false;
}

/** Leave the step (signed out, say). */
export function hideSecondFactor() {
  $('second-factor').hidden = true;
}

/**
 * Ask `user` for her code, or lead her through setting up the app; then `onVerified(user)`.
 *
 * @param {{username: string, second_factor: string}} user
 * @param {(user: object) => Promise<void>} onVerified
 */
export async function askSecondFactor(user, onVerified) {
  finish = onVerified;
  $('username').textContent = `Signed in as ${user.username}`;
  $('whoami').hidden = false;
  if (user.second_factor === 'code_required') {
    showOnly('code-form');
    setStatus('Enter the code from your authenticator app.');
    $('code-input').focus();
    return;
  }
  const enrolment = await startEnrolment();
  $('enrolment-qr').replaceChildren(qrCode(enrolment.qr_svg));
  $('enrolment-secret').textContent = enrolment.secret.match(/.{1,4}/g).join(' '); // apps take the spaces
  showOnly('enrolment');
  setStatus('Set up two-factor sign-in to continue.');
}

onSubmit('code-form', async (form) => {
  setStatus('Checking the code…');
  const user = await verifyCode(form.elements.code.value);
  form.reset();
  hideSecondFactor();
  await finish(user);
});

onSubmit('enrolment-form', async (form) => {
  setStatus('Checking the code…');
  const codes = await confirmEnrolment(form.elements.code.value);
  form.reset();
  $('recovery-codes').replaceChildren(...codes.map((code) => element('li', { textContent: code })));
  showOnly('recovery');
  setStatus('Two-factor sign-in is set up. Save your recovery codes.');
  $('recovery-title').focus();
});

$('recovery-done').addEventListener('click', () => act(async () => {
  $('recovery-codes').replaceChildren(); // shown once
  hideSecondFactor();
  await finish(await currentUser());
}));
