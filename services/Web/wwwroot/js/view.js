// Rendering of the store: room list, timeline, people, notifications, status. No innerHTML anywhere.
import { $, el, dayKey, formatDay, formatTime } from './dom.js';
import { CHANNEL_NAMES } from './transports/transport.js';
import { renderAttachments } from './attachments.js';

export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉'];

export function roomLabel(store, summary) {
  if (summary.kind === 'direct') {
    const other = summary.id.split(':').slice(1).find(u => u !== store.me);
    return `@${other ?? store.me}`;
  }
  return `#${summary.name || summary.id}`;
}

export function renderRooms(store, current, onOpen) {
  const list = $('room-list');
  const entries = [...store.rooms.values()].sort((a, b) => roomLabel(store, a.room).localeCompare(roomLabel(store, b.room)));
  list.replaceChildren(...entries.map(entry => {
    const { room, unread, mentions } = entry;
    const label = roomLabel(store, room);
    const badges = [];
    if (mentions > 0) badges.push(el('span', { class: 'badge mention', 'data-testid': 'mention-badge', 'aria-label': `${mentions} mentions`, text: `@${mentions}` }));
    if (unread > 0) badges.push(el('span', { class: 'badge', 'data-testid': 'unread-badge', 'aria-label': `${unread} unread`, text: String(unread) }));
    return el('li', { 'data-room': room.id },
      el('button', { type: 'button', class: 'room-link', 'data-testid': 'room-link', 'data-room': room.id,
        'aria-current': room.id === current ? 'true' : 'false', onclick: () => onOpen(room.id) },
        el('span', { text: label }), el('span', {}, ...badges)));
  }));
}

export function renderPublicRooms(store, rooms, onJoin) {
  $('public-rooms').replaceChildren(...rooms.filter(r => !store.rooms.has(r.id)).map(room =>
    el('li', {}, el('span', { text: `#${room.name || room.id} ` }),
      el('button', { type: 'button', 'data-testid': 'join-room', 'data-room': room.id, 'aria-label': `Join #${room.id}`, onclick: () => onJoin(room.id) }, 'Join'))));
}

/** Consecutive messages of one sender within this long share one header (avatar, name, time). */
const GROUP_GAP_MS = 5 * 60 * 1000;

/** Initials for an avatar: the first letters of the first two parts of the name (`alice-smith` → `AS`). */
export function initials(name) {
  const parts = String(name).split(/[\s._-]+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[1][0] : String(name).slice(0, 2)).toUpperCase();
}

/** One of eight avatar colours, the same for a name everywhere (a class: the CSP allows no inline styles). */
function avatarClass(name) {
  let hash = 0;
  for (const c of String(name)) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
  return `avatar c${hash % 8}`;
}

const senderOf = message => message.username ? `${message.username} (bot)` : message.author;

/**
 * The timeline's items in order: day separators, the "new messages" divider, system lines and messages, where a
 * message continues the previous one's group when nothing came between, the sender is the same and the gap is short.
 */
export function timelineItems(store, messages, system, readBefore, handlers) {
  const items = [];
  let divided = false;
  let line = 0;
  let day = '';
  let previous = null; // the message the next one may continue, or null after anything else
  const separate = iso => {
    const key = dayKey(iso);
    if (key === day) return;
    day = key;
    previous = null;
    items.push(el('li', { class: 'day-separator', 'data-testid': 'day-separator', role: 'separator', 'aria-label': formatDay(iso), 'data-day': key, 'data-at': iso },
      el('span', { text: formatDay(iso) })));
  };
  const systemLine = entry => {
    if (entry.ts) separate(entry.ts);
    items.push(renderSystemLine(entry));
    previous = null;
  };
  for (const message of messages) {
    for (; line < system.length && system[line].id < message.id; line++) systemLine(system[line]);
    separate(message.createdAt);
    if (!divided && message.id > readBefore && message.author !== store.me) {
      items.push(el('li', { class: 'unread-divider', 'data-testid': 'unread-divider', role: 'separator', text: 'New messages' }));
      divided = true;
      previous = null;
    }
    const continued = !!previous && senderOf(previous) === senderOf(message)
      && new Date(message.createdAt) - new Date(previous.createdAt) < GROUP_GAP_MS;
    items.push(renderMessage(store, message, handlers, continued));
    previous = message;
  }
  for (; line < system.length; line++) systemLine(system[line]);
  return items;
}

/** Relabels the timeline's day separators for the date now (at midnight Today becomes Yesterday), nothing else redrawn. */
export function relabelDays(now = new Date()) {
  for (const separator of document.querySelectorAll('[data-testid="day-separator"]')) {
    const label = formatDay(separator.dataset.at, now);
    separator.setAttribute('aria-label', label);
    separator.firstElementChild.textContent = label;
  }
}

/**
 * One message: avatar, sender and time (only the first of a group shows them), text (as text), reply quote, reaction
 * chips, and a toolbar of the actions the user may take, shown on hover, on keyboard focus, or on a tap (touch screens).
 */
export function renderMessage(store, message, handlers, continued = false) {
  const mine = message.author === store.me;
  const sender = senderOf(message);
  const item = el('li', {
    class: `message${continued ? ' continued' : ''}${message.deleted ? ' deleted' : ''}${message.mentions?.includes(store.me) ? ' mentions-me' : ''}`,
    'data-testid': 'message', 'data-id': message.id, 'data-author': message.author, tabindex: '-1',
  });
  item.append(continued
    ? el('time', { class: 'gutter-time', datetime: message.createdAt, 'aria-hidden': 'true', text: formatTime(message.createdAt) })
    : el('span', { class: avatarClass(message.username ?? message.author), 'data-testid': 'avatar', 'aria-hidden': 'true', text: initials(message.username ?? message.author) }));
  const body = el('div', { class: 'body' });
  item.append(body);
  // A continued message keeps its sender and time for screen readers; the eye gets them from the group's first.
  body.append(el('div', { class: `meta${continued ? ' visually-hidden' : ''}` },
    el('span', { class: 'author', 'data-testid': 'message-author', text: sender }),
    el('time', { datetime: message.createdAt, text: formatTime(message.createdAt) }),
    message.editedAt && !message.deleted ? el('span', { 'data-testid': 'edited', text: '(edited)' }) : null));
  if (message.replyTo) {
    const parent = store.messages.get(message.room)?.get(message.replyTo);
    body.append(el('div', { class: 'reply-quote', 'data-testid': 'reply-quote',
      text: parent ? `↪ ${parent.author}: ${parent.deleted ? '(deleted)' : parent.text.slice(0, 80)}` : `↪ message ${message.replyTo}` }));
  }
  body.append(el('div', { class: 'text', 'data-testid': 'message-text', text: message.deleted ? 'message deleted' : message.text }));
  if (message.deleted) return item;
  const files = renderAttachments(message);
  if (files) body.append(files);

  const reactions = Object.entries(message.reactions || {}).filter(([, users]) => users.length);
  if (reactions.length) {
    body.append(el('div', { class: 'reactions' }, ...reactions.map(([emoji, users]) =>
      el('button', { type: 'button', class: 'reaction', 'data-testid': 'reaction', 'data-emoji': emoji,
        'aria-pressed': users.includes(store.me) ? 'true' : 'false', title: users.join(', '),
        'aria-label': `${emoji} ${users.length}, by ${users.join(', ')}`, onclick: () => handlers.toggleReaction(message, emoji) },
        `${emoji} ${users.length}`))));
  }
  const actions = el('div', { class: 'actions', role: 'toolbar', 'aria-label': `Actions on ${sender}'s message`, 'data-testid': 'message-actions' },
    ...QUICK_EMOJI.map(emoji => el('button', { type: 'button', 'data-testid': 'react', 'data-emoji': emoji,
      'aria-label': `React with ${emoji}`, title: `React with ${emoji}`, onclick: () => handlers.toggleReaction(message, emoji) }, emoji)),
    el('button', { type: 'button', 'data-testid': 'reply', 'aria-label': `Reply to ${message.author}`, onclick: () => handlers.reply(message) }, 'Reply'));
  if (mine) {
    actions.append(el('button', { type: 'button', 'data-testid': 'edit', onclick: () => handlers.edit(message, item) }, 'Edit'));
  }
  if (mine || store.isModerator(message.room)) {
    actions.append(el('button', { type: 'button', 'data-testid': 'delete', 'aria-label': mine ? 'Delete' : `Delete ${sender}'s message`,
      onclick: () => handlers.remove(message) }, 'Delete'));
  }
  item.append(actions);
  // A tap (no hover on touch screens) shows or hides the toolbar; a tap on a button or link inside is that control's.
  item.addEventListener('click', e => {
    if (!e.target.closest('button, a, textarea') && matchMedia('(hover: none)').matches) item.classList.toggle('show-actions');
  });
  return item;
}

/** A moderation or room change, as a line of the timeline between the messages around it. */
export function renderSystemLine(line) {
  return el('li', { class: 'system-line', 'data-testid': 'system-line', 'data-id': line.id, role: 'status', text: line.text });
}

/** Swaps a message's text for an editor: Enter saves, Escape cancels. */
export function openEditor(item, message, onSave) {
  const text = item.querySelector('.text');
  const input = el('textarea', { 'aria-label': 'Edit message', 'data-testid': 'edit-input', rows: '2' });
  input.value = message.text;
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); onSave(input.value); }
    if (e.key === 'Escape') input.replaceWith(text);
  });
  text.replaceWith(input);
  input.focus();
}

const ROLE_LABELS = { owner: 'owner', moderator: 'moderator' };

/**
 * The room's members with their presence and role. An owner or moderator also gets, per member they outrank, a menu
 * of what they may do to them (the owner: make or remove a moderator; both: kick, ban); the server checks it again.
 */
export function renderPeople(store, room, onModerate) {
  const members = [...(store.members.get(room) || [])].sort();
  const myRole = store.roleOf(room, store.me);
  const rank = { member: 0, moderator: 1, owner: 2 };
  const moderated = store.rooms.get(room)?.room.kind !== 'direct';
  $('people').replaceChildren(...members.map(user => {
    const online = store.presence.get(user) === 'online' || user === store.me;
    const role = store.roleOf(room, user);
    const item = el('li', { 'data-testid': 'person', 'data-user': user, 'data-presence': online ? 'online' : 'offline', 'data-role': role },
      el('span', { class: `presence-dot${online ? ' online' : ''}`, 'aria-hidden': 'true' }),
      el('span', { class: 'person-name', text: user }), el('span', { class: 'visually-hidden', text: online ? ' (online)' : ' (offline)' }),
      ROLE_LABELS[role] ? el('span', { class: `role-badge ${role}`, 'data-testid': 'role-badge', text: ROLE_LABELS[role] }) : null);
    if (moderated && user !== store.me && rank[myRole] > rank[role]) {
      const action = (testid, label, frame) => el('button', { type: 'button', 'data-testid': testid,
        onclick: e => { e.target.closest('details').open = false; onModerate({ ...frame, room, user }); } }, label);
      const menu = el('details', { class: 'person-menu' },
        el('summary', { 'data-testid': 'member-actions', 'aria-label': `Moderate ${user}`, title: `Moderate ${user}`, text: '⋯' }),
        el('div', { class: 'menu' },
          myRole === 'owner' ? (role === 'moderator'
            ? action('remove-moderator', 'Remove moderator', { type: 'role', role: 'member' })
            : action('make-moderator', 'Make moderator', { type: 'role', role: 'moderator' })) : null,
          action('kick', 'Kick', { type: 'kick' }),
          action('ban', 'Ban', { type: 'ban' })));
      item.append(menu);
    }
    return item;
  }));
}

export function renderTyping(store, room) {
  const users = store.typingUsers(room);
  $('typing').textContent = users.length === 0 ? '' : `${users.join(', ')} ${users.length === 1 ? 'is' : 'are'} typing…`;
}

export function renderNotifications(store, onOpen) {
  const unread = store.notifications.filter(n => !n.read).length;
  const badge = $('notifications-badge');
  badge.hidden = unread === 0;
  badge.textContent = String(unread);
  $('notification-list').replaceChildren(...store.notifications.map(n => {
    const d = n.event.data || {};
    const what = n.type === 'notification.mention' ? `${d.by} mentioned you in ${d.room}: ${d.excerpt ?? ''}`
      : n.type === 'notification.invite' ? `${d.by} invited you to ${d.room}`
        : `${d.by} sent you a direct message: ${d.excerpt ?? ''}`;
    return el('li', { class: n.read ? '' : 'unread', 'data-testid': 'notification' },
      el('button', { type: 'button', class: 'room-link', onclick: () => onOpen(d.room) }, el('span', { text: what })));
  }));
}

export function renderStatus(status) {
  const node = $('status');
  node.dataset.state = status.state;
  node.dataset.channel = status.channel || '';
  const channel = CHANNEL_NAMES[status.channel] || '';
  node.textContent = status.state === 'connected' ? `Connected · ${channel}`
    : status.state === 'connecting' ? `Connecting · ${channel}…`
      : status.state === 'reconnecting' ? (status.retryInMs !== undefined
        ? `Reconnecting in ${(status.retryInMs / 1000).toFixed(1)} s · ${channel}` : `Disconnected · ${channel}`)
        : status.state === 'signed-out' ? 'Signed out' : 'Not connected';
}
