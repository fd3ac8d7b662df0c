// Who is signed in, whether this page is for her role, signing in and out: the same on every page.
//
//   const user = await startSession({ roles: ['doctor'], onDenied: showNotForYou });
//   if (!user) return; // sent to the front page, or shown why the page is not hers
//   wireSignOut(); // then to the front page
import { api, ApiError, forgetCsrfToken } from './api.js';
import { needsSecondFactor } from './mfa.js';
import { $, act, setStatus } from './page.js';

/** The page each role works on. */
export const HOME_OF_ROLE = { patient: 'portal.html', doctor: 'doctor.html', admin: 'admin.html' };

const FRONT_PAGE = '/';

/**
 * The signed-in user, or null when nobody is (the API answers 401 or 403).
 *
 * @returns {Promise<object|null>} as GET /api/v1/auth/me/ returns it
 * @throws {ApiError} for any other failure
 */
export async function currentUser() {
  try {
    return await api('/auth/me/');
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}

/**
 * Show who is signed in; then let her in when the page is for her role, else hand her to `onDenied`.
 *
 * @param {{username: string, role: string}} user
 * @param {{roles: string[], onDenied?: (user: object) => void}} options
 * @returns {boolean} whether the page is for her
 */
export function admit(user, { roles, onDenied = goHome }) {
  $('username').textContent = `Signed in as ${user.username}`;
  $('whoami').hidden = false;
  if (roles.includes(user.role)) return true;
  onDenied(user);
  return false;
}

/**
 * Start a page for some roles: the signed-in user when the page is for her, else null
 * once `onSignedOut` or `onDenied` has dealt with it.
 *
 * @param {{roles: string[], onSignedOut?: () => void, onDenied?: (user: object) => void}} options
 *   by default a visitor goes to the front page (which signs her in), and so does a user who has
 *   still to enter her second factor's code; a user of another role goes to her own page
 * @returns {Promise<object|null>}
 */
export async function startSession({ roles, onSignedOut = goToFrontPage, onDenied = goHome }) {
  const user = await currentUser();
  if (!user || needsSecondFactor(user)) {
    onSignedOut();
    return null;
  }
  return admit(user, { roles, onDenied }) ? user : null;
}

/** Nobody is signed in: the front page has the sign-in form. */
export function goToFrontPage() {
  setStatus('Please sign in first. Taking you to the front page…');
  window.location.assign(FRONT_PAGE);
}

/** A user on a page that is not for her role: go to her own page. */
export function goHome(user) {
  setStatus('Opening your workspace…');
  window.location.assign(HOME_OF_ROLE[user.role] ?? FRONT_PAGE);
}

/**
 * Sign in with the password; Django rotates the CSRF token then, so the next write fetches the new one.
 *
 * @param {{username: string, password: string}} credentials
 * @returns {Promise<object>} the user as GET /auth/me/ answers, whose `second_factor` says
 *   whether she must still enter a code (see mfa.js)
 * @throws {ApiError} wrong credentials, say
 */
export async function signIn(credentials) {
  await api('/auth/login/', { method: 'POST', json: credentials });
  forgetCsrfToken();
  return api('/auth/me/');
}

/**
 * Create a patient's account (she signs in afterwards).
 *
 * @param {{username: string, email: string, password: string, first_name?: string, last_name?: string}} fields
 * @throws {ApiError} a taken username or a weak password, say
 */
export async function register(fields) {
  await api('/auth/register/', { method: 'POST', json: fields });
}

/** Sign out (the token rotates here too). */
export async function signOut() {
  await api('/auth/logout/', { method: 'POST' });
  forgetCsrfToken();
  $('whoami').hidden = true;
}

/**
 * Make the header's sign-out button sign out, then go to the front page or do `after`.
 *
 * @param {() => void} [after]
 */
export function wireSignOut(after = () => window.location.assign(FRONT_PAGE)) {
  $('sign-out').addEventListener('click', () => act(async () => {
    await signOut();
    after();
  }));
}
