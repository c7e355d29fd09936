"""Where everything lives and how big things may be: one place, read from the environment.

All state (index, registry, parsed papers, reports, models) sits under one data directory,
`data/` in the project by default; `PAPERS_HOME` moves it. Importing this module also pins the
offline environment, so no library in the stack reaches for the network.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb's posthog client
}
for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBED_MODEL_DIRNAME = "multilingual-e5-small"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Paths and limits; build with `Settings.from_env()` so tests can point PAPERS_HOME elsewhere."""

    home: Path
    embed_model: Path
    chroma_url: str | None
    max_pdf_mb: float
    max_pages: int
    chunk_tokens: int

    @classmethod
    def from_env(cls) -> "Settings":
        home = Path(os.environ.get("PAPERS_HOME") or PROJECT_ROOT / "data").expanduser().resolve()
        models = Path(os.environ.get("PAPERS_MODELS") or home / "models").expanduser().resolve()
        embed = os.environ.get("PAPERS_EMBED_MODEL")
        return cls(
            home=home,
            embed_model=Path(embed).expanduser().resolve() if embed else models / EMBED_MODEL_DIRNAME,
            chroma_url=os.environ.get("PAPERS_CHROMA_URL") or None,
            max_pdf_mb=_env_float("PAPERS_MAX_PDF_MB", 100.0),
            max_pages=int(_env_float("PAPERS_MAX_PAGES", 500)),
            chunk_tokens=int(_env_float("PAPERS_CHUNK_TOKENS", 320)),
        )

    @property
    def models_dir(self) -> Path:
        return Path(os.environ.get("PAPERS_MODELS") or self.home / "models").expanduser().resolve()

    @property
    def index_dir(self) -> Path:
        return Path(os.environ.get("PAPERS_INDEX") or self.home / "index").expanduser().resolve()

    @property
    def lexical_dir(self) -> Path:
        """BM25 index, derived from the chunk store and rebuilt when the corpus changes."""
        return self.index_dir.parent / (self.index_dir.name + "-bm25")

    @property
    def paper_vectors_path(self) -> Path:
        """One vector per paper for similarity, derived from the chunk store and updated on ingest."""
        return self.index_dir.parent / (self.index_dir.name + "-papers.npz")

    @property
    def registry_path(self) -> Path:
        return self.home / "registry.sqlite3"

    @property
    def parsed_dir(self) -> Path:
        """Parsed paper structure (sections, references) as JSON, one file per paper."""
        return self.home / "parsed"

    @property
    def papers_dir(self) -> Path:
        """Default folder of PDFs that `make run` ingests."""
        return self.home / "papers"

    @property
    def reports_dir(self) -> Path:
        """Generated 8-section reports: <paper_id>.<lang>.md plus a .json with citations and timings."""
        return self.home / "reports"

    @property
    def notes_path(self) -> Path:
        """Imported summaries (seed reports, digests), attached to papers by arXiv id or title."""
        return self.home / "notes.sqlite3"
