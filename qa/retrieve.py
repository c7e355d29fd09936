"""Find the passages that answer a question: dense e5 search, scoped to papers, de-duplicated.

Scoping: explicit paper ids, or automatically the papers a question names ("...of MoBA?", an arXiv
id). Reference-list and caption chunks are left out unless asked for, so they never crowd out body
text. (Issue 3 adds BM25 and rank fusion on top of `dense`.)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.library import Library
from index.registry import PaperRecord

ANSWER_KINDS = ("abstract", "body", "table")
_ARXIV = re.compile(r"\b(\d{4}\.\d{4,5})(?:v\d+)?\b")


@dataclass
class Passage:
    chunk_id: str
    paper_id: str
    title: str
    section: str
    page_start: int
    page_end: int
    kind: str
    text: str
    score: float

    @property
    def pages(self) -> str:
        return str(self.page_start) if self.page_start == self.page_end else f"{self.page_start}-{self.page_end}"


def short_name(title: str) -> str:
    """The name a paper goes by: 'MoBA: Mixture of ...' -> 'MoBA', 'Qwen3 Technical Report' -> 'Qwen3'."""
    head = title.split(":")[0] if ":" in title[:60] else re.split(r"\s+(?:technical report|is|:)\b", title, 1,
                                                                   flags=re.I)[0]
    return head.strip()


def papers_named_in(question: str, papers: list[PaperRecord]) -> list[str]:
    """Ids of papers the question names by arXiv id or short name; the longest name wins overlaps.

    Boundaries are ASCII: in "DeepSeek-V2は" the Japanese particle is a word character to Unicode."""
    found = {m.group(1) for m in _ARXIV.finditer(question)} & {p.arxiv_id for p in papers}
    lowered = question.casefold()
    named = [(short_name(p.title), p.paper_id) for p in papers]
    hits = [(name, pid) for name, pid in named
            if len(name) >= 3 and re.search(rf"(?<![a-z0-9_-]){re.escape(name.casefold())}(?![a-z0-9_]|\.\d)", lowered)]
    for name, pid in hits:
        if not any(other != name and name.casefold() in other.casefold() for other, _ in hits):
            found.add(pid)
    return sorted(found)


def _similar(a: str, b: str) -> bool:
    """Near-duplicate passages (a table repeated in an appendix, a caption echoed in the text)."""
    words_a, words_b = set(a.lower().split()), set(b.lower().split())
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) > 0.85


class Retriever:
    def __init__(self, library: Library):
        self.library = library

    def scope(self, question: str, paper_keys: list[str] | None = None) -> list[str]:
        if paper_keys:
            return [self.library.resolve(key).paper_id for key in paper_keys]
        return papers_named_in(question, self.library.papers())

    def dense(self, question: str, k: int, paper_ids: list[str] | None = None,
              kinds: tuple[str, ...] = ANSWER_KINDS) -> list[Passage]:
        conditions: list[dict] = [{"kind": {"$in": list(kinds)}}]
        if paper_ids:
            conditions.append({"paper_id": {"$in": paper_ids}})
        where = conditions[0] if len(conditions) == 1 else {"$and": conditions}
        vector = self.library.embedder.embed_queries([question])[0]
        hits = self.library.store.query(vector, k * 3, where)
        passages: list[Passage] = []
        for hit in hits:
            m = hit.metadata
            if any(p.paper_id == m["paper_id"] and _similar(p.text, hit.text) for p in passages):
                continue
            passages.append(Passage(hit.chunk_id, m["paper_id"], m["title"], m["section_path"], m["page_start"],
                                    m["page_end"], m["kind"], hit.text, hit.score))
            if len(passages) == k:
                break
        return passages

    def search(self, question: str, k: int = 6, paper_keys: list[str] | None = None) -> list[Passage]:
        return self.dense(question, k, self.scope(question, paper_keys) or None)
