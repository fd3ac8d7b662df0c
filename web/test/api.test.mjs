// api() and upload(): one CSRF token and one reading of the API's refusals for both.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { api, ApiError, forgetCsrfToken, upload } from '../src/api.js';
import { fakeXhrClass, installFetch } from './fake_browser.mjs';

const CSRF = { 'GET /api/v1/auth/csrf/': { status: 200, body: { csrf_token: 'token-1' } } };
const file = new File(['pixels'], 'chest.png', { type: 'image/png' });

beforeEach(() => forgetCsrfToken());

test('api sends the CSRF token with a write and returns the parsed body', async () => {
  const calls = installFetch({ ...CSRF, 'POST /api/v1/cases/': { status: 201, body: { id: 7 } } });
  assert.deepEqual(await api('/cases/', { method: 'POST', json: { title: 'Cough' } }), { id: 7 });
  assert.equal(calls.at(-1).headers['X-CSRFToken'], 'token-1');
});

test('api turns an error body into a readable ApiError', async () => {
  installFetch({ 'GET /api/v1/cases/9/': { status: 404, body: { error: { code: 'not_found', message: 'No such case.' } } } });
  await assert.rejects(api('/cases/9/'), (error) => error instanceof ApiError && error.status === 404
    && error.code === 'not_found' && error.message === 'No such case.');
});

test('upload posts the file with the CSRF token and reports progress', async () => {
  installFetch(CSRF);
  globalThis.XMLHttpRequest = fakeXhrClass((xhr) => {
    xhr.status = 201;
    xhr.responseText = JSON.stringify({ id: 3, original_filename: 'chest.png' });
  });
  const progress = [];
  const image = await upload('/cases/7/images/', file, (loaded, total) => progress.push([loaded, total]));
  assert.deepEqual(image, { id: 3, original_filename: 'chest.png' });
  const [xhr] = XMLHttpRequest.sent;
  assert.equal(xhr.method, 'POST');
  assert.equal(xhr.url, '/api/v1/cases/7/images/');
  assert.equal(xhr.headers['X-CSRFToken'], 'token-1');
  assert.equal(xhr.body.get('file').name, 'chest.png');
  assert.deepEqual(progress, [[5, 10]]);
});

test('upload refusals read as api() refusals do, field errors included', async () => {
  installFetch(CSRF);
  globalThis.XMLHttpRequest = fakeXhrClass((xhr) => {
    xhr.status = 400;
    xhr.responseText = JSON.stringify({
      error: { code: 'invalid', message: 'The image was refused.', details: { fields: { file: ['Too small.'] } } },
    });
  });
  await assert.rejects(upload('/cases/7/images/', file), (error) => error instanceof ApiError && error.status === 400
    && error.code === 'invalid' && error.message === 'The image was refused. file: Too small.');
});

test('an upload answered by a page that is not JSON gives the status line', async () => {
  installFetch(CSRF);
  globalThis.XMLHttpRequest = fakeXhrClass((xhr) => {
    xhr.status = 502;
    xhr.responseText = '<html>Bad gateway</html>';
  });
  await assert.rejects(upload('/cases/7/images/', file), (error) => error.status === 502 && error.code === 'http_error'
    && /answered 502/.test(error.message));
});

test('an upload that cannot reach the server says so', async () => {
  installFetch(CSRF);
  globalThis.XMLHttpRequest = fakeXhrClass(() => 'error');
  await assert.rejects(upload('/cases/7/images/', file), (error) => error instanceof ApiError && error.code === 'network_error'
    && /Could not reach the server/.test(error.message));
});
