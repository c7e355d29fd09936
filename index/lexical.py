"""BM25 over the stored chunks (bm25s), kept beside the vector index and rebuilt when the corpus changes.

Exact terms are where dense e5 is weak: model names ("CISPO", "TMRoPE"), numbers, acronyms. The
index is derived data: it is built from the chunk store itself and tagged with a fingerprint of
the registry, so any ingest or removal (by any process, in any store mode) makes the next query
rebuild it; a damaged copy on disk is rebuilt the same way. Tokens: `ingest.text.tokenize`.

Queries score only the chunks they may return: papers and kinds are kept as small integer codes,
so a scope is a boolean lookup, not a string comparison over every chunk. Inside a scope a query's terms
may be weighted by how rare they are there (`rarity_in_scope`) rather than in the whole library.
"""
from __future__ import annotations

import json
import math
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import bm25s
import numpy as np

from ingest.text import tokenize

from .schema import Passage


class DocInfo:
    """What a query filter needs to know about each indexed chunk, in index order."""

    def __init__(self, ids: list[str], paper_ids: list[str], kinds: list[str]):
        self.ids = ids
        self.papers = sorted(set(paper_ids))
        self.kinds = sorted(set(kinds))
        paper_code, kind_code = {p: i for i, p in enumerate(self.papers)}, {k: i for i, k in enumerate(self.kinds)}
        self.paper_codes = np.array([paper_code[p] for p in paper_ids], dtype=np.int32)
        self.kind_codes = np.array([kind_code[k] for k in kinds], dtype=np.int32)
        self.position = {chunk_id: i for i, chunk_id in enumerate(ids)}

    def mask(self, paper_ids: Iterable[str] | None, kinds: Iterable[str]) -> np.ndarray:
        """True for the chunks a query may return."""
        wanted_kinds = set(map(str, kinds))
        allowed = np.array([k in wanted_kinds for k in self.kinds], dtype=bool)
        mask = allowed[self.kind_codes] if len(self.kind_codes) else np.zeros(0, bool)
        if paper_ids:
            wanted = set(paper_ids)
            mask &= np.array([p in wanted for p in self.papers], dtype=bool)[self.paper_codes]
        return mask

    def to_json(self, fingerprint: str) -> str:
        return json.dumps({"fingerprint": fingerprint, "ids": self.ids,
                           "paper_ids": [self.papers[c] for c in self.paper_codes],
                           "kinds": [self.kinds[c] for c in self.kind_codes]})


class LexicalIndex:
    def __init__(self, folder: Path):
        self.folder = folder
        self._bm25: bm25s.BM25 | None = None
        self._docs: DocInfo | None = None
        self._fingerprint: str | None = None

    def ensure(self, fingerprint: str, load: Callable[[], list[Passage]]) -> None:
        """Make the index match `fingerprint`: keep it, load it from disk, or rebuild it from `load()`."""
        if self._fingerprint == fingerprint or self._load(fingerprint):
            return
        self.build(fingerprint, load())

    def _load(self, fingerprint: str) -> bool:
        """Read the saved index if it is the wanted one; a missing, stale or damaged copy gives False."""
        try:
            saved = json.loads((self.folder / "docs.json").read_text())
            if saved.get("fingerprint") != fingerprint:
                return False
            bm25 = bm25s.BM25.load(str(self.folder / "bm25"), show_progress=False) if saved["ids"] else None
            docs = DocInfo(saved["ids"], saved["paper_ids"], saved["kinds"])
        except Exception:  # noqa: BLE001 - truncated JSON, .npy or .json of bm25s: all rebuilt from the store
            return False
        self._bm25, self._docs, self._fingerprint = bm25, docs, fingerprint
        return True

    def build(self, fingerprint: str, passages: list[Passage]) -> None:
        docs = DocInfo([p.chunk_id for p in passages], [p.paper_id for p in passages], [p.kind for p in passages])
        bm25 = None
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if passages:
            bm25 = bm25s.BM25()
            bm25.index([tokenize(p.text) for p in passages], show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
        (tmp / "docs.json").write_text(docs.to_json(fingerprint))
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            os.replace(self.folder, old)
        os.replace(tmp, self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._bm25, self._docs, self._fingerprint = bm25, docs, fingerprint

    def kinds_of(self, ids: list[str]) -> list[str | None]:
        """Each chunk's kind (None for one not indexed): a filter on the vector store's nearest ids that reads
        no row of the store."""
        docs = self._docs
        if docs is None:
            return [None] * len(ids)
        return [docs.kinds[docs.kind_codes[i]] if (i := docs.position.get(chunk_id)) is not None else None
                for chunk_id in ids]

    def mentions(self, text: str) -> bool:
        """True when every term of `text` occurs somewhere in the corpus."""
        vocab = self._bm25.vocab_dict if self._bm25 is not None else {}
        return all(token in vocab for token in tokenize(text))

    def chunks_mentioning(self, text: str, kinds: Iterable[str]) -> list[tuple[str, str]]:
        """(chunk id, paper id) of the chunks (of `kinds`) that hold every term of `text`, a plural for a
        singular or the other way round ("GPU" and "GPUs" stem apart)."""
        tokens = tokenize(text)
        if self._bm25 is None or self._docs is None or not tokens:
            return []
        vocab = self._bm25.vocab_dict
        together = self._docs.mask(None, kinds)
        for token in tokens:
            forms = [vocab[form] for form in {token, token + "s", token.removesuffix("s")} if form in vocab]
            if not forms:
                return []
            together &= np.logical_or.reduce([self._bm25.get_scores_from_ids([form]) > 0 for form in forms])
        return [(self._docs.ids[i], self._docs.papers[self._docs.paper_codes[i]]) for i in np.flatnonzero(together)]

    def search(self, query: str, k: int, paper_ids: list[str] | None, kinds: Iterable[str],
               rarity_in_scope: bool = False) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) among chunks of the given kinds (and papers), score > 0.
        `rarity_in_scope`: with `paper_ids`, each term's IDF is counted among their chunks only."""
        if self._bm25 is None or self._docs is None:
            return []
        token_ids = self._bm25.get_tokens_ids(tokenize(query))
        if not token_ids:
            return []
        allowed = self._docs.mask(paper_ids, kinds)
        if rarity_in_scope and paper_ids:
            scores = self._scores_by_rarity_in(allowed, token_ids)
        else:
            scores = self._bm25.get_scores_from_ids(token_ids)
        scores = np.where(allowed, scores, 0.0)
        if not len(scores):
            return []
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        top = top[np.argsort(-scores[top])]
        return [(self._docs.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def _scores_by_rarity_in(self, allowed: np.ndarray, token_ids: list[int]) -> np.ndarray:
        """BM25 with each term's IDF taken among the `allowed` chunks instead of the whole library. Inside one
        paper the words that describe it ("aha moment", "2B multimodal model") fill many of its chunks and
        tell them apart poorly, while a word rare there ("GPUs") points at the passage; across the library
        it is the other way round. The stored scores are IDF x term frequency part: rescaled per term."""
        data, indices, indptr = (self._bm25.scores[key] for key in ("data", "indices", "indptr"))
        total, inside = len(allowed), int(allowed.sum())
        scores = np.zeros(total, dtype=np.float64)
        for token, count in Counter(token_ids).items():
            start, end = indptr[token], indptr[token + 1]
            docs = indices[start:end]  # the chunks holding the term, each once
            weight = _idf(int(allowed[docs].sum()), inside) / _idf(len(docs), total)
            scores[docs] += count * weight * data[start:end]
        return scores


def _idf(holding: int, chunks: int) -> float:
    """bm25s's default (Lucene) IDF of a term that `holding` of `chunks` chunks hold."""
    return math.log(1 + (chunks - holding + 0.5) / (holding + 0.5))
