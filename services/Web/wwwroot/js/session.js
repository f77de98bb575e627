// Sign-in and sign-out. The server sets the session as an HttpOnly, SameSite=Strict cookie; this code never reads it.
import { api } from './api.js';
import { $, showError } from './dom.js';

// Why the sign-in form is back, by the code that ended the session (WebSocket close 4001 / 4002, or a 401).
const ENDED = {
  token_expired: 'Your session expired. Sign in again to continue.',
  token_revoked: 'You were signed out (in another tab or on another device). Sign in again to continue.',
};

// Set once a session ended under the running client: the next sign-in reloads the page, so nothing of the old session
// (its rooms, its store, its stopped connection) outlives it.
let ended = false;

/** The server ended the session: back to the sign-in form, saying why. The client does not reconnect. */
export function sessionEnded(code) {
  ended = true;
  $('app').hidden = true;
  for (const id of ['sign-out', 'webhooks-link', 'notifications-button']) $(id).hidden = true;
  $('whoami').textContent = '';
  $('sign-in-notice').textContent = ENDED[code] ?? 'Your session ended. Sign in again to continue.';
  $('sign-in').hidden = false;
  $('sign-in-user').focus();
}

/** Shows the sign-in form until a session exists, then calls onSignedIn(me). */
export async function bindSignIn(onSignedIn) {
  const enter = me => {
    if (ended) { location.reload(); return; }
    $('sign-in').hidden = true;
    $('app').hidden = false;
    for (const id of ['sign-out', 'webhooks-link', 'notifications-button']) $(id).hidden = false;
    onSignedIn(me).catch(e => showError($('rooms-error'), e));
  };
  $('sign-in-form').addEventListener('submit', async e => {
    e.preventDefault();
    try {
      await api.signIn($('sign-in-user').value.trim(), $('sign-in-display').value.trim());
      enter(await api.me());
    } catch (err) {
      showError($('sign-in-error'), err);
    }
  });
  $('sign-out').addEventListener('click', async () => {
    await api.signOut().catch(() => {});
    location.reload();
  });
  try {
    enter(await api.me());
  } catch {
    $('sign-in').hidden = false;
    $('sign-in-user').focus();
  }
}
