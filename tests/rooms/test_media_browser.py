"""Media through Janus (SFU) and coturn (TURN) in real browsers: Debian's Chromium with fake camera and
microphone, Janus and coturn started by the same code as `flask media-servers` (classroom/media/local.py)."""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from sqlalchemy import select

from classroom.extensions import db
from classroom.media import local

from waiting import wait_in_page, wait_until

from .conftest import free_port, make_room, start_room_servers, stop_room_servers
from .test_browser import CHROMIUM, join_as_student

MISSING = local.missing_programs()
# Real-time media through Janus on a 2-core machine that also runs the browsers: a test that loses its race against
# the machine (a frame late past a wait's timeout) is run again, at most twice; a feature that is broken fails all
# three.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2),
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is not installed"),
              pytest.mark.skipif(bool(MISSING), reason="media tests need Janus, janus-tools and coturn; not installed: "
                                 + ", ".join(MISSING) + " (apt-get install janus janus-tools coturn)")]


def media_environment(tmp_path, ice_policy: str = "all", **changes) -> tuple[dict, local.MediaServers]:
    """Janus and coturn on free ports of 127.0.0.1, and the app settings that point at them."""
    janus_port, turn_port = free_port(), free_port()
    environment = {"JANUS_URL": f"ws://127.0.0.1:{janus_port}", "JANUS_API_SECRET": secrets.token_hex(16),
                   "TURN_URLS": f"turn:127.0.0.1:{turn_port}?transport=udp,turn:127.0.0.1:{turn_port}?transport=tcp",
                   "TURN_SECRET": secrets.token_hex(16), "RECORDINGS_PATH": str(tmp_path / "recordings"),
                   "ROOM_ICE_POLICY": ice_policy}
    config = {"JANUS_URL": environment["JANUS_URL"], "JANUS_API_SECRET": environment["JANUS_API_SECRET"],
              "JANUS_RTP_PORTS": "40000-40199", "JANUS_PUBLIC_IP": None,
              "RECORDINGS_PATH": environment["RECORDINGS_PATH"],
              "TURN_URLS": environment["TURN_URLS"].split(","), "TURN_SECRET": environment["TURN_SECRET"],
              "TURN_RELAY_PORTS": "40200-40399"}
    servers = local.start(local.MediaSettings.from_config(config, **changes), tmp_path / "media")
    return environment, servers


@pytest.fixture
def sfu_server(app, tmp_path):
    environment, media = media_environment(tmp_path)
    [(server, url)] = start_room_servers(app, tmp_path, **environment)
    yield url
    stop_room_servers([server])
    media.stop()


@pytest.fixture
def relay_server(app, tmp_path):
    environment, media = media_environment(tmp_path, ice_policy="relay")
    [(server, url)] = start_room_servers(app, tmp_path, **environment)
    yield url, media
    stop_room_servers([server])
    media.stop()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            "--auto-select-desktop-capture-source=Entire screen"])
        yield chromium
        chromium.close()


def teacher_in_room(browser, url, room, log_in):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    log_in(page, url, room.teacher_email)
    page.goto(f"{url}/rooms/{room.id}")
    page.wait_for_selector("#net.ok", timeout=10_000)
    return context, page


# Bytes received so far from one subscription, by kind: {"audio": n, "video": n}; absent feeds give 0.
RECEIVED = """async ([which]) => {
  const subs = window.room.media.subs, out = {audio: 0, video: 0, feeds: 0};
  for (const key of Object.keys(subs)) {
    const sub = subs[key], feed = window.room.media.feeds.find(f => f.feed === +key);
    if (!sub.pc || !feed || (which === 'floor') === (feed.kind === 'camera' && feed.participant === %s)) continue;
    out.feeds += 1;
    (await sub.pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp') out[r.kind] += r.bytesReceived; });
  }
  return out;
}"""


def received(page, which: str, teacher_id: int) -> dict:
    return page.evaluate(RECEIVED % teacher_id, [which])


def wait_receiving(page, which: str, teacher_id: int, kinds=("audio", "video"), timeout=45):
    condition = " && ".join(f"r.{kind} > 2000" for kind in kinds)
    wait_in_page(page, f"(async () => {{ const r = await ({RECEIVED % teacher_id})(['{which}']); "
                       f"return {condition}; }})()", timeout=timeout)


def teacher_id_of(page) -> int:
    """The teacher's participant id, from the feed the page sees."""
    return page.evaluate("window.room.media.feeds.find(f => f.kind === 'camera').participant")


def test_a_teacher_and_three_students_through_janus(app, factory, sfu_server, browser, log_in):
    room = make_room(app, factory)
    teacher_context, teacher = teacher_in_room(browser, sfu_server, room, log_in)
    assert teacher.get_attribute("#mediamode", "data-mode") == "sfu"
    teacher.click("#camera")
    students = [join_as_student(browser, sfu_server, room.code, name) for name in ("Yohana", "Markus", "Petrus")]
    for _, student in students:
        student.wait_for_function("window.room.media.feeds.some(f => f.kind === 'camera')", timeout=40_000)
    teacher_id = teacher_id_of(students[0][1])
    for _, student in students:
        assert student.get_attribute("#mediamode", "data-mode") == "sfu"
        wait_receiving(student, "teacher", teacher_id)
        student.wait_for_function("document.getElementById('teachervideo').srcObject && "
                                  "document.getElementById('teachervideo').srcObject.getVideoTracks().length === 1")
    # Through Janus, not a mesh: the teacher's browser holds one publishing connection and no call per student.
    assert teacher.evaluate("Object.keys(window.room.peers).length") == 0
    assert teacher.evaluate("Object.keys(window.room.media.pubs)") == ["camera"]

    # Audio only: the subscription carries the teacher's audio and no video at all.
    yohana = students[0][1]
    yohana.click("[data-mode=audio]")
    yohana.wait_for_function("Object.values(window.room.media.subs).every(s => s.want === 'audio' && s.pc)")
    wait_receiving(yohana, "teacher", teacher_id, kinds=("audio",))
    assert received(yohana, "teacher", teacher_id)["video"] == 0
    # Slides only: nothing at all.
    yohana.click("[data-mode=none]")
    yohana.wait_for_function("Object.keys(window.room.media.subs).length === 0")
    for context, _ in students:
        context.close()
    teacher_context.close()


def test_a_student_given_the_floor_is_heard_by_the_others_and_can_be_muted(app, factory, sfu_server, browser, log_in):
    room = make_room(app, factory)
    teacher_context, teacher = teacher_in_room(browser, sfu_server, room, log_in)
    teacher.click("#camera")
    students = [join_as_student(browser, sfu_server, room.code, name) for name in ("Yohana", "Markus")]
    yohana, markus = students[0][1], students[1][1]
    yohana.wait_for_function("window.room.media.feeds.some(f => f.kind === 'camera')", timeout=40_000)
    teacher_id = teacher_id_of(yohana)

    # Without the floor the server refuses a student's publish.
    yohana.evaluate("window.room.socket.emit('media_publish', {kind: 'camera', jsep: {type: 'offer', "
                    "sdp: 'v=0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\na=mid:0\\r\\n'}})")
    yohana.wait_for_function("document.getElementById('banner').textContent.length > 0")
    assert not yohana.evaluate("window.room.media.feeds.some(f => f.participant !== %d)" % teacher_id)

    yohana.click("#hand")
    teacher.wait_for_selector("#hands li button")
    teacher.click("#hands li button >> nth=0")
    for page in (markus, teacher):
        wait_receiving(page, "floor", teacher_id, kinds=("audio",))

    # The teacher mutes her: Janus stops relaying her voice to everyone, and her page says so.
    teacher.click("#mutefloor")
    yohana.wait_for_function("document.getElementById('banner').textContent.length > 0")
    markus.wait_for_timeout(1500)
    before = received(markus, "floor", teacher_id)["audio"]
    markus.wait_for_timeout(2500)
    assert received(markus, "floor", teacher_id)["audio"] - before < 500
    teacher.click("#mutefloor")  # and back
    wait_in_page(markus, f"(async () => (await ({RECEIVED % teacher_id})(['floor'])).audio > {before + 2000})()",
                 timeout=15)
    for context, _ in students:
        context.close()
    teacher_context.close()


def test_relay_only_media_flows_through_coturn(app, factory, relay_server, browser, log_in):
    url, media = relay_server
    room = make_room(app, factory)
    teacher_context, teacher = teacher_in_room(browser, url, room, log_in)
    teacher.click("#camera")
    context, student = join_as_student(browser, url, room.code, "Yohana")
    student.wait_for_function("window.room.media.feeds.some(f => f.kind === 'camera')", timeout=40_000)
    teacher_id = teacher_id_of(student)
    wait_receiving(student, "teacher", teacher_id)
    # The local candidate of every pair that carries media. A subscription that was just renegotiated (a layer
    # switch on a loaded machine) may not have chosen its pair yet, so this asks again until one has.
    pair_types = student.evaluate("""async () => {
      for (let attempt = 0; attempt < 30; attempt++) {
        const types = [];
        for (const sub of Object.values(window.room.media.subs)) {
          if (!sub.pc) continue;
          const stats = await sub.pc.getStats(), byId = {};
          stats.forEach(r => { byId[r.id] = r; });
          stats.forEach(r => {
            const chosen = (r.type === 'transport' && r.selectedCandidatePairId && byId[r.selectedCandidatePairId])
              || (r.type === 'candidate-pair' && r.nominated && r.bytesReceived > 0 && r);
            if (chosen && byId[chosen.localCandidateId]) types.push(byId[chosen.localCandidateId].candidateType);
          });
        }
        if (types.length) return types;
        await new Promise(done => setTimeout(done, 500));
      }
      return [];
    }""")
    assert pair_types and set(pair_types) == {"relay"}
    context.close()
    teacher_context.close()


@pytest.fixture(params=["mesh", "sfu"])
def either_server(request, app, tmp_path):
    """The same room served on the mesh path and on the SFU path."""
    environment, media = ({}, None) if request.param == "mesh" else media_environment(tmp_path)
    [(server, url)] = start_room_servers(app, tmp_path, **environment)
    yield request.param, url
    stop_room_servers([server])
    if media:
        media.stop()


# Everything this page has received so far, over every peer connection of either path.
INBOUND = """async () => {
  const m = window.room.media, pcs = [];
  Object.values(m.peers).forEach(p => pcs.push(p.pc));
  Object.values(m.subs).forEach(s => { if (s.pc) pcs.push(s.pc); });
  const out = {energy: 0, frames: 0, tracks: []};
  for (const pc of pcs) (await pc.getStats()).forEach(r => {
    if (r.type !== 'inbound-rtp') return;
    if (r.kind === 'audio') out.energy += r.totalAudioEnergy || 0; else out.frames += r.framesDecoded || 0;
  });
  const v = document.getElementById('teachervideo').srcObject;
  out.video = v && v.getVideoTracks().length ? v.getVideoTracks()[0].id : null;
  return out;
}"""


def inbound(page) -> dict:
    return page.evaluate(INBOUND)


def growth(page, key: str, seconds: float = 2.5) -> float:
    before = inbound(page)[key]
    page.wait_for_timeout(seconds * 1000)
    return inbound(page)[key] - before


def grows(page, key: str, seconds: float = 2.5) -> bool:
    return growth(page, key, seconds) > 0


def wait_grows(page, key: str, timeout=40):
    before = inbound(page)[key]
    wait_in_page(page, f"(async () => (await ({INBOUND})())['{key}'] > {before})()", timeout=timeout)


def test_the_teachers_media_controls(either_server, app, factory, browser, log_in):
    path, url = either_server
    room = make_room(app, factory)
    teacher_context, teacher = teacher_in_room(browser, url, room, log_in)
    teacher.click("#camera")
    student_context, student = join_as_student(browser, url, room.code, "Yohana")
    wait_grows(student, "frames")
    wait_grows(student, "energy")

    # Once the camera is on the controls stay: microphone, camera, devices, screen.
    for control in ("#mic", "#cam", "#screen", "#camsel", "#micsel"):
        assert teacher.is_visible(control), control
    assert teacher.eval_on_selector("#camsel", "s => s.options.length") >= 1
    assert teacher.eval_on_selector("#micsel", "s => s.options.length") >= 1

    # Microphone off: the student hears silence; on again: the teacher's voice.
    speaking = growth(student, "energy")
    teacher.click("#mic")
    assert teacher.get_attribute("#mic", "aria-pressed") == "true"
    student.wait_for_timeout(1000)
    assert growth(student, "energy") < speaking / 100
    teacher.click("#mic")
    student.wait_for_timeout(1000)
    assert growth(student, "energy") > speaking / 2

    # Camera off: no more pictures; on again (the button is still there): pictures again.
    teacher.click("#cam")
    student.wait_for_timeout(1000)
    assert not grows(student, "frames")
    teacher.click("#cam")
    wait_grows(student, "frames")

    # Another device from the list: the picture goes on.
    teacher.select_option("#camsel", index=teacher.eval_on_selector("#camsel", "s => s.options.length") - 1)
    student.wait_for_timeout(1000)
    wait_grows(student, "frames")

    # Screen sharing: a second stream the student switches to, and back.
    teacher.click("#screen")
    student.wait_for_selector("#sources:not([hidden])", timeout=40_000)
    camera_track = inbound(student)["video"]
    student.click("[data-source=screen]")
    wait_in_page(student, f"(async () => {{ const r = await ({INBOUND})(); "
                          f"return r.video && r.video !== '{camera_track}'; }})()", timeout=20)
    wait_grows(student, "frames")
    student.click("[data-source=camera]")
    teacher.click("#screen")  # stop sharing: the choice goes away
    student.wait_for_selector("#sources", state="hidden", timeout=40_000)
    student_context.close()
    teacher_context.close()


@pytest.fixture
def mesh_server(app, tmp_path):
    [(server, url)] = start_room_servers(app, tmp_path)
    yield url
    stop_room_servers([server])


def test_on_the_mesh_the_teacher_mutes_the_student_who_has_the_floor(app, factory, mesh_server, browser, log_in):
    url = mesh_server
    room = make_room(app, factory)
    teacher_context, teacher = teacher_in_room(browser, url, room, log_in)
    teacher.click("#camera")
    student_context, student = join_as_student(browser, url, room.code, "Yohana")
    wait_grows(student, "frames")
    student.click("#hand")
    teacher.wait_for_selector("#hands li button")
    teacher.click("#hands li button >> nth=0")
    wait_grows(teacher, "energy")
    speaking = growth(teacher, "energy")
    teacher.click("#mutefloor")
    student.wait_for_function("document.getElementById('banner').textContent.length > 0")
    student.wait_for_timeout(1000)
    assert growth(teacher, "energy") < speaking / 100
    teacher.click("#mutefloor")
    student.wait_for_timeout(1000)
    assert growth(teacher, "energy") > speaking / 2
    student_context.close()
    teacher_context.close()


FRAME_WIDTH = """async () => {
  for (const s of Object.values(window.room.media.subs)) if (s.pc && s.video) {
    let width = 0;
    (await s.pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video') width = r.frameWidth || 0; });
    return width;
  }
  return 0;
}"""


def test_the_teacher_sends_three_layers_and_a_student_picks_one(app, factory, sfu_server, browser, log_in):
    room = make_room(app, factory)
    teacher_context, teacher = teacher_in_room(browser, sfu_server, room, log_in)
    teacher.click("#camera")
    context, student = join_as_student(browser, sfu_server, room.code, "Yohana")
    wait_grows(student, "frames")
    # Three simulcast encodings leave the teacher's browser, each with bytes, once, whoever watches.
    wait_in_page(teacher, """(async () => {
      const rids = {};
      (await window.room.media.pubs.camera.getStats()).forEach(r => {
        if (r.type === 'outbound-rtp' && r.kind === 'video' && r.bytesSent > 0) rids[r.rid] = true; });
      return ['h', 'm', 'l'].every(rid => rids[rid]);
    })()""", timeout=30, interval=1.0)
    assert student.is_visible("#layerpick")
    student.select_option("#layer", "0")
    wait_in_page(student, f"(async () => {{ const w = await ({FRAME_WIDTH})(); return w > 0 && w <= 200; }})()",
                 timeout=20)
    student.select_option("#layer", "2")
    wait_in_page(student, f"(async () => (await ({FRAME_WIDTH})()) > 200)()", timeout=30)
    context.close()
    teacher_context.close()


def test_a_short_recorded_lesson_plays_back_for_the_school_and_no_one_else(app, factory, sfu_server, browser, log_in):
    room = make_room(app, factory)
    teacher_context, teacher = teacher_in_room(browser, sfu_server, room, log_in)
    assert not teacher.is_visible("#record")  # nothing to record before the camera is on
    teacher.click("#camera")
    student_context, student = join_as_student(browser, sfu_server, room.code, "Yohana")
    wait_grows(student, "frames")
    teacher.click("#record")
    student.wait_for_selector("#recnote:not([hidden])")  # everyone sees that the lesson is recorded
    teacher.wait_for_timeout(5000)
    teacher.click("#record")
    student.wait_for_selector("#recnote", state="hidden")

    # The school's staff find it on their rooms page, and it plays: picture and voice, a few seconds long.
    school_context = browser.new_context(bypass_csp=True)
    school = school_context.new_page()
    log_in(school, sfu_server, room.school_email)

    def recording_listed() -> int:  # the page lists it once the conversion is done; it is reloaded until then
        school.goto(f"{sfu_server}/rooms/{room.id}/recordings")
        return school.locator("a", has_text="Putar").count()

    wait_until(recording_listed, timeout=45, interval=1.0, message="the recording on the school's recordings page")
    school.click("a:has-text('Putar')")
    with app.app_context():  # say what the conversion reported when the picture is missing
        from classroom.models import LessonRecording
        problem = db.session.scalars(select(LessonRecording.problem)).first()
    assert school.locator("#replay").count() == 1, f"no video in the recording: {problem}"
    school.wait_for_function("document.getElementById('replay').readyState >= 2 && "
                             "document.getElementById('replayaudio').readyState >= 1", timeout=40_000)
    school.evaluate("document.getElementById('replay').muted = true; document.getElementById('replay').play()")
    school.wait_for_function("document.getElementById('replay').currentTime > 1 && "
                             "document.getElementById('replay').videoWidth > 0", timeout=40_000)
    assert school.evaluate("document.getElementById('replayaudio').duration") > 2
    assert not school.evaluate("document.getElementById('replayaudio').paused")
    player = school.url

    # Staff of another school may not watch it.
    _, other_email = factory.school(school_name="SMP Negeri 1 Sorong")
    other_context = browser.new_context()
    other = other_context.new_page()
    log_in(other, sfu_server, other_email)
    assert other.goto(player).status == 403
    assert other.goto(player + "/video").status == 403
    for context in (other_context, school_context, student_context, teacher_context):
        context.close()
