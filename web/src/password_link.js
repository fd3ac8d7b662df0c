// What the invitation and password-reset pages share: the link's uid and token, read from the
// part after '#' (which browsers never send to a server), and the form that sets the password.
import { api } from './api.js';
import { $, onSubmit, setStatus } from './page.js';

/**
 * The uid and token of a link such as `reset.html#uid=MQ&token=c4z-...`, or null.
 *
 * @param {string} hash location.hash
 * @returns {{uid: string, token: string} | null}
 */
export function linkParams(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const uid = params.get('uid');
  const token = params.get('token');
  return uid && token ? { uid, token } : null;
}

/**
 * Read the link once and take it out of the address bar and history: the token sets a password.
 *
 * @returns {{uid: string, token: string} | null}
 */
export function takeLinkParams() {
  const link = linkParams(window.location.hash);
  if (link) window.history.replaceState(null, '', window.location.pathname);
  return link;
}

/**
 * Show the new-password form; on submit, post the link and the password to `path`, then show #done.
 *
 * @param {{uid: string, token: string}} link
 * @param {string} path e.g. "/auth/password-reset/confirm/"
 */
export function wirePasswordForm(link, path) {
  $('password-form').hidden = false;
  setStatus('Choose your password.');
  onSubmit('password-form', async (form) => {
    setStatus('Saving your password…');
    const user = await api(path, { method: 'POST', json: { ...link, password: form.elements.password.value } });
    $('password-form').hidden = true;
    $('username').textContent = user.username;
    $('done').hidden = false;
    setStatus('Your password is saved.');
  });
}
