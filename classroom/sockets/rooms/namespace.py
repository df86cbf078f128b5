"""The `/room` namespace: presence, chat and sync as ../shared/spec/rooms.md says, and the rest of a class
(hands, floor, polls, board, slides, moderation, WebRTC signalling) as docs/rooms.md describes. Each handler is
thin: the guard checks and commits (guard.room_event), the services change the room, the handler says so."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_socketio import Namespace, emit, join_room

from ...errors import AppError
from ...extensions import db, socketio
from ...models import Participant
from ...schemas import events
from ...services import slides
from ...services.rooms import board, chat, moderation, polls, presence
from ...services.rooms.payload import row_id
from ...services.rooms.roles import (CLASS_DEVICE, LEARNERS, MODERATORS, NAMESPACE, TEACHER, participant_room,
                                     room_name, staff_room)
from ..queue import resubscribed_at
from .guard import Connection, admit, depart, live_session, participant, room_event, send_error
from .ordering import chat_order
from .registry import rooms
from .snapshots import state_json


def may_draw(connection: Connection) -> None:
    """The teacher draws; a learner only while the teacher lets them (board_allow)."""
    if connection.role != TEACHER:
        board.may_draw(participant(connection))


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

    @room_event(limit="chat", changes_room=False, payload=events.ChatEvent)
    def on_chat(self, connection: Connection, data: events.ChatEvent):
        live = live_session(connection)
        with chat_order(live.id):
            message = chat.store_chat(connection, live, data.text)
            yield  # stored before it is sent on
            emit("chat", chat.message_json(message), to=room_name(live.id))
        rooms().snapshots.chat_sent(live.id, message.id)
        return {"id": message.id}

    @room_event(limit="sync", changes_room=False, payload=events.SyncEvent)
    def on_sync(self, connection: Connection, data: events.SyncEvent):
        emit("history", {"messages": chat.history(connection.live_session_id, data.after)})
        if data.state:  # after `resync`: hands, floor, poll, board or slide may have changed unseen too
            live = live_session(connection, must_be_running=False)
            rows = presence.member_rows(live.id)
            snapshot = rooms().snapshots.get(live.id, loaded_after=resubscribed_at(self.socketio.server.manager))
            emit("state", state_json(live, participant(connection), rows, snapshot))
            emit("board", {"strokes": snapshot.board})
            emit("presence", {"members": presence.members(live.id, rows)})

    # --- hands and the floor ---------------------------------------------------------------------

    @room_event(roles=LEARNERS, payload=events.HandEvent)
    def on_hand(self, connection: Connection, data: events.HandEvent):
        live_session(connection)
        moderation.set_hand(participant(connection), data.up)
        yield
        self.send_hands(connection.live_session_id)

    @room_event(roles=MODERATORS, payload=events.ParticipantEvent)
    def on_hand_lower(self, connection: Connection, data: events.ParticipantEvent):
        """Lower a learner's raised hand."""
        live_session(connection)
        moderation.lower_hand(connection.live_session_id, data.id)
        yield
        self.send_hands(connection.live_session_id)

    @room_event(roles={TEACHER}, payload=events.FloorEvent)
    def on_floor(self, connection: Connection, data: events.FloorEvent):
        live_session(connection)
        moderation.give_floor(connection.live_session_id, data.id)
        yield
        from ..media import floor_changed
        floor_changed(connection.live_session_id, data.id)
        emit("floor", moderation.floor_json(connection.live_session_id), to=room_name(connection.live_session_id))
        self.send_hands(connection.live_session_id)

    @room_event(roles={CLASS_DEVICE}, payload=events.HeadcountEvent)
    def on_headcount(self, connection: Connection, data: events.HeadcountEvent):
        """A class device says how many students sit in front of it."""
        live_session(connection)
        presence.set_headcount(participant(connection), data.count)
        yield
        rooms().fanout.presence_changed(connection.live_session_id)

    @staticmethod
    def send_hands(live_session_id: int) -> None:
        emit("hands", {"queue": moderation.hands(live_session_id)}, to=room_name(live_session_id))

    # --- moderation ------------------------------------------------------------------------------

    @room_event(roles=MODERATORS, payload=events.MuteChatEvent)
    def on_mute_chat(self, connection: Connection, data: events.MuteChatEvent):
        live = live_session(connection)
        live.chat_muted = data.muted
        yield
        emit("room", presence.room_json(live), to=room_name(live.id))

    @room_event(roles=MODERATORS, payload=events.LockEvent)
    def on_lock(self, connection: Connection, data: events.LockEvent):
        live = live_session(connection)
        moderation.set_locked(live, data.locked)
        yield
        emit("room", presence.room_json(live), to=room_name(live.id))

    @room_event(roles=MODERATORS, payload=events.ParticipantEvent)
    def on_remove(self, connection: Connection, data: events.ParticipantEvent):
        """Remove a student or class device: their connections close and their code, browser and name stop
        working in this session (the teacher and staff cannot be removed)."""
        live = live_session(connection)
        target, sids = moderation.remove_participant(live, data.id)
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

    @room_event(roles=MODERATORS, payload=events.ParticipantEvent)
    def on_readmit(self, connection: Connection, data: events.ParticipantEvent):
        """Let a removed participant back in."""
        live = live_session(connection)
        moderation.readmit(live, data.id)
        yield
        emit("removals", {"people": moderation.removals(live.id)}, to=staff_room(live.id))

    @room_event(roles={TEACHER})
    def on_end(self, connection: Connection, data: events.Nothing):
        """End the session for everyone."""
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

    @room_event(roles={TEACHER}, payload=events.PollOpenEvent)
    def on_poll_open(self, connection: Connection, data: events.PollOpenEvent):
        live = live_session(connection)
        poll = polls.open_poll(live, data.question, list(data.options), data.correct)
        yield
        emit("poll", polls.poll_json(poll), to=room_name(live.id))

    @room_event(roles=LEARNERS, payload=events.PollAnswerEvent)
    def on_poll_answer(self, connection: Connection, data: events.PollAnswerEvent):
        live_session(connection)
        poll = polls.answer_poll(connection.live_session_id, participant(connection), data.poll, data.option)
        yield
        emit("poll_answered", {"poll": poll.id, "option": data.option})
        rooms().fanout.poll_changed(connection.live_session_id, poll.id)

    @room_event(roles={TEACHER}, payload=events.PollCloseEvent)
    def on_poll_close(self, connection: Connection, data: events.PollCloseEvent):
        live_session(connection)
        poll = polls.close_poll(connection.live_session_id, data.poll)
        yield
        room = room_name(connection.live_session_id)
        emit("poll", polls.poll_json(poll), to=room)
        emit("poll_results", polls.poll_results(poll), to=room)

    # --- whiteboard and slides -------------------------------------------------------------------

    @room_event(limit="board", payload=events.StrokeEvent, permits=may_draw)
    def on_board_stroke(self, connection: Connection, data: events.StrokeEvent):
        """Draw on the board: the teacher, or a learner the teacher lets draw."""
        live = live_session(connection)
        stroke = board.add_stroke(live, connection, [list(p) for p in data.points], data.color, data.width,
                                  data.text, data.line)
        yield
        emit("board_stroke", board.stroke_json(stroke), to=room_name(live.id))

    @room_event(roles={TEACHER})
    def on_board_clear(self, connection: Connection, data: events.Nothing):
        """Wipe the board for everyone."""
        live_session(connection)
        board.clear_board(connection.live_session_id)
        yield
        emit("board", {"strokes": []}, to=room_name(connection.live_session_id))

    @room_event(permits=may_draw)
    def on_board_undo(self, connection: Connection, data: events.Nothing):
        """Take back one's own newest line or text: the teacher, or a learner the teacher lets draw."""
        live_session(connection)
        ids = board.undo_line(connection.live_session_id, connection)
        yield
        if ids:
            emit("board_removed", {"ids": ids}, to=room_name(connection.live_session_id))

    @room_event(roles={TEACHER}, payload=events.DrawingEvent)
    def on_board_allow(self, connection: Connection, data: events.DrawingEvent):
        live_session(connection)
        target = board.allow_drawing(connection.live_session_id, data.id, data.allowed)
        yield
        emit("board_allowed", {"allowed": target.can_draw}, to=participant_room(target.id))
        emit("drawers", {"ids": board.drawers(connection.live_session_id)}, to=staff_room(connection.live_session_id))

    @room_event(roles={TEACHER}, payload=events.SlideEvent)
    def on_slide(self, connection: Connection, data: events.SlideEvent):
        live_session(connection)
        slides.show_page(connection.live_session_id, data.page)
        yield
        emit("slide", slides.slide_state(connection.live_session_id), to=room_name(connection.live_session_id))

    # --- WebRTC signalling: each message goes to its one peer --------------------------------------

    @room_event(limit="signal", changes_room=False, payload=events.SignalEvent)
    def on_signal(self, connection: Connection, data: events.SignalEvent):
        """A WebRTC message to one peer (the mesh, without a media server): between the teacher and each member,
        an offer from a learner only while they have the floor."""
        check_signal(connection, data.to, data.kind)
        emit("signal", {"from": connection.participant_id, "kind": data.kind, "data": data.data},
             to=participant_room(data.to))


def check_signal(connection: Connection, target_id: int, kind: str) -> None:
    """Whether this connection may send a signal of `kind` to that peer."""
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
