"""The `/room` namespace's media events on the SFU path (Janus), and the teacher's media controls that work on
both paths; the events are listed in docs/rooms.md. The browser never speaks to Janus: these handlers check
who may do what, then ask Janus for it in that participant's own session's room (classroom/media/sfu.py)."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_socketio import emit

from ..extensions import db, socketio
from ..media import sfu_gateway
from ..media.janus import JanusError
from ..media.sfu import feed_id, sdp_streams
from ..models import Participant
from ..services import recordings as recording_service
from ..errors import AppError, bad
from ..schemas import events
from ..services.rooms.roles import LEARNERS, NAMESPACE, TEACHER, room_name
from .rooms.guard import Connection, live_session, participant, room_event
from .rooms.namespace import RoomNamespace
from .rooms.registry import rooms


def muted() -> dict[int, set[int]]:
    """Students the teacher muted, per session: a muted student who publishes again (a reload) is muted again."""
    return rooms().muted


def the_sfu():
    gateway = sfu_gateway()
    if gateway is None:
        raise AppError(409, "mesh", _("This room sends media directly between browsers (no media server)."))
    return gateway


def janus_failed(exc: JanusError) -> AppError:
    current_app.logger.warning("janus refused or failed: %s", exc)
    if exc.code == 428:
        return AppError(404, "not_found", _("This video or audio is no longer being sent."))
    return AppError(503, "media_unavailable", _("The media server is not reachable just now. "
                                                 "Chat, slides and the board go on; try again in a moment."))


def announce_feeds(live_session_id: int) -> None:
    """Every member learns what is being sent now (called after a feed starts or ends)."""
    try:
        feeds = sfu_gateway().feeds(live_session_id)
    except JanusError as exc:
        current_app.logger.warning("could not list the feeds of session %s: %s", live_session_id, exc)
        return
    socketio.emit("media_feeds", {"feeds": feeds}, to=room_name(live_session_id), namespace=NAMESPACE)


def floor_changed(live_session_id: int, holder_id: int | None) -> None:
    """A student who loses the floor stops being heard at once, whatever their page does."""
    muted().pop(live_session_id, None)
    gateway = sfu_gateway()
    if gateway is None:
        return
    try:
        for feed in gateway.feeds(live_session_id):
            if feed["participant"] == holder_id:
                continue
            row = db.session.get(Participant, feed["participant"])
            if row is None or row.role in LEARNERS:
                gateway.kick(live_session_id, feed["feed"])
    except JanusError as exc:
        current_app.logger.warning("could not end the floor's feed in session %s: %s", live_session_id, exc)


def connection_closed(sid: str, live_session_id: int) -> None:
    gateway = sfu_gateway()
    if gateway is None:
        return
    if gateway.holds(sid, "pub:camera"):  # the teacher's feed ends, and with it a recording of it
        finish_recording(live_session_id)
    for live_session_id in gateway.leave(sid):
        socketio.start_background_task(announce_in_app, current_app._get_current_object(), live_session_id)


def announce_in_app(app, live_session_id: int) -> None:
    with app.app_context():
        announce_feeds(live_session_id)


def finish_recording(live_session_id: int, sid: str | None = None) -> bool:
    """Stops the session's recording, if any, and converts it in the background; True if there was one."""
    recording = recording_service.active(live_session_id)
    if recording is None:
        return False
    if sid is not None:
        try:
            sfu_gateway().recording(live_session_id, sid, None)
        except JanusError as exc:
            current_app.logger.warning("could not stop recording in Janus: %s", exc)
    recording_service.stop(recording)
    db.session.commit()
    socketio.emit("recording", {"on": False}, to=room_name(live_session_id), namespace=NAMESPACE)
    socketio.start_background_task(convert_in_app, current_app._get_current_object(), recording.id)
    return True


def convert_in_app(app, recording_id: int) -> None:
    socketio.sleep(1)  # Janus closes the .mjr files as it handles the configure that stopped them
    with app.app_context():
        from ..models import LessonRecording
        recording = db.session.get(LessonRecording, recording_id)
        recording_service.convert(recording)
        db.session.commit()
        app.logger.info("recording %s: %s", recording_id, recording.status)


def session_ended(live_session_id: int) -> None:
    muted().pop(live_session_id, None)
    gateway = sfu_gateway()
    if gateway is not None:
        finish_recording(live_session_id)
        try:
            gateway.destroy_room(live_session_id)
        except JanusError as exc:
            current_app.logger.warning("could not destroy the Janus room of session %s: %s", live_session_id, exc)


class MediaNamespace(RoomNamespace):

    @room_event(limit="signal", changes_room=False, payload=events.NoPayload)
    def on_media_feeds(self, connection: Connection, data: events.NoPayload):
        """What is being sent in this room now (answered as `media_feeds`)."""
        try:
            emit("media_feeds", {"feeds": the_sfu().feeds(connection.live_session_id)})
        except JanusError as exc:
            raise janus_failed(exc)

    @room_event(roles={TEACHER, *LEARNERS}, limit="signal", changes_room=False, payload=events.PublishEvent)
    def on_media_publish(self, connection: Connection, data: events.PublishEvent):
        """Start sending the camera (with the microphone) or the screen: the teacher; a learner only their voice,
        and only while they have the floor."""
        kind, offer = data.kind, dict(data.jsep)
        live_session(connection)
        kinds = set(sdp_streams(offer["sdp"]).values())
        if not kinds or kinds - {"audio", "video"}:
            raise bad("jsep", _("Only audio and video can be sent."))
        if connection.role != TEACHER:
            if kind != "camera":
                raise AppError(403, "forbidden", _("Your role in this room cannot do this."))
            if not participant(connection).has_floor:
                raise AppError(403, "no_floor", _("Wait until the teacher gives you the floor."))
            if kinds != {"audio"}:
                raise bad("jsep", _("With the floor you send your voice only."))
        gateway = the_sfu()
        recording = recording_service.active(connection.live_session_id) if kind == "camera" else None
        if recording is not None and connection.role == TEACHER:  # a reconnect while recording: stop that one
            finish_recording(connection.live_session_id)
        try:
            answer = gateway.publish(request.sid, connection.live_session_id, connection.participant_id, kind,
                                     offer, record_as=None)
            if connection.participant_id in muted().get(connection.live_session_id, ()):
                gateway.moderate(connection.live_session_id, feed_id(connection.participant_id, kind), ["0"], True)
        except JanusError as exc:
            raise janus_failed(exc)
        emit("media_answer", {"kind": kind, "jsep": answer})

    @room_event(limit="signal", changes_room=False, payload=events.UnpublishEvent)
    def on_media_unpublish(self, connection: Connection, data: events.UnpublishEvent):
        if the_sfu().unpublish(request.sid, data.kind):
            announce_feeds(connection.live_session_id)

    @room_event(limit="signal", changes_room=False, payload=events.SubscribeEvent)
    def on_media_subscribe(self, connection: Connection, data: events.SubscribeEvent):
        """Receive a feed (answered as `media_offer`)."""
        feed = data.feed
        live_session(connection)
        try:
            offer, streams = the_sfu().subscribe(request.sid, connection.live_session_id,
                                                 connection.participant_id, feed,
                                                 audio_only=data.audio_only, substream=data.substream)
        except JanusError as exc:
            raise janus_failed(exc)
        emit("media_offer", {"feed": feed, "jsep": offer,
                             "streams": [{"mid": s.get("mid"), "type": s.get("type")} for s in streams]})

    @room_event(limit="signal", changes_room=False, payload=events.StartEvent)
    def on_media_start(self, connection: Connection, data: events.StartEvent):
        try:
            the_sfu().start(request.sid, data.feed, dict(data.jsep))
        except JanusError as exc:
            raise janus_failed(exc)

    @room_event(limit="signal", changes_room=False, payload=events.FeedEvent)
    def on_media_unsubscribe(self, connection: Connection, data: events.FeedEvent):
        """Stop receiving a feed."""
        the_sfu().unsubscribe(request.sid, data.feed)

    @room_event(limit="signal", changes_room=False, payload=events.TrickleEvent)
    def on_media_trickle(self, connection: Connection, data: events.TrickleEvent):
        candidate = data.candidate
        try:
            the_sfu().trickle(request.sid, data.target, dict(candidate) if candidate is not None else None)
        except JanusError as exc:
            if exc.code != 458:  # a late candidate of a connection closed meanwhile
                raise janus_failed(exc)

    @room_event(limit="signal", changes_room=False, payload=events.LayerEvent)
    def on_media_layer(self, connection: Connection, data: events.LayerEvent):
        try:
            the_sfu().layer(request.sid, data.feed, data.substream)
        except JanusError as exc:
            raise janus_failed(exc)

    @room_event(roles={TEACHER}, changes_room=False, payload=events.MuteEvent)
    def on_media_mute(self, connection: Connection, data: events.MuteEvent):
        """The teacher mutes (or unmutes) the student who has the floor: on the SFU path Janus stops relaying
        their audio; on both paths their page turns the microphone off and says why."""
        target_id, is_muted = data.id, data.muted
        live_session(connection)
        target = db.session.get(Participant, target_id)
        if target is None or target.live_session_id != connection.live_session_id or target.role not in LEARNERS:
            raise AppError(404, "not_found", _("This participant is not in the room."))
        if not target.has_floor:
            raise AppError(409, "no_floor", _("Only the student who has the floor can be muted."))
        session_muted = muted().setdefault(connection.live_session_id, set())
        (session_muted.add if is_muted else session_muted.discard)(target_id)
        gateway = sfu_gateway()
        if gateway is not None:
            try:
                gateway.moderate(connection.live_session_id, feed_id(target_id, "camera"), ["0"], is_muted)
            except JanusError as exc:
                if exc.code != 428:  # not publishing yet: the mute is applied when they do
                    raise janus_failed(exc)
        emit("media_muted", {"id": target_id, "muted": is_muted}, to=room_name(connection.live_session_id))

    @room_event(roles={TEACHER}, changes_room=False, payload=events.RecordEvent)
    def on_media_record(self, connection: Connection, data: events.RecordEvent):
        """The teacher starts or stops recording their camera and microphone (the SFU path only)."""
        on = data.on
        live = live_session(connection)
        gateway = the_sfu()
        if not on:
            if not finish_recording(live.id, request.sid):
                raise AppError(409, "not_recording", _("This lesson is not being recorded."))
            return
        if not gateway.holds(request.sid, "pub:camera"):
            raise AppError(409, "no_camera", _("Start your camera and microphone first."))
        recording = recording_service.start(live)
        try:
            gateway.recording(live.id, request.sid, recording.base_name)
        except JanusError as exc:
            raise janus_failed(exc)
        yield
        emit("recording", {"on": True, "id": recording.id}, to=room_name(live.id))
