// portal_research.js: what the patient reads of her research consent.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { consentText } from '../src/portal_research.js';

test('off by default, with nothing said about a date she never chose', () => {
  assert.equal(
    consentText({ research_consent: false, research_consent_changed_at: null }, 'en-GB'),
    'Off: your cases are not included in any research dataset made from now on.',
  );
});

test('on, with the day she turned it on', () => {
  const text = consentText({ research_consent: true, research_consent_changed_at: '2026-12-02T15:00:00Z' }, 'en-GB');
  assert.equal(text, "On since 2 Dec 2026: your reviewed cases may be included, de-identified, in the practice's next research datasets.");
});

test('turned off again: from then on, not before', () => {
  const text = consentText({ research_consent: false, research_consent_changed_at: '2026-12-03T09:00:00Z' }, 'en-GB');
  assert.match(text, /^Off since 3 Dec 2026: .* made from now on\.$/);
});
