"""Which entries of a paper's bibliography matter most to it: counted from the citations in its body.

Numbered styles ("[12]", "[3, 7-9]") are counted by number; author-year styles ("Vaswani et al.,
2017", "Su et al. (2024)") by first-author surname and year. Each counted reference keeps the body
sentences that cite it (with pages), which say why the paper leans on it.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ingest.paper import BlockKind, Paper, Reference
from ingest.text import looks_like_instruction, split_sentences

_NUMBERED = re.compile(r"\[(\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\]")
_YEAR = re.compile(r"(?<![\d.:/])((?:19[5-9]|20[0-4])\d[a-z]?)(?![\d.]\d)")
_INITIAL = re.compile(r"^(?:[A-Z][a-z]?\.[\s-]*)+$")


@dataclass
class KeyReference:
    reference: Reference
    label: str  # how the body cites it: "[12]" or "Vaswani et al., 2017"
    count: int
    contexts: list[tuple[str, int]] = field(default_factory=list)  # (citing sentence, page)

    @property
    def pages(self) -> list[int]:
        return sorted({page for _, page in self.contexts})


def first_author_surname(text: str) -> str | None:
    """'E. Almazrouei, H. ...' / 'Abbasi-Yadkori, Yasin et al.' / 'Pravesh Agrawal, ...' / 'OpenAI. Title'."""
    head = re.split(r",|\s+et al\b|\s+and\s|\s+&\s|“|\"", text, 1)[0].strip()
    pieces = head.split(". ")
    if len(pieces) > 1 and not _INITIAL.match(pieces[0] + "."):
        head = pieces[0]  # "OpenAI. Learning to reason" -> "OpenAI"
    words = head.replace(".", ". ").split()
    surname = words[-1].strip(".") if words else ""
    return surname if len(surname) >= 2 and surname[0].isupper() else None


def _numbered_counts(text: str, count: int) -> dict[int, list[int]]:
    """Reference number -> positions of the citations of it in `text`."""
    found: dict[int, list[int]] = defaultdict(list)
    for match in _NUMBERED.finditer(text):
        for part in re.split(r"\s*,\s*", match.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[–-]\s*", part) if x]
            numbers = range(bounds[0], bounds[-1] + 1) if len(bounds) == 2 and bounds[1] - bounds[0] < 30 else bounds
            for number in numbers:
                if 1 <= number <= count:
                    found[number].append(match.start())
    return found


def _body_sentences(paper: Paper) -> list[tuple[str, int]]:
    return [(sentence, block.page) for section in paper.sections for block in section.blocks
            if block.kind == BlockKind.BODY for sentence in split_sentences(block.text.replace("\n", " "))]


def key_references(paper: Paper, top: int = 5, contexts: int = 2) -> list[KeyReference]:
    """The `top` most-cited references in the body, most cited first (ties: list order)."""
    refs = paper.references
    if not refs:
        return []
    sentences = _body_sentences(paper)
    body = " ".join(s for s, _ in sentences)
    numbered = _numbered_counts(body, len(refs))
    keys: dict[int, re.Pattern] = {}
    for ref in refs:
        surname, year = first_author_surname(ref.text), _YEAR.search(ref.text)
        if surname and year:
            keys[ref.number] = re.compile(rf"(?<![\w-])(?<!and )(?<!& ){re.escape(surname)}"
                                          rf"(?:\s+et\s+al\.?|\s+(?:and|&)\s+[A-Z][\w-]+)?"
                                          rf",?\s*\(?{year.group(1)}(?![a-z\d])")
    shared = Counter(p.pattern for p in keys.values())
    keys = {n: p for n, p in keys.items() if shared[p.pattern] == 1}  # "Wang et al., 2024" x5: cannot tell which
    author_year = sum(len(p.findall(body)) for p in keys.values())
    use_numbers = sum(len(v) for v in numbered.values()) > author_year
    ranked: list[KeyReference] = []
    for ref in refs:
        if looks_like_instruction(ref.text):
            continue  # a "reference" that talks to the model is not one to recommend
        if use_numbers:
            label = f"[{ref.number}]"
            cites = lambda s, n=ref.number: n in _numbered_counts(s, len(refs))  # noqa: E731
            count = len(numbered.get(ref.number, []))
        elif ref.number in keys:
            pattern = keys[ref.number]
            match = pattern.search(body)
            label = " ".join(match.group(0).replace("(", " ").split()) if match else ref.text[:40]
            cites = lambda s, p=pattern: bool(p.search(s))  # noqa: E731
            count = len(pattern.findall(body))
        else:
            continue
        if count:
            found = [(s, page) for s, page in sentences if cites(s)]
            ranked.append(KeyReference(ref, label, count, found[:contexts]))
    ranked.sort(key=lambda k: (-k.count, k.reference.number))
    return ranked[:top]
