// HTTP long-polling (docs/protocol.md "/poll"); writes go over REST. The queue and its cursor outlive one
// connection (they live in Redis), so a resume polls the same queue; an expired queue is registered again and the
// gap since the last event id is filled from the REST replay (GET /api/events?after=).
import { api, request, ApiError } from '../api.js';
import { deferred } from './transport.js';

export class LongPollTransport {
  name = 'poll';
  #abort = new AbortController();
  #closed = deferred();
  closed = this.#closed.promise;
  sessionEnded = null;

  /** @param state {queueId, cursor} shared by the poll transports of one client, so a resume keeps its queue. */
  constructor(state) { this.state = state; }

  async open(after, sink) {
    this.state.cursor = Math.max(this.state.cursor || 0, after);
    if (!this.state.queueId) await this.#register(sink);
    // One non-blocking poll proves the queue answers before the channel reports itself connected.
    await this.#poll(sink, true);
    this.#loop(sink);
  }

  async #register(sink) {
    const queue = await request('POST', '/poll/queues', {});
    const from = this.state.cursor;
    this.state.queueId = queue.queueId;
    this.state.cursor = Math.max(from, queue.lastEventId);
    // Events between our last id and the queue's start come from the replay; later ones from the queue.
    for (let after = from; after > 0 && after < queue.lastEventId;) {
      const page = await api.events(after);
      if (page.reset) { sink.reset(page.head); break; }
      for (const event of page.events) if (event.id <= queue.lastEventId) sink.event(event);
      if (!page.more || page.events.length === 0) break;
      after = page.events[page.events.length - 1].id;
    }
  }

  async #poll(sink, dontBlock) {
    const q = `lastEventId=${this.state.cursor}${dontBlock ? '&dont_block=true' : ''}`;
    let answer;
    try {
      const response = await fetch(`/poll/queues/${encodeURIComponent(this.state.queueId)}/events?${q}`,
        { credentials: 'same-origin', signal: this.#abort.signal, headers: { Accept: 'application/json' } });
      answer = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, answer?.error || 'http_' + response.status, answer?.detail);
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'queue_expired' || e.code === 'queue_not_found' || e.code === 'cursor_behind_ack')) {
        this.state.queueId = null; // register again on the next connect
      }
      throw e instanceof ApiError ? e : new ApiError(0, 'network_error', 'poll failed');
    }
    for (const event of answer.events) sink.event(event);
    if (answer.reset) sink.reset(answer.head);
    this.state.cursor = Math.max(this.state.cursor, answer.lastEventId);
  }

  async #loop(sink) {
    try {
      while (!this.#abort.signal.aborted) await this.#poll(sink, false);
    } catch (e) {
      // A 401 (token expired or revoked) ends the session, not just this poll: the connection stops (transport.js).
      if (e instanceof ApiError && e.status === 401) this.sessionEnded = e.code;
      this.#closed.resolve(e.message);
    }
  }

  write() { return null; }

  close() {
    this.#abort.abort();
    this.#closed.resolve('closed');
  }

  drop() { this.close(); }
}
