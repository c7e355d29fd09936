"""`papers eval`: run a question file through retrieval (and the LLM) and score it.

Scoring follows ../shared/eval/README.md: retrieval hit@k (a top-k chunk from a gold paper that
contains an expected fact; for fact-less questions any chunk of a gold paper), paper hit@k, MRR,
whether the answer contains a fact, refusal on unanswerable questions, and citation validity:
each cited quote must occur on the cited page of the PDF itself (checked with PyMuPDF's plain
text, independent of our parser).
"""
from __future__ import annotations

import json
import statistics
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from index.library import Library

from .answer import Asker
from .citations import Source, normalized
from .retrieve import Passage, Retriever


@dataclass
class Question:
    id: str
    question: str
    lang: str
    papers: list[str]
    facts: list[str]
    kind: str


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(Question(str(row["id"]), row["question"], row.get("lang") or "en",
                                      list(row.get("papers", [])), list(row.get("facts", [])), row.get("kind", "fact")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a question record ({exc})") from None
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def contains_fact(text: str, facts: list[str]) -> bool:
    folded = _fold(text)
    return any(_fold(fact) in folded for fact in facts)


def _relevant(passage: Passage, q: Question) -> bool:
    if (passage.arxiv_id or passage.paper_id) not in q.papers:
        return False
    return not q.facts or contains_fact(passage.text, q.facts)


def _first_rank(passages: list[Passage], test) -> int | None:
    return next((rank for rank, p in enumerate(passages, start=1) if test(p)), None)


class PageTexts:
    """Normalized text of PDF pages, read once per page, for checking quotes."""

    def __init__(self, library: Library):
        self.library = library
        self._cache: dict[tuple[str, int], str] = {}

    def page(self, paper_id: str, page: int) -> str:
        key = (paper_id, page)
        if key not in self._cache:
            record = self.library.registry.get(paper_id)
            _, path = self.library.registry.by_file(record.sha256) if record else (None, None)
            text = ""
            if path and Path(path).exists():
                with pymupdf.open(path) as doc:
                    if 1 <= page <= doc.page_count:
                        text = normalized(unicodedata.normalize("NFKC", doc[page - 1].get_text()))
            self._cache[key] = text
        return self._cache[key]

    def quote_on_page(self, paper_id: str, page: int, quote: str) -> bool:
        probe = normalized(unicodedata.normalize("NFKC", quote.removesuffix(" …")))
        return bool(probe) and probe in self.page(paper_id, page)

    def quote_valid(self, source: Source) -> bool:
        return self.quote_on_page(source.passage.paper_id, source.page, source.quote)


def evaluate(library: Library, questions: list[Question], k: int = 5, retrieval_only: bool = False,
             on_result=None) -> dict:
    """Per-question records and the summary; `on_result(record)` is called as each finishes."""
    retriever, asker = Retriever(library), (None if retrieval_only else Asker(library))
    pages = PageTexts(library)
    records = []
    for q in questions:
        record: dict = {"id": q.id, "kind": q.kind, "lang": q.lang, "question": q.question}
        started = time.perf_counter()
        if asker is None:
            passages = retriever.search(q.question, k)
            record["timings"] = {"retrieval_s": round(time.perf_counter() - started, 3)}
        else:
            answer = asker.ask(q.question, k=k, lang=q.lang).consume()
            passages = answer.passages
            cited = [s for s in answer.sources if s.cited]
            record.update(answer=answer.text, error=answer.error, refused=answer.refused,
                          unsupported_numbers=answer.unsupported,
                          answer_fact=contains_fact(answer.text, q.facts) if q.facts else None,
                          citations=[{"n": s.number, "arxiv_id": s.passage.arxiv_id, "page": s.page, "quote": s.quote,
                                      "valid": pages.quote_valid(s)} for s in cited],
                          timings={key: round(v, 3) for key, v in answer.timings.items()})
        rank = _first_rank(passages, lambda p: _relevant(p, q)) if q.papers else None
        paper_rank = _first_rank(passages, lambda p: (p.arxiv_id or p.paper_id) in q.papers) if q.papers else None
        record.update(rank=rank, paper_rank=paper_rank, retrieved=[
            {"arxiv_id": p.arxiv_id, "paper_id": p.paper_id, "section": p.section, "page": p.page_start,
             "kind": p.kind, "score": round(p.score, 5), "text": p.text} for p in passages])
        records.append(record)
        if on_result:
            on_result(record)
    return {"summary": summarize(records, k), "questions": records}


def summarize(records: list[dict], k: int) -> dict:
    answerable = [r for r in records if r["kind"] != "none"]

    def share(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 3) if values else None

    def percentile(values: list[float], q: float) -> float | None:
        if not values:
            return None
        values = sorted(values)
        return round(values[min(len(values) - 1, int(q * len(values)))], 3)

    summary = {
        "questions": len(records), "k": k,
        "hit@1": share([r["rank"] == 1 for r in answerable]),
        f"hit@{k}": share([r["rank"] is not None for r in answerable]),
        "paper_hit@1": share([r["paper_rank"] == 1 for r in answerable]),
        f"paper_hit@{k}": share([r["paper_rank"] is not None for r in answerable]),
        "mrr": round(statistics.fmean([1 / r["rank"] if r["rank"] else 0.0 for r in answerable]), 3) if answerable else None,
    }
    if any("answer" in r for r in records):
        with_facts = [r for r in records if r.get("answer_fact") is not None]
        citations = [c["valid"] for r in records for c in r.get("citations", [])]
        summary.update({
            "answer_fact": share([r["answer_fact"] for r in with_facts]),
            "refusal_on_none": share([r["refused"] for r in records if r["kind"] == "none"]),
            "false_refusal": share([r["refused"] for r in answerable]),
            "answers_with_citation": share([bool(r["citations"]) for r in answerable]),
            "citation_validity": share(citations),
            "answers_with_unsupported_numbers": share([bool(r["unsupported_numbers"]) for r in records]),
            "llm_errors": sum(1 for r in records if r.get("error")),
        })
    for key in ("retrieval_s", "first_token_s", "total_s"):
        values = [r["timings"][key] for r in records if key in r["timings"]]
        if values:
            summary[f"{key}_p50"] = percentile(values, 0.5)
            summary[f"{key}_p95"] = percentile(values, 0.95)
    return summary
