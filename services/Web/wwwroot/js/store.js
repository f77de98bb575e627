// Client state, fed by REST snapshots and by events from whichever channel is live. Every event is applied once
// (deduplicated by its id, the same on every channel), and every application is an upsert, so a snapshot that
// already contains an event and the event itself never show a message twice.

const SEEN_LIMIT = 5000;

export class Store {
  me = null;
  rooms = new Map();        // id → { room: RoomSummary, lastReadEventId, unread, mentions }
  messages = new Map();     // room → Map(id → ChatMessage)
  hasMore = new Map();      // room → older history exists
  members = new Map();      // room → Set(user)
  presence = new Map();     // user → 'online' | 'offline'
  typing = new Map();       // room → Map(user → expiry ms)
  system = new Map();       // room → [{ id, text }]: moderation and room changes seen live, shown as system lines
  notifications = [];       // newest first: { id, type, read, event }
  lastId = 0;               // the resume point: the largest event id received
  viewing = null;           // the room on screen
  #seen = new Set();
  #listeners = new Set();

  subscribe(listener) { this.#listeners.add(listener); }

  emit(kind, detail) { for (const listener of this.#listeners) listener(kind, detail); }

  setRooms(myRooms) {
    this.rooms = new Map(myRooms.map(r => [r.room.id, r]));
    this.emit('rooms');
  }

  /** Merges a history page (ascending ids) into the room's messages. */
  addHistory(room, page, older) {
    const map = this.#roomMessages(room);
    for (const message of page.messages) map.set(message.id, { ...message, reactions: message.reactions || {} });
    if (older || !this.hasMore.has(room)) this.hasMore.set(room, page.hasMore);
    this.emit('messages', { room });
  }

  sortedMessages(room) {
    return [...this.#roomMessages(room).values()].sort((a, b) => a.id - b.id);
  }

  #roomMessages(room) {
    let map = this.messages.get(room);
    if (!map) this.messages.set(room, map = new Map());
    return map;
  }

  /** Applies a logged event once; returns false for an id already applied. */
  apply(event) {
    if (this.#seen.has(event.id)) return false;
    this.#seen.add(event.id);
    if (this.#seen.size > SEEN_LIMIT) {
      for (const id of this.#seen) { if (this.#seen.size <= SEEN_LIMIT / 2) break; this.#seen.delete(id); }
    }
    this.lastId = Math.max(this.lastId, event.id);
    const d = event.data || {};
    const entry = this.rooms.get(event.room);
    switch (event.type) {
      case 'message.created': {
        const map = this.#roomMessages(event.room);
        if (!map.has(d.messageId)) {
          map.set(d.messageId, { id: d.messageId, room: event.room, author: event.actor, username: d.username ?? null,
            text: d.text, createdAt: event.ts, editedAt: null, deleted: false, replyTo: d.replyTo ?? null,
            mentions: d.mentions || [], reactions: {}, attachments: d.attachments || [] });
        }
        if (entry) {
          entry.room.lastEventId = Math.max(entry.room.lastEventId || 0, event.id);
          // A message in the room being looked at is read at once (the view moves the marker), so it never counts.
          const seen = this.viewing === event.room && !document.hidden;
          if (!seen && event.actor !== this.me && event.id > (entry.lastReadEventId || 0)) {
            entry.unread++;
            if ((d.mentions || []).includes(this.me)) entry.mentions++;
          }
          this.emit('rooms');
        }
        this.emit('message', { room: event.room, id: d.messageId, created: true });
        break;
      }
      case 'message.edited':
      case 'message.deleted':
      case 'reaction.added':
      case 'reaction.removed': {
        const message = this.messages.get(event.room)?.get(d.messageId);
        if (!message) break; // not loaded: the history will have the current state
        if (event.type === 'message.edited') { message.text = d.text; message.mentions = d.mentions || []; message.editedAt = event.ts; }
        if (event.type === 'message.deleted') { message.deleted = true; message.text = ''; }
        if (event.type === 'reaction.added') {
          const users = message.reactions[d.emoji] ||= [];
          if (!users.includes(d.user)) users.push(d.user);
        }
        if (event.type === 'reaction.removed') {
          const users = (message.reactions[d.emoji] || []).filter(u => u !== d.user);
          if (users.length) message.reactions[d.emoji] = users; else delete message.reactions[d.emoji];
        }
        this.emit('message', { room: event.room, id: d.messageId });
        break;
      }
      case 'room.updated':
      case 'role.updated':
      case 'member.banned':
      case 'member.unbanned':
        this.#moderation(event, entry);
        break;
      case 'member.joined':
      case 'member.left': {
        // The user who joined or left also gets a personal copy (`event.user`, its own id): one line, one notice.
        const copy = event.user !== undefined;
        if (d.reason === 'kicked' && !copy) this.#systemLine(event, `${d.user} was removed by ${event.actor}`);
        // Leaving, a kick or a ban drops the moderator role.
        if (event.type === 'member.left' && entry?.room.moderators) entry.room.moderators = entry.room.moderators.filter(u => u !== d.user);
        if (d.user === this.me) {
          if (event.type === 'member.left') {
            this.rooms.delete(event.room);
            this.emit('rooms');
            if (entry && (d.reason === 'kicked' || d.reason === 'banned')) {
              this.emit('removed', { room: event.room, name: entry?.room.name, reason: d.reason, by: event.actor });
            }
          }
          else if (!entry) this.emit('rooms-stale');
        }
        // (After the room list: a user removed from the open room has left it before its member list changes.)
        const members = this.members.get(event.room);
        if (members) {
          if (event.type === 'member.joined') members.add(d.user); else members.delete(d.user);
          this.emit('members', { room: event.room });
        }
        break;
      }
      case 'read.updated': {
        const read = this.rooms.get(d.room);
        if (read) {
          read.lastReadEventId = d.lastRead;
          read.unread = d.unread;
          read.mentions = d.mentions;
          this.emit('rooms');
        }
        break;
      }
      case 'notification.mention':
      case 'notification.invite':
      case 'notification.direct':
        if (!this.notifications.some(n => n.id === event.id)) {
          this.notifications.unshift({ id: event.id, type: event.type, read: false, event });
          this.emit('notifications');
        }
        if (event.type !== 'notification.mention' && !this.rooms.has(d.room)) this.emit('rooms-stale');
        break;
    }
    return true;
  }

  /** Whether the user may post in the room: it is not read-only, or they are its owner or a moderator. */
  canPost(room) {
    const summary = this.rooms.get(room)?.room;
    return !!summary && (!summary.readOnly || this.isModerator(room));
  }

  isModerator(room) {
    const summary = this.rooms.get(room)?.room;
    return !!summary && (summary.owner === this.me || (summary.moderators || []).includes(this.me));
  }

  /** `owner`, `moderator` or `member` in the room, as the room summary and the live role events say. */
  roleOf(room, user) {
    const summary = this.rooms.get(room)?.room;
    if (!summary) return 'member';
    return summary.owner === user ? 'owner' : (summary.moderators || []).includes(user) ? 'moderator' : 'member';
  }

  #moderation(event, entry) {
    const d = event.data || {};
    const summary = entry?.room;
    if (event.type === 'role.updated') {
      if (summary) {
        const others = (summary.moderators || []).filter(u => u !== d.user);
        summary.moderators = d.role === 'moderator' ? [...others, d.user] : others;
      }
      this.#systemLine(event, d.role === 'moderator' ? `${event.actor} made ${d.user} a moderator` : `${event.actor} made ${d.user} a member again`);
    } else if (event.type === 'member.banned') {
      this.#systemLine(event, `${d.user} was banned by ${event.actor}`);
    } else if (event.type === 'member.unbanned') {
      this.#systemLine(event, `${event.actor} lifted the ban on ${d.user}`);
    } else {
      const changes = [];
      if ('name' in d) changes.push(`renamed the room to “${d.name}”`);
      if ('topic' in d) changes.push(d.topic ? `set the topic to “${d.topic}”` : 'cleared the topic');
      if ('readOnly' in d) changes.push(d.readOnly ? 'made the room read-only' : 'let everyone post again');
      if ('slowModeSeconds' in d) changes.push(d.slowModeSeconds ? `turned on slow mode (${d.slowModeSeconds} s)` : 'turned off slow mode');
      if (summary) {
        if ('name' in d) summary.name = d.name;
        if ('topic' in d) summary.topic = d.topic;
        if ('readOnly' in d) summary.readOnly = d.readOnly;
        if ('slowModeSeconds' in d) summary.slowModeSeconds = d.slowModeSeconds;
      }
      this.#systemLine(event, `${event.actor} ${changes.join(', ')}`);
    }
    if (summary) this.emit('room-updated', { room: event.room });
  }

  #systemLine(event, text) {
    let lines = this.system.get(event.room);
    if (!lines) this.system.set(event.room, lines = []);
    lines.push({ id: event.id, ts: event.ts, text });
    this.emit('messages', { room: event.room });
  }

  signal(signal) {
    if (signal.type === 'presence') {
      this.presence.set(signal.user, signal.status);
      this.emit('presence');
    } else if (signal.type === 'typing' && signal.user !== this.me) {
      let room = this.typing.get(signal.room);
      if (!room) this.typing.set(signal.room, room = new Map());
      room.set(signal.user, Date.now() + 4000);
      this.emit('typing', { room: signal.room });
    }
  }

  typingUsers(room) {
    const now = Date.now();
    return [...(this.typing.get(room) || new Map())].filter(([, until]) => until > now).map(([user]) => user);
  }
}
