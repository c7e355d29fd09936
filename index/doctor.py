"""`papers doctor`: check that the registry, the chunk store and the parsed papers agree, and repair
what can be repaired.

The registry is the list of papers; the chunk store, the parsed JSON files and the derived indexes
(BM25, paper vectors) must match it. What can go wrong: a run killed mid-write ('indexing'), a
removal cut short ('removing'), a deleted or damaged `index/` (papers 'ready' with no chunks), a
lost or damaged registry (chunks that belong to no listed paper: orphans), a damaged parsed file.
Repairs re-index from the paper's PDF where it is still there, re-register orphans whose parsed
file survives, and delete the rest; nothing is guessed.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import StateError
from ingest.paper import Paper
from ingest.pdf_open import file_sha256

from .config import LibraryConfig
from .library import Library, record_for
from .registry import INDEXING, READY, PaperRecord


@dataclass
class Finding:
    paper_id: str
    problem: str
    repair: str = ""  # what was done (or would be done with --repair); "" when nothing can be done


def open_library(config: LibraryConfig, repair: bool) -> tuple[Library, list[Finding]]:
    """The library; with `repair`, a registry that cannot be read is moved aside and started anew (its
    papers come back from the store and the parsed files as orphans)."""
    try:
        return Library(config), []
    except StateError:
        if not repair or not config.registry_path.exists():
            raise
    aside = config.registry_path.with_name(f"{config.registry_path.name}.damaged-{int(time.time())}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{config.registry_path}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{aside}{suffix}"))
    return Library(config), [Finding("-", f"the registry could not be read; moved to {aside.name}",
                                     "started a new registry")]


def check(library: Library, repair: bool = False) -> list[Finding]:
    findings: list[Finding] = []
    records = library.registry.all()
    held = _chunks_by_paper(library)
    for record in records:
        findings += _check_paper(library, record, held.get(record.paper_id, 0), repair)
    listed = {r.paper_id for r in records}
    for paper_id, count in sorted(held.items()):
        if paper_id not in listed:
            findings.append(_orphan(library, paper_id, count, repair))
    return findings


def _chunks_by_paper(library: Library) -> dict[str, int]:
    counts: dict[str, int] = {}
    for passage in library.store.documents():
        counts[passage.paper_id] = counts.get(passage.paper_id, 0) + 1
    return counts


def _check_paper(library: Library, record: PaperRecord, held: int, repair: bool) -> list[Finding]:
    path = library.registry.path_of(record.paper_id)
    pdf = Path(path) if path and Path(path).is_file() else None
    problems = []
    if record.status == INDEXING:
        problems.append("left 'indexing' by an interrupted ingest")
    elif record.status == READY and held != record.chunks:
        problems.append(f"the store holds {held} of its {record.chunks} chunks")
    try:
        library.parsed(record.paper_id)
    except StateError:
        problems.append("its parsed file is missing or damaged")
    if not problems:
        return [] if pdf else [Finding(record.paper_id, f"its PDF ({path or 'unknown'}) is gone; answers still work")]
    problem = "; ".join(problems)
    if pdf is None:
        fix = "removed (no PDF to index it again from)" if repair else "would be removed: its PDF is gone"
        if repair:
            library.remove(record.paper_id)
        return [Finding(record.paper_id, problem, fix)]
    if repair:
        outcome = library.ingest_file(pdf, force=True)
        return [Finding(record.paper_id, problem, f"indexed again from {pdf.name}: {outcome.status}")]
    return [Finding(record.paper_id, problem, f"would be indexed again from {pdf}")]


def _orphan(library: Library, paper_id: str, count: int, repair: bool) -> Finding:
    problem = f"{count} chunks belong to no paper in the registry"
    try:
        paper = library.parsed(paper_id)
    except StateError:
        paper = None
    if paper is None:
        if repair:
            library.store.delete_paper(paper_id)
        return Finding(paper_id, problem, "deleted" if repair else "would be deleted (no parsed file to restore it)")
    if repair:
        _register(library, paper, count)
    return Finding(paper_id, problem, ("registered again" if repair else "would be registered again")
                   + f" from parsed/{paper_id}.json")


def _register(library: Library, paper: Paper, chunks: int) -> None:
    """List an orphaned paper again: its parsed file and its chunk count; its PDF if one in the library's
    papers folder has its bytes."""
    folder = library.config.papers_dir
    pdf = next((p for p in sorted(folder.glob("*.pdf")) if file_sha256(p) == paper.sha256), None) \
        if folder.is_dir() else None
    record = record_for(paper, paper.source, chunks, library.config.embed_model.name)
    library.registry.begin(record)
    library.registry.finish(paper.paper_id, paper.sha256, str(pdf.resolve()) if pdf else "", chunks, 0.0)
