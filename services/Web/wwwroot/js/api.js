// REST calls to the one origin. The session is the HttpOnly chatmesh_token cookie: this code never sees the token.

/** An API refusal: `code` is the problem-details `error` member (docs/rest-api.md), `status` the HTTP status. */
export class ApiError extends Error {
  /** `retryAfterMs`: for `slow_mode`, how long until the server accepts the next message (problem extension or frame member). */
  constructor(status, code, message, retryAfterMs) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfterMs = typeof retryAfterMs === 'number' ? retryAfterMs : undefined;
  }
}

const enc = encodeURIComponent;

export async function request(method, path, body, headers = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network_error', 'The server cannot be reached.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  const json = text ? safeParse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, json?.error || 'http_' + response.status, json?.detail || json?.title || response.statusText, json?.retryAfterMs);
  }
  return json;
}

function safeParse(text) {
  try { return JSON.parse(text); } catch { return null; }
}

export const api = {
  me: () => request('GET', '/api/auth/me'),
  signIn: (userName, displayName) => request('POST', '/api/auth/sign-in', { userName, displayName: displayName || undefined }),
  signOut: () => request('POST', '/api/auth/sign-out'),

  myRooms: () => request('GET', '/api/rooms'),
  publicRooms: () => request('GET', '/api/rooms/public'),
  createRoom: (id, name, kind, topic) => request('POST', '/api/rooms', { id, name, kind, topic: topic || null }),
  members: room => request('GET', `/api/rooms/${enc(room)}/members`),
  presence: room => request('GET', `/api/rooms/${enc(room)}/presence`),
  join: room => request('POST', `/api/rooms/${enc(room)}/join`),
  leave: room => request('POST', `/api/rooms/${enc(room)}/leave`),
  bans: room => request('GET', `/api/rooms/${enc(room)}/bans`),
  direct: user => request('POST', `/api/direct/${enc(user)}`),
  history: (room, { before, after, limit = 30 } = {}) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before) q.set('before', String(before));
    if (after) q.set('after', String(after));
    return request('GET', `/api/rooms/${enc(room)}/messages?${q}`);
  },
  events: (after, limit = 100) => request('GET', `/api/events?after=${after}&limit=${limit}`),

  // Writes, as {type, …} frames: the WebSocket channel sends the frame itself, the others call these routes.
  write(frame) {
    const room = enc(frame.room);
    switch (frame.type) {
      case 'send':
        return request('POST', `/api/rooms/${room}/messages`,
          { text: frame.text, replyTo: frame.replyTo ?? null, attachments: frame.attachments ?? undefined },
          frame.key ? { 'Idempotency-Key': frame.key } : {});
      case 'edit': return request('PATCH', `/api/rooms/${room}/messages/${frame.messageId}`, { text: frame.text });
      case 'delete': return request('DELETE', `/api/rooms/${room}/messages/${frame.messageId}`);
      case 'react': return request('PUT', `/api/rooms/${room}/messages/${frame.messageId}/reactions/${enc(frame.emoji)}`);
      case 'unreact': return request('DELETE', `/api/rooms/${room}/messages/${frame.messageId}/reactions/${enc(frame.emoji)}`);
      case 'read': return request('POST', `/api/rooms/${room}/read`, { eventId: frame.eventId });
      case 'join': return request('POST', `/api/rooms/${room}/join`);
      case 'leave': return request('POST', `/api/rooms/${room}/leave`);
      case 'typing': return request('POST', `/api/rooms/${room}/typing`); // 202, no body
      // Moderation (docs/protocol.md, "Moderation and roles"): the same frames as the WebSocket's.
      case 'role': return request('PUT', `/api/rooms/${room}/roles/${enc(frame.user)}`, { role: frame.role });
      case 'kick': return request('DELETE', `/api/rooms/${room}/members/${enc(frame.user)}`);
      case 'ban': return request('PUT', `/api/rooms/${room}/bans/${enc(frame.user)}`);
      case 'unban': return request('DELETE', `/api/rooms/${room}/bans/${enc(frame.user)}`);
      case 'update_room': {
        const { type, room: _, ...changes } = frame;
        return request('PATCH', `/api/rooms/${room}`, changes);
      }
      default: return Promise.reject(new ApiError(0, 'unknown_type', frame.type));
    }
  },

  notifications: (limit = 30) => request('GET', `/api/notifications?limit=${limit}`),
  readNotifications: upTo => request('POST', '/api/notifications/read', { upTo }),

  // Webhook admin (integration service).
  endpoints: () => request('GET', '/api/webhooks/endpoints'),
  createEndpoint: body => request('POST', '/api/webhooks/endpoints', body),
  deleteEndpoint: id => request('DELETE', `/api/webhooks/endpoints/${enc(id)}`),
  attempts: id => request('GET', `/api/webhooks/endpoints/${enc(id)}/attempts?limit=50`),
  replay: (id, eventId) => request('POST', `/api/webhooks/endpoints/${enc(id)}/messages/${eventId}/replay`),
  incomingHooks: () => request('GET', '/api/webhooks/incoming'),
  createIncomingHook: body => request('POST', '/api/webhooks/incoming', body),
  deleteIncomingHook: id => request('DELETE', `/api/webhooks/incoming/${enc(id)}`),
};
