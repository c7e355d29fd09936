"""The stored PDFs' own pages: their plain text for checking quotes, rendered images with a quote marked.

Read with PyMuPDF directly, independent of our parser, so a quote found on a page here is on that
page of the file the user has. Files are located through the registry (the path each paper's
current bytes were ingested from).
"""
from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from ingest.text import normalized

RENDER_DPI = 110


@dataclass
class PageImage:
    png: bytes
    page: int
    pages: int
    found: bool  # the quote was located and highlighted on this page


class PdfPages:
    """Normalized page texts (cached) and page renders of the library's PDFs."""

    def __init__(self, path_of: Callable[[str], str | None]):
        self.path_of = path_of
        self._texts: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()

    def file(self, paper_id: str) -> Path | None:
        path = self.path_of(paper_id)
        return Path(path) if path and Path(path).is_file() else None

    def text(self, paper_id: str, page: int) -> str:
        key = (paper_id, page)
        with self._lock:
            if key in self._texts:
                return self._texts[key]
        text = ""
        path = self.file(paper_id)
        if path:
            with pymupdf.open(path) as doc:
                if 1 <= page <= doc.page_count:
                    text = normalized(unicodedata.normalize("NFKC", doc[page - 1].get_text()))
        with self._lock:
            self._texts[key] = text
        return text

    def quote_on_page(self, paper_id: str, page: int, quote: str) -> bool:
        probe = normalized(_unclipped(quote))
        return bool(probe) and probe in self.text(paper_id, page)

    def render(self, paper_id: str, page: int, quote: str = "") -> PageImage | None:
        """Page `page` (clamped to the file's pages) as PNG, the quote highlighted where it is found on it;
        None when the paper's file is gone."""
        path = self.file(paper_id)
        if path is None:
            return None
        with pymupdf.open(path) as doc:
            page = min(max(page, 1), doc.page_count)
            pdf_page = doc[page - 1]
            rects = quote_rects(pdf_page, quote) if quote else []
            if rects:
                pdf_page.add_highlight_annot(rects)
            png = pdf_page.get_pixmap(dpi=RENDER_DPI, annots=True).tobytes("png")
            return PageImage(png, page, doc.page_count, bool(rects))


def _unclipped(quote: str) -> str:
    return quote.removesuffix(" …").removesuffix("…")


def _letters(text: str) -> str:
    """Only letters and digits, case-folded: what a quote and a page must share, whatever the line breaks,
    hyphenation, ligatures or spacing between them."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def quote_rects(page: pymupdf.Page, quote: str) -> list[pymupdf.Rect]:
    """The rectangles of the page's words that spell the whole quote in reading order (across line and
    column breaks, a hyphen at a line end dropped); [] when the page does not hold the whole quote, so
    nothing else is ever highlighted in its place."""
    target = _letters(_unclipped(quote))
    if len(target) < 8:
        return []
    words = page.get_text("words", sort=False)  # (x0, y0, x1, y1, word, block, line, word_no)
    stream, owner = [], []
    for index, word in enumerate(words):
        letters = _letters(word[4])
        stream.append(letters)
        owner.extend([index] * len(letters))
    start = "".join(stream).find(target)
    if start < 0:
        return []
    hit = sorted(set(owner[start:start + len(target)]))
    lines: dict[tuple[int, int], pymupdf.Rect] = {}
    for index in hit:
        x0, y0, x1, y1, _, block, line, _ = words[index]
        rect = pymupdf.Rect(x0, y0, x1, y1)
        lines[(block, line)] = lines[(block, line)] | rect if (block, line) in lines else rect
    return list(lines.values())
