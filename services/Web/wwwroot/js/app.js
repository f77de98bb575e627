// The chat client: wires the store, the live connection and the view together.
import { api } from './api.js';
import { $, msUntilNextDay, showError } from './dom.js';
import { Store } from './store.js';
import { Connection, CHANNEL_NAMES } from './transports/transport.js';
import * as view from './view.js';
import { bindSignIn, sessionEnded } from './session.js';
import { bindRoomControls } from './rooms.js';
import { PendingAttachments } from './attachments.js';
import { bindModeration } from './moderation.js';
import { bindSearch } from './search.js';

const store = new Store();
let connection = null;
let current = null;           // the open room
let readBefore = 0;           // the open room's read cursor when it was opened: where the "new" divider goes
let replyTo = null;
let lastTyping = 0;
let sending = Promise.resolve();
// ?debug=1 logs every event and status change to the console.
const debug = new URLSearchParams(location.search).has('debug') ? (...args) => console.debug('[chatmesh]', ...args) : () => {};

bindSignIn(start);

/** After leaving (or being removed from) the open room: open another, or show none. */
async function afterLeave() {
  current = store.viewing = null;
  await reloadRooms();
  const next = store.rooms.keys().next().value;
  if (next) await openRoom(next); else { renderRoomHeader(null); renderTimeline(true); }
}

const joinRoom = bindRoomControls({ reloadRooms, openRoom, currentRoom: () => current, afterLeave });
const moderation = bindModeration({ store, write, currentRoom: () => current });

function chosenChannel() {
  const query = new URLSearchParams(location.search).get('channel');
  if (query && CHANNEL_NAMES[query]) return query;
  return CHANNEL_NAMES[localStorage.getItem('chatmesh.channel')] ? localStorage.getItem('chatmesh.channel') : 'auto';
}

async function start(me) {
  store.me = me.userId;
  $('whoami').textContent = me.displayName && me.displayName !== me.userId ? `${me.displayName} (@${me.userId})` : `@${me.userId}`;
  // The resume point comes first: everything after it arrives live, everything before is in the snapshots.
  store.lastId = (await api.events(0, 1)).head;
  await reloadRooms();
  api.notifications().then(list => {
    for (const item of list.items.reverse()) if (!store.notifications.some(n => n.id === item.id)) store.notifications.unshift(item);
    store.emit('notifications');
  }).catch(() => {});
  connect(chosenChannel());
  bindSearch({ openRoom, roomName: id => store.rooms.get(id)?.room.name ?? id });
  const wanted = decodeURIComponent(location.hash.replace(/^#room=/, ''));
  const first = store.rooms.has(wanted) ? wanted : store.rooms.keys().next().value;
  if (first) await openRoom(first);
}

function connect(channel) {
  connection?.stop();
  $('channel').value = channel;
  connection = new Connection(channel, {
    lastId: () => store.lastId,
    sink: {
      event: e => { debug('event', e.id, e.type, e.room); store.apply(e); },
      signal: s => store.signal(s),
      reset: head => { debug('reset', head); onReset(); },
    },
    onStatus: status => { debug('status', JSON.stringify(status)); view.renderStatus(status); },
    onSessionEnded: code => { debug('session ended', code); sessionEnded(code); },
  }).start();
}

async function onReset() {
  store.messages.clear();
  store.hasMore.clear();
  await reloadRooms();
  if (current) await openRoom(current);
}

async function reloadRooms() {
  store.setRooms(await api.myRooms());
  api.publicRooms().then(rooms => view.renderPublicRooms(store, rooms, joinRoom)).catch(() => {});
}

async function openRoom(id) {
  current = id;
  store.viewing = id;
  location.hash = `room=${encodeURIComponent(id)}`;
  const entry = store.rooms.get(id);
  readBefore = entry?.lastReadEventId ?? 0;
  renderRoomHeader(id);
  replyTo = null;
  $('reply-preview').hidden = true;
  view.renderRooms(store, current, openRoom);
  renderTimeline(true);
  try {
    const [page, members] = await Promise.all([api.history(id), api.members(id)]);
    if (current !== id) return;
    store.members.set(id, new Set(members));
    store.addHistory(id, page, false);
    renderPeople();
    loadPresence(id);
    renderTimeline(true);
    markRead();
  } catch (e) {
    showError($('rooms-error'), e);
  }
}

/** Title, topic, the settings button and the composer: a read-only room hides the composer from whoever may not post. */
function renderRoomHeader(id) {
  const entry = store.rooms.get(id);
  $('room-title').textContent = entry ? view.roomLabel(store, entry.room) : id ?? 'No room selected';
  $('room-topic').textContent = entry?.room.topic ?? '';
  $('leave-room').hidden = !entry || entry.room.kind === 'direct';
  moderation.renderRoom(id);
}

function renderPeople() {
  if (current) view.renderPeople(store, current, moderation.moderate);
}

/** The presence snapshot of a room's members; live `presence` signals keep it current afterwards. */
async function loadPresence(room) {
  const online = new Set(await api.presence(room).catch(() => []));
  for (const user of store.members.get(room) || []) store.presence.set(user, online.has(user) ? 'online' : 'offline');
  if (room === current) renderPeople();
}

// ---- timeline ------------------------------------------------------------------------------------------------

const handlers = {
  reply(message) {
    replyTo = message.id;
    $('reply-text').textContent = `Replying to ${message.author}: ${message.text.slice(0, 60)}`;
    $('reply-preview').hidden = false;
    $('message-input').focus();
  },
  toggleReaction(message, emoji) {
    const mine = (message.reactions[emoji] || []).includes(store.me);
    write({ type: mine ? 'unreact' : 'react', room: message.room, messageId: message.id, emoji });
  },
  edit(message, item) {
    view.openEditor(item, message, text => write({ type: 'edit', room: message.room, messageId: message.id, text }));
  },
  remove(message) {
    if (confirm('Delete this message?')) write({ type: 'delete', room: message.room, messageId: message.id });
  },
};

function renderTimeline(toBottom) {
  const timeline = $('timeline');
  const nearBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 80;
  const messages = current ? store.sortedMessages(current) : [];
  const system = current ? store.system.get(current) || [] : [];
  $('messages').replaceChildren(...view.timelineItems(store, messages, system, readBefore, handlers));
  const more = store.hasMore.get(current);
  $('history-status').textContent = !current ? '' : more === false ? 'This is the beginning of the room.' : more ? 'Scroll up for older messages.' : 'Loading…';
  if (toBottom || nearBottom) timeline.scrollTop = timeline.scrollHeight;
}

// Today and Yesterday move on at each local midnight, also in a tab left open overnight. A timer that fires early
// (a changed clock) relabels nothing and waits again for the time that is left.
function scheduleDayRollover() {
  setTimeout(() => { view.relabelDays(); scheduleDayRollover(); }, msUntilNextDay() + 50);
}
scheduleDayRollover();

function updateMessage(room, id) {
  if (room !== current) return;
  const existing = $('messages').querySelector(`li[data-id="${id}"]`);
  const message = store.messages.get(room)?.get(id);
  if (existing && message && !existing.contains(document.activeElement?.closest('[data-testid="edit-input"]'))) {
    const replacement = view.renderMessage(store, message, handlers, existing.classList.contains('continued'));
    // Keyboard focus stays on the same control (a reaction chip, an action) when the message it is in is redrawn.
    const focused = existing.contains(document.activeElement) ? document.activeElement : null;
    existing.replaceWith(replacement);
    if (focused?.dataset.testid) {
      const emoji = focused.dataset.emoji ? `[data-emoji="${CSS.escape(focused.dataset.emoji)}"]` : '';
      replacement.querySelector(`[data-testid="${focused.dataset.testid}"]${emoji}`)?.focus();
    } else if (focused) {
      replacement.focus();
    }
  } else if (!existing) {
    renderTimeline(false);
  }
}

let loadingOlder = false;
$('timeline').addEventListener('scroll', async () => {
  const timeline = $('timeline');
  if (timeline.scrollTop > 40 || loadingOlder || !current || !store.hasMore.get(current)) return;
  const oldest = store.sortedMessages(current)[0];
  if (!oldest) return;
  loadingOlder = true;
  const room = current;
  const height = timeline.scrollHeight;
  try {
    const page = await api.history(room, { before: oldest.id });
    store.addHistory(room, page, true);
    if (room === current) timeline.scrollTop = timeline.scrollHeight - height + timeline.scrollTop;
  } finally {
    loadingOlder = false;
  }
});

// ---- writes --------------------------------------------------------------------------------------------------

/**
 * Sends a write over the WebSocket when that is the live channel, else over REST. A send carries an idempotency
 * key, so when the socket drops before the ack the REST retry cannot create a second message.
 */
async function write(frame, { target = $('composer-error'), onRefused } = {}) {
  const error = target;
  showError(error, null);
  try {
    const viaSocket = connection?.write(frame);
    if (viaSocket) {
      try { return debug('ack', JSON.stringify(await viaSocket)) ?? true; } catch (e) { if (e.code !== 'disconnected') throw e; }
    }
    const answer = await api.write(frame);
    debug('rest', frame.type, JSON.stringify(answer));
    return answer ?? true;
  } catch (e) {
    debug('write failed', frame.type, e.code, e.message);
    if (!onRefused?.(e)) showError(error, e);
    return null;
  }
}

const pending = new PendingAttachments(() => current);

$('composer').addEventListener('submit', async e => {
  e.preventDefault();
  const input = $('message-input');
  const text = input.value.trim();
  if ((!text && pending.count === 0) || !current || moderation.waiting(current)) return;
  const frame = { type: 'send', room: current, text, replyTo, key: crypto.randomUUID() };
  if (pending.count > 0) {
    const ids = await pending.ids();
    if (!ids) return; // an upload failed: its error is shown, the text and the other files stay
    frame.attachments = ids;
    pending.clear();
  }
  input.value = '';
  replyTo = null;
  $('reply-preview').hidden = true;
  // One send at a time, so messages typed quickly keep the order they were typed in.
  const room = current;
  const sent = sending.then(() => write(frame, { onRefused: error => error.code === 'slow_mode' && (moderation.slowMode(room, error), true) }));
  sending = sent;
  if ((await sent) === null && !input.value) input.value = text; // refused: keep the text so nothing typed is lost
});

$('message-input').addEventListener('keydown', e => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('composer').requestSubmit();
  } else if (current && Date.now() - lastTyping > 2000) {
    lastTyping = Date.now();
    announceTyping(current);
  }
});

/** The WebSocket sends a `typing` frame; SSE and long-poll call the REST route. Neither shows an error to the user. */
function announceTyping(room) {
  const frame = { type: 'typing', room };
  if (connection?.write(frame)) return;
  api.write(frame).catch(e => debug('typing refused', e.code)); // e.g. 429 rate_limited: another tab announced it
}

$('reply-cancel').addEventListener('click', () => { replyTo = null; $('reply-preview').hidden = true; });

function markRead() {
  const entry = store.rooms.get(current);
  if (!entry || document.hidden) return;
  const last = Math.max(entry.room.lastEventId || 0, store.sortedMessages(current).at(-1)?.id || 0);
  if (last > (entry.lastReadEventId || 0)) {
    entry.lastReadEventId = last;
    entry.unread = 0;
    entry.mentions = 0;
    view.renderRooms(store, current, openRoom);
    write({ type: 'read', room: current, eventId: last });
  }
}
document.addEventListener('visibilitychange', markRead);

// A busy room moves the read marker at most once a second, not once per message (each move is a logged event).
let readTimer = 0;
function markReadSoon() {
  if (!readTimer) readTimer = setTimeout(() => { readTimer = 0; markRead(); }, 1000);
}

$('channel').addEventListener('change', e => {
  localStorage.setItem('chatmesh.channel', e.target.value);
  connect(e.target.value);
});

$('notifications-button').addEventListener('click', () => {
  const panel = $('notifications-panel');
  panel.hidden = !panel.hidden;
  $('notifications-button').setAttribute('aria-expanded', String(!panel.hidden));
});

$('notifications-read').addEventListener('click', async () => {
  const newest = store.notifications[0];
  if (!newest) return;
  await api.readNotifications(newest.id).catch(() => {});
  for (const n of store.notifications) n.read = true;
  store.emit('notifications');
});

// ---- store → view --------------------------------------------------------------------------------------------

store.subscribe((kind, detail) => {
  switch (kind) {
    case 'rooms': view.renderRooms(store, current, openRoom); break;
    case 'room-updated':
      view.renderRooms(store, current, openRoom);
      // A role change also changes who may delete which message and act on which member.
      if (detail.room === current) { renderRoomHeader(current); renderTimeline(false); renderPeople(); }
      break;
    case 'removed':
      moderation.removed(detail);
      if (detail.room === current) afterLeave();
      break;
    case 'rooms-stale': reloadRooms(); break;
    case 'messages': if (detail.room === current) renderTimeline(false); break;
    case 'message':
      updateMessage(detail.room, detail.id);
      if (detail.created && detail.room === current) markReadSoon();
      break;
    case 'members': if (detail.room === current) { renderPeople(); loadPresence(current); } break;
    case 'presence': renderPeople(); break;
    case 'typing':
      if (detail.room === current) { view.renderTyping(store, current); setTimeout(() => view.renderTyping(store, current), 4100); }
      break;
    case 'notifications': view.renderNotifications(store, id => store.rooms.has(id) && openRoom(id)); break;
  }
});

// A handle for diagnostics and the browser tests: drop the live connection as a network failure would.
window.chatmesh = {
  drop: () => connection?.drop(),
  get lastId() { return store.lastId; },
  get channel() { return connection?.transport?.name; },
  get stopped() { return connection?.stopped ?? true; },
};
