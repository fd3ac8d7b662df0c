// page.js: running a user action and wiring a form to one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError } from '../src/api.js';
import { act, onSubmit } from '../src/page.js';
import { installDocument } from './fake_browser.mjs';

test('a failed action shows its message in the alert and clears the status', async () => {
  const { elements } = installDocument();
  await act(async () => { throw new ApiError('No such case.'); });
  assert.equal(elements.get('error').textContent, 'No such case.');
  assert.equal(elements.get('status').textContent, '');
  await act(async () => { throw new Error('x is undefined'); });
  assert.equal(elements.get('error').textContent, 'Something went wrong: x is undefined');
  await act(async () => {});
  assert.equal(elements.get('error').textContent, '');
});

test('a submitted form runs its task with the form instead of the browser submitting it', async () => {
  const { elements } = installDocument();
  const ran = [];
  onSubmit('new-case-form', async (form) => ran.push(form.id));
  let prevented = false;
  const form = elements.get('new-case-form');
  form.listeners.submit({ target: form, preventDefault: () => { prevented = true; } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(prevented);
  assert.deepEqual(ran, ['new-case-form']);
});
