// session.js: who is signed in, the role guard every page uses, signing in and out.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { forgetCsrfToken } from '../src/api.js';
import { admit, currentUser, HOME_OF_ROLE, signIn, signOut, startSession, wireSignOut } from '../src/session.js';
import { installDocument, installFetch } from './fake_browser.mjs';

const ME = '/api/v1/auth/me/';
const CSRF = { 'GET /api/v1/auth/csrf/': { status: 200, body: { csrf_token: 'token-1' } } };
const erin = { id: 1, username: 'erin', role: 'patient' };
const drLee = { id: 2, username: 'dr-lee', role: 'doctor' };

let page;
beforeEach(() => {
  page = installDocument();
  forgetCsrfToken();
});

test('nobody signed in reads as null; other failures are thrown', async () => {
  installFetch({ [`GET ${ME}`]: { status: 403, body: { error: { code: 'not_authenticated', message: 'Sign in.' } } } });
  assert.equal(await currentUser(), null);
  installFetch({ [`GET ${ME}`]: { status: 500 } });
  await assert.rejects(currentUser(), /answered 500/);
});

test('a user of a role the page is for is let in, and shown in the header', async () => {
  installFetch({ [`GET ${ME}`]: { status: 200, body: drLee } });
  const user = await startSession({ roles: ['doctor'], onDenied: () => assert.fail('denied') });
  assert.deepEqual(user, drLee);
  assert.equal(page.elements.get('username').textContent, 'Signed in as dr-lee');
  assert.equal(page.elements.get('whoami').hidden, false);
  assert.deepEqual(page.visited, []);
});

test('a visitor goes to the front page', async () => {
  installFetch({ [`GET ${ME}`]: { status: 401, body: { error: { code: 'not_authenticated', message: 'Sign in.' } } } });
  assert.equal(await startSession({ roles: ['admin'] }), null);
  assert.deepEqual(page.visited, ['/']);
  assert.match(page.elements.get('status').textContent, /sign in first/);
});

test('a doctor who has not yet entered her code goes to the front page, which asks for it', async () => {
  for (const second_factor of ['code_required', 'enrolment_required']) {
    page = installDocument();
    installFetch({ [`GET ${ME}`]: { status: 200, body: { ...drLee, second_factor } } });
    assert.equal(await startSession({ roles: ['doctor'], onDenied: () => assert.fail('denied') }), null);
    assert.deepEqual(page.visited, ['/']);
  }
  installFetch({ [`GET ${ME}`]: { status: 200, body: { ...drLee, second_factor: 'verified' } } });
  assert.equal((await startSession({ roles: ['doctor'] })).username, 'dr-lee');
});

test('signing in answers who am I, with what the session still needs', async () => {
  installFetch({
    ...CSRF,
    'POST /api/v1/auth/login/': { status: 200, body: drLee },
    [`GET ${ME}`]: { status: 200, body: { ...drLee, second_factor: 'code_required' } },
  });
  assert.equal((await signIn({ username: 'dr-lee', password: 'x'.repeat(12) })).second_factor, 'code_required');
});

test('a user of another role goes to her own page, or is told by the page', async () => {
  installFetch({ [`GET ${ME}`]: { status: 200, body: erin } });
  assert.equal(await startSession({ roles: ['doctor'] }), null);
  assert.deepEqual(page.visited, [HOME_OF_ROLE.patient]);

  const denied = [];
  assert.equal(admit(drLee, { roles: ['admin'], onDenied: (user) => denied.push(user.username) }), false);
  assert.deepEqual(denied, ['dr-lee']);
  assert.equal(page.elements.get('username').textContent, 'Signed in as dr-lee');
});

test('signing in and out rotates the CSRF token', async () => {
  const calls = installFetch({
    ...CSRF,
    'POST /api/v1/auth/login/': { status: 200, body: erin },
    [`GET ${ME}`]: { status: 200, body: erin },
    'POST /api/v1/auth/logout/': { status: 204 },
  });
  assert.deepEqual(await signIn({ username: 'erin', password: 'x'.repeat(12) }), erin);
  await signOut();
  // One token for the sign-in, a fresh one for the sign-out after it.
  assert.equal(calls.filter((c) => c.url === '/api/v1/auth/csrf/').length, 2);
  assert.equal(page.elements.get('whoami').hidden, true);
});

test('the sign-out button signs out, then goes to the front page or where the page says', async () => {
  installFetch({ ...CSRF, 'POST /api/v1/auth/logout/': { status: 204 } });
  wireSignOut();
  await page.elements.get('sign-out').listeners.click();
  assert.deepEqual(page.visited, ['/']);

  let after = 0;
  wireSignOut(() => { after += 1; });
  await page.elements.get('sign-out').listeners.click();
  assert.equal(after, 1);
});
