// chatmesh.v1 over WebSocket (docs/protocol.md): hello → subscribe {after} → replayed events → subscribed | reset.
import { ApiError } from '../api.js';
import { deferred } from './transport.js';

// Close codes that end the session, not the connection (docs/protocol.md): reconnecting with the same cookie is refused.
const SESSION_CLOSES = { 4001: 'token_expired', 4002: 'token_revoked' };

export class WebSocketTransport {
  name = 'ws';
  #socket = null;
  #pending = new Map();
  #ref = 0;
  #closed = deferred();
  closed = this.#closed.promise;
  /** Set when the server ended the session (4001 token_expired, 4002 token_revoked): the code, for the sign-in form. */
  sessionEnded = null;

  open(after, sink) {
    const ready = deferred();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const socket = new WebSocket(url, 'chatmesh.v1');
    this.#socket = socket;
    let live = false;
    socket.onmessage = message => {
      let frame;
      try { frame = JSON.parse(message.data); } catch { return; }
      // Control frames first: an ack also has an "id" (the id of the event it acknowledges), but is not that event.
      switch (frame.type) {
        case 'hello':
          socket.send(JSON.stringify(after > 0 ? { type: 'subscribe', after, ref: 'sub' } : { type: 'subscribe', ref: 'sub' }));
          break;
        case 'subscribed': live = true; ready.resolve(); break;
        case 'reset': live = true; sink.reset(frame.head); ready.resolve(); break;
        case 'typing': case 'presence': sink.signal(frame); break;
        case 'ack': this.#settle(frame.ref, p => p.resolve(frame)); break;
        case 'error':
          if (frame.ref === 'sub') { ready.reject(new ApiError(0, frame.code, frame.message)); socket.close(); }
          else this.#settle(frame.ref, p => p.reject(new ApiError(0, frame.code, frame.message, frame.retryAfterMs)));
          break;
        case 'pong': case 'authenticated': break;
        default: if (frame.id !== undefined) sink.event(frame);
      }
    };
    socket.onclose = event => {
      this.sessionEnded = SESSION_CLOSES[event.code] ?? null;
      const reason = new ApiError(this.sessionEnded ? 401 : 0, this.sessionEnded ?? 'disconnected',
        `connection closed (${event.code}${event.reason ? ' ' + event.reason : ''})`);
      for (const p of this.#pending.values()) p.reject(reason);
      this.#pending.clear();
      if (!live) ready.reject(reason);
      this.#closed.resolve(reason.message);
    };
    return ready.promise;
  }

  #settle(ref, action) {
    const p = this.#pending.get(ref);
    if (p) { this.#pending.delete(ref); action(p); }
  }

  /** Sends a write frame and resolves with its ack; null when the socket is not open (the caller uses REST). */
  write(frame) {
    if (this.#socket?.readyState !== WebSocket.OPEN) return null;
    const ref = `w${++this.#ref}`;
    const p = deferred();
    this.#pending.set(ref, p);
    this.#socket.send(JSON.stringify({ ...frame, ref }));
    return frame.type === 'typing' ? (this.#pending.delete(ref), Promise.resolve(null)) : p.promise;
  }

  close() { this.#socket?.close(1000, 'bye'); }

  drop() { this.#socket?.close(4999, 'dropped'); }
}
