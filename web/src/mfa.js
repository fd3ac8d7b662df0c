// Two-factor sign-in, the API side: what a session still needs, setting up an authenticator
// app, and entering its code (or a recovery code).
//
//   if (needsSecondFactor(user)) user = await verifyCode('123456');
import { api } from './api.js';

/** The states of GET /auth/me/'s `second_factor` that hold the session until a code is entered. */
const PENDING = ['code_required', 'enrolment_required'];

/**
 * Whether this user signed in with the password but has still to enter a code (or set up the app).
 *
 * @param {{second_factor?: string}} user as GET /api/v1/auth/me/ returns it
 * @returns {boolean}
 */
export function needsSecondFactor(user) {
  return PENDING.includes(user.second_factor);
}

/**
 * Start setting up an authenticator app.
 *
 * @returns {Promise<{otpauth_uri: string, secret: string, qr_svg: string}>}
 */
export function startEnrolment() {
  return api('/mfa/enrolment/', { method: 'POST' });
}

/**
 * Confirm the new app with its first code; the session is then verified.
 *
 * @param {string} code
 * @returns {Promise<string[]>} the recovery codes, shown only this once
 */
export async function confirmEnrolment(code) {
  const body = await api('/mfa/enrolment/confirm/', { method: 'POST', json: { code } });
  return body.recovery_codes;
}

/**
 * Enter the app's current code, or a recovery code.
 *
 * @param {string} code
 * @returns {Promise<object>} the user, now with second_factor "verified"
 * @throws {ApiError} a wrong code (invalid_code), or too many of them (too_many_attempts)
 */
export function verifyCode(code) {
  return api('/mfa/verify/', { method: 'POST', json: { code } });
}
