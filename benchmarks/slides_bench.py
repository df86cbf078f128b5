"""How much of a core a slide deck takes to render (classroom/services/slides.py), for ordinary and hostile decks.

    .venv/bin/python benchmarks/slides_bench.py [--repeat 3]

Prints, per deck, the pages, the pixels rendered, the CPU seconds of the render (the sandboxed child, as an upload
runs it: what it takes from a core, whatever else the machine does), its wall-clock seconds, and the stored bytes.
The machine may be shared: the load average is printed beside the figures.
"""
from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import time

import pypdfium2 as pdfium

from classroom.services import slides


def deck(pages: int, width: float, height: float, lines: int = 40) -> bytes:
    """A PDF of `pages` pages of `width` x `height` points, each with lines of text so the renderer has work."""
    document = pdfium.PdfDocument.new()
    font = pdfium.raw.FPDFText_LoadStandardFont(document.raw, b"Helvetica")
    for number in range(pages):
        page = document.new_page(width, height)
        for line in range(lines):
            text = pdfium.raw.FPDFPageObj_NewTextObj(document.raw, b"Helvetica", 14.0)
            words = f"Bab {number + 1}, baris {line + 1}: persamaan linear dua variabel"
            encoded = (words + "\x00").encode("utf-16-le")
            pdfium.raw.FPDFText_SetText(text, (pdfium.raw.FPDF_WCHAR * (len(encoded) // 2)).from_buffer_copy(encoded))
            pdfium.raw.FPDFPageObj_Transform(text, 1, 0, 0, 1, 20, height - 20 - line * height / lines)
            pdfium.raw.FPDFPage_InsertObject(page.raw, text)
        pdfium.raw.FPDFPage_GenerateContent(page.raw)
        page.close()
    del font
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DECKS = {
    "20 landscape slides (842 x 595 pt)": (20, 842, 595),
    "80 landscape slides (842 x 595 pt)": (80, 842, 595),
    "80 A4 portrait pages (595 x 842 pt)": (80, 595, 842),
    "80 tall pages 1:5 (595 x 2975 pt)": (80, 595, 2975),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores, shared machine)")
    print(f"{'deck':40} {'pages':>5} {'pixels (MP)':>11} {'CPU s':>6} {'wall s':>7} {'stored KB':>9}   (medians)")
    for name, (pages, width, height) in DECKS.items():
        pdf = deck(pages, width, height)
        cpu, wall = [], []
        for _ in range(args.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            rendered = slides.render_pdf(pdf)
            wall.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        pixels = sum(p.width * p.height for p in rendered) / 1e6
        stored = sum(len(p.image) for p in rendered) / 1024
        print(f"{name:40} {len(rendered):5d} {pixels:11.1f} {statistics.median(cpu):6.2f} "
              f"{statistics.median(wall):7.2f} {stored:9.0f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
