// Calls to the backend's JSON API with the session cookie and Django's CSRF token.
//
//   import { api, ApiError, upload } from './api.js';
//   const me = await api('/auth/login/', { method: 'POST', json: { username, password } });
//   const image = await upload(`/cases/${id}/images/`, file, (sent, total) => ...);
//
// Every refusal comes back as {"error": {"code", "message", "details"}}; it is
// thrown as an ApiError whose message a person can read.

const API = '/api/v1';

/** A refusal from the API (or a network failure), with a readable message. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, code?: string, details?: object}} [info]
   */
  constructor(message, { status = 0, code = 'network_error', details = {} } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let csrfToken = null;

/** Django rotates the token at sign-in and sign-out, so the next write fetches a fresh one. */
export function forgetCsrfToken() {
  csrfToken = null;
}

async function csrf() {
  if (!csrfToken) {
    const body = await request('GET', '/auth/csrf/');
    csrfToken = body.csrf_token;
  }
  return csrfToken;
}

/**
 * Turn an error body into one sentence: the message, then the field errors.
 *
 * @param {object} error the `error` object of the body
 * @returns {string}
 */
export function errorMessage(error) {
  const parts = [error.message || 'The request failed.'];
  const fields = error.details?.fields ?? {};
  for (const [field, problems] of Object.entries(fields)) {
    const text = Array.isArray(problems) ? problems.join(' ') : typeof problems === 'string' ? problems : JSON.stringify(problems);
    parts.push(field === 'non_field_errors' ? text : `${field.replace(/_/g, ' ')}: ${text}`);
  }
  if (Array.isArray(error.details?.non_field_errors)) parts.push(error.details.non_field_errors.join(' '));
  return parts.join(' ');
}

async function request(method, path, { json, form } = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // the browser sets the multipart boundary
  }
  if (method !== 'GET') headers['X-CSRFToken'] = await csrf();
  let response;
  try {
    response = await fetch(`${API}${path}`, { method, headers, body, credentials: 'same-origin' });
  } catch (error) {
    throw unreachable(error.message);
  }
  if (response.status === 204) return null;
  return parseAnswer(response.status, response.statusText, await response.text());
}

function unreachable(reason) {
  return new ApiError(`Could not reach the server${reason ? ` (${reason})` : ''}. Check your connection and try again.`);
}

/**
 * The body of an answer, or the ApiError it stands for: fetch and XMLHttpRequest answers alike.
 *
 * @param {number} status
 * @param {string} statusText
 * @param {string} text the raw body
 * @returns {any} the parsed body (null when empty)
 * @throws {ApiError} for any status outside 2xx
 */
function parseAnswer(status, statusText, text) {
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page, say: fall through to the status line.
  }
  if (status >= 200 && status < 300) return data;
  if (data?.error) throw new ApiError(errorMessage(data.error), { status, ...data.error });
  throw new ApiError(`The server answered ${status} ${statusText}.`, { status, code: 'http_error' });
}

/**
 * Call the API; `path` is relative to /api/v1.
 *
 * @param {string} path e.g. "/cases/"
 * @param {{method?: string, json?: object, form?: FormData}} [options]
 * @returns {Promise<any>} the parsed body (null for 204)
 * @throws {ApiError}
 */
export function api(path, { method = 'GET', json, form } = {}) {
  return request(method, path, { json, form });
}

/**
 * POST a file (form field `file`) with XMLHttpRequest, which, unlike fetch, reports upload
 * progress. Same CSRF token and the same ApiErrors as api().
 *
 * @param {string} path relative to /api/v1, e.g. "/cases/12/images/"
 * @param {File} file
 * @param {(loaded: number, total: number) => void} [onProgress] bytes of the request sent so far
 * @returns {Promise<any>} the parsed body
 * @throws {ApiError}
 */
export async function upload(path, file, onProgress) {
  const token = await csrf();
  const form = new FormData();
  form.append('file', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API}${path}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRFToken', token);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded, event.total);
    });
    xhr.addEventListener('error', () => reject(unreachable()));
    xhr.addEventListener('load', () => {
      try {
        resolve(parseAnswer(xhr.status, xhr.statusText, xhr.responseText));
      } catch (error) {
        reject(error);
      }
    });
    xhr.send(form);
  });
}
