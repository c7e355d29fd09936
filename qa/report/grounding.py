"""Turn an LLM's bullets into a grounded report section.

Each bullet is tied to a page of the paper: the passages it cites as [n], or, when the model cited
nothing (small models often forget), the passage it matches best (`infer`, cross-lingual e5 in the
writer). A sentence carrying a number its passages do not state with that unit ("200MB" from
"200 samples") is dropped (and recorded), so the report never states a figure the paper does not
contain. Repeated bullets (small models loop, also near-repeats) and a last bullet cut off by the token
limit are left out.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from index.schema import Passage
from ingest.paper import Paper
from ingest.text import Quantities, looks_like_instruction, normalized, split_sentences, tokenize

from ..answer.citations import Citation, best_quote, quote_page

_CITE = re.compile(r"\s*[\[【](\d{1,2}(?:\s*[,、]\s*\d{1,2})*)[\]】]")
_BULLET = re.compile(r"^(?:[-*•・]|\d{1,2}[.)])\s+")
PAGE_CITE = re.compile(r"\s*\(p\.\d+(?:, p\.\d+)*\)")
_END = re.compile(r"[。．.!?！？]$")
_COMPLETE = re.compile(r"[。．.!?！？)）\]】」]$")
NEAR_REPEAT = 0.8  # share of a bullet's terms another bullet already has

Infer = Callable[[list[str]], list[int | None]]  # bullets -> 1-based passage number each rests on, or None


def paper_text(paper: Paper) -> str:
    parts = [paper.title, paper.abstract] + [b.text for s in paper.sections for b in s.blocks]
    return "\n".join(parts + [r.text for r in paper.references])


def unsupported(text: str, known: Quantities) -> list[str]:
    """Numbers in `text` (citations removed) that the source does not state with that unit."""
    return known.unsupported(PAGE_CITE.sub(" ", _CITE.sub(" ", text)))


def page_label(pages: list[int]) -> str:
    return "(" + ", ".join(f"p.{p}" for p in dict.fromkeys(pages)) + ")" if pages else ""


def _with_pages(sentence: str, pages: list[int]) -> str:
    """'...した。' -> '...した (p.3)。'; the citation sits before the closing punctuation."""
    label = page_label(pages)
    if not label:
        return sentence
    end = _END.search(sentence)
    if end:
        return f"{sentence[:end.start()].rstrip()} {label}{sentence[end.start():]}"
    return f"{sentence} {label}"


def _echoes(line: str, instruction: str) -> bool:
    """Most of the line's terms come from the instruction: the model repeated its task."""
    terms = set(tokenize(_CITE.sub("", line)))
    return bool(terms) and len(terms & set(tokenize(instruction))) / len(terms) >= 0.6


def bullet_lines(text: str, echo: str = "") -> list[str]:
    """The model's bullets, markers removed: no headings, preamble or closing remarks, no repeats,
    no copy of the instruction (`echo`), no last bullet cut off mid-sentence by the token limit."""
    lines = [raw.strip() for raw in text.splitlines() if raw.strip()]
    bullets = [line for line in lines if _BULLET.match(line)]
    if not bullets:  # prose: its lines are the bullets
        bullets = [line for line in lines if not line.startswith(("#", "```", "|", "<"))]
    cleaned, seen, seen_terms = [], set(), []
    for line in bullets:
        line = _BULLET.sub("", line).strip()
        if line.count("**") % 2:  # "課題:** ..." : a bold marker that lost its partner
            line = line.replace("**", "")
        key = normalized(_CITE.sub("", line))
        if echo and _echoes(line, echo):
            continue
        terms = set(tokenize(key))
        if any(len(terms & earlier) >= NEAR_REPEAT * len(terms) for earlier in seen_terms):
            continue
        if len(key) >= 4 and key not in seen and not line.rstrip("*").endswith((":", "：")):  # not a sub-heading
            seen.add(key)
            seen_terms.append(terms)
            cleaned.append(line)
    if len(cleaned) > 1 and not _COMPLETE.search(_CITE.sub("", cleaned[-1]).strip()):
        cleaned.pop()
    return cleaned


def ground(text: str, passages: list[Passage], paper: Paper | None, known: Quantities,
           infer: Infer | None = None, echo: str = "") -> tuple[str, list[Citation], list[str]]:
    """(markdown bullets with page citations, the citations, the sentences dropped for invented numbers)."""
    citations, dropped = [], []
    kept_lines: list[list[tuple[str, list[int]]]] = []
    for line in bullet_lines(text, echo):
        kept = []
        for sentence in split_sentences(line):
            numbers = [int(n) for m in _CITE.finditer(sentence) for n in re.split(r"\s*[,、]\s*", m.group(1))]
            plain = _CITE.sub("", sentence).strip()
            if len(plain) < 4:
                continue
            if unsupported(plain, known) or looks_like_instruction(plain):
                dropped.append(plain)
                continue
            kept.append((plain, [n for n in dict.fromkeys(numbers) if 1 <= n <= len(passages)]))
        if kept:
            kept_lines.append(kept)
    uncited = [i for i, kept in enumerate(kept_lines) if not any(numbers for _, numbers in kept)]
    if infer and uncited:
        for i, number in zip(uncited, infer([" ".join(s for s, _ in kept_lines[i]) for i in uncited])):
            if number:
                plain, _ = kept_lines[i][-1]
                kept_lines[i][-1] = (plain, [number])
    lines = []
    for kept in kept_lines:
        out = []
        for plain, numbers in kept:
            pages = []
            for number in numbers:
                passage = passages[number - 1]
                quote = best_quote(passage, plain)
                page = quote_page(paper, passage, quote)
                pages.append(page)
                citations.append(Citation(passage, quote, page))
            out.append(_with_pages(plain, pages))
        lines.append("- " + " ".join(out))
    return "\n".join(lines), citations, dropped
