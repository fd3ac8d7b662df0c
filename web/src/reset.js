// Forgotten password: ask for a link by e-mail, then (opened from that link) choose a new password.
import { api } from './api.js';
import { $, onSubmit, setStatus } from './page.js';
import { takeLinkParams, wirePasswordForm } from './password_link.js';

const link = takeLinkParams();
if (link) {
  wirePasswordForm(link, '/auth/password-reset/confirm/');
} else {
  $('request-form').hidden = false;
  setStatus('Enter the e-mail address of your account.');
  onSubmit('request-form', async (form) => {
    setStatus('Sending…');
    const answer = await api('/auth/password-reset/', { method: 'POST', json: { email: form.elements.email.value } });
    $('request-form').hidden = true;
    setStatus(answer.message);
  });
}
