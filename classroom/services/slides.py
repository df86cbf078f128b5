"""Slides: a teacher's PDF rendered server-side to small page images that weak connections can load."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from ..extensions import db
from ..models import LiveSession, SlideDeck, SlidePage
from .rooms import bad

PDF_MAX_BYTES = 20 * 1024 * 1024
PAGES_MAX = 80
PAGE_WIDTH = 960  # pixels: readable on a projector, about 20-60 KB a page as WebP
WEBP_QUALITY = 55
RENDER_SECONDS = 120
PAGE_TALL_MAX = 5  # height / width: a page rendered 960 px wide is at most 4800 px tall (a taller one is a memory bomb)
RENDER_MEMORY_BYTES = 1536 * 1024 * 1024  # the child's address space: a crafted PDF fails there, not in the machine
TOO_MANY_PAGES, PAGE_TOO_TALL = 3, 4  # the child's exit codes for refusals it can name


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


def add_deck(live: LiveSession, title: str, pdf: bytes) -> SlideDeck:
    pages = render_pdf(pdf)
    if not pages:
        raise bad("file", _("This PDF has no pages."))
    title = (title or "slides.pdf")[:200]
    deck = SlideDeck(live_session_id=live.id, title=title, page_count=len(pages), current_page=1)
    db.session.add(deck)
    for page in pages:
        deck.pages.append(SlidePage(number=page.number, mimetype="image/webp", width=page.width,
                                    height=page.height, image=page.image))
    db.session.flush()
    return deck


def _render_to_folder(source: str, folder: str) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(source)
    listing = []
    try:
        if len(document) > PAGES_MAX:
            sys.exit(TOO_MANY_PAGES)
        for index in range(len(document)):
            page = document[index]
            width_points, height_points = page.get_size()
            if width_points <= 0 or height_points <= 0 or height_points / width_points > PAGE_TALL_MAX:
                sys.exit(PAGE_TOO_TALL)
            bitmap = page.render(scale=PAGE_WIDTH / width_points)
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
