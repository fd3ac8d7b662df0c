// Routing words: who gets a case, as the portal says it, and how the admin page names people.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { installDocument } from './fake_browser.mjs';

// The modules wire their forms when imported: give them a document first.
const { elements } = installDocument();
const { doctorNames, sentText, showCareTeam } = await import('../src/portal_doctor.js');
const { personText } = await import('../src/admin_care.js');

test('doctors are named as a sentence says them', () => {
  assert.equal(doctorNames([]), '');
  assert.equal(doctorNames(['Ada Lane']), 'Dr Ada Lane');
  assert.equal(doctorNames(['Ada Lane', 'Bo Kim']), 'Dr Ada Lane and Dr Bo Kim');
  assert.equal(doctorNames(['A', 'B', 'C']), 'Dr A, Dr B and Dr C');
});

test('a sent case names its doctor, or the practice queue when nobody has it yet', () => {
  assert.equal(sentText(['Ada Lane']), 'Your case was sent to Dr Ada Lane.');
  assert.equal(sentText([]), "Your case was sent to the practice's queue; the first available doctor will take it.");
});

test('an open case says who has it, and nothing while it is a draft', () => {
  showCareTeam({ status: 'draft', care_team: [] });
  assert.equal(elements.get('case-care-team').hidden, true);
  showCareTeam({ status: 'submitted', care_team: ['Ada Lane'] });
  assert.equal(elements.get('case-care-team').hidden, false);
  assert.equal(elements.get('case-care-team').textContent, 'Dr Ada Lane has this case.');
  showCareTeam({ status: 'ai_read', care_team: ['Ada Lane', 'Bo Kim'] });
  assert.equal(elements.get('case-care-team').textContent, 'Dr Ada Lane and Dr Bo Kim have this case.');
  showCareTeam({ status: 'submitted', care_team: [] });
  assert.match(elements.get('case-care-team').textContent, /practice's queue/);
});

test('the admin page names people by full name and username, never by id alone', () => {
  assert.equal(personText({ username: 'nora', first_name: 'Nora', last_name: 'Quinn' }), 'Nora Quinn (nora)');
  assert.equal(personText({ username: 'dr-lane', full_name: 'Ada Lane' }), 'Ada Lane (dr-lane)');
  assert.equal(personText({ username: 'x1', first_name: '', last_name: '' }), 'x1');
});
