"""Citations: which passages an answer (or a report bullet) rests on, the sentence to quote from each,
and the exact page of that sentence.

A chunk may span a page break; the quote's page is found by locating the sentence in the parsed
paper's page-tagged blocks, so "p.N" points at the page that holds the quoted words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from index.pdf_pages import PdfPages
from index.schema import ChunkMeta, Passage
from ingest.chunking import ChunkKind
from ingest.paper import Paper
from ingest.text import Quantities, looks_like_instruction, normalized, split_sentences, tokenize

from .tables import row_text, table_lines

_CITATION = re.compile(r"\[(\d{1,2})\]")
_POINTER = re.compile(  # a number that points into the papers, not a quantity they state: "passage 2", "Table 3",
    # "Section 3.1", "Page 6", 「表4」, 「第1行」, 「1.4節」, 「3 ページ」, and a list item's "1."
    r"^[ \t]*\d+[.)](?=\s)|"
    r"\b(?:passages?|sections?|sec\.|tables?|tab\.|figures?|figs?\.|pages?|p\.|appendix|chapter|eq\.|equation|line|row)"
    r"\s*\d+(?:\.\d+)*|"
    r"(?:表|図|第|パッセージ|ページ)\s*\d+(?:\.\d+)*|\d+(?:\.\d+)*\s*(?:行目|行|節|章|段落|ページ)",
    re.I | re.M)
QUOTE_CHARS = 320


@dataclass
class Citation:
    """A passage as support for a claim: the sentence quoted from it and the page that sentence is on."""

    passage: Passage
    quote: str
    page: int
    number: int = 0  # the [n] an answer uses (0 in reports)
    cited: bool = True  # the text cites it or rests on it (else it was only retrieved)
    inferred: bool = False  # tied to an uncited sentence by matching, not by an [n]

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {"chunk_id": p.chunk_id, "paper_id": p.paper_id, "arxiv_id": p.arxiv_id, "title": p.title,
                "section": p.section_path, "kind": str(p.kind), "page": self.page, "passage_pages": p.pages,
                "quote": self.quote, "text": p.text, "number": self.number, "cited": self.cited,
                "inferred": self.inferred}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        start, _, end = str(data.get("passage_pages") or data["page"]).partition("-")
        meta = ChunkMeta(data.get("paper_id", ""), data.get("arxiv_id") or "", data.get("title", ""), -1,
                         ChunkKind(data.get("kind", "body")), data["section"].split(" > ")[-1], data["section"],
                         int(start), int(end or start))
        return cls(Passage(data["chunk_id"], data.get("text", ""), meta), data["quote"], int(data["page"]),
                   int(data.get("number", 0)), bool(data.get("cited", True)), bool(data.get("inferred", False)))


def as_printed(citations: list[Citation], pages: PdfPages) -> list[Citation]:
    """Each quote as its page prints it, elided where the parsed text holds more (index/pdf_pages.py): what
    answers and reports show, so every quote can be found on the page it cites."""
    for c in citations:
        c.quote = pages.as_printed(c.passage.paper_id, c.page, c.quote)
    return citations


def unsupported_numbers(answer: str, passages: list[Passage], question: str = "") -> list[str]:
    """Numbers of the answer that no passage states with that unit ("82.4%", "200MB" from "200 samples"):
    a small model's inventions show here. The question's own numbers ("the Lean 4 prover", "on 6T extra
    tokens", repeated by the answer) and numbers that point into the papers ("Table 3", 「第1行」) are no claims."""
    known = Quantities("\n".join([question] + [p.text for p in passages]))
    cited = {int(n) for n in _CITATION.findall(answer)}
    return [n for n in known.unsupported(_claims(answer)) if not (n.isdigit() and int(n) in cited)]


def invented_values(answer: str, passages: list[Passage], question: str = "") -> list[str]:
    """The answer's numbers when no passage states any of them (the question's own aside): every value it gives
    is then the model's ("30,624 parameters" for a model size its paper never gives). Empty when it gives none,
    or when a passage states one."""
    given = Quantities(question).unsupported(_claims(answer))
    unsupported = unsupported_numbers(answer, passages, question)
    return unsupported if given and set(given) <= set(unsupported) else []


def _claims(answer: str) -> str:
    """The answer without its passage numbers and the numbers that point into the papers."""
    return _POINTER.sub(" ", _CITATION.sub(" ", answer))


def cited_numbers(answer: str, count: int) -> list[int]:
    """Passage numbers the answer cites as [n], in first-use order, within 1..count."""
    seen: list[int] = []
    for match in _CITATION.finditer(answer):
        number = int(match.group(1))
        if 1 <= number <= count and number not in seen:
            seen.append(number)
    return seen


def _support(terms: set[str], text: str) -> int:
    """Terms shared with the text; numbers count triple: they are what a claim hinges on."""
    return sum(3 if any(c.isdigit() for c in t) else 1 for t in terms & set(tokenize(text)))


def inferred_citations(answer: str, passages: list[Passage], min_support: int = 4) -> list[int]:
    """For answer sentences that cite nothing (small models forget), the passage that supports each best."""
    found: list[int] = []
    for sentence in split_sentences(answer):
        if _CITATION.search(sentence) or len(sentence) < 15:
            continue
        terms = set(tokenize(sentence))
        scores = [_support(terms, p.text) for p in passages]
        if scores and max(scores) >= min_support:
            number = scores.index(max(scores)) + 1
            if number not in found:
                found.append(number)
    return found


def best_quote(passage: Passage, query: str) -> str:
    """The sentence of the passage that shares most terms with the query (question + answer)."""
    terms = set(tokenize(query))
    if passage.kind == ChunkKind.TABLE:  # its caption; without one, the row with most of the query's terms
        caption = "" if passage.text.startswith("|") else passage.text.split("\n|", 1)[0].strip()
        rows = [line for line in table_lines(passage.text) if line.is_row]  # matched with their columns' names
        return (caption or (row_text(max(rows, key=lambda row: _support(terms, row.text)).source) if rows
                            else passage.text))[:QUOTE_CHARS].strip()
    sentences = [s for s in split_sentences(passage.text) if len(s) > 20 and not looks_like_instruction(s)] \
        or [passage.text]
    best = max(sentences, key=lambda sentence: _support(terms, sentence))
    if len(best) > QUOTE_CHARS:
        best = best[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    return best


def quote_page(paper: Paper | None, passage: Passage, quote: str) -> int:
    """The page whose text holds the start of the quote (the passage's first page if not found)."""
    if paper is None or passage.page_start == passage.page_end:
        return passage.page_start
    probe = normalized(quote.removesuffix(" …"))[:60]
    for section in paper.sections:
        for block in section.blocks:
            if passage.page_start <= block.page <= passage.page_end and probe in normalized(block.text):
                return block.page
    return passage.page_start


def _claims_citing(answer: str, number: int) -> str:
    """The answer's sentences that cite [number]: what the quote has to support."""
    return " ".join(s for s in split_sentences(answer) if f"[{number}]" in s)


def citations_for(answer: str, question: str, passages: list[Passage],
                  papers: dict[str, Paper | None]) -> list[Citation]:
    """The cited passages in citation order, then (marked uncited) the rest of what was retrieved."""
    explicit = cited_numbers(answer, len(passages))
    inferred = [n for n in inferred_citations(answer, passages) if n not in explicit]
    cited = explicit + inferred
    order = cited + [n for n in range(1, len(passages) + 1) if n not in cited]
    sources = []
    for number in order:
        passage = passages[number - 1]
        quote = best_quote(passage, question + " " + (_claims_citing(answer, number) or answer))
        sources.append(Citation(passage, quote, quote_page(papers.get(passage.paper_id), passage, quote), number,
                                number in cited, number in inferred))
    return sources
