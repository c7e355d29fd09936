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
        probe = normalized(quote.removesuffix(" …").removesuffix("…"))
        return bool(probe) and probe in self.text(paper_id, page)
