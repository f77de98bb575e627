// Message search: the box in the top bar, GET /api/search, and the hits panel. A hit opens its room.
// Text goes in through textContent only (highlights as <mark> elements around text nodes): never parsed as HTML.
import { request } from './api.js';
import { $, el, showError, formatTime } from './dom.js';

const PAGE = 20;

/**
 * Wires the search form. `openRoom(id)` opens a room; `roomName(id)` names it for the hits.
 * Keyboard: Enter searches, Tab walks the hits (each a button), Escape closes the panel back to the box.
 */
export function bindSearch({ openRoom, roomName }) {
  const form = $('search-form');
  const input = $('search-input');
  const panel = $('search-panel');
  const list = $('search-results');
  const status = $('search-status');
  const more = $('search-more');
  let query = '';
  let next = null;

  form.hidden = false;
  if (form.dataset.bound) return; // a second sign-in on the same page keeps the first wiring
  form.dataset.bound = '1';
  form.addEventListener('submit', async event => {
    event.preventDefault();
    query = input.value.trim();
    if (!query) return;
    list.replaceChildren();
    await load(null);
  });
  more.addEventListener('click', () => load(next));
  $('search-close').addEventListener('click', close);
  for (const target of [input, panel]) {
    target.addEventListener('keydown', event => { if (event.key === 'Escape' && !panel.hidden) { event.preventDefault(); close(); } });
  }

  async function load(before) {
    panel.hidden = false;
    status.textContent = 'Searching…';
    more.hidden = true;
    try {
      const params = new URLSearchParams({ q: query, limit: String(PAGE) });
      if (before) params.set('before', String(before));
      const page = await request('GET', `/api/search?${params}`);
      for (const hit of page.hits) list.append(renderHit(hit));
      next = page.nextBefore;
      more.hidden = next === null || next === undefined;
      const count = list.children.length;
      status.textContent = count === 0 ? `No messages match “${query}”.` : `${count} message${count === 1 ? '' : 's'} match “${query}”${more.hidden ? '' : ' (more below)'}.`;
    } catch (e) {
      status.textContent = '';
      showError(status, e);
    }
  }

  function renderHit(hit) {
    const open = el('button', {
      type: 'button', class: 'search-hit', 'data-testid': 'search-hit', 'data-room': hit.room, 'data-message-id': hit.messageId,
      onclick: async () => { close(); await openRoom(hit.room); },
    },
    el('span', { class: 'meta' },
      el('span', { class: 'search-room', text: roomName(hit.room) }),
      el('span', { class: 'author', text: hit.author }),
      el('time', { datetime: hit.createdAt, text: formatTime(hit.createdAt) })),
    snippet(hit));
    return el('li', {}, open);
  }

  function close() {
    panel.hidden = true;
    input.focus();
  }
}

/** The snippet as text nodes with each highlighted range in a <mark>. */
function snippet(hit) {
  const text = hit.snippet;
  const node = el('span', { class: 'search-snippet', 'data-testid': 'search-snippet' });
  let at = 0;
  for (const { start, length } of hit.highlights) {
    if (start < at || start + length > text.length) continue;
    node.append(text.slice(at, start), el('mark', { text: text.slice(start, start + length) }));
    at = start + length;
  }
  node.append(text.slice(at));
  return node;
}
