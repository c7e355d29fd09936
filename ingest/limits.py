"""How big a file may be and how big a chunk is: ingest's part of the configuration, validated.

A value that cannot work (a negative size, a chunk of 0 tokens, "nan") is refused here with the
setting's name, before any file is touched.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ConfigError

MIN_CHUNK_TOKENS = 64  # below this the title/section header alone fills a chunk


@dataclass(frozen=True)
class IngestLimits:
    max_pdf_mb: float = 100.0  # PAPERS_MAX_PDF_MB
    max_pages: int = 500  # PAPERS_MAX_PAGES
    chunk_tokens: int = 320  # PAPERS_CHUNK_TOKENS, counted by the embedding model's tokenizer
    parse_seconds: float = 300.0  # PAPERS_PARSE_TIMEOUT: layout analysis of one file, then plain text

    def __post_init__(self) -> None:
        checks = [("PAPERS_MAX_PDF_MB", self.max_pdf_mb, 0.001), ("PAPERS_MAX_PAGES", self.max_pages, 1),
                  ("PAPERS_CHUNK_TOKENS", self.chunk_tokens, MIN_CHUNK_TOKENS),
                  ("PAPERS_PARSE_TIMEOUT", self.parse_seconds, 1)]
        for name, value, least in checks:
            if not math.isfinite(value) or value < least:
                raise ConfigError(f"{name} must be a number of at least {least:g}, got {value!r}")
