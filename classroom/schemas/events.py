"""What a client may send with each room event, one schema per event: the event guard reads the payload against it
before the handler runs (`sockets/rooms/guard.room_event(payload=...)`), and `/api/rooms/events.json` is generated
from the same schemas, so the document says what the server takes.

A payload is one JSON object, read strictly (JSON's own types); an event sent without one reads as `{}`. Unknown
keys are ignored (a newer page must not break an older server), except for events that undo a lot (`end`,
`board_clear`) or whose every key matters (`chat`, `signal`): those are `closed` and refuse any other key. What
needs the room's rows (a participant of this room, a page this deck has, an option this poll has) the services
check after the schema, and they answer 404 or 400 on the field as before."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, ClassVar

from flask_babel import gettext as _
from pydantic import model_validator

from ..errors import AppError, bad
from ..media.sfu import KINDS, SUBSTREAMS
from ..services.rooms.access import HEADCOUNT_MAX
from ..services.rooms.board import BOARD_GRID, LINE_MAX, STROKE_POINTS_MAX, TEXT_MAX
from ..services.rooms.chat import CHAT_MAX
from ..services.rooms.payload import clean_text
from ..services import fields
from .base import Flag, Schema, _field, _strict, parse, refuse
from .bodies import NAME_MAX

SIGNAL_KINDS = ("offer", "answer", "ice", "mode", "bye")
SIGNAL_MAX_CHARS = 20_000  # a signal's data and a session description, as JSON text
CANDIDATE_MAX = 1000
FEED_MAX = 10**15 - 1
MEDIA_TARGET = r"^(pub:(camera|screen)|sub:\d{1,15})$"
COLOR = r"^#[0-9a-fA-F]{6}$"


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def Ref(message: Callable[[], str], *, nullable: bool = False):
    """A row of this room named by its id (a participant, a poll): any whole number; one that names nothing here is
    the service's 404, as a lookup that misses. `nullable`: null says "nobody" (the floor taken back)."""
    def check(errors, name, value, info):
        if value is None and nullable:
            return None
        if not _whole(value):
            errors.add(name, message())
        return value

    return _field(check, {"type": ["integer", "null"] if nullable else "integer"}, required=True)


def Number(low: int, high: int | None, message: Callable[[], str], *, required: bool = True,
           default: int | None = None, range_message: Callable[[], str] | None = None):
    """A whole number from `low` to `high` (None: no upper end); left out, `default` when not required."""
    def check(errors, name, value, info):
        if not _whole(value):
            errors.add(name, message())
        elif value < low or high is not None and value > high:
            errors.add(name, (range_message or message)())
        return value

    schema: dict[str, Any] = {"type": "integer", "minimum": low}
    if high is not None:
        schema["maximum"] = high
    if default is not None:
        schema["default"] = default
    return _field(check, schema, required=required, default=default)


def Switch(message: Callable[[], str], *, required: bool = True, default: bool = False):
    """true or false, nothing else."""
    def check(errors, name, value, info):
        if not isinstance(value, bool):
            errors.add(name, message())
        return value

    schema = {"type": "boolean"} if required else {"type": "boolean", "default": default}
    return _field(check, schema, required=required, default=default)


def Choice(values, message: Callable[[], str], *, required: bool = True):
    """One of `values`."""
    allowed = list(values)

    def check(errors, name, value, info):
        if isinstance(value, bool) or value not in allowed:
            errors.add(name, message())
        return value

    return _field(check, {"enum": allowed}, required=required)


def _person_text(errors, name: str, value, max_length: int, message: str, lines: bool = False):
    """A person's text cleaned (payload.clean_text), at most `max_length` characters as sent; None and a message
    on `name` when it is not."""
    if isinstance(value, str) and len(value) > max_length:
        errors.add(name, _("At most %(n)d characters.", n=max_length))
        return None
    try:
        return clean_text(value, name, max_length, message, lines=lines)
    except AppError as exc:
        errors.add(name, exc.message)
        return None


def Line(max_length: int, message: Callable[[], str], *, required: bool = True, lines: bool = False):
    """A person's text: control characters dropped, spaces squeezed (kept line breaks with `lines`), at most
    `max_length` characters as sent; `message` when nothing is left."""
    def check(errors, name, value, info):
        return _person_text(errors, name, value, max_length, message(), lines)

    schema = {"type": "string", "minLength": 1, "maxLength": max_length,
              "description": "Control and format characters are dropped; nothing else left is refused."}
    return _field(check, schema, required=required)


def Options():
    def check(errors, name, value, info):
        if not isinstance(value, list) or not 2 <= len(value) <= 6:
            errors.add(name, _("Give 2 to 6 options."))
            return value
        cleaned = []
        for option in value:
            cleaned.append(_person_text(errors, name, option, 100, _("Every option needs some text.")))
            if name in errors.fields:
                return value
        return cleaned

    return _field(check, {"type": "array", "minItems": 2, "maxItems": 6,
                          "items": {"type": "string", "minLength": 1, "maxLength": 100}}, required=True)


def Points():
    def check(errors, name, value, info):
        if not isinstance(value, list) or not 1 <= len(value) <= STROKE_POINTS_MAX or not all(
                isinstance(p, list) and len(p) == 2 and all(_whole(v) and 0 <= v <= BOARD_GRID for v in p)
                for p in value):
            errors.add(name, _("A stroke is 1 to %(n)d points [x, y] on a 0 to 1000 grid.", n=STROKE_POINTS_MAX))
        return value

    point = {"type": "array", "minItems": 2, "maxItems": 2,
             "items": {"type": "integer", "minimum": 0, "maximum": BOARD_GRID}}
    return _field(check, {"type": "array", "minItems": 1, "maxItems": STROKE_POINTS_MAX, "items": point},
                  required=True)


def Color(default: str):
    def check(errors, name, value, info):
        if not isinstance(value, str) or not re.fullmatch(COLOR, value):
            errors.add(name, _("A colour is written #rrggbb."))
            return default
        return value.lower()

    return _field(check, {"type": "string", "pattern": COLOR, "default": default}, default=default)


def Description(kind: str):
    """A session description the browser made (`RTCSessionDescription` as JSON) of one `kind`."""
    def check(errors, name, value, info):
        if not isinstance(value, dict) or value.get("type") != kind or not isinstance(value.get("sdp"), str) \
                or len(value["sdp"]) > SIGNAL_MAX_CHARS or set(value) - {"type", "sdp"}:
            errors.add(name, _("Send the session description the browser made."))
            return value
        return {"type": kind, "sdp": value["sdp"]}

    return _field(check, {"type": "object", "required": ["type", "sdp"], "additionalProperties": False,
                          "properties": {"type": {"const": kind},
                                         "sdp": {"type": "string", "maxLength": SIGNAL_MAX_CHARS}}}, required=True)


def Candidate():
    """An ICE candidate as the browser's `toJSON()` gives it, or null for the end of candidates; only
    `candidate`, `sdpMid` and `sdpMLineIndex` are passed on."""
    def check(errors, name, value, info):
        if not isinstance(value, dict) or not isinstance(value.get("candidate"), str) \
                or len(value["candidate"]) > CANDIDATE_MAX:
            errors.add(name, _("Send the candidate the browser found."))
            return None
        return {k: value[k] for k in ("candidate", "sdpMid", "sdpMLineIndex") if k in value}

    return _field(check, {"type": "object", "required": ["candidate"],
                          "properties": {"candidate": {"type": "string", "maxLength": CANDIDATE_MAX},
                                         "sdpMid": {"type": ["string", "null"]},
                                         "sdpMLineIndex": {"type": ["integer", "null"]}}})


def Target():
    def check(errors, name, value, info):
        if not isinstance(value, str) or not re.fullmatch(MEDIA_TARGET, value):
            errors.add(name, _("Name the connection this candidate is for."))
        return value

    return _field(check, {"type": "string", "pattern": MEDIA_TARGET}, required=True)


def Opaque():
    """JSON the server passes on unread: it must be JSON a browser can read (no NaN) and small."""
    def check(errors, name, value, info):
        try:
            size = len(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError, RecursionError):
            errors.add(name, _("A signal's data must be plain JSON."))
            return None
        if size > SIGNAL_MAX_CHARS:
            errors.add(name, _("This signal is too large."))
        return value

    return _field(check, {"description": f"Any JSON, at most {SIGNAL_MAX_CHARS} characters as JSON text."})


class Event(Schema):
    """A room event's payload. `closed`: other keys are refused, with this message on the field `blame`."""

    closed: ClassVar[Callable[[], str] | None] = None
    blame: ClassVar[str] = "body"

    @classmethod
    def json_schema(cls) -> dict:
        body = super().json_schema()
        if cls.closed is not None:
            body["additionalProperties"] = False
        return body


def read_event(schema: type[Event], data: Any) -> Event:
    """The payload a client sent with an event, checked against its schema, or a ValidationError naming the field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise bad("body", _("Send one JSON object with the event."))
    if schema.closed is not None and set(data) - set(schema.model_fields):
        raise bad(schema.blame, schema.closed())
    return parse(schema, data, strict=True)


def participant_id_message() -> str:
    return _("Name the participant by id.")


# --- the spec's contract ------------------------------------------------------------------------------------


class ChatEvent(Event):
    """A chat message (at most 500 characters; line breaks kept)."""
    closed = staticmethod(lambda: _("Send chat as {\"text\": \"...\"}."))
    blame = "text"
    text: Line(CHAT_MAX, lambda: _("Write a message first."), lines=True)


class SyncEvent(Event):
    """Messages after the last one the client has (`after`: its id, or 0); `state`: also the room's state."""
    after: Number(0, None, lambda: _("Send sync as {\"after\": the last message id you have, or 0}."))
    state: Switch(lambda: _("Send sync as {\"after\": id} or {\"after\": id, \"state\": true}."), required=False)


# --- hands, the floor, the headcount ------------------------------------------------------------------------


class HandEvent(Event):
    """Raise (true) or lower (false) one's own hand."""
    up: Switch(lambda: _("Send {\"up\": true} or {\"up\": false}."))


class ParticipantEvent(Event):
    """A participant of this room, by id."""
    id: Ref(participant_id_message)


class FloorEvent(Event):
    """Give the floor to a student or class device by id, or take it back with null."""
    id: Ref(lambda: _("Name the participant by id, or null."), nullable=True)

    @model_validator(mode="before")
    @classmethod
    def id_named(cls, data):
        if isinstance(data, dict) and "id" not in data:
            raise refuse({"id": _("Name the participant by id, or null.")})
        return data


def Headcount():
    """How many students sit in front of a class device: a whole number from 1 to 200 (a form's text of one)."""
    def check(errors, name, value, info):
        number = value if _strict(info) or not isinstance(value, str) else fields.whole_number(value.strip())
        if not _whole(number):
            errors.add(name, _("Enter how many students are in front of this device."))
        elif not 1 <= number <= HEADCOUNT_MAX:
            errors.add(name, _("Enter a number from 1 to %(n)d.", n=HEADCOUNT_MAX))
        return number

    return _field(check, {"type": "integer", "minimum": 1, "maximum": HEADCOUNT_MAX}, required=True)


class HeadcountEvent(Event):
    """How many students sit in front of this class device."""
    count: Headcount()


class DeviceForm(Schema):
    """The class device page's form (rooms/device.html): the same headcount as the event, and the class's name."""
    headcount: Headcount()
    name: Line(NAME_MAX, lambda: _("Enter the class's name."))


# --- moderation ---------------------------------------------------------------------------------------------


def switch_message(field: str) -> Callable[[], str]:
    return lambda: _("Send {\"%(field)s\": true} or false.", field=field)


class MuteChatEvent(Event):
    """Pause (true) or resume (false) the students' chat."""
    muted: Switch(switch_message("muted"))


class LockEvent(Event):
    """Lock the room (only members already in may come back) or unlock it."""
    locked: Switch(switch_message("locked"))


class Nothing(Event):
    """Nothing but `{}` (or no payload): the event undoes a lot, so anything else is a confused client."""
    closed = staticmethod(lambda: _("Send this event with {} only."))


# --- polls --------------------------------------------------------------------------------------------------


class PollOpenEvent(Event):
    """A poll, or a quiz when `correct` names the right option (its index); it closes the open one."""
    question: Line(300, lambda: _("Write the question."))
    options: Options()
    correct: Number(0, 5, lambda: _("The correct answer must be one of the options."), required=False)

    @model_validator(mode="after")
    def correct_is_an_option(self):
        if self.correct is not None and self.correct >= len(self.options):
            raise refuse({"correct": _("The correct answer must be one of the options.")})
        return self


class PollAnswerEvent(Event):
    """A learner's answer to the open poll: the option's index (a new answer replaces the old one)."""
    poll: Ref(lambda: _("Send {\"poll\": id, \"option\": index}."))
    option: Number(0, 5, lambda: _("Choose one of the options."))


class PollCloseEvent(Event):
    """Close the poll and show the results."""
    poll: Ref(lambda: _("Send {\"poll\": id}."))


# --- whiteboard and slides ----------------------------------------------------------------------------------


class StrokeEvent(Event):
    """A piece of a line (`line` groups the pieces one undo takes back), or a text written at one point."""
    points: Points()
    color: Color("#1d2a33")
    width: Number(1, 40, lambda: _("A width is 1 to 40."), required=False, default=3)
    text: Line(TEXT_MAX, lambda: _("Write the text first."), required=False, lines=True)
    line: Number(0, LINE_MAX, lambda: _("A line number is a whole number from 0."), required=False)

    @model_validator(mode="after")
    def text_at_one_point(self):
        if self.text is not None and len(self.points) != 1:
            raise refuse({"points": _("A text is written at one point [x, y].")})
        return self


class DrawingEvent(Event):
    """Let a student or class device draw on the board (true), or stop them."""
    id: Ref(participant_id_message)
    allowed: Switch(switch_message("allowed"))


class SlideEvent(Event):
    """Show a page of the slides (from 1)."""
    page: Number(1, None, lambda: _("Send {\"page\": <number>}."))


class SignalEvent(Event):
    """A WebRTC message to one peer (mesh mode): teacher to each member and back; `data` is passed on unread."""
    closed = staticmethod(lambda: _("Send a signal as {\"to\", \"kind\", \"data\"}."))
    blame = "to"
    to: Ref(lambda: _("Name the peer by participant id."))
    kind: Choice(SIGNAL_KINDS, lambda: _("Unknown signal kind."))
    data: Opaque()


# --- media through the SFU ----------------------------------------------------------------------------------


def feed_message() -> str:
    return _("Name the video or audio by its number.")


def kind_message() -> str:
    return _("Send your camera or your screen.")


def substream_message() -> str:
    return _("Choose a quality of 0, 1 or 2.")


def Feed(message: Callable[[], str] = feed_message):
    return Number(1, FEED_MAX, message)


class NoPayload(Event):
    """No fields."""


class PublishEvent(Event):
    """Start sending the camera (with the microphone) or the screen: the browser's offer."""
    kind: Choice(KINDS, kind_message)
    jsep: Description("offer")


class UnpublishEvent(Event):
    """Stop sending the camera or the screen."""
    kind: Choice(KINDS, kind_message)


class SubscribeEvent(Event):
    """Receive a feed: `substream` its simulcast layer (0 lowest), `audio_only` no video at all."""
    feed: Feed()
    substream: Choice(SUBSTREAMS, substream_message, required=False)
    audio_only: Flag


class StartEvent(Event):
    """The browser's answer to the offer of a feed it subscribed to."""
    feed: Feed()
    jsep: Description("answer")


class FeedEvent(Event):
    """A feed by its number."""
    feed: Feed()


class TrickleEvent(Event):
    """An ICE candidate for one of the connection's media links (`pub:camera`, `sub:<feed>`); null ends them."""
    target: Target()
    candidate: Candidate()


class LayerEvent(Event):
    """Switch a subscribed feed to another simulcast layer."""
    feed: Feed()
    substream: Choice(SUBSTREAMS, substream_message)


class MuteEvent(Event):
    """Mute (true) or unmute the student who has the floor."""
    id: Feed(feed_message)
    muted: Switch(switch_message("muted"))


class RecordEvent(Event):
    """Start (true) or stop recording the teacher's camera and microphone."""
    on: Switch(switch_message("on"))
