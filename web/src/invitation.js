// The page an invitation e-mail links to: the invited patient chooses her password.
import { $, setStatus } from './page.js';
import { takeLinkParams, wirePasswordForm } from './password_link.js';

const link = takeLinkParams();
if (link) {
  wirePasswordForm(link, '/auth/invitations/accept/');
} else {
  setStatus('');
  $('error').textContent = 'This page needs the whole link from your invitation e-mail. Open the link again, or ask your clinic for a new invitation.';
}
