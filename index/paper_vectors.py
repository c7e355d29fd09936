"""One vector per paper, for "papers like this one": cached on disk, updated on ingest and removal.

A paper's vector is the normalized sum of the mean of its abstract chunks and the mean of its body
chunks (the abstract is a few chunks, the body hundreds: taking the means apart gives the abstract
half the weight). The cache also keeps each paper's sum and count of chunk vectors so the
library's mean chunk direction is known without reading every chunk again. Papers whose stored
sha256 differs from the registry's are recomputed from the chunk store (e.g. a library built before
this cache existed, or one ingested by another process against a shared chroma server).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.chunking import ChunkKind

ABSTRACT_KINDS = (ChunkKind.ABSTRACT,)
BODY_KINDS = (ChunkKind.BODY,)
KINDS = ABSTRACT_KINDS + BODY_KINDS  # tables, captions and references match by format more than content


@dataclass
class PaperVector:
    paper_id: str
    sha256: str
    vector: np.ndarray  # unit length
    chunk_sum: np.ndarray  # sum of the paper's (unit) chunk vectors of KINDS
    chunk_count: int


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def paper_vector(paper_id: str, sha256: str, kinds: Iterable[str], embeddings: np.ndarray) -> PaperVector | None:
    """The paper's vector from its chunks' kinds and embeddings (None when no chunk is of KINDS)."""
    kinds = list(kinds)
    parts = [embeddings[[i for i, k in enumerate(kinds) if k in group]] for group in (ABSTRACT_KINDS, BODY_KINDS)]
    means = [_unit(part.mean(axis=0)) for part in parts if len(part)]
    if not means:
        return None
    used = np.concatenate([part for part in parts if len(part)])
    return PaperVector(paper_id, sha256, _unit(np.sum(means, axis=0)).astype(np.float32),
                       used.sum(axis=0).astype(np.float32), len(used))


class PaperVectors:
    """The cache file: one row per paper, rewritten whole (a few hundred bytes per paper). The app's
    worker threads share one instance, hence the lock."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._rows: dict[str, PaperVector] | None = None
        self._lock = threading.RLock()

    def _load(self) -> dict[str, PaperVector]:
        if self._rows is None:
            self._rows = {}
            if self.path.exists():
                try:
                    with np.load(self.path) as data:
                        for i, paper_id in enumerate(data["paper_ids"]):
                            self._rows[str(paper_id)] = PaperVector(
                                str(paper_id), str(data["shas"][i]), data["vectors"][i], data["sums"][i],
                                int(data["counts"][i]))
                except Exception:  # noqa: BLE001 - truncated zip, bad arrays: a damaged cache is rebuilt
                    self._rows = {}
        return self._rows

    def _save(self) -> None:
        rows = sorted(self._load().values(), key=lambda r: r.paper_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.stem}.tmp.npz")
        dim = len(rows[0].vector) if rows else 0
        np.savez(tmp, paper_ids=np.array([r.paper_id for r in rows], dtype=str),
                 shas=np.array([r.sha256 for r in rows], dtype=str),
                 vectors=np.array([r.vector for r in rows], dtype=np.float32).reshape(len(rows), dim),
                 sums=np.array([r.chunk_sum for r in rows], dtype=np.float32).reshape(len(rows), dim),
                 counts=np.array([r.chunk_count for r in rows], dtype=np.int64))
        os.replace(tmp, self.path)

    def put(self, row: PaperVector | None, paper_id: str) -> None:
        with self._lock:
            rows = self._load()
            if row is None:
                rows.pop(paper_id, None)
            else:
                rows[paper_id] = row
            self._save()

    def drop(self, paper_id: str) -> None:
        with self._lock:
            if paper_id in self._load():
                self.put(None, paper_id)

    def sync(self, wanted: dict[str, str], compute) -> None:
        """Make the cache hold exactly the papers of `wanted` (paper_id -> sha256); `compute(paper_id,
        sha256)` gives the missing or stale rows."""
        with self._lock:
            rows = self._load()
            changed = False
            for paper_id in [p for p in rows if p not in wanted]:
                del rows[paper_id]
                changed = True
            for paper_id, sha in wanted.items():
                if paper_id in rows and rows[paper_id].sha256 == sha:
                    continue
                row = compute(paper_id, sha)
                if row is not None:
                    rows[paper_id] = row
                    changed = True
            if changed:
                self._save()

    def rows(self) -> list[PaperVector]:
        with self._lock:
            return sorted(self._load().values(), key=lambda r: r.paper_id)

    def chunk_mean(self) -> np.ndarray | None:
        """The library's mean chunk vector: the direction every passage shares."""
        rows = self.rows()
        count = sum(r.chunk_count for r in rows)
        return sum(r.chunk_sum for r in rows) / count if count else None
