"""Papers and passages like a given paper or text: no LLM, a few matrix products over cached vectors.

Paper to paper: cosine of the paper vectors (index/paper_vectors.py). e5 vectors of papers on one
field all point the same way (raw cosines of 18 LLM reports lie in 0.91-0.97), so from
MIN_PAPERS_TO_CENTER papers on the library's mean direction is removed first: scores then spread
(-0.1 to 0.5) and rank by what is particular to each paper. The passages shown for a pair are the
chunk pairs closest to each other, after the same centering, each chunk used once.

Text to papers: the text is embedded as a query and the chunk index searched; a paper scores as its
closest passage (plain cosine, so a pasted paragraph finds the papers holding one like it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index.library import Library
from index.paper_vectors import KINDS
from index.registry import PaperRecord
from index.schema import Passage
from ingest.errors import PapersError

MIN_PAPERS_TO_CENTER = 5  # below this the library mean is mostly the papers themselves
TEXT_POOL = 100  # chunks searched for a text before grouping them by paper
# lists of names match any short query (e5 puts them near everything): not what a paper is about
_NOT_CONTENT = re.compile(r"contributor|contributions|acknowledg|author", re.I)


def _is_content(passage: Passage) -> bool:
    return passage.kind in KINDS and not _NOT_CONTENT.search(passage.section_path)


@dataclass
class PassageMatch:
    passage: Passage  # in the similar paper
    score: float
    mine: Passage | None = None  # the passage of the given paper it is close to (None for a text)


@dataclass
class SimilarPaper:
    paper_id: str
    arxiv_id: str | None
    title: str
    score: float
    matches: list[PassageMatch] = field(default_factory=list)

    def to_dict(self) -> dict:
        def passage(p: Passage | None) -> dict | None:
            return None if p is None else {"section": p.section_path, "pages": p.pages, "text": p.text}

        return {"paper_id": self.paper_id, "arxiv_id": self.arxiv_id, "title": self.title,
                "score": round(self.score, 4),
                "matches": [{"score": round(m.score, 4), "passage": passage(m.passage), "mine": passage(m.mine)}
                            for m in self.matches]}


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def closest_pairs(scores: np.ndarray, count: int) -> list[tuple[int, int]]:
    """The highest cells of a score matrix with no row or column used twice, best first."""
    pairs: list[tuple[int, int]] = []
    used_rows: set[int] = set()
    used_cols: set[int] = set()
    for flat in np.argsort(-scores, axis=None, kind="stable"):
        row, col = divmod(int(flat), scores.shape[1])
        if row in used_rows or col in used_cols:
            continue
        pairs.append((row, col))
        used_rows.add(row)
        used_cols.add(col)
        if len(pairs) == count:
            break
    return pairs


class SimilarSearch:
    def __init__(self, library: Library):
        self.library = library

    def _records(self) -> dict[str, PaperRecord]:
        return {r.paper_id: r for r in self.library.papers()}

    def like_paper(self, key: str, top: int = 5, passages: int = 3) -> tuple[PaperRecord, list[SimilarPaper]]:
        """The papers closest to the paper `key`, best first (ties by paper id), with the passage pairs
        that bring them close."""
        target = self.library.resolve(key)
        cache = self.library.paper_vectors()
        rows = cache.rows()
        ids = [r.paper_id for r in rows]
        if target.paper_id not in ids:
            raise PapersError(f"{target.paper_id} has no body text to compare (no abstract or body chunks)")
        vectors = np.array([r.vector for r in rows])
        centered = len(rows) >= MIN_PAPERS_TO_CENTER
        if centered:
            vectors = _unit_rows(vectors - vectors.mean(axis=0))
        scores = vectors @ vectors[ids.index(target.paper_id)]
        ranked = sorted((i for i in range(len(ids)) if ids[i] != target.paper_id),
                        key=lambda i: (-round(float(scores[i]), 6), ids[i]))[:top]
        records = self._records()
        results = [SimilarPaper(ids[i], records[ids[i]].arxiv_id, records[ids[i]].title, float(scores[i]))
                   for i in ranked]
        if results and passages:
            self._explain(target.paper_id, results, passages, cache.chunk_mean() if centered else None)
        return target, results

    def _explain(self, paper_id: str, results: list[SimilarPaper], count: int, mean: np.ndarray | None) -> None:
        hits, embeddings = self.library.store.papers_chunks([paper_id] + [r.paper_id for r in results])
        keep = [i for i, h in enumerate(hits) if _is_content(h)]
        hits, embeddings = [hits[i] for i in keep], embeddings[keep]
        if mean is not None:
            embeddings = _unit_rows(embeddings - mean)
        mine = [i for i, h in enumerate(hits) if h.paper_id == paper_id]
        for result in results:
            theirs = [i for i, h in enumerate(hits) if h.paper_id == result.paper_id]
            if not mine or not theirs:
                continue
            scores = embeddings[mine] @ embeddings[theirs].T
            for row, col in closest_pairs(scores, count):
                score = float(scores[row, col])
                result.matches.append(PassageMatch(hits[theirs[col]].scored(score), score,
                                                   hits[mine[row]].scored(score)))

    def like_text(self, text: str, top: int = 5, passages: int = 3) -> list[SimilarPaper]:
        """Papers holding passages like `text` (any language the embedding model knows), best first."""
        text = text.strip()
        if not text:
            raise PapersError("the text is empty")
        query = self.library.embedder.embed_queries([text])[0]
        hits = self.library.store.query(query, TEXT_POOL, where={"kind": {"$in": [str(k) for k in KINDS]}})
        records = self._records()
        by_paper: dict[str, SimilarPaper] = {}
        for hit in sorted(hits, key=lambda h: (-round(h.score, 6), h.chunk_id)):
            paper_id = hit.paper_id
            if paper_id not in records or not _is_content(hit):
                continue
            if paper_id not in by_paper:
                if len(by_paper) == top:
                    continue
                record = records[paper_id]
                by_paper[paper_id] = SimilarPaper(paper_id, record.arxiv_id, record.title, hit.score)
            if len(by_paper[paper_id].matches) < passages:
                by_paper[paper_id].matches.append(PassageMatch(hit, hit.score))
        return list(by_paper.values())
