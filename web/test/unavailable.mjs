// What a Node test does when real data, a model package or Python is missing: the same rule as
// tests/unavailable.py. On a developer's machine it skips with the reason; under CI (CI=true),
// where everything must be there, it fails.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

/**
 * Skips the test with the reason, or fails it under CI=true.
 *
 * @param {import('node:test').TestContext} t
 * @param {string} reason
 */
export function skipOrFail(t, reason) {
  if (process.env.CI === 'true') assert.fail(`${reason} (CI=true)`);
  t.skip(reason);
}

/**
 * Whether `path` exists; when it does not, skips the test (or fails it under CI=true).
 *
 * @param {import('node:test').TestContext} t
 * @param {string} path
 * @param {string} what what is missing, in words
 * @returns {boolean} true when the test can go on
 */
export function requirePath(t, path, what) {
  if (existsSync(path)) return true;
  skipOrFail(t, `${what} not found at ${path}`);
  return false;
}
