"""BM25 over the stored chunks (bm25s), kept beside the vector index and rebuilt when the corpus changes.

Exact terms are where dense e5 is weak: model names ("CISPO", "TMRoPE"), numbers, acronyms. The
index is derived data: it is built from the chunk store itself and tagged with a fingerprint of
the registry, so any ingest or removal (by any process, in any store mode) makes the next query
rebuild it. Tokens: NFKC-lowercased Latin words (English stopwords out, Snowball-stemmed), decimals
kept whole ("93.3"), and CJK runs as character bigrams so Japanese text is searchable too.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_LATIN = re.compile(r"\d+(?:\.\d+)+|[a-z0-9]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_STOP = frozenset(STOPWORDS_EN)
_stemmer = Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    tokens = _stemmer.stemWords([t for t in _LATIN.findall(text) if t not in _STOP])
    for run in _CJK.findall(text):
        tokens.extend([run[i : i + 2] for i in range(len(run) - 1)] or [run])
    return tokens


class DocInfo:
    """What a query filter needs to know about each indexed chunk, in index order."""

    def __init__(self, ids: list[str], paper_ids: list[str], kinds: list[str]):
        self.ids, self.paper_ids, self.kinds = ids, np.asarray(paper_ids), np.asarray(kinds)

    def to_json(self, fingerprint: str) -> str:
        return json.dumps({"fingerprint": fingerprint, "ids": self.ids, "paper_ids": self.paper_ids.tolist(),
                           "kinds": self.kinds.tolist()})


class LexicalIndex:
    def __init__(self, folder: Path):
        self.folder = folder
        self._bm25: bm25s.BM25 | None = None
        self._docs: DocInfo | None = None
        self._fingerprint: str | None = None

    def ensure(self, fingerprint: str, load: Callable[[], tuple[list[str], list[str], list[dict]]]) -> None:
        """Make the index match `fingerprint`: keep it, load it from disk, or rebuild it from
        `load()` -> (ids, texts, metadatas)."""
        if self._fingerprint == fingerprint:
            return
        meta_path = self.folder / "docs.json"
        if meta_path.exists():
            saved = json.loads(meta_path.read_text())
            if saved.get("fingerprint") == fingerprint:
                self._bm25 = bm25s.BM25.load(str(self.folder / "bm25"), show_progress=False) if saved["ids"] else None
                self._docs = DocInfo(saved["ids"], saved["paper_ids"], saved["kinds"])
                self._fingerprint = fingerprint
                return
        ids, texts, metadatas = load()
        self.build(fingerprint, ids, texts, metadatas)

    def build(self, fingerprint: str, ids: list[str], texts: list[str], metadatas: list[dict]) -> None:
        docs = DocInfo(ids, [m["paper_id"] for m in metadatas], [m["kind"] for m in metadatas])
        bm25 = None
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if ids:
            bm25 = bm25s.BM25()
            bm25.index([tokenize(t) for t in texts], show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
        (tmp / "docs.json").write_text(docs.to_json(fingerprint))
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            os.replace(self.folder, old)
        os.replace(tmp, self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._bm25, self._docs, self._fingerprint = bm25, docs, fingerprint

    def mentions(self, text: str) -> bool:
        """True when every term of `text` occurs somewhere in the corpus."""
        vocab = self._bm25.vocab_dict if self._bm25 is not None else {}
        return all(token in vocab for token in tokenize(text))

    def search(self, query: str, k: int, paper_ids: list[str] | None, kinds: tuple[str, ...]) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) among chunks of the given kinds (and papers), score > 0."""
        if self._bm25 is None or self._docs is None:
            return []
        token_ids = self._bm25.get_tokens_ids(tokenize(query))
        if not token_ids:
            return []
        mask = np.isin(self._docs.kinds, kinds)
        if paper_ids:
            mask &= np.isin(self._docs.paper_ids, paper_ids)
        scores = self._bm25.get_scores_from_ids(token_ids) * mask
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        top = top[np.argsort(-scores[top])]
        return [(self._docs.ids[i], float(scores[i])) for i in top if scores[i] > 0]
