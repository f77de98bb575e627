// The transport contract every channel implements, and the connection that runs one with reconnect and fallback.
//
// A transport carries one connection of one channel:
//   open(after, sink)  resolves once live delivery runs (everything after `after` has been replayed into the sink);
//                      rejects when the channel cannot connect.
//   closed             a promise that resolves (with a reason) when an open connection ends.
//   write(frame)       the ack of a write frame, or null when the channel has no write path (the caller uses REST).
//   close()            ends it on purpose;  drop()  ends it as a network failure would (diagnostics, tests).
//   sessionEnded       (optional) the code when the server ended the session itself (WebSocket close 4001 / 4002).
// sink: { event(e) for logged events, signal(s) for typing/presence, reset(head) when the resume point is gone }.
import { WebSocketTransport } from './websocket.js';
import { SseTransport } from './sse.js';
import { LongPollTransport } from './longpoll.js';

export const CHANNELS = ['ws', 'sse', 'poll'];
export const CHANNEL_NAMES = { auto: 'Auto', ws: 'WebSocket', sse: 'SSE + REST', poll: 'Long-poll + REST' };

export const LOGGED_TYPES = ['room.created', 'member.joined', 'member.left', 'member.invited', 'message.created',
  'message.edited', 'message.deleted', 'reaction.added', 'reaction.removed', 'read.updated',
  'room.updated', 'role.updated', 'member.banned', 'member.unbanned',
  'notification.mention', 'notification.invite', 'notification.direct'];

export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt, { baseMs = 500, capMs = 30000 } = {}) {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// A refusal that no reconnect can cure: the session (its cookie token) expired or was revoked; sign in again.
const SESSION_ERRORS = new Set(['token_expired', 'token_revoked', 'token_invalid', 'token_missing']);

/** The code when `error` (or the transport's own close) says the session is over, else null. */
function sessionEnd(transport, error) {
  if (transport.sessionEnded) return transport.sessionEnded;
  return error?.status === 401 && SESSION_ERRORS.has(error.code) ? error.code : null;
}

/**
 * Keeps one live connection up. "auto" tries WebSocket, then SSE, then long-poll (SignalR's order), moving on
 * when a channel fails to connect; a channel that has worked once is kept and reconnected with backoff. Every
 * (re)connect resumes from the sink's last event id, so nothing is missed and the store drops what it already has.
 * When the server ends the session (token expired or revoked) it stops for good and calls onSessionEnded(code):
 * a reconnect would only be refused again.
 */
export class Connection {
  #transport = null;
  #stopped = false;
  #pollState = {};

  constructor(channel, { lastId, sink, onStatus, onSessionEnded = () => {} }) {
    this.channel = channel;
    this.lastId = lastId;
    this.sink = sink;
    this.onStatus = onStatus;
    this.onSessionEnded = onSessionEnded;
  }

  get transport() { return this.#transport; }

  /** True once stopped, by stop() or because the session ended: nothing reconnects any more. */
  get stopped() { return this.#stopped; }

  #endSession(kind, code) {
    this.#stopped = true;
    this.onStatus({ state: 'signed-out', channel: kind, reason: code });
    this.onSessionEnded(code);
  }

  start() { this.#run(); return this; }

  stop() {
    this.#stopped = true;
    this.#transport?.close();
  }

  drop() { this.#transport?.drop(); }

  /** A write over the live channel when it has one, else null. */
  write(frame) { return this.#transport?.write(frame) ?? null; }

  #create(kind) {
    switch (kind) {
      case 'ws': return new WebSocketTransport();
      case 'sse': return new SseTransport();
      default: return new LongPollTransport(this.#pollState);
    }
  }

  async #run() {
    const order = this.channel === 'auto' ? CHANNELS : [this.channel];
    const worked = new Set();
    let index = 0;
    let attempt = 0;
    while (!this.#stopped) {
      const kind = order[index];
      const transport = this.#create(kind);
      this.#transport = transport;
      this.onStatus({ state: 'connecting', channel: kind });
      try {
        await transport.open(this.lastId(), this.sink);
        if (this.#stopped) { transport.close(); return; }
        worked.add(kind);
        attempt = 0;
        this.onStatus({ state: 'connected', channel: kind });
        const reason = await transport.closed;
        if (this.#stopped) return;
        const ended = sessionEnd(transport, null);
        if (ended) { this.#endSession(kind, ended); return; }
        this.onStatus({ state: 'reconnecting', channel: kind, reason });
      } catch (e) {
        transport.close();
        if (this.#stopped) return;
        const ended = sessionEnd(transport, e);
        if (ended) { this.#endSession(kind, ended); return; }
        // "auto": a channel that never connected hands over to the next one; after the last, start over (with backoff).
        if (!worked.has(kind)) {
          index = (index + 1) % order.length;
          if (index !== 0) continue;
        }
        this.onStatus({ state: 'reconnecting', channel: kind, reason: e.message });
      }
      const delay = backoffDelay(attempt++);
      this.onStatus({ state: 'reconnecting', channel: order[index], retryInMs: delay });
      await sleep(delay);
    }
  }
}
