"""Where one library keeps its state, and how it reaches its stores: index's part of the configuration.

Everything a library owns sits under its home folder (`PAPERS_HOME`): the chunk store, the derived
BM25 index and paper vectors, the registry, parsed papers, reports, notes and uploaded PDFs. The
models are not the library's: they belong to the machine and are passed in (`embed_model`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.limits import IngestLimits


@dataclass(frozen=True)
class LibraryConfig:
    home: Path
    embed_model: Path  # a local sentence-transformers folder (multilingual-e5-small by default)
    chroma_url: str | None = None  # a `chroma run` server instead of the embedded store
    limits: IngestLimits = field(default_factory=IngestLimits)
    arxiv_url: str = "https://arxiv.org"  # where `papers add ID` fetches PDFs (`/pdf/ID`): arXiv or a mirror

    @property
    def index_dir(self) -> Path:
        """The chromadb store (embedded mode)."""
        return self.home / "index"

    @property
    def lexical_dir(self) -> Path:
        """BM25 index, derived from the chunk store and rebuilt when the corpus changes."""
        return self.home / "index-bm25"

    @property
    def paper_vectors_path(self) -> Path:
        """One vector per paper for similarity, derived from the chunk store and updated on ingest."""
        return self.home / "index-papers.npz"

    @property
    def registry_path(self) -> Path:
        return self.home / "registry.sqlite3"

    @property
    def parsed_dir(self) -> Path:
        """Parsed paper structure (sections, references) as JSON, one file per paper."""
        return self.home / "parsed"

    @property
    def papers_dir(self) -> Path:
        """PDFs that `make run` ingests by default, and where uploads and downloads are kept."""
        return self.home / "papers"

    @property
    def reports_dir(self) -> Path:
        """Generated reports, digests and summaries: <paper_id>.<format>.<lang>.md plus a .json."""
        return self.home / "reports"

    @property
    def notes_path(self) -> Path:
        """Imported summaries (seed reports, digests), attached to papers by arXiv id or title."""
        return self.home / "notes.sqlite3"
