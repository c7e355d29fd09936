"""`papers eval`: run a question file through retrieval (and the LLM) and score it.

Scoring (the question format's own rules): retrieval hit@k (a top-k chunk from a gold paper that
contains an expected fact; for fact-less questions any chunk of a gold paper), paper hit@k, MRR,
whether the answer contains a fact (as written, and by the fact's numbers and names: `contains_fact_core`),
refusal on unanswerable questions, and citation validity: each cited quote must occur on the cited page of
the PDF itself (checked with PyMuPDF's plain text, independent of our parser).
"""
from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from index.library import Library
from index.schema import Passage
from ingest.errors import PapersError
from ingest.text import fold, number_list, numbers_in

from ..retrieval.search import Retriever
from .chain import Asker
from .citations import Citation


@dataclass
class Question:
    id: str
    question: str
    lang: str
    papers: list[str]
    facts: list[str]
    kind: str
    intent: str | None = None  # number, method, dataset, limitation, cost, comparison, unanswerable
    split: str | None = None  # tune or holdout (the dev set's held-out part)


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(Question(str(row["id"]), row["question"], row.get("lang") or "en",
                                      list(row.get("papers", [])), list(row.get("facts", [])), row.get("kind", "fact"),
                                      row.get("intent"), row.get("split")))
        except (ValueError, KeyError, TypeError) as exc:
            raise PapersError(f"{path}:{number}: not a question record ({exc})") from None
    if not questions:
        raise PapersError(f"{path}: no questions")
    return questions


def contains_fact(text: str, facts: list[str]) -> bool:
    folded = fold(text)
    return any(fold(fact) in folded for fact in facts)


_CITATION = re.compile(r"\[\d+(?:[,–-]\s*\d+)*\]")
# a name: a word with a digit or a capital inside it ("Qwen2.5", "CISPO", "DeepSeek"); a capitalized word
# only after the first ("Kimi Delta Attention"), as a phrase's first word is capitalized anyway ("Considering ...")
_NAME = re.compile(r"\S*\d\S*|\S+[A-Z]\S*|(?<=\s)[A-Z]\S+")


def fact_core(fact: str, question: str = "") -> tuple[set[str], list[str]] | None:
    """What of a fact a right answer in any language keeps: its numbers ("5.7 trillion tokens" -> 5.7, "47 out of
    658" -> 47 and 658) and its names; None when the fact is only words ("language consistency reward"), which a
    Japanese answer translates, or when the question itself gives all of them."""
    numbers = set(number_list(fact))
    names = [w for w in _NAME.findall(fact) if not number_list(w)]
    given = numbers_in(question)
    if not numbers - given and all(fold(name) in fold(question) for name in names):
        return None
    return numbers, names


def contains_fact_core(text: str, facts: list[str], question: str = "") -> bool:
    """An expected fact by its core: every number of it stated as a number ("500Kから6M" holds "500K to 6M", "16"
    does not hold "6"; a citation "[3]" states none) and every name of it written as the paper writes it ("block
    attention" is not "Block Attention"). The shared question format calls numbers and names language-neutral,
    yet its facts carry English words ("119 languages", "13 million hours") that a right Japanese answer writes
    in Japanese (「119言語」); `contains_fact` stays the strict count."""
    text = _CITATION.sub(" ", text)
    stated = numbers_in(text)
    return contains_fact(text, facts) or any(
        core is not None and core[0] <= stated and all(name in text for name in core[1])
        for core in (fact_core(fact, question) for fact in facts))


def _relevant(passage: Passage, q: Question) -> bool:
    if (passage.arxiv_id or passage.paper_id) not in q.papers:
        return False
    return not q.facts or contains_fact(passage.text, q.facts)


def _quotes_fact(evidence: Citation, q: Question) -> bool:
    """The quoted sentence itself (not just its passage) holds an expected fact of a right paper."""
    paper = evidence.passage.arxiv_id or evidence.passage.paper_id
    return paper in q.papers and contains_fact(evidence.quote, q.facts)


def _first_rank(passages: list[Passage], test) -> int | None:
    return next((rank for rank, p in enumerate(passages, start=1) if test(p)), None)


def evaluate(library: Library, questions: list[Question], asker: Asker | None, k: int = 5,
             on_result=None) -> dict:
    """Per-question records and the summary; retrieval only when `asker` is None. `on_result(record)` is
    called as each question finishes."""
    retriever, pages = Retriever(library), library.pages
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
            cited = [c for c in answer.citations if c.cited]
            record.update(answer=answer.text, error=answer.error, refused=answer.refused,
                          unsupported_numbers=answer.unsupported,
                          answer_fact=contains_fact(answer.text, q.facts) if q.facts else None,
                          answer_fact_core=contains_fact_core(answer.text, q.facts, q.question) if q.facts else None,
                          evidence=[e.quote for e in answer.evidence], evidence_weak=answer.evidence_weak,
                          evidence_fact=any(_quotes_fact(e, q) for e in answer.evidence) if q.facts else None,
                          citations=[{"n": c.number, "arxiv_id": c.passage.arxiv_id, "page": c.page, "quote": c.quote,
                                      "valid": pages.quote_on_page(c.passage.paper_id, c.page, c.quote)}
                                     for c in cited],
                          timings={key: round(v, 3) for key, v in answer.timings.items()})
        rank = _first_rank(passages, lambda p: _relevant(p, q)) if q.papers else None
        paper_rank = _first_rank(passages, lambda p: (p.arxiv_id or p.paper_id) in q.papers) if q.papers else None
        record.update(rank=rank, paper_rank=paper_rank, retrieved=[
            {"arxiv_id": p.arxiv_id, "paper_id": p.paper_id, "section": p.section_path, "page": p.page_start,
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
        "mrr": round(statistics.fmean([1 / r["rank"] if r["rank"] else 0.0 for r in answerable]), 3)
        if answerable else None,
    }
    if any("answer" in r for r in records):
        with_facts = [r for r in records if r.get("answer_fact") is not None]
        citations = [c["valid"] for r in records for c in r.get("citations", [])]
        summary.update({
            "answer_fact": share([r["answer_fact"] for r in with_facts]),
            "answer_fact_core": share([r["answer_fact_core"] for r in with_facts if "answer_fact_core" in r]),
            "evidence_fact": share([r["evidence_fact"] for r in with_facts]),
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
