// Rendering of the store: room list, timeline, people, notifications, status. No innerHTML anywhere.
import { $, el, formatTime } from './dom.js';
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

/** One message: author, time, text (as text), reply quote, reactions and the actions the user may take. */
export function renderMessage(store, message, handlers) {
  const mine = message.author === store.me;
  const item = el('li', {
    class: `message${message.deleted ? ' deleted' : ''}${message.mentions?.includes(store.me) ? ' mentions-me' : ''}`,
    'data-testid': 'message', 'data-id': message.id, 'data-author': message.author, tabindex: '-1',
  });
  if (message.replyTo) {
    const parent = store.messages.get(message.room)?.get(message.replyTo);
    item.append(el('div', { class: 'reply-quote', 'data-testid': 'reply-quote',
      text: parent ? `↪ ${parent.author}: ${parent.deleted ? '(deleted)' : parent.text.slice(0, 80)}` : `↪ message ${message.replyTo}` }));
  }
  item.append(el('div', { class: 'meta' },
    el('span', { class: 'author', 'data-testid': 'message-author', text: message.username ? `${message.username} (bot)` : message.author }),
    el('time', { datetime: message.createdAt, text: formatTime(message.createdAt) }),
    message.editedAt && !message.deleted ? el('span', { 'data-testid': 'edited', text: '(edited)' }) : null));
  item.append(el('div', { class: 'text', 'data-testid': 'message-text', text: message.deleted ? 'message deleted' : message.text }));
  if (message.deleted) return item;
  const files = renderAttachments(message);
  if (files) item.append(files);

  const reactions = Object.entries(message.reactions || {}).filter(([, users]) => users.length);
  if (reactions.length) {
    item.append(el('div', { class: 'reactions' }, ...reactions.map(([emoji, users]) =>
      el('button', { type: 'button', class: 'reaction', 'data-testid': 'reaction', 'data-emoji': emoji,
        'aria-pressed': users.includes(store.me) ? 'true' : 'false', title: users.join(', '),
        'aria-label': `${emoji} ${users.length}, by ${users.join(', ')}`, onclick: () => handlers.toggleReaction(message, emoji) },
        `${emoji} ${users.length}`))));
  }
  const actions = el('div', { class: 'actions' },
    el('button', { type: 'button', 'data-testid': 'reply', 'aria-label': `Reply to ${message.author}`, onclick: () => handlers.reply(message) }, 'Reply'),
    ...QUICK_EMOJI.map(emoji => el('button', { type: 'button', 'data-testid': 'react', 'data-emoji': emoji,
      'aria-label': `React with ${emoji}`, onclick: () => handlers.toggleReaction(message, emoji) }, emoji)));
  if (mine) {
    actions.append(el('button', { type: 'button', 'data-testid': 'edit', onclick: () => handlers.edit(message, item) }, 'Edit'));
  }
  if (mine || store.isModerator(message.room)) {
    actions.append(el('button', { type: 'button', 'data-testid': 'delete', onclick: () => handlers.remove(message) }, 'Delete'));
  }
  item.append(actions);
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

export function renderPeople(store, room) {
  const members = [...(store.members.get(room) || [])].sort();
  $('people').replaceChildren(...members.map(user => {
    const online = store.presence.get(user) === 'online' || user === store.me;
    return el('li', { 'data-testid': 'person', 'data-user': user, 'data-presence': online ? 'online' : 'offline' },
      el('span', { class: `presence-dot${online ? ' online' : ''}`, 'aria-hidden': 'true' }),
      el('span', { text: user }), el('span', { class: 'visually-hidden', text: online ? ' (online)' : ' (offline)' }));
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
