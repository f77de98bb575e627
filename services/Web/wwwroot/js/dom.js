// DOM helpers. Text goes in through textContent only: user content is never parsed as HTML.

export const $ = id => document.getElementById(id);

/** Creates an element: attrs are set as attributes (or `text` as textContent); children are nodes or strings (text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

// What a refusal means to the person who met it; the server's own message for the codes not listed.
const READABLE = {
  not_moderator: 'Only the room\'s owner and its moderators can do that.',
  not_owner: 'Only the room\'s owner can make or remove moderators.',
  outranked: 'You cannot remove or ban someone whose role is the same as yours or higher.',
  banned: 'You are banned from this room.',
  room_read_only: 'This room is read-only: only its owner and moderators can post.',
  not_member: 'You are not a member of this room.',
  forbidden: 'That is not allowed here.',
  rate_limited: 'Too many requests: try again in a moment.',
  network_error: 'The server cannot be reached.',
};

/** A refusal as a sentence a person can read, with the server's `error` code after it (for support and the tests). */
export function describeError(error) {
  if (!error) return '';
  const text = error.code === 'slow_mode' && error.retryAfterMs !== undefined
    ? `Slow mode is on: you can post again in ${Math.ceil(error.retryAfterMs / 1000)} s.`
    : READABLE[error.code] ?? error.message;
  return `${text}${error.code ? ` (${error.code})` : ''}`;
}

export function showError(target, error) {
  target.textContent = describeError(error);
}

/** The local calendar day of an ISO time, as a key (`2026-12-04`); '' when the time is not valid. */
export function dayKey(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** A day separator's label: Today, Yesterday, or the weekday and date. */
export function formatDay(iso, now = new Date()) {
  const key = dayKey(iso);
  if (key === dayKey(now.toISOString())) return 'Today';
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1, 12);
  if (key === dayKey(yesterday.toISOString())) return 'Yesterday';
  return new Date(iso).toLocaleDateString([], { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

/** Milliseconds from now until the next local midnight, when Today becomes Yesterday. */
export function msUntilNextDay(now = new Date()) {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1) - now;
}

export function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
