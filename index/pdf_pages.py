"""The stored PDFs' own pages: their plain text for checking quotes, rendered images with a quote marked.

Read with PyMuPDF directly, independent of our parser, so a quote found on a page here is on that
page of the file the user has. Files are located through the registry (the path each paper's
current bytes were ingested from).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from ingest.text import normalized

RENDER_DPI = 110
ELISION = " … "  # a quote's words the page does not print, left out
MIN_PIECE = 20  # letters: a shorter run of words is found on almost any page, so it is not kept, unless it is a
NEAR = 40  # figure with a decimal point or percent sign within these characters after the run before it ("= 81.25%")
_FIGURE = re.compile(r"(?<![\w@.])\d+(?:\.\d+%?|%)(?![A-Za-z])")


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
        """The page prints the quote: each of its pieces between elisions, in order."""
        text, start = self.text(paper_id, page), 0
        for piece in _pieces(quote, normalized):
            start = text.find(piece, start) if piece else -1
            if start < 0:
                return False
            start += len(piece)
        return True

    def as_printed(self, paper_id: str, page: int, quote: str) -> str:
        """The quote as the page prints it: the runs of its words found there in order (each at least
        `MIN_PIECE` letters), joined by " … " where the parsed text holds more than the page (a table caption
        or a figure's label set inside the sentence, a formula written otherwise, the sentence's end on the
        next page). Unchanged when the page holds all of it, or less than half."""
        text = self.text(paper_id, page)
        if not text or self.quote_on_page(paper_id, page, quote):
            return quote
        words, pieces, start, i, gap = _unclipped(quote).split(), [], 0, 0, False
        while i < len(words):
            end, found = i, -1
            while end < len(words) and (at := text.find(normalized(" ".join(words[i:end + 1])), start)) >= 0:
                end, found = end + 1, at
            run = " ".join(words[i:end])
            if found >= 0 and (len(normalized(run)) >= MIN_PIECE
                               or (pieces and found - start <= NEAR and _FIGURE.search(run))):
                pieces.append(("… " if gap and not pieces else "") + run)
                start, i, gap = found + len(normalized(run)), end, False
            else:
                i, gap = i + 1, True
        if sum(len(normalized(p)) for p in pieces) < len(normalized(quote)) / 2:
            return quote
        return ELISION.join(pieces) + (" …" if gap or quote.endswith("…") else "")

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
    return quote.removeprefix("… ").removesuffix(" …").removesuffix("…")


def _pieces(quote: str, letters: Callable[[str], str]) -> list[str]:
    """The verbatim pieces of a quote, between its elisions, as `letters` reduces them."""
    return [letters(piece) for piece in _unclipped(quote).split(ELISION)]


def _letters(text: str) -> str:
    """Only letters and digits, case-folded: what a quote and a page must share, whatever the line breaks,
    hyphenation, ligatures or spacing between them."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def quote_rects(page: pymupdf.Page, quote: str) -> list[pymupdf.Rect]:
    """The rectangles of the page's words that spell the whole quote in reading order (across line and
    column breaks, a hyphen at a line end dropped); [] when the page does not hold the whole quote, so
    nothing else is ever highlighted in its place."""
    targets = _pieces(quote, _letters)
    if sum(map(len, targets)) < 8:
        return []
    words = page.get_text("words", sort=False)  # (x0, y0, x1, y1, word, block, line, word_no)
    stream, owner = [], []
    for index, word in enumerate(words):
        letters = _letters(word[4])
        stream.append(letters)
        owner.extend([index] * len(letters))
    joined, start, hit = "".join(stream), 0, set()
    for target in targets:
        start = joined.find(target, start) if target else -1
        if start < 0:
            return []
        hit |= set(owner[start:start + len(target)])
        start += len(target)
    lines: dict[tuple[int, int], pymupdf.Rect] = {}
    for index in sorted(hit):
        x0, y0, x1, y1, _, block, line, _ = words[index]
        rect = pymupdf.Rect(x0, y0, x1, y1)
        lines[(block, line)] = lines[(block, line)] | rect if (block, line) in lines else rect
    return list(lines.values())
