"""Slides: a teacher's PDF rendered server-side to small page images that weak connections can load, and the
page a room is shown."""
from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import Signer
from sqlalchemy import select

from ..extensions import db, socketio
from ..models import LiveSession, SlideDeck, SlidePage
from ..validation import storable
from ..errors import AppError, bad
from .rooms.roles import NAMESPACE, room_name

PDF_MAX_BYTES = 20 * 1024 * 1024
PAGES_MAX = 80
PAGE_WIDTH = 960  # pixels: readable on a projector, about 20-60 KB a page as WebP
WEBP_QUALITY = 55
RENDER_SECONDS = 120
PAGE_TALL_MAX = 5  # height / width: a page rendered 960 px wide is at most 4800 px tall (a taller one is a memory bomb)
RENDER_MEMORY_BYTES = 1536 * 1024 * 1024  # the child's address space: a crafted PDF fails there, not in the machine
TOO_MANY_PAGES, PAGE_TOO_TALL = 3, 4  # the child's exit codes for refusals it can name
# Pixels a whole deck may render to: 80 landscape 16:9 slides at full width (80 x 960 x 540 = 41 MP) fit. A deck of
# larger or taller pages is rendered smaller, every page alike (80 A4 portrait pages at 68% width), so no PDF buys
# more than this much of a core: 80 pages of 1:5 had rendered 369 MP, 16 s of a worker (docs/reliability.md).
DECK_PIXELS_MAX = 80 * 960 * 625
RENDERS_AT_ONCE = 2  # per web process: each render is a child process that takes a core while it runs


@dataclass
class RenderedPage:
    number: int
    width: int
    height: int
    image: bytes


def render_pdf(pdf: bytes) -> list[RenderedPage]:
    """Render in a child process: pdfium is native code fed untrusted files, and rendering is CPU work that must
    not stall the server's event loop (gevent patches subprocess, so waiting here lets the rooms go on)."""
    if not pdf.startswith(b"%PDF"):
        raise bad("file", _("Upload a PDF file."))
    if len(pdf) > PDF_MAX_BYTES:
        raise bad("file", _("A PDF of at most %(mb)d MB, please.", mb=PDF_MAX_BYTES // (1024 * 1024)))
    with tempfile.TemporaryDirectory(prefix="slides-") as folder:
        source = Path(folder) / "deck.pdf"
        source.write_bytes(pdf)
        try:
            done = subprocess.run([sys.executable, "-m", "classroom.services.slides", str(source), folder],
                                  capture_output=True, timeout=RENDER_SECONDS, check=False,
                                  cwd=str(Path(__file__).resolve().parents[2]))
        except subprocess.TimeoutExpired:
            raise bad("file", _("This PDF took too long to prepare. Try a smaller file."))
        if done.returncode == TOO_MANY_PAGES:
            raise bad("file", _("A PDF of at most %(n)d pages, please.", n=PAGES_MAX))
        if done.returncode == PAGE_TOO_TALL:
            raise bad("file", _("A page of this PDF is too long and narrow to show as a slide."))
        if done.returncode != 0:
            raise bad("file", _("This PDF could not be read."))
        listing = json.loads(done.stdout)
        return [RenderedPage(p["number"], p["width"], p["height"], (Path(folder) / p["file"]).read_bytes())
                for p in listing]


class RenderSlots:
    """One upload at a time per room, and RENDERS_AT_ONCE per process: a second upload is refused at once, in
    words, instead of queueing more rendering behind the first. The process's rooms registry holds one."""

    def __init__(self, at_once: int = RENDERS_AT_ONCE):
        self.free = threading.BoundedSemaphore(at_once)
        self.rooms: set[int] = set()
        self.lock = threading.Lock()

    @contextmanager
    def held(self, live_session_id: int):
        with self.lock:
            if live_session_id in self.rooms:
                raise AppError(409, "busy", _("A PDF for this room is still being prepared. Wait for it, then upload the next."))
            if not self.free.acquire(blocking=False):
                raise AppError(503, "busy", _("Slides for other rooms are being prepared. Please try again in a moment."))
            self.rooms.add(live_session_id)
        try:
            yield
        finally:
            with self.lock:
                self.rooms.discard(live_session_id)
                self.free.release()


def add_deck(live: LiveSession, title: str, pdf: bytes) -> SlideDeck:
    title = (title or "slides.pdf")[:200]
    if not storable(title):  # checked before the render, not at the insert after it (PostgreSQL refuses NUL)
        raise bad("file", _("The file name contains characters that cannot be stored. Rename the file."))
    with current_app.extensions["rooms"].renders.held(live.id):
        pages = render_pdf(pdf)
    if not pages:
        raise bad("file", _("This PDF has no pages."))
    deck = SlideDeck(live_session_id=live.id, title=title, page_count=len(pages), current_page=1)
    db.session.add(deck)
    for page in pages:
        deck.pages.append(SlidePage(number=page.number, mimetype="image/webp", width=page.width,
                                    height=page.height, image=page.image))
    db.session.flush()
    return deck



def current_deck(live_session_id: int) -> SlideDeck | None:
    return db.session.scalar(select(SlideDeck).where(SlideDeck.live_session_id == live_session_id)
                             .order_by(SlideDeck.id.desc()).limit(1))


def slide_json(deck: SlideDeck | None) -> dict:
    if deck is None:
        return {"deck": None, "page": 0, "pages": 0, "title": ""}
    return {"deck": deck.id, "page": deck.current_page, "pages": deck.page_count, "title": deck.title}


def show_page(live_session_id: int, page: int) -> SlideDeck:
    deck = current_deck(live_session_id)
    if deck is None:
        raise AppError(404, "no_slides", _("Upload slides first."))
    if not 1 <= page <= deck.page_count:
        raise bad("page", _("Choose a page from 1 to %(n)d.", n=deck.page_count))
    deck.current_page = page
    return deck


def slide_key(deck_id: int) -> str:
    """Slide images load by <img src>, which cannot carry a room token: the URL carries a signature instead."""
    return _deck_signer().get_signature(str(deck_id)).decode()


def slide_key_valid(deck_id: int, key: str) -> bool:
    return _deck_signer().verify_signature(str(deck_id).encode(), key.encode())


def _deck_signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="slide-deck")


def slide_state(live_session_id: int) -> dict:
    """The slide a room shows now, with the key its images load by."""
    deck = current_deck(live_session_id)
    body = slide_json(deck)
    if deck is not None:
        body["key"] = slide_key(deck.id)
    return body


def announce_deck(live_session_id: int) -> dict:
    """After a new deck is committed: joiners from now on are shown it (the room's snapshot is dropped), and
    everyone in the room sees its first page."""
    current_app.extensions["rooms"].snapshots.changed(live_session_id)
    state = slide_state(live_session_id)
    socketio.emit("slide", state, to=room_name(live_session_id), namespace=NAMESPACE)
    return state

def deck_scale(page_pixels: list[tuple[float, float]]) -> float:
    """The factor (at most 1) every page's full-width size is multiplied by so the deck stays in DECK_PIXELS_MAX."""
    total = sum(width * height for width, height in page_pixels)
    # pdfium rounds each side up to a whole pixel: 1% less keeps the rounded deck inside the budget too
    return 1.0 if total <= DECK_PIXELS_MAX else math.sqrt(DECK_PIXELS_MAX / total) * 0.99


def _render_to_folder(source: str, folder: str) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(source)
    listing = []
    try:
        if len(document) > PAGES_MAX:
            sys.exit(TOO_MANY_PAGES)
        sizes = [document.get_page_size(index) for index in range(len(document))]  # no rendering yet
        if any(w <= 0 or h <= 0 or h / w > PAGE_TALL_MAX for w, h in sizes):
            sys.exit(PAGE_TOO_TALL)
        shrink = deck_scale([(PAGE_WIDTH, PAGE_WIDTH * h / w) for w, h in sizes])
        for index in range(len(document)):
            page = document[index]
            width_points = sizes[index][0]
            bitmap = page.render(scale=PAGE_WIDTH * shrink / width_points)
            image = bitmap.to_pil().convert("RGB")
            name = f"page-{index + 1}.webp"
            image.save(Path(folder) / name, "WEBP", quality=WEBP_QUALITY, method=4)
            listing.append({"number": index + 1, "width": image.width, "height": image.height, "file": name})
            page.close()
    finally:
        document.close()
    json.dump(listing, sys.stdout)


if __name__ == "__main__":  # the child process of render_pdf
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (RENDER_MEMORY_BYTES, RENDER_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (RENDER_SECONDS, RENDER_SECONDS))
    try:
        _render_to_folder(sys.argv[1], sys.argv[2])
    except Exception as exc:  # noqa: BLE001 - any failure means "not a readable PDF" to the parent
        print(f"render failed: {exc}", file=sys.stderr)
        sys.exit(2)
