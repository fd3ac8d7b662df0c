// The doctor's view of a patient's timeline: by case (newest activity first), then by day.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { localDay, timelineByCaseAndDay } from '../src/doctor_timeline.js';

const entry = (at, caseId, kind) => ({ at, case_id: caseId, kind, summary: kind });

test('entries group by case, newest case first, then by local day, newest first', () => {
  const entries = [
    entry('2026-03-01T09:00:00', 1, 'case_opened'),
    entry('2026-03-04T10:00:00', 2, 'report_signed'),
    entry('2026-03-01T11:00:00', 1, 'image_uploaded'),
    entry('2026-03-02T08:00:00', 1, 'ai_reading'),
    entry('2026-03-03T08:00:00', 2, 'case_opened'),
  ];
  const groups = timelineByCaseAndDay(entries, new Map([[1, 'Cough'], [2, 'Follow-up']]));
  assert.deepEqual(groups.map((g) => [g.caseId, g.title]), [[2, 'Follow-up'], [1, 'Cough']]);
  assert.deepEqual(groups[1].days.map((d) => [d.day, d.entries.map((e) => e.kind)]), [
    ['2026-03-02', ['ai_reading']],
    ['2026-03-01', ['image_uploaded', 'case_opened']],
  ]);
});

test('a case missing from the titles is named by its number, and no entries make no groups', () => {
  assert.equal(timelineByCaseAndDay([entry('2026-03-01T09:00:00', 9, 'x')], new Map())[0].title, 'Case 9');
  assert.deepEqual(timelineByCaseAndDay([], new Map()), []);
  assert.equal(localDay('2026-12-31T23:59:00'), '2026-12-31');
});
