// Attachments: uploads from the composer (button or drag and drop) and how a message shows its files.
import { ApiError } from './api.js';
import { $, el, showError } from './dom.js';

/** The raster image types the server serves inline; everything else is a download link. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export const fileUrl = (room, id) => `/files/${encodeURIComponent(room)}/${id}`;

/** Uploads one file (multipart, part `file`); resolves to the attachment `{id, name, size, contentType, width?, height?}`. */
export async function upload(room, file) {
  const body = new FormData();
  body.append('file', file, file.name);
  let response;
  try {
    response = await fetch(`/api/rooms/${encodeURIComponent(room)}/attachments`, { method: 'POST', body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network_error', 'The server cannot be reached.');
  }
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, json?.error || 'http_' + response.status, json?.detail || response.statusText);
  return json;
}

export function formatSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The files of a message: images inline (a thumbnail; a click opens the full size), others as download links. */
export function renderAttachments(message) {
  const files = message.attachments || [];
  if (message.deleted || files.length === 0) return null;
  return el('ul', { class: 'attachments', 'data-testid': 'attachments' }, ...files.map(file => {
    const url = fileUrl(message.room, file.id);
    if (INLINE_TYPES.has(file.contentType)) {
      return el('li', {}, el('a', { href: url, target: '_blank', rel: 'noopener', title: file.name },
        el('img', { class: 'attachment-image', src: url, alt: file.name, loading: 'lazy', 'data-testid': 'attachment-image',
          width: file.width, height: file.height })));
    }
    return el('li', {}, el('a', { class: 'attachment-file', href: url, download: file.name, 'data-testid': 'attachment-link' },
      `📎 ${file.name}`), el('span', { class: 'attachment-size', text: ` ${formatSize(file.size)}` }));
  }));
}

/**
 * The composer's pending uploads: the attach button, drag and drop onto the composer, and the list of files that the next
 * send will reference. `room()` is the room being looked at.
 */
export class PendingAttachments {
  #items = [];
  #room;

  constructor(room) {
    this.#room = room;
    const input = $('attach-input');
    $('attach-button').addEventListener('click', () => input.click());
    input.addEventListener('change', () => { this.add([...input.files]); input.value = ''; });
    const composer = $('composer');
    composer.addEventListener('dragover', e => {
      if ([...(e.dataTransfer?.types || [])].includes('Files')) { e.preventDefault(); composer.classList.add('dropping'); }
    });
    composer.addEventListener('dragleave', () => composer.classList.remove('dropping'));
    composer.addEventListener('drop', e => {
      composer.classList.remove('dropping');
      if (!e.dataTransfer?.files?.length) return;
      e.preventDefault();
      this.add([...e.dataTransfer.files]);
    });
  }

  /** Uploads each file at once; the send waits for uploads still running. */
  add(files) {
    const room = this.#room();
    if (!room) return;
    for (const file of files) {
      const item = { file, room, attachment: null, error: null };
      item.done = upload(room, file).then(a => { item.attachment = a; }, e => { item.error = e; }).finally(() => this.#render());
      this.#items.push(item);
    }
    this.#render();
  }

  get count() { return this.#items.length; }

  /** Waits for the uploads and returns their ids; null (and shows why) when one failed. */
  async ids() {
    await Promise.all(this.#items.map(i => i.done));
    const failed = this.#items.find(i => i.error);
    if (failed) {
      showError($('composer-error'), failed.error);
      return null;
    }
    return this.#items.map(i => i.attachment.id);
  }

  clear() { this.#items = []; this.#render(); }

  #render() {
    $('pending-attachments').replaceChildren(...this.#items.map(item => el('li', { 'data-testid': 'pending-attachment',
      'data-state': item.error ? 'failed' : item.attachment ? 'uploaded' : 'uploading' },
      el('span', { text: `${item.file.name} · ${item.error ? item.error.message : item.attachment ? formatSize(item.attachment.size) : 'uploading…'}` }),
      el('button', { type: 'button', 'aria-label': `Remove ${item.file.name}`, onclick: () => {
        this.#items = this.#items.filter(i => i !== item);
        this.#render();
      } }, '×'))));
  }
}
