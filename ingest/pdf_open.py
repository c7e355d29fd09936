"""Open a PDF or say precisely why it cannot be ingested.

Every check runs before anything is parsed or stored, so a bad file costs one clear line in the
batch and never touches what is already in the corpus.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pymupdf

from .errors import IngestError

pymupdf.TOOLS.mupdf_display_errors(False)  # MuPDF prints repair chatter to stderr; we report our own
pymupdf.TOOLS.mupdf_display_warnings(False)

MIN_TEXT_CHARS_PER_PAGE = 20  # below this on every page there is no usable text layer


def _unreadable(path: Path, exc: OSError) -> IngestError:
    return IngestError(path, f"cannot be read ({exc.strerror or exc})")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return digest.hexdigest()


def check_file(path: Path, max_mb: float) -> None:
    """Cheap checks on the bytes alone: exists, non-empty, size limit, PDF header."""
    try:
        if not path.exists():
            raise IngestError(path, "file not found")
        if not path.is_file():
            raise IngestError(path, "not a regular file")
        size = path.stat().st_size
        if size == 0:
            raise IngestError(path, "empty file (0 bytes)")
        if size > max_mb * 1024 * 1024:
            raise IngestError(
                path, f"file is {size / 1048576:.1f} MB, over the limit of {max_mb:g} MB (PAPERS_MAX_PDF_MB)"
            )
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if b"%PDF-" not in head:
        raise IngestError(path, "not a PDF (no %PDF- header in its first 1 KB)")


def open_pdf(path: Path, max_mb: float, max_pages: int) -> tuple[pymupdf.Document, list[str]]:
    """An open document with a text layer and warnings about it (a repaired file with empty pages may
    be truncated), or IngestError naming the problem."""
    check_file(path, max_mb)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for broken files
        raise IngestError(path, f"corrupted PDF, cannot be opened ({exc})") from None
    try:
        if doc.needs_pass or doc.is_encrypted:
            raise IngestError(path, "encrypted PDF (password required); decrypt it first")
        if doc.page_count == 0:
            raise IngestError(path, "corrupted PDF: damaged beyond repair" if doc.is_repaired else "PDF has no pages")
        if doc.page_count > max_pages:
            raise IngestError(
                path, f"PDF has {doc.page_count} pages, over the limit of {max_pages} (PAPERS_MAX_PAGES)"
            )
        try:
            text_chars = [len(page.get_text("text").strip()) for page in doc]
        except Exception as exc:
            raise IngestError(path, f"corrupted PDF, page content unreadable ({exc})") from None
        if max(text_chars) < MIN_TEXT_CHARS_PER_PAGE:
            if doc.is_repaired:
                raise IngestError(path, "corrupted PDF: damaged file structure, no readable text after repair")
            raise IngestError(path, "no text layer (scanned or image-only PDF); OCR is not enabled")
    except IngestError:
        doc.close()
        raise
    warnings = []
    empty = [i + 1 for i, chars in enumerate(text_chars) if chars < MIN_TEXT_CHARS_PER_PAGE]
    if doc.is_repaired and empty:
        warnings.append(f"the file was damaged and repaired on opening; {len(empty)} of {doc.page_count} pages "
                        f"have no text ({_ranges(empty)}): it may be truncated")
    return doc, warnings


def _ranges(pages: list[int]) -> str:
    """[9, 10, 11, 13] -> 'pages 9-11, 13'."""
    parts, start = [], pages[0]
    for previous, page in zip(pages, pages[1:] + [None]):
        if page != previous + 1:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
            start = page
    return "pages " + ", ".join(parts)
