"""Slide uploads a teacher (or a stolen teacher session) could abuse: too big, too many pages, not a PDF by its
content, a broken PDF, and PDFs built to exhaust the renderer's memory. Each is refused with a message naming
the file, and the room goes on."""
from __future__ import annotations

import io

import pytest

from classroom.services import slides

from .test_class import make_pdf


def handmade_pdf(objects: list[bytes]) -> bytes:
    """A PDF from raw objects (1 is the catalog), with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def one_page_pdf(media_box: bytes = b"[0 0 842 595]", resources: bytes = b"<< >>") -> bytes:
    return handmade_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                         b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                         b"<< /Type /Page /Parent 2 0 R /MediaBox " + media_box + b" /Resources " + resources + b" >>"])


def many_pages_pdf(pages: int) -> bytes:
    """Ten thousand pages in a few hundred kilobytes: every page is the same small object, listed again."""
    kids = b" ".join([b"3 0 R"] * pages)
    return handmade_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                         b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
                         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] >>"])


@pytest.fixture
def upload(room_app, room, joiner):
    http = joiner.account(room.teacher_email)

    def send(content: bytes, name: str = "bab-1.pdf"):
        return http.post(f"/rooms/{room.id}/slides", data={"file": (io.BytesIO(content), name)},
                         content_type="multipart/form-data", headers={"Accept": "application/json"})
    return send


def assert_refused(response, words: str) -> None:
    assert response.status_code in (400, 413), response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["message"] and words in body["message"], body


def test_a_pdf_over_the_size_limit_is_refused(upload):
    assert_refused(upload(b"%PDF-1.7\n" + b"0" * slides.PDF_MAX_BYTES), "20 MB")


def test_a_request_body_far_over_the_limit_is_refused_before_it_is_read(upload):
    response = upload(b"%PDF-1.7\n" + b"0" * (slides.PDF_MAX_BYTES + 2 * 1024 * 1024))
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"


def test_more_pages_than_the_limit_are_refused_not_cut_silently(upload):
    assert_refused(upload(make_pdf(slides.PAGES_MAX + 1)), str(slides.PAGES_MAX))
    assert upload(make_pdf(2)).status_code == 201


def test_ten_thousand_pages_in_a_small_file_are_refused_quickly(upload):
    assert_refused(upload(many_pages_pdf(10_000)), str(slides.PAGES_MAX))


def test_the_type_is_checked_by_content_not_by_name(upload):
    for content, name in [(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "bab-1.pdf"),  # the name says PDF, the content not
                          (b"<html><script>alert(1)</script></html>", "bab-1.pdf"),
                          (b"PK\x03\x04" + b"\x00" * 64, "slides.pptx")]:
        assert_refused(upload(content, name), "PDF")


def test_a_malformed_pdf_is_refused(upload):
    for content in [b"%PDF-1.7\n" + b"\x00garbage\xff" * 500,
                    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
                    make_pdf(3)[:400]]:  # cut off in the middle of an upload
        assert_refused(upload(content), "PDF")


def test_a_page_built_to_render_into_gigabytes_is_refused(upload):
    # 1 point wide and 14400 tall: at 960 px wide that would be a 960 x 13,824,000 px bitmap (about 53 GB).
    assert_refused(upload(one_page_pdf(b"[0 0 1 14400]")), "terlalu panjang")
    assert_refused(upload(one_page_pdf(b"[0 0 10 14400] /UserUnit 75000")), "terlalu panjang")


def test_deeply_nested_objects_do_not_take_the_renderer_down(upload):
    # 100,000 nested arrays in a page's resources: parsers that recurse would blow their stack.
    nested = b"[" * 100_000 + b"]" * 100_000
    response = upload(one_page_pdf(resources=b"<< /Deep " + nested + b" >>"))
    # pdfium stops at its depth limit; the page either renders without that junk or the file is refused.
    assert response.status_code in (201, 400)
    if response.status_code == 400:
        assert response.get_json()["message"]
    assert upload(make_pdf(1)).status_code == 201  # and the next upload is served as usual


def tall_pages_pdf(pages: int) -> bytes:
    import pypdfium2 as pdfium
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 2975)  # 1:5, the tallest a slide may be
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_deck_of_tall_pages_renders_within_the_pixel_budget(upload, room_app):
    # 20 pages of 1:5 at full width would be 20 x 960 x 4800 = 92 MP of rendering; every page is made smaller alike.
    response = upload(tall_pages_pdf(20))
    assert response.status_code == 201
    with room_app.app_context():
        from sqlalchemy import select
        from classroom.extensions import db
        from classroom.models import SlidePage
        sizes = db.session.execute(select(SlidePage.width, SlidePage.height)).all()
    assert len(sizes) == 20 and sum(w * h for w, h in sizes) <= slides.DECK_PIXELS_MAX
    assert len({w for w, _ in sizes}) == 1 and sizes[0][0] >= 400  # still one readable width for the whole deck


def test_a_second_upload_to_a_room_waits_for_the_first_in_words(upload, room_app, room):
    with room_app.extensions["rooms"].renders.held(room.id):  # the room's first PDF is still being prepared
        response = upload(make_pdf(1))
    assert response.status_code == 409 and "masih disiapkan" in response.get_json()["message"]
    assert upload(make_pdf(1)).status_code == 201  # once it is done, the next is taken


def test_a_process_renders_only_a_few_decks_at_once(upload, room_app):
    renders = room_app.extensions["rooms"].renders
    with renders.held(10**6), renders.held(10**6 + 1):  # two other rooms are rendering
        response = upload(make_pdf(1))
    assert response.status_code == 503 and response.get_json()["error"] == "busy"


def test_a_file_name_the_database_cannot_store_is_refused_before_rendering(upload, monkeypatch):
    def must_not_render(pdf):
        raise AssertionError("rendered before the name was checked")
    monkeypatch.setattr(slides, "render_pdf", must_not_render)
    assert_refused(upload(make_pdf(1), "bab\x00-1.pdf"), "nama file")
