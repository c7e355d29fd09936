"""Find the passages that answer a question: dense e5 + BM25, fused by reciprocal rank, scoped, de-duplicated.

Dense search carries meaning across languages (a Japanese question reaches English passages); BM25
carries exact names and numbers ("CISPO", "93.3%") that e5 blurs. Reciprocal rank fusion needs no
score calibration between the two (e5 cosines bunch in 0.75-0.90). Scoping: explicit papers, or
automatically the papers a question names ("...of MoBA?", an arXiv id). Reference-list and caption
chunks are left out unless asked for, so they never crowd out body text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from index.library import Library
from index.registry import PaperRecord
from index.schema import ANSWER_KINDS, Passage
from ingest.text import arxiv_ids_in

POOL = 30  # candidates taken from each retriever before fusion
RRF_K = 60  # the usual reciprocal-rank-fusion constant


def short_name(title: str) -> str:
    """The name a paper goes by: 'MoBA: Mixture of ...' -> 'MoBA', 'Qwen3 Technical Report' -> 'Qwen3'."""
    head = title.split(":")[0] if ":" in title[:60] else re.split(r"\s+(?:technical report|is|:)\b", title, 1,
                                                                   flags=re.I)[0]
    return head.strip()


def papers_named_in(question: str, papers: list[PaperRecord]) -> list[str]:
    """Ids of papers the question names by arXiv id or short name; the longest name wins overlaps.

    Boundaries are ASCII: in "DeepSeek-V2は" the Japanese particle is a word character to Unicode."""
    found = set(arxiv_ids_in(question)) & {p.arxiv_id for p in papers}
    lowered = question.casefold()
    named = [(short_name(p.title), p.paper_id) for p in papers]
    hits = [(name, pid) for name, pid in named
            if len(name) >= 3 and re.search(rf"(?<![a-z0-9_-]){re.escape(name.casefold())}(?![a-z0-9_]|\.\d)", lowered)]
    for name, pid in hits:
        if not any(other != name and name.casefold() in other.casefold() for other, _ in hits):
            found.add(pid)
    return sorted(found)


def similar(a: str, b: str, threshold: float = 0.85) -> bool:
    """Near-duplicate passages (a table repeated in an appendix, a caption echoed in the text)."""
    words_a, words_b = set(a.lower().split()), set(b.lower().split())
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) > threshold


def fuse(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of several ranked id lists, best first."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


class Retriever:
    def __init__(self, library: Library):
        self.library = library

    def scope(self, question: str, paper_keys: list[str] | None = None) -> list[str]:
        if paper_keys:
            return [self.library.resolve(key).paper_id for key in paper_keys]
        return papers_named_in(question, self.library.papers())

    def dense(self, question: str, k: int, paper_ids: list[str] | None = None,
              kinds: Iterable[str] = ANSWER_KINDS) -> list[Passage]:
        conditions: list[dict] = [{"kind": {"$in": [str(kind) for kind in kinds]}}]
        if paper_ids:
            conditions.append({"paper_id": {"$in": paper_ids}})
        where = conditions[0] if len(conditions) == 1 else {"$and": conditions}
        vector = self.library.embedder.embed_queries([question])[0]
        return self.library.store.query(vector, k, where)

    def lexical(self, question: str, k: int, paper_ids: list[str] | None = None,
                kinds: Iterable[str] = ANSWER_KINDS) -> list[tuple[str, float]]:
        return self.library.lexical().search(question, k, paper_ids, kinds)

    def search(self, question: str, k: int = 6, paper_keys: list[str] | None = None,
               kinds: Iterable[str] = ANSWER_KINDS, paper_ids: list[str] | None = None) -> list[Passage]:
        """The k best passages; `paper_keys` (ids or title fragments) or `paper_ids` narrow the search,
        else the papers the question names do."""
        scope = paper_ids or self.scope(question, paper_keys) or None
        listed = self.library.ready_ids()  # chunks of no listed paper (orphans of a lost registry) never answer
        dense = self.dense(question, POOL, scope, kinds)
        lexical = self.lexical(question, POOL, scope, kinds)
        hits = {h.chunk_id: h for h in dense}
        fused = fuse([[h.chunk_id for h in dense], [chunk_id for chunk_id, _ in lexical]])
        missing = [chunk_id for chunk_id, _ in fused[: k * 3] if chunk_id not in hits]
        hits.update({h.chunk_id: h for h in self.library.store.get(missing)} if missing else {})
        passages: list[Passage] = []
        for chunk_id, score in fused:
            hit = hits.get(chunk_id)
            if hit is None or hit.paper_id not in listed:
                continue
            if any(p.paper_id == hit.paper_id and similar(p.text, hit.text) for p in passages):
                continue
            passages.append(hit.scored(score))
            if len(passages) == k:
                break
        return passages
