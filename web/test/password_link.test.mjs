// password_link.js: reading the uid and token from an e-mailed link.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { linkParams } from '../src/password_link.js';

test('the uid and token come from after the #', () => {
  assert.deepEqual(linkParams('#uid=MQ&token=c4z-1a2b3c'), { uid: 'MQ', token: 'c4z-1a2b3c' });
});

test('a link cut short gives nothing', () => {
  assert.equal(linkParams(''), null);
  assert.equal(linkParams('#uid=MQ'), null);
  assert.equal(linkParams('#token=c4z'), null);
});
