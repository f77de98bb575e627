// Sign-in and sign-out. The server sets the session as an HttpOnly, SameSite=Strict cookie; this code never reads it.
import { api } from './api.js';
import { $, showError } from './dom.js';

/** Shows the sign-in form until a session exists, then calls onSignedIn(me). */
export async function bindSignIn(onSignedIn) {
  const enter = me => {
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
