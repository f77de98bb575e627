// Moderation in the web client (docs/protocol.md, "Moderation and roles"): the room settings panel (rename, topic,
// read-only, slow mode), the bans list, the member menu's actions, slow mode's wait on the composer and the notice a
// removed user sees. Only owners and moderators see the controls; the server checks every action again, and its
// refusals show as sentences (dom.js describeError).
import { api } from './api.js';
import { $, el, showError } from './dom.js';

export function formatSeconds(total) {
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  return total % 60 ? `${minutes} min ${total % 60} s` : `${minutes} min`;
}

/**
 * Wires the panel and returns what the app calls: renderRoom(room) when the open room or its summary changes,
 * moderate(frame) for a member menu's action, removed(detail) when the user was kicked or banned, slowMode(error)
 * for a send refused with `slow_mode`, and waiting() whether the composer must wait.
 * `write(frame, { target })` sends a frame (WebSocket or REST) and resolves to null when refused, the refusal shown in target.
 */
export function bindModeration({ store, write, currentRoom }) {
  const panel = $('room-settings');
  const button = $('room-settings-button');
  const status = $('settings-status');
  let wait = { room: null, until: 0 };
  let timer = 0;

  const setOpen = open => {
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    showError($('settings-error'), null);
    status.textContent = '';
    if (open) { fill(); loadBans(); $('settings-name').focus(); }
  };
  button.addEventListener('click', () => setOpen(panel.hidden));
  $('room-settings-close').addEventListener('click', () => { setOpen(false); button.focus(); });
  panel.addEventListener('keydown', e => { if (e.key === 'Escape') { setOpen(false); button.focus(); } });

  function fill() {
    const summary = store.rooms.get(currentRoom())?.room;
    if (!summary) return;
    $('settings-name').value = summary.name || summary.id;
    $('settings-topic').value = summary.topic || '';
    $('settings-read-only').checked = !!summary.readOnly;
    $('settings-slow-mode').value = String(summary.slowModeSeconds || 0);
  }

  // Only what changed goes to the server: one room.updated naming exactly those fields.
  $('room-settings-form').addEventListener('submit', async e => {
    e.preventDefault();
    const room = currentRoom();
    const summary = store.rooms.get(room)?.room;
    if (!summary) return;
    status.textContent = '';
    const slow = Number($('settings-slow-mode').value || '0');
    if (!Number.isInteger(slow) || slow < 0) {
      $('settings-error').textContent = 'Slow mode is a whole number of seconds, 0 to turn it off.';
      return;
    }
    const changes = {};
    const name = $('settings-name').value.trim();
    const topic = $('settings-topic').value.trim();
    if (name && name !== summary.name) changes.name = name;
    if (topic !== (summary.topic || '')) changes.topic = topic; // "" clears it
    if ($('settings-read-only').checked !== !!summary.readOnly) changes.readOnly = $('settings-read-only').checked;
    if (slow !== (summary.slowModeSeconds || 0)) changes.slowModeSeconds = slow;
    if (Object.keys(changes).length === 0) { status.textContent = 'Nothing changed.'; return; }
    if (await write({ type: 'update_room', room, ...changes }, { target: $('settings-error') }) !== null) {
      // What was saved is the room now, whether or not its room.updated has arrived yet.
      Object.assign(summary, changes, 'topic' in changes ? { topic: changes.topic || null } : {});
      status.textContent = 'Saved.';
    }
  });

  async function loadBans() {
    const room = currentRoom();
    if (!room || panel.hidden) return;
    try {
      const bans = await api.bans(room);
      if (room !== currentRoom()) return;
      $('ban-list').replaceChildren(...(bans.length ? bans.map(user => el('li', { 'data-testid': 'banned-user', 'data-user': user },
        el('span', { text: user }),
        el('button', { type: 'button', 'data-testid': 'unban', 'aria-label': `Unban ${user}`, onclick: async () => {
          if (await write({ type: 'unban', room, user }, { target: $('settings-error') }) !== null) loadBans();
        } }, 'Unban'))) : [el('li', { class: 'empty', text: 'Nobody is banned.' })]));
    } catch (error) {
      showError($('settings-error'), error);
    }
  }

  $('ban-form').addEventListener('submit', async e => {
    e.preventDefault();
    const user = $('ban-user').value.trim();
    if (!user) return;
    if (await write({ type: 'ban', room: currentRoom(), user }, { target: $('settings-error') }) !== null) {
      e.target.reset();
      loadBans();
    }
  });

  /** The composer's slow-mode line: the wait the server named, counting down, or the room's interval as a hint. */
  function renderSlowMode() {
    clearTimeout(timer);
    const room = currentRoom();
    const node = $('slow-mode');
    const seconds = store.rooms.get(room)?.room.slowModeSeconds || 0;
    const left = wait.room === room ? wait.until - Date.now() : 0;
    $('send-button').disabled = left > 0;
    if (left > 0) {
      node.hidden = false;
      node.dataset.state = 'waiting';
      node.textContent = `Slow mode: you can post again in ${formatSeconds(Math.ceil(left / 1000))}`;
      timer = setTimeout(renderSlowMode, Math.min(1000, left % 1000 || 1000));
    } else if (seconds > 0 && !store.isModerator(room)) {
      node.hidden = false;
      node.dataset.state = 'on';
      node.textContent = `Slow mode: one message every ${formatSeconds(seconds)}`;
    } else {
      node.hidden = true;
      node.dataset.state = 'off';
      node.textContent = '';
    }
  }

  return {
    renderRoom(room) {
      const summary = store.rooms.get(room)?.room;
      const allowed = !!summary && summary.kind !== 'direct' && store.isModerator(room);
      button.hidden = !allowed;
      // An open panel keeps what is being typed into it; its bans list follows bans and unbans.
      if (!allowed && !panel.hidden) setOpen(false);
      else if (!panel.hidden) loadBans();
      const canPost = store.canPost(room);
      $('composer').hidden = !canPost;
      $('read-only-notice').hidden = !summary || canPost;
      renderSlowMode();
    },

    moderate(frame) {
      return write(frame, { target: $('people-error') });
    },

    removed({ room, name, reason, by }) {
      $('removed-notice').textContent = reason === 'banned'
        ? `You were banned from #${name || room} by ${by}.` : `You were removed from #${name || room} by ${by}.`;
    },

    /** A send refused with `slow_mode`: the composer counts down the server's retryAfterMs. */
    slowMode(room, error) {
      wait = { room, until: Date.now() + (error.retryAfterMs ?? 1000) };
      renderSlowMode();
    },

    waiting: room => wait.room === room && wait.until > Date.now(),
  };
}
