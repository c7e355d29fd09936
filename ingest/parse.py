"""PDF file -> Paper: the one entry point of the ingest stage."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .errors import IngestError
from .layout import clean_text, layout_boxes
from .limits import IngestLimits
from .metadata import arxiv_identity, authors_from, largest_font_line
from .paper import Paper
from .pdf_open import file_sha256, open_pdf
from .structure import build_structure
from .title import restore_title


def paper_id_for(arxiv_id: str | None, sha256: str) -> str:
    return arxiv_id or f"sha-{sha256[:12]}"


def parse_pdf(
    path: Path,
    limits: IngestLimits,
    sha256: str | None = None,
    on_open: Callable[[int], None] | None = None,
    on_pages: Callable[[int], None] | None = None,
) -> Paper:
    """Parse one PDF. Raises IngestError with a one-line reason for files that cannot be used.

    `on_open(page_count)` and `on_pages(pages_just_parsed)` report progress.
    """
    path = Path(path)
    started = time.perf_counter()
    doc, warnings = open_pdf(path, limits.max_pdf_mb, limits.max_pages)
    try:
        if on_open:
            on_open(doc.page_count)
        sha256 = sha256 or file_sha256(path)
        identity = arxiv_identity(doc, path)
        arxiv_id = identity.arxiv_id if identity else None
        try:
            boxes, layout_warnings = layout_boxes(doc, on_pages, limits.parse_seconds)
        except Exception as exc:  # a page the layout engine cannot read
            raise IngestError(path, f"layout analysis failed ({type(exc).__name__}: {exc})") from None
        warnings += layout_warnings
        info_title = clean_text(doc.metadata.get("title") or "")
        fallback = largest_font_line(doc[0]) or info_title or path.stem
        structure = build_structure(boxes, fallback)
        if not structure.sections and not structure.abstract:
            reason = "; ".join(layout_warnings) if layout_warnings else "found by layout analysis"
            raise IngestError(path, f"no readable text ({reason})")
        body = "\n".join([structure.abstract] + [b.text for s in structure.sections for b in s.blocks])
        return Paper(
            paper_id=paper_id_for(arxiv_id, sha256),
            arxiv_id=arxiv_id,
            title=restore_title(structure.title, doc[0].get_text("text"), body),
            authors=authors_from(structure.front_matter[:6]),
            abstract=structure.abstract,
            abstract_page=structure.abstract_page,
            page_count=doc.page_count,
            sections=structure.sections,
            references=structure.references,
            sha256=sha256,
            source=path.name,
            parse_seconds=time.perf_counter() - started,
            arxiv_source=identity.source if identity else None,
            arxiv_version=identity.version if identity else None,
            arxiv_category=identity.category if identity else None,
            arxiv_date=identity.date if identity else None,
            warnings=warnings,
        )
    finally:
        doc.close()
