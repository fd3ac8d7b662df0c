// Portal: the patient's choice to let her reviewed cases be used, de-identified, for research and
// model improvement (PUT /api/v1/auth/research-consent/). Off until she turns it on; each change is
// recorded in the audit log by the server.
import { api } from './api.js';
import { $, act, setStatus } from './page.js';
import { dateText } from './plain_words.js';

const URL = '/auth/research-consent/';

/**
 * What her choice means now, in one sentence.
 *
 * @param {{research_consent: boolean, research_consent_changed_at: string|null}} answer as the API returns it
 * @param {string|undefined} [locale]
 * @returns {string}
 */
export function consentText(answer, locale = undefined) {
  const since = answer.research_consent_changed_at ? ` since ${dateText(answer.research_consent_changed_at, locale)}` : '';
  return answer.research_consent
    ? `On${since}: your reviewed cases may be included, de-identified, in the practice's next research datasets.`
    : `Off${since}: your cases are not included in any research dataset made from now on.`;
}

function show(answer) {
  $('research-consent').checked = answer.research_consent;
  $('research-consent-summary').textContent = consentText(answer);
}

/** Load and show her current choice. */
export async function showResearchConsent() {
  show(await api(URL));
}

/** Send each change of the box; a refusal puts the box back as the server has it. */
export function wireResearchConsent() {
  const box = $('research-consent');
  box.addEventListener('change', () => act(async () => {
    const wanted = box.checked;
    setStatus(wanted ? 'Turning research use on…' : 'Turning research use off…');
    try {
      show(await api(URL, { method: 'PUT', json: { research_consent: wanted } }));
    } catch (error) {
      box.checked = !wanted;
      throw error;
    }
    setStatus(wanted ? 'Research use is on.' : 'Research use is off.');
  }, null));
}
