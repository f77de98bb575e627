// The webhook admin page: outbound endpoints (create, list, attempts, replay) and incoming hooks.
import { api } from './api.js';
import { $, el, showError } from './dom.js';

const list = value => value.split(',').map(s => s.trim()).filter(Boolean);

async function loadEndpoints() {
  const endpoints = await api.endpoints();
  $('endpoint-list').replaceChildren(...endpoints.map(endpoint => el('tr', { 'data-testid': 'endpoint', 'data-id': endpoint.id },
    el('td', { text: endpoint.url }),
    el('td', { text: endpoint.description ?? '' }),
    el('td', { text: endpoint.enabled ? 'enabled' : `disabled (${endpoint.disabledReason ?? 'manual'})` }),
    el('td', {},
      el('button', { type: 'button', 'data-testid': 'show-attempts', onclick: () => showAttempts(endpoint) }, 'Attempts'), ' ',
      el('button', { type: 'button', onclick: () => remove(() => api.deleteEndpoint(endpoint.id), loadEndpoints, $('endpoint-error')) }, 'Delete')))));
}

let attemptsTimer = 0;

/** Shows an endpoint's attempts and keeps them fresh while shown (deliveries and retries keep happening). */
async function showAttempts(endpoint) {
  clearTimeout(attemptsTimer);
  attemptsTimer = setTimeout(() => showAttempts(endpoint), 3000);
  $('attempts-section').hidden = false;
  $('attempts-title').textContent = `Delivery attempts · ${endpoint.url}`;
  showError($('attempts-error'), null);
  try {
    const attempts = await api.attempts(endpoint.id);
    $('attempt-list').replaceChildren(...attempts.map(a => el('tr', { 'data-testid': 'attempt' },
      el('td', { text: String(a.eventId) }),
      el('td', { text: String(a.attempt) }),
      el('td', { text: new Date(a.at).toLocaleString() }),
      el('td', { text: a.status === null ? '—' : String(a.status) }),
      el('td', { text: a.success ? 'delivered' : `failed: ${a.error ?? ''}${a.errorDetail ? ` (${a.errorDetail})` : ''}` }),
      el('td', { text: `${a.latencyMs} ms` }),
      el('td', {}, el('button', { type: 'button', 'data-testid': 'replay', onclick: async () => {
        try { await api.replay(endpoint.id, a.eventId); await showAttempts(endpoint); } catch (e) { showError($('attempts-error'), e); }
      } }, 'Replay')))));
    if (attempts.length === 0) $('attempt-list').replaceChildren(el('tr', {}, el('td', { colspan: '7', text: 'No attempts yet.' })));
  } catch (e) {
    showError($('attempts-error'), e);
  }
}

async function loadIncoming() {
  const hooks = await api.incomingHooks();
  $('incoming-list').replaceChildren(...hooks.map(hook => el('tr', { 'data-testid': 'incoming-hook', 'data-id': hook.id },
    el('td', { text: hook.room }), el('td', { text: hook.name }), el('td', { text: hook.bot }),
    el('td', { text: hook.signed ? 'yes' : 'no' }),
    el('td', {}, el('button', { type: 'button', onclick: () => remove(() => api.deleteIncomingHook(hook.id), loadIncoming, $('incoming-error')) }, 'Delete')))));
}

async function remove(action, reload, errorTarget) {
  if (!confirm('Delete it?')) return;
  try { await action(); await reload(); } catch (e) { showError(errorTarget, e); }
}

$('endpoint-form').addEventListener('submit', async e => {
  e.preventDefault();
  showError($('endpoint-error'), null);
  const body = { url: $('endpoint-url').value.trim(), description: $('endpoint-description').value.trim() || undefined };
  const types = list($('endpoint-types').value);
  const rooms = list($('endpoint-rooms').value);
  if (types.length) body.eventTypes = types;
  if (rooms.length) body.rooms = rooms;
  try {
    const created = await api.createEndpoint(body);
    e.target.reset();
    const secret = $('endpoint-secret');
    secret.textContent = `Signing secret for ${created.url} (shown once, copy it now): ${created.secret}`;
    secret.hidden = false;
    await loadEndpoints();
  } catch (err) { showError($('endpoint-error'), err); }
});

$('incoming-form').addEventListener('submit', async e => {
  e.preventDefault();
  showError($('incoming-error'), null);
  try {
    const hook = await api.createIncomingHook({ room: $('incoming-room').value.trim(), name: $('incoming-name').value.trim(), signed: $('incoming-signed').checked });
    e.target.reset();
    const secret = $('incoming-secret');
    secret.textContent = `POST ${location.origin}${hook.url} (the token is shown once)${hook.secret ? ` · signing secret: ${hook.secret}` : ''}`;
    secret.hidden = false;
    await loadIncoming();
  } catch (err) { showError($('incoming-error'), err); }
});

try {
  const me = await api.me();
  $('whoami').textContent = `@${me.userId}`;
  await Promise.all([loadEndpoints(), loadIncoming()]);
} catch (e) {
  showError($('auth-error'), e.status === 401 ? { message: 'Sign in on the chat page first.', code: e.code } : e);
}
