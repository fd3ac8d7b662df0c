import assert from 'node:assert/strict';
import { test } from 'node:test';

import { eventNote, refusalReason, requestGroups } from '../src/audit_table.js';

const event = (id, requestId, extra = {}) => ({ id, request_id: requestId, allowed: true, detail: {}, ...extra });
const shape = (groups) => groups.map((group) => [group.requestId, group.events.map((e) => e.id)]);

test('events of one request form one group, in the order the API gave them', () => {
  const events = [event(9, 'b'), event(8, 'b'), event(7, 'a'), event(6, null), event(5, null), event(4, 'a')];
  // A request split by other events is two groups (pages are by event); events outside a request stand alone.
  assert.deepEqual(shape(requestGroups(events)), [['b', [9, 8]], ['a', [7]], [null, [6]], [null, [5]], ['a', [4]]]);
});

test('no events, no groups', () => {
  assert.deepEqual(requestGroups([]), []);
});

test('a refusal is said with its status, code, message and the fields it names', () => {
  const refused = event(1, 'a', {
    allowed: false,
    detail: { status: 415, code: 'unsupported_type', message: 'The file is not a PNG, JPEG or DICOM image.' },
  });
  assert.equal(refusalReason(refused), '415 unsupported_type: The file is not a PNG, JPEG or DICOM image.');
  const invalid = event(2, 'b', { allowed: false, detail: { status: 400, code: 'invalid', message: 'The request was not valid.', fields: ['reason', 'version'] } });
  assert.equal(refusalReason(invalid), '400 invalid: The request was not valid. (fields: reason, version)');
});

test('an allowed event, or a refusal recorded before reasons were, has no reason to show', () => {
  assert.equal(refusalReason(event(1, 'a')), '');
  assert.equal(refusalReason(event(2, 'a', { allowed: false, detail: { username: 'alice' } })), '');
});

test('a model activation says which version and why; a pinning says the system chose it', () => {
  const activation = event(1, 'a', { detail: { version: '1.1.0', reason: 'Validated on our films' } });
  assert.equal(eventNote(activation), 'version 1.1.0 · why: Validated on our films');
  const pin = event(2, null, { detail: { version: '1.0.0', pinned: 'the newest installed version, as none was chosen yet' } });
  assert.equal(eventNote(pin), 'version 1.0.0 · pinned by the system: the newest installed version, as none was chosen yet');
  assert.equal(eventNote(event(3, 'b', { detail: { ids: [1, 2] } })), '');
});
