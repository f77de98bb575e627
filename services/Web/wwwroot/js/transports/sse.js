// Server-Sent Events (docs/protocol.md "/sse"); writes go over REST. The client reconnects itself (backoff, jitter)
// with ?after=<last id> instead of EventSource's fixed retry, so every channel resumes the same way.
import { ApiError } from '../api.js';
import { deferred, LOGGED_TYPES } from './transport.js';

export class SseTransport {
  name = 'sse';
  #source = null;
  #closed = deferred();
  closed = this.#closed.promise;

  open(after, sink) {
    const ready = deferred();
    const source = new EventSource(`/sse?typing=true${after > 0 ? `&after=${after}` : ''}`);
    this.#source = source;
    let live = false;
    const parse = e => { try { return JSON.parse(e.data); } catch { return null; } };
    for (const type of LOGGED_TYPES) {
      source.addEventListener(type, e => { const event = parse(e); if (event) sink.event(event); });
    }
    for (const type of ['typing', 'presence']) {
      source.addEventListener(type, e => { const signal = parse(e); if (signal) sink.signal(signal); });
    }
    source.addEventListener('subscribed', () => { live = true; ready.resolve(); });
    source.addEventListener('reset', e => { live = true; sink.reset(parse(e)?.head); ready.resolve(); });
    source.addEventListener('shutdown', () => this.#end('server_shutdown'));
    // 'error' is both the server's last item (with data) and EventSource's own failure event (without).
    source.addEventListener('error', e => {
      const problem = e.data ? parse(e) : null;
      const reason = problem?.code || 'connection lost';
      if (!live) ready.reject(new ApiError(0, problem?.code || 'connect_failed', reason));
      this.#end(reason);
    });
    return ready.promise;
  }

  #end(reason) {
    this.#source?.close();
    this.#closed.resolve(reason);
  }

  write() { return null; }

  close() { this.#end('closed'); }

  drop() { this.#end('dropped'); }
}
