// The room controls: create, join, direct message, leave.
import { api } from './api.js';
import { $, showError } from './dom.js';

/**
 * Wires the room forms. Each action refreshes the room list and opens the room it names; errors show under the list.
 * Returns join(roomId) for the public-room list.
 */
export function bindRoomControls({ reloadRooms, openRoom, currentRoom, afterLeave }) {
  const enter = async (action, form) => {
    try {
      const room = await action();
      // Done: an earlier refusal or removal notice no longer applies.
      showError($('rooms-error'), null);
      $('removed-notice').textContent = '';
      form?.reset();
      form?.closest('details')?.removeAttribute('open');
      await reloadRooms();
      await openRoom(room);
    } catch (e) {
      showError($('rooms-error'), e);
    }
  };

  $('create-room-form').addEventListener('submit', e => {
    e.preventDefault();
    const id = $('create-room-id').value.trim();
    enter(async () => { await api.createRoom(id, $('create-room-name').value.trim() || id, $('create-room-kind').value); return id; }, e.target);
  });
  $('dm-form').addEventListener('submit', e => {
    e.preventDefault();
    enter(async () => (await api.direct($('dm-user').value.trim())).id, e.target);
  });
  $('leave-room').addEventListener('click', async () => {
    try {
      await api.leave(currentRoom());
      await afterLeave();
    } catch (e) {
      showError($('rooms-error'), e);
    }
  });
  $('browse').addEventListener('toggle', e => { if (e.target.open) reloadRooms(); });

  return id => enter(async () => { await api.join(id); $('browse').open = false; return id; });
}
