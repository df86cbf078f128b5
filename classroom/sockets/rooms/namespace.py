"""The `/room` namespace: presence, chat and sync as ../shared/spec/rooms.md says, and the rest of a class
(hands, floor, polls, board, slides, moderation, WebRTC signalling) as docs/rooms.md describes. Each handler is
thin: the guard checks and commits (guard.room_event), the services change the room, the handler says so."""
from __future__ import annotations

import json

from flask import request
from flask_babel import gettext as _
from flask_socketio import Namespace, emit, join_room

from ...errors import AppError, bad
from ...extensions import db, socketio
from ...models import Participant
from ...services import slides
from ...services.rooms import board, chat, moderation, polls, presence
from ...services.rooms.payload import flag, no_arguments, row_id
from ...services.rooms.roles import LEARNERS, MODERATORS, NAMESPACE, TEACHER, participant_room, room_name, staff_room
from ..queue import resubscribed_at
from .guard import Connection, admit, depart, live_session, participant, room_event, send_error
from .ordering import chat_order
from .registry import rooms
from .snapshots import state_json

SIGNAL_KINDS = frozenset({"offer", "answer", "ice", "mode", "bye"})
SIGNAL_MAX_CHARS = 20_000


class RoomNamespace(Namespace):
    def trigger_event(self, event, *args):
        # The server calls `connect`/`disconnect` while the client is half in or half out; a client that is
        # fully connected and sends an event of that name is not connecting or leaving, whatever it says.
        sent_by_client = event in ("connect", "disconnect") and args and self.socketio.server.manager.is_connected(
            args[0], self.namespace)
        if sent_by_client or event not in ("connect", "disconnect") and not getattr(
                getattr(self, f"on_{event}", None), "room_event", False):
            return self.socketio._handle_event(self._unknown_event, event, self.namespace, *args)
        return super().trigger_event(event, *args)

    def _unknown_event(self, *args):
        refusal = AppError(400, "unknown_event", _("This room does not know that event."))
        send_error(refusal)
        return refusal.as_json()

    def on_connect(self, auth=None):
        arrival = admit(auth.get("token") if isinstance(auth, dict) else None, request.sid)
        connection = arrival.connection
        join_room(room_name(connection.live_session_id))
        join_room(participant_room(connection.participant_id))
        if connection.role in MODERATORS:
            join_room(staff_room(connection.live_session_id))
        emit("state", arrival.state)
        emit("board", {"strokes": arrival.strokes})
        fanout = rooms().fanout
        if fanout.interval > 0:
            emit("presence", {"members": presence.members(connection.live_session_id, arrival.rows)})
        fanout.presence_changed(connection.live_session_id)

    def on_disconnect(self, reason=None):
        connection = depart(request.sid)
        if connection is None:
            return
        from ..media import connection_closed
        connection_closed(request.sid, connection.live_session_id)
        rooms().fanout.presence_changed(connection.live_session_id)

    # --- the spec's contract ---------------------------------------------------------------------

    @room_event(limit="chat", changes_room=False)
    def on_chat(self, connection: Connection, data):
        live = live_session(connection)
        with chat_order(live.id):
            message = chat.store_chat(connection, live, data)
            yield  # stored before it is sent on
            emit("chat", chat.message_json(message), to=room_name(live.id))
        rooms().snapshots.chat_sent(live.id, message.id)
        return {"id": message.id}

    @room_event(limit="sync", changes_room=False)
    def on_sync(self, connection: Connection, data):
        with_state = chat.sync_wants_state(data)
        emit("history", {"messages": chat.history(connection.live_session_id, data)})
        if with_state:  # after `resync`: hands, floor, poll, board or slide may have changed unseen too
            live = live_session(connection, must_be_running=False)
            rows = presence.member_rows(live.id)
            snapshot = rooms().snapshots.get(live.id, loaded_after=resubscribed_at(self.socketio.server.manager))
            emit("state", state_json(live, participant(connection), rows, snapshot))
            emit("board", {"strokes": snapshot.board})
            emit("presence", {"members": presence.members(live.id, rows)})

    # --- hands and the floor ---------------------------------------------------------------------

    @room_event(roles=LEARNERS)
    def on_hand(self, connection: Connection, data):
        live_session(connection)
        moderation.set_hand(participant(connection), data)
        yield
        self.send_hands(connection.live_session_id)

    @room_event(roles=MODERATORS)
    def on_hand_lower(self, connection: Connection, data):
        live_session(connection)
        moderation.lower_hand(connection.live_session_id, data)
        yield
        self.send_hands(connection.live_session_id)

    @room_event(roles={TEACHER})
    def on_floor(self, connection: Connection, data):
        live_session(connection)
        moderation.give_floor(connection.live_session_id, data)
        yield
        from ..media import floor_changed
        floor_changed(connection.live_session_id, data.get("id"))
        emit("floor", moderation.floor_json(connection.live_session_id), to=room_name(connection.live_session_id))
        self.send_hands(connection.live_session_id)

    @room_event(roles=LEARNERS)
    def on_headcount(self, connection: Connection, data):
        live_session(connection)
        presence.set_headcount(participant(connection), data)
        yield
        rooms().fanout.presence_changed(connection.live_session_id)

    @staticmethod
    def send_hands(live_session_id: int) -> None:
        emit("hands", {"queue": moderation.hands(live_session_id)}, to=room_name(live_session_id))

    # --- moderation ------------------------------------------------------------------------------

    @room_event(roles=MODERATORS)
    def on_mute_chat(self, connection: Connection, data):
        live = live_session(connection)
        live.chat_muted = flag(data, "muted")
        yield
        emit("room", presence.room_json(live), to=room_name(live.id))

    @room_event(roles=MODERATORS)
    def on_lock(self, connection: Connection, data):
        live = live_session(connection)
        moderation.set_locked(live, flag(data, "locked"))
        yield
        emit("room", presence.room_json(live), to=room_name(live.id))

    @room_event(roles=MODERATORS)
    def on_remove(self, connection: Connection, data):
        live = live_session(connection)
        target, sids = moderation.remove_participant(live, participant(connection), data)
        yield
        # and this process's connections whose attendance is not written yet
        sids = set(sids) | {sid for sid, c in list(rooms().connections.items()) if c.participant_id == target.id}
        emit("removed", {"message": _("The teacher has removed you from this room.")},
             to=participant_room(target.id))
        for sid in sids:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        self.send_hands(live.id)
        emit("removals", {"people": moderation.removals(live.id)}, to=staff_room(live.id))
        rooms().fanout.presence_changed(live.id)

    @room_event(roles=MODERATORS)
    def on_readmit(self, connection: Connection, data):
        live = live_session(connection)
        moderation.readmit(live, data)
        yield
        emit("removals", {"people": moderation.removals(live.id)}, to=staff_room(live.id))

    @room_event(roles={TEACHER})
    def on_end(self, connection: Connection, data):
        no_arguments(data)
        live = live_session(connection)
        sids = moderation.end_session(live)
        yield
        from ..media import session_ended
        session_ended(live.id)
        sids = set(sids) | {sid for sid, c in list(rooms().connections.items()) if c.live_session_id == live.id}
        emit("ended", {"reason": "ended"}, to=room_name(live.id))
        for sid in sids:
            socketio.server.disconnect(sid, namespace=NAMESPACE)

    # --- polls and quick quizzes -----------------------------------------------------------------

    @room_event(roles={TEACHER})
    def on_poll_open(self, connection: Connection, data):
        live = live_session(connection)
        poll = polls.open_poll(live, data)
        yield
        emit("poll", polls.poll_json(poll), to=room_name(live.id))

    @room_event(roles=LEARNERS)
    def on_poll_answer(self, connection: Connection, data):
        live_session(connection)
        poll = polls.answer_poll(connection.live_session_id, participant(connection), data)
        yield
        emit("poll_answered", {"poll": poll.id, "option": data["option"]})
        rooms().fanout.poll_changed(connection.live_session_id, poll.id)

    @room_event(roles={TEACHER})
    def on_poll_close(self, connection: Connection, data):
        live_session(connection)
        poll = polls.close_poll(connection.live_session_id, data)
        yield
        room = room_name(connection.live_session_id)
        emit("poll", polls.poll_json(poll), to=room)
        emit("poll_results", polls.poll_results(poll), to=room)

    # --- whiteboard and slides -------------------------------------------------------------------

    @room_event(limit="board")
    def on_board_stroke(self, connection: Connection, data):
        live = live_session(connection)
        if connection.role != TEACHER:
            board.may_draw(participant(connection))
        stroke = board.add_stroke(live, connection, data)
        yield
        emit("board_stroke", board.stroke_json(stroke), to=room_name(live.id))

    @room_event(roles={TEACHER})
    def on_board_clear(self, connection: Connection, data):
        no_arguments(data)
        live_session(connection)
        board.clear_board(connection.live_session_id)
        yield
        emit("board", {"strokes": []}, to=room_name(connection.live_session_id))

    @room_event()
    def on_board_undo(self, connection: Connection, data):
        live_session(connection)
        if connection.role != TEACHER:
            board.may_draw(participant(connection))
        ids = board.undo_line(connection.live_session_id, connection, data)
        yield
        if ids:
            emit("board_removed", {"ids": ids}, to=room_name(connection.live_session_id))

    @room_event(roles={TEACHER})
    def on_board_allow(self, connection: Connection, data):
        live_session(connection)
        target = board.allow_drawing(connection.live_session_id, data)
        yield
        emit("board_allowed", {"allowed": target.can_draw}, to=participant_room(target.id))
        emit("drawers", {"ids": board.drawers(connection.live_session_id)}, to=staff_room(connection.live_session_id))

    @room_event(roles={TEACHER})
    def on_slide(self, connection: Connection, data):
        live_session(connection)
        slides.show_page(connection.live_session_id, data)
        yield
        emit("slide", slides.slide_state(connection.live_session_id), to=room_name(connection.live_session_id))

    # --- WebRTC signalling: each message goes to its one peer --------------------------------------

    @room_event(limit="signal", changes_room=False)
    def on_signal(self, connection: Connection, data):
        target_id, kind = signal_target(connection, data)
        emit("signal", {"from": connection.participant_id, "kind": kind, "data": data.get("data")},
             to=participant_room(target_id))


def signal_target(connection: Connection, data) -> tuple[int, str]:
    """The peer and kind of a signal this connection may send; its `data` is opaque to the server, but must be
    JSON a browser can read (no bytes, no NaN) and small."""
    if not isinstance(data, dict) or set(data) - {"to", "kind", "data"}:
        raise bad("to", _("Send a signal as {\"to\", \"kind\", \"data\"}."))
    target_id, kind = data.get("to"), data.get("kind")
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise bad("to", _("Name the peer by participant id."))
    if kind not in SIGNAL_KINDS:
        raise bad("kind", _("Unknown signal kind."))
    try:
        size = len(json.dumps(data.get("data"), allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        raise bad("data", _("A signal's data must be plain JSON."))
    if size > SIGNAL_MAX_CHARS:
        raise bad("data", _("This signal is too large."))
    cache = rooms().participant_cache
    target = cache.get(target_id)
    if target is None:
        row = db.session.get(Participant, target_id) if row_id(target_id) else None
        target = (row.live_session_id, row.role) if row else None
        if target:
            cache[target_id] = target
    if target is None or target[0] != connection.live_session_id or target_id == connection.participant_id:
        raise AppError(404, "not_found", _("This participant is not in the room."))
    # Media goes teacher <-> each member; members do not call each other.
    if connection.role != TEACHER and target[1] != TEACHER:
        raise AppError(403, "forbidden", _("Your role in this room cannot do this."))
    if kind == "offer" and connection.role in LEARNERS and not participant(connection).has_floor:
        raise AppError(403, "no_floor", _("Wait until the teacher gives you the floor."))
    return target_id, kind
