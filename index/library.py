"""The corpus as a whole: ingest files incrementally, list, show and remove papers.

Incremental rules: bytes already ingested are skipped (under any file name) unless the store has
lost their chunks; a file whose paper (same arXiv id) is already stored with other bytes replaces
it only with evidence that it is that paper (the arXiv stamp, or the same title), else it becomes a
paper of its own; a paper left 'indexing' by an interrupted run is cleared and redone, one left
'removing' is removed. Bad files fail alone, before the store is touched.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.chunking import Chunk, chunk_paper
from ingest.errors import IngestError, PapersError, StateError
from ingest.metadata import STAMP
from ingest.paper import BlockKind, Paper
from ingest.parse import parse_pdf
from ingest.pdf_open import check_file, file_sha256

from .config import LibraryConfig
from .embedder import Embedder
from .lexical import LexicalIndex
from .paper_vectors import PaperVectors, paper_vector
from .pdf_pages import PdfPages
from .registry import INDEXING, READY, REMOVING, PaperRecord, Registry

if TYPE_CHECKING:
    from .store import ChunkStore

EMBED_BATCH = 32
ADDED, REPLACED, RESUMED = "added", "replaced", "resumed"
UNCHANGED, DUPLICATE, FAILED = "unchanged", "duplicate", "failed"


@dataclass
class IngestOutcome:
    path: Path
    status: str
    message: str
    paper_id: str | None = None
    pages: int = 0
    chunks: int = 0
    parse_seconds: float = 0.0
    embed_seconds: float = 0.0


class IngestProgress:
    """Hooks the CLI and UI override to show progress; the default shows nothing."""

    def file_started(self, path: Path, pages: int) -> None: ...
    def pages_parsed(self, path: Path, count: int) -> None: ...
    def chunks_embedded(self, path: Path, done: int, total: int) -> None: ...
    def file_finished(self, outcome: IngestOutcome) -> None: ...


class PaperNotFound(PapersError):
    def __init__(self, key: str, matches: list[PaperRecord] = ()):
        self.key = key
        if matches:
            shown = "; ".join(f"{r.paper_id} ({r.title[:50]})" for r in matches[:5])
            message = f"{key!r} matches {len(matches)} papers: {shown}{' …' if len(matches) > 5 else ''}; " \
                      "give more of the title or the id"
        else:
            message = f"no paper matches {key!r} (see `papers list`)"
        super().__init__(message)


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; folders become their PDFs, recursively, sorted."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"))
        else:
            files.append(path)
    return files


class Library:
    """One library's registry, chunk store, derived indexes and parsed papers; the embedding model and
    the chunk store are opened on first use (listing papers needs neither)."""

    def __init__(self, config: LibraryConfig):
        self.config = config
        self.registry = Registry(config.registry_path)
        self.pages = PdfPages(self.registry.path_of)
        self._store: ChunkStore | None = None
        self._embedder: Embedder | None = None
        self._lexical = LexicalIndex(config.lexical_dir)
        self._paper_vectors = PaperVectors(config.paper_vectors_path)
        for record in self.registry.all():
            if record.status == REMOVING:  # a removal cut short (killed): finish it
                self._remove(record)

    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            from .store import ChunkStore, make_client  # chromadb: imported by the commands that use it

            where = str(self.config.chroma_url or self.config.index_dir)
            try:
                self._store = ChunkStore(make_client(self.config.index_dir, self.config.chroma_url), where)
            except StateError:
                raise
            except Exception as exc:  # noqa: BLE001 - chromadb raises many types for one cause
                raise StateError(f"the chunk store at {where} cannot be opened ({type(exc).__name__}: {exc}); "
                                 + ("check that the chroma server runs (PAPERS_CHROMA_URL)" if self.config.chroma_url
                                    else "run `papers doctor` to check the library")) from None
        return self._store

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(self.config.embed_model)
        return self._embedder

    # ---- ingest ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path | str], progress: IngestProgress | None = None,
               force: bool = False) -> list[IngestOutcome]:
        """Ingest files one after another (on 2 cores, parsing and embedding side by side measured
        slower than in turn: both are CPU-bound). `force`: stored files too, so that a paper ingested before
        a parsing or chunking change gets it."""
        progress = progress or IngestProgress()
        outcomes = []
        for path in expand_paths(paths):
            outcome = self.ingest_file(path, progress, force)
            progress.file_finished(outcome)
            outcomes.append(outcome)
        return outcomes

    def ingest_file(self, path: Path, progress: IngestProgress | None = None, force: bool = False) -> IngestOutcome:
        """Ingest one file; `force` parses and indexes it again even when its bytes are stored."""
        progress = progress or IngestProgress()
        path = Path(path)
        sha, known = self._check_known(path)
        if known is not None and not (force and known.status in (UNCHANGED, DUPLICATE)):
            return known

        def parse_and_index() -> IngestOutcome:
            paper = parse_pdf(path, self.config.limits, sha, on_open=lambda n: progress.file_started(path, n),
                              on_pages=lambda n: progress.pages_parsed(path, n))
            return self._index(path, sha, paper, progress)

        return self._guarded(path, parse_and_index)

    @staticmethod
    def _guarded(path: Path, work) -> IngestOutcome:
        try:
            return work()
        except IngestError as exc:
            return IngestOutcome(path, FAILED, exc.reason)

    def _check_known(self, path: Path) -> tuple[str, IngestOutcome | None]:
        """(sha256, outcome) where the outcome is set when the file needs no work: already
        ingested under this or another name, or unreadable."""
        try:
            check_file(path, self.config.limits.max_pdf_mb)
        except IngestError as exc:
            return "", IngestOutcome(path, FAILED, exc.reason)
        try:
            sha = file_sha256(path)
        except IngestError as exc:
            return "", IngestOutcome(path, FAILED, exc.reason)
        known, known_path = self.registry.by_file(sha)
        if known is None or known.status != READY or self.store.count(known.paper_id) != known.chunks:
            return sha, None  # new, interrupted, or its chunks are missing from the store: (re)index it
        if known_path == str(path.resolve()):
            return sha, IngestOutcome(path, UNCHANGED, "unchanged, skipped", known.paper_id, known.pages, known.chunks)
        return sha, IngestOutcome(path, DUPLICATE, f"same file as {known.paper_id} ({Path(known_path).name}), skipped",
                                  known.paper_id, known.pages, known.chunks)

    def _index(self, path: Path, sha: str, paper: Paper, progress: IngestProgress) -> IngestOutcome:
        """Embed first, then swap the paper's chunks in the store between 'indexing' and 'ready'."""
        store = self.store  # opened first: an unreachable store must not leave the paper 'indexing'
        previous = self.registry.get(paper.paper_id)
        evidence, kept_apart = "", ""
        if previous is not None and previous.sha256 != paper.sha256:
            evidence = _same_paper(previous, paper)
            if not evidence:  # another paper that names this id (in its text or file name): not a new version
                kept_apart = (f"; it names arXiv {paper.arxiv_id} (in its {paper.arxiv_source}), which is "
                              f"{previous.paper_id} ({previous.title[:60]}), so it is kept as a paper of its own")
                paper = paper.as_unknown()
                previous = self.registry.get(paper.paper_id)
        chunks = chunk_paper(paper, self.embedder.count_tokens, self._chunk_budget())
        started = time.perf_counter()
        vectors = self._embed(chunks, lambda done: progress.chunks_embedded(path, done, len(chunks)))
        embed_seconds = time.perf_counter() - started

        self.registry.begin(record_for(paper, path.name, len(chunks), self.embedder.name))
        self._write_parsed(paper)
        stored = store.count(paper.paper_id) if previous is not None else 0
        store.delete_paper(paper.paper_id)  # old version or leftovers of an interrupted run
        store.add(chunks, vectors, paper)
        self.registry.finish(paper.paper_id, sha, str(path.resolve()), len(chunks), embed_seconds)
        self._paper_vectors.put(paper_vector(paper.paper_id, paper.sha256, [c.kind for c in chunks], vectors),
                                paper.paper_id)

        if previous is None:
            status, message = ADDED, "added" + kept_apart
        elif previous.status != READY:
            status, message = RESUMED, "interrupted earlier, re-indexed"
        elif previous.sha256 == paper.sha256 and previous.chunks == stored:
            status, message = RESUMED, "parsed and indexed again"
        elif previous.sha256 == paper.sha256:
            status, message = RESUMED, "its chunks were missing from the store, re-indexed"
        else:
            status, message = REPLACED, (f"a new version (same arXiv id {paper.arxiv_id}, {evidence}): replaced "
                                         f"the one from {previous.source}")
        if paper.warnings:
            message += " — warning: " + "; ".join(paper.warnings)
        return IngestOutcome(path, status, message, paper.paper_id, paper.page_count, len(chunks),
                             paper.parse_seconds, embed_seconds)

    def _chunk_budget(self) -> int:
        return min(self.config.limits.chunk_tokens, self.embedder.max_tokens)

    def _embed(self, chunks: list[Chunk], on_done) -> np.ndarray:
        """Vectors in chunk order, computed shortest-first so batches carry little padding."""
        order = sorted(range(len(chunks)), key=lambda i: len(chunks[i].embed_text))
        vectors = np.zeros((len(chunks), self.embedder.dimension), np.float32)
        for start in range(0, len(order), EMBED_BATCH):
            batch = order[start : start + EMBED_BATCH]
            vectors[batch] = self.embedder.embed_passages([chunks[i].embed_text for i in batch])
            on_done(min(start + EMBED_BATCH, len(order)))
        return vectors

    def _write_parsed(self, paper: Paper) -> None:
        folder = self.config.parsed_dir
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{paper.paper_id}.json.tmp"
        tmp.write_text(json.dumps(paper.to_dict(), ensure_ascii=False))
        os.replace(tmp, folder / f"{paper.paper_id}.json")

    def lexical(self) -> LexicalIndex:
        """The BM25 index, rebuilt first if papers were added, replaced or removed since it was built."""
        self._lexical.ensure(self.fingerprint(), self.store.documents)
        return self._lexical

    def paper_vectors(self) -> PaperVectors:
        """Per-paper vectors, brought in line with the registry first (normally already are: ingest
        and remove keep them current)."""
        def compute(paper_id: str, sha: str):
            passages, embeddings = self.store.papers_chunks([paper_id])
            return paper_vector(paper_id, sha, [p.kind for p in passages], embeddings)

        self._paper_vectors.sync({r.paper_id: r.sha256 for r in self.registry.all() if r.status == READY}, compute)
        return self._paper_vectors

    def fingerprint(self) -> str:
        """Changes whenever the set of stored papers or any paper's content changes."""
        state = [(r.paper_id, r.sha256, r.status, r.chunks, r.updated_at) for r in self.registry.all()]
        return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]

    # ---- read and remove ------------------------------------------------------------------
    def papers(self) -> list[PaperRecord]:
        return self.registry.all()

    def resolve(self, key: str) -> PaperRecord:
        """A paper by id, arXiv id (with or without version) or a unique title fragment."""
        key = key.strip()
        records = self.registry.all()
        if not key:
            raise PaperNotFound(key)
        for record in records:
            if key in (record.paper_id, record.arxiv_id) or key.split("v")[0] == record.arxiv_id:
                return record
        matches = [r for r in records if key.casefold() in r.title.casefold()]
        if len(matches) == 1:
            return matches[0]
        raise PaperNotFound(key, matches)

    def parsed(self, paper_id: str) -> Paper:
        path = self.config.parsed_dir / f"{paper_id}.json"
        try:
            return Paper.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StateError(f"the parsed paper {path} cannot be read ({type(exc).__name__}); "
                             "`papers doctor --repair` parses the paper again from its PDF") from None

    def remove(self, key: str) -> PaperRecord:
        """Delete a paper everywhere; marked 'removing' first, so an interrupted removal is finished later."""
        record = self.resolve(key)
        self._remove(record)
        return record

    def _remove(self, record: PaperRecord) -> None:
        self.registry.mark_removing(record.paper_id)
        self.store.delete_paper(record.paper_id)
        self._paper_vectors.drop(record.paper_id)
        (self.config.parsed_dir / f"{record.paper_id}.json").unlink(missing_ok=True)
        self.registry.remove(record.paper_id)

    def ready_ids(self) -> set[str]:
        return {r.paper_id for r in self.registry.all() if r.status == READY}

    def store_problem(self) -> str | None:
        """When the chunk store does not hold what the registry lists (a deleted index/, a removal cut
        short by hand): one line saying so and how to repair it. A count, not a per-paper check."""
        expected = sum(r.chunks for r in self.registry.all() if r.status == READY)
        held = self.store.count()
        if held == expected:
            return None
        return (f"the chunk store holds {held} chunks but the registry lists {expected}: answers may miss papers; "
                "run `papers doctor --repair`")


def record_for(paper: Paper, source: str, chunks: int, model: str) -> PaperRecord:
    """The registry row of a paper about to be indexed ('indexing' until its chunks are stored)."""
    return PaperRecord(
        paper_id=paper.paper_id, arxiv_id=paper.arxiv_id, title=paper.title, authors=paper.authors,
        pages=paper.page_count, chunks=chunks, sections=len(paper.sections),
        references_count=len(paper.references),
        tables=sum(1 for s in paper.sections for b in s.blocks if b.kind == BlockKind.TABLE),
        sha256=paper.sha256, source=source, status=INDEXING, embed_model=model,
        parse_seconds=round(paper.parse_seconds, 3), embed_seconds=0.0, updated_at=0.0)


def _title_key(title: str) -> str:
    return re.sub(r"[\W_]+", " ", title.casefold()).strip()


def _same_paper(previous: PaperRecord, paper: Paper) -> str:
    """Why a file with a stored paper's arXiv id is a new version of that paper ("" when nothing says so):
    the arXiv stamp on its first page, or (from a file name or a mention) the same title."""
    if paper.arxiv_source == STAMP:
        return "arXiv stamp"
    if difflib.SequenceMatcher(None, _title_key(previous.title), _title_key(paper.title)).ratio() >= 0.8:
        return "same title"
    return ""
