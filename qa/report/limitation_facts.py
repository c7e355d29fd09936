"""Sentences in which a paper states its own limitations, found by pattern, not by an LLM.

Section 4's "limitations the paper states" must be the paper's own words: asked to list them from retrieved
passages, the 1.5B model listed datasets and metrics, or limitations of *earlier* work quoted from the
introduction. So the sentences are picked here (limitation wording, in a Limitations / Discussion /
Conclusion / Future-work section or naming itself a limitation anywhere), and the model only renders each
one in the report's language next to its quote.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.paper import BlockKind, Paper
from ingest.text import looks_like_instruction, split_sentences

from ..retrieval.limitation_cues import FITTING, limitation_cues
from ..retrieval.search import similar

OWN_TITLE = re.compile(r"limitation|failure|weakness", re.I)  # every sentence under such a heading counts
# sections that describe other people's limitations, or show examples rather than state findings
_OTHERS = re.compile(r"abstract|intro|related|background|preliminar|prior work|example|case stud|prompt|appendix",
                     re.I)
# a sentence about earlier methods' limits (the paper's motivation), a problem the paper solved, or praise
_ABOUT_OTHERS = re.compile(r"\b(?:existing|previous|prior|conventional|traditional|current|earlier)\s+(?:\w+\s+)?"
                           r"(?:methods?|approaches|works?|models?|techniques|studies|systems|mechanisms?)\b|"
                           r"\b(?:address\w*|overcom\w*|mitigat\w*|alleviat\w*|solv\w*|tackl\w*|reduc\w*)\b|"
                           r"\bfoundation for future\b|\bpave[sd]? the way\b|\bopens? (?:up )?(?:new )?"
                           r"(?:avenues|directions)\b", re.I)
# outside a fitting section, the sentence must be about this paper's own work
_SELF = re.compile(r"\b(?:our|we|this (?:work|paper|report|study|method|approach|model))\b", re.I)
# "our approach does exhibit some limitations." announces what the next sentence says
_ANNOUNCES = re.compile(r"(?:limitations?|drawbacks?|weaknesses|as follows)\s*[.:]$|:$|\bthe following\b|"
                        r"\b(?:some|several|certain|two|three|four|main|major)\s+(?:main\s+)?"
                        r"(?:limitations|drawbacks|weaknesses|directions)\b", re.I)
MIN_SCORE = 3
MIN_CHARS, MAX_CHARS = 40, 400


@dataclass
class LimitationFact:
    sentence: str
    section: str
    page: int
    score: int


def limitation_facts(paper: Paper, limit: int = 3) -> list[LimitationFact]:
    """Up to `limit` sentences stating the paper's own limitations or open problems, in reading order."""
    candidates = []
    for section in paper.sections:
        path = section.path_text
        fitting, titled = bool(FITTING.search(path)), bool(OWN_TITLE.search(path.split(" > ")[-1]))
        if _OTHERS.search(path) and not fitting:
            continue
        for block in section.blocks:
            if block.kind != BlockKind.BODY:
                continue
            sentences = split_sentences(block.text.replace("\n", " "))
            for i, sentence in enumerate(sentences):
                if _ANNOUNCES.search(sentence):
                    if i + 1 == len(sentences):
                        continue  # what it announces is in the next block (a list)
                    sentence = f"{sentence} {sentences[i + 1]}"
                if not MIN_CHARS <= len(sentence) <= MAX_CHARS or _ABOUT_OTHERS.search(sentence) \
                        or not (fitting or _SELF.search(sentence)) or looks_like_instruction(sentence):
                    continue
                cues = limitation_cues(sentence)
                score = cues + (3 if fitting else 0) + (1 if titled else 0)
                if score >= MIN_SCORE + (0 if fitting else 1) and (cues or titled):
                    candidates.append(LimitationFact(sentence, path, block.page, score))
    chosen: list[LimitationFact] = []
    for fact in sorted(candidates, key=lambda f: -f.score):
        if len(chosen) < limit and not any(similar(fact.sentence, c.sentence, 0.6) for c in chosen):
            chosen.append(fact)
    return sorted(chosen, key=lambda f: (f.page, paper_order(paper, f)))


def paper_order(paper: Paper, fact: LimitationFact) -> int:
    """Where the sentence's section stands in the paper (ties on one page keep reading order)."""
    return next((i for i, s in enumerate(paper.sections) if s.path_text == fact.section), 0)
