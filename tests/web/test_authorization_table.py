"""docs/authorization.md is the law: every route and socket event has a row, and every row is what happens."""
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from classroom.extensions import db, socketio
from classroom.models import Assignment, LessonRecording, LiveSession, LiveStatus, MatchingRun, Notification, User
from classroom.services import accounts, publishing, teachers as teacher_service, tokens
from classroom.services import rooms as room_service
from classroom.services.join_codes import unique_code
from classroom.timefmt import utcnow

from .test_matching_runs import _redis_up, programme, run_inline  # noqa: F401  (fixture)

TABLE = Path(__file__).resolve().parents[2] / "docs" / "authorization.md"
PASSWORD = "rahasia-sekali-123"
HTTP_ROLES = ["anonymous", "student", "class device", "teacher", "other teacher", "school staff", "other school",
              "coordinator", "admin"]
# Own-only actions change things (withdraw, delete): the owner goes last, after everyone who must be refused.
ORDER = ["anonymous", "other teacher", "other school", "coordinator", "admin", "school staff", "teacher"]


def read_tables() -> tuple[dict, dict, dict]:
    http, room, runs = {}, {}, {}
    for line in TABLE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or set(cells[1]) <= {"-"} or cells[0] in ("route", "event", "namespace"):
            continue
        key = cells[0]
        if re.match(r"^(GET|POST|PUT|DELETE) /", key):
            http[key] = dict(zip(HTTP_ROLES, cells[1:]))
        elif key.startswith("room: "):
            room[key[6:]] = dict(zip(["student", "class device", "teacher", "school staff"], cells[1:]))
        elif key.startswith("runs: "):
            runs[key[6:]] = dict(zip(["anonymous", "teacher", "school staff", "coordinator", "admin"], cells[1:]))
    return http, room, runs


def served_routes(app) -> set[str]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        out |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def test_the_table_names_every_route_and_event_and_nothing_else(app):
    http, room, runs = read_tables()
    assert set(http) == served_routes(app)
    handlers = {name[3:] for name in dir(socketio.server.namespace_handlers["/room"])
                if name.startswith("on_") and name not in ("on_connect", "on_disconnect")}
    assert set(room) == handlers
    run_handlers = {name[3:] for name in dir(socketio.server.namespace_handlers["/runs"])
                    if name.startswith("on_") and name not in ("on_connect", "on_disconnect")}
    assert set(runs) == {"connect"} | run_handlers
    for row, cells in http.items():  # students and class devices hold no login: on HTTP they are anonymous
        assert cells["student"] == cells["class device"] == cells["anonymous"], row


class World:
    """Two teachers, two schools, a coordinator, an admin, a published timetable and a room open now."""

    def __init__(self, app, factory, programme):
        self.app = app
        run_id = run_inline(app, programme["coordinator_id"])
        with app.app_context():
            run = db.session.get(MatchingRun, run_id)
            publishing.publish(run, db.session.get(User, programme["coordinator_id"]))
            assignment = db.session.scalar(select(Assignment).where(Assignment.run_id == run_id))
            teacher = assignment.teacher
            other_teacher_id = next(t for t in programme["teachers"] if t != teacher.user_id)
            request = assignment.request
            future = db.session.scalar(select(LiveSession).where(LiveSession.assignment_id == assignment.id)
                                       .order_by(LiveSession.starts_at))
            now = utcnow().replace(microsecond=0)
            open_now = LiveSession(request_id=request.id, teacher_id=teacher.id, school_id=request.school_id,
                                   starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(minutes=85),
                                   join_code=unique_code(), status=LiveStatus.SCHEDULED)
            db.session.add(open_now)
            exception = teacher_service.add_exception(teacher, {"start_date": "2031-01-05", "kind": "leave"})
            pending = accounts.register_teacher({"name": "Calon Guru", "email": "calon@contoh.sch.id",
                                                 "password": PASSWORD, "province": "11",
                                                 "subjects": ["Matematika"], "grades": [8]})
            db.session.flush()
            school_npsn = db.session.scalar(select(User).where(User.email == programme["staff"])).school.npsn
            newcomers = [accounts.register_school({"name": "Rekan Baru", "email": f"rekan{n}@contoh.sch.id",
                                                   "password": PASSWORD, "npsn": school_npsn}) for n in range(4)]
            db.session.flush()
            note = Notification(user_id=teacher.user_id, kind="account_approved", params={})
            db.session.add(note)
            access_token, _secret = tokens.create_token(teacher.user, {"name": "table script"})
            recording = LessonRecording(live_session_id=open_now.id, base_name="table-recording", status="ready",
                                        video_file="table-recording-video.webm")
            db.session.add(recording)
            db.session.commit()
            Path(app.config["RECORDINGS_PATH"]).mkdir(parents=True, exist_ok=True)
            (Path(app.config["RECORDINGS_PATH"]) / "table-recording-video.webm").write_bytes(b"\x1a\x45\xdf\xa3")
            self.ids = {"run_id": run_id, "assignment_id": assignment.id, "request_id": request.id,
                        "live_session_id": future.id, "open_room": open_now.id, "exception_id": exception.id,
                        "user_id": pending.id, "notification_id": note.id, "token_id": access_token.id,
                        "colleagues": dict(zip(["/approve", "/refuse", "api/approve", "api/refuse"],
                                               [u.id for u in newcomers])), "deck_id": 1, "number": 1,
                        "recording_id": recording.id, "kind": "video"}
            self.reset_token = accounts.make_reset_token(pending)
            self.teacher_profile_id = teacher.id
            emails = {"teacher": teacher.user.email, "other teacher": db.session.get(User, other_teacher_id).email,
                      "school staff": programme["staff"], "coordinator": programme["coordinator"]}
        emails["other school"] = self._other_school(factory)
        emails["admin"] = factory.admin()[1]
        self.clients = {"anonymous": app.test_client()}
        for role, email in emails.items():
            client = app.test_client()
            assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302, role
            self.clients[role] = client
        self.emails = emails

    @staticmethod
    def _other_school(factory):
        return factory.school(province="81", level="SMP", school_name="SMP Negeri 9 Ambon")[1]

    def path(self, template: str) -> str:
        def value(match):
            name = match.group(1)
            if name == "token":
                if template.startswith("/calendar/"):
                    with self.app.app_context():
                        from classroom.models import TeacherProfile
                        return db.session.get(TeacherProfile, self.teacher_profile_id).calendar_token
                return self.reset_token
            if name == "colleague_id":  # one newcomer per route: each is approved or refused once
                action = template.rsplit("/", 1)[1]
                return str(self.ids["colleagues"][("api/" if template.startswith("/api/") else "/") + action])
            if name == "live_session_id" and template.startswith("/rooms/"):  # (the recording is of this room too)
                return str(self.ids["open_room"])
            return str(self.ids[name])
        return re.sub(r"<(\w+)>", value, template)


def refused(response, row: str = "") -> bool:
    if row == "POST /auth/login":  # 401 there is the answer "wrong password", given to anyone who tries
        return response.status_code in (403, 404)
    if row == "POST /auth/logout":  # logging out lands on the login page; being sent there to log in first is a refusal
        location = response.headers.get("Location", "")
        return response.status_code in (401, 403, 404) or "next=" in location
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code in (301, 302, 303) and "/auth/login" in response.headers.get("Location", "")


def test_every_route_does_what_the_table_says_for_every_role(app, factory, programme):
    app.config["RATELIMIT_ENABLED"] = False
    if _redis_up():
        app.config["MATCHING_QUEUE_URL"] = "redis://127.0.0.1:6379/14"  # started runs wait, unserved
    world = World(app, factory, programme)
    http, _, _ = read_tables()
    rows = sorted(http, key=lambda row: row == "POST /auth/logout")  # logging out goes last
    wrong = []
    for row in rows:
        method, template = row.split(" ", 1)
        cells = http[row]
        outcomes = {}
        for role in ORDER:
            client = world.clients[role]
            kwargs = {"json": {}} if template.startswith("/api/") and method != "GET" else (
                {"data": {}} if method != "GET" else {})
            response = client.open(world.path(template), method=method, **kwargs)
            outcomes[role] = not refused(response, row)
            expected = cells[role]
            if expected in ("yes", "own") and not outcomes[role]:
                wrong.append(f"{row}: {role} was refused ({response.status_code})")
            if expected == "no" and outcomes[role]:
                wrong.append(f"{row}: {role} was let in ({response.status_code})")
        if "token" in cells.values():
            assert len(set(outcomes.values())) == 1, f"{row}: a token route answered roles differently"
    assert not wrong, "\n".join(wrong)


def test_socket_events_do_what_the_table_says(app, factory, programme):
    app.config["ROOM_PRESENCE_SECONDS"] = 0
    world = World(app, factory, programme)
    _, room, runs = read_tables()
    room_id = world.ids["open_room"]
    with app.app_context():
        live = db.session.get(LiveSession, room_id)
        code = live.join_code
        staff = db.session.scalar(select(User).where(User.email == world.emails["school staff"]))
        device = room_service.account_participant(live, staff, room_service.CLASS_DEVICE, headcount=25, name="VIII-A")
        db.session.commit()
        device_token = room_service.issue_token(device)

    def connect(token):
        client = socketio.test_client(app, namespace="/room", auth={"token": token}, flask_test_client=app.test_client())
        assert client.is_connected("/room")
        return client

    student_token = app.test_client().post("/api/rooms/join", json={"code": code, "name": "Yakobus"}).get_json()["token"]
    tokens = {"student": student_token, "class device": device_token}
    for role in ("teacher", "school staff"):
        response = world.clients[role].get(f"/rooms/{room_id}/token")
        assert response.status_code == 200, role
        tokens[role] = response.get_json()["token"]
    for role in ("other teacher", "other school", "coordinator"):
        assert world.clients[role].get(f"/rooms/{room_id}/token").status_code in (403, 404)
    sockets = {role: connect(token) for role, token in tokens.items()}

    def try_event(event: str) -> list[str]:
        problems = []
        for role in ("student", "class device", "school staff", "teacher"):  # the teacher ends the room last
            client, cell = sockets[role], room[event][role]
            client.get_received("/room")
            assert client.is_connected("/room"), f"{role} was disconnected before {event}"
            client.emit(event, {}, namespace="/room")
            # ending the room closes the teacher's own connection too: nothing more to read then
            answers = client.get_received("/room") if client.is_connected("/room") else []
            errors = [m["args"][0] for m in answers if m["name"] == "error"]
            forbidden = any(e.get("error") == "forbidden" for e in errors)
            if (cell in ("no", "let")) != forbidden:  # nobody here was let draw
                problems.append(f"{event}: {role} expected {cell}, got {errors}")
        return problems

    wrong = [problem for event in sorted(room) if event not in ("end", "signal") for problem in try_event(event)]

    with app.app_context():
        from classroom.models import Participant
        ids = {p.role: p.id for p in db.session.scalars(select(Participant).where(Participant.live_session_id == room_id))}

    def signal(role, to_role, kind="ice"):
        client = sockets[role]
        client.get_received("/room")
        client.emit("signal", {"to": ids[to_role], "kind": kind, "data": {"candidate": "x"}}, namespace="/room")
        return [m["args"][0].get("error") for m in client.get_received("/room") if m["name"] == "error"]

    assert signal("student", "teacher") == []                   # a member signals the teacher
    assert signal("student", "class_device") == ["forbidden"]   # never another member
    assert signal("school staff", "teacher") == []
    assert signal("school staff", "student") == ["forbidden"]
    assert signal("teacher", "student") == []                   # the teacher signals anyone
    assert signal("student", "teacher", kind="offer") == ["no_floor"]  # offers need the floor

    wrong += try_event("end")
    assert not wrong, "\n".join(wrong)

    for role, cell in runs["connect"].items():
        client = app.test_client() if role == "anonymous" else world.clients[
            {"teacher": "teacher", "school staff": "school staff", "coordinator": "coordinator", "admin": "admin"}[role]]
        watcher = socketio.test_client(app, namespace="/runs", flask_test_client=client)
        assert watcher.is_connected("/runs") == (cell == "yes"), role
        if watcher.is_connected("/runs"):
            watcher.disconnect(namespace="/runs")
