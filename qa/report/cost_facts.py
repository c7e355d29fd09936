"""Sentences of a paper that state its costs: hardware, compute time, data, model size, money.

Found by pattern, not by an LLM, so section 6 of a report can say exactly which of these the paper
states and which it does not ("not stated" instead of a guess). A sentence counts only if it
carries a number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.paper import BlockKind, Paper
from ingest.text import split_sentences

from ..retrieval.search import similar
from ..retrieval.section_priors import NAMES_COMPUTE_TIME, NAMES_HARDWARE

CATEGORIES: dict[str, re.Pattern] = {
    "hardware": NAMES_HARDWARE,
    "compute": NAMES_COMPUTE_TIME,
    # counted items need their count: "draft token" or "multi-token prediction" is no data size
    "data": re.compile(r"\b(?:datasets?|corpus|corpora|hours of (?:audio|speech|video))\b|"
                       r"\d[\d,.]*\s?(?:[KMBT]|million|billion|trillion)?\s+(?:[\w-]+\s+){0,2}(?:tokens|samples|"
                       r"examples|instances|pairs|documents|images|videos|entries|problems|questions|prompts)\b", re.I),
    "model_size": re.compile(r"\b(?:parameters|params|billion|activated)\b|(?<![\w-])\d+(?:\.\d+)?\s?[BMT]\b(?!-)",
                             re.I),
    "money": re.compile(r"(?<!\$)\$\s?\d[\d,.]*\s?(?:[KMB]\b|million|thousand)?(?![\w$])|\bUSD\b|\bdollars?\b"),
}
LABELS = {
    "ja": {"hardware": "GPUなどのハードウェア", "compute": "学習時間・計算量", "data": "データセット・データ量",
           "model_size": "モデルサイズ", "money": "金額"},
    "en": {"hardware": "hardware (GPUs)", "compute": "training time and compute", "data": "datasets and data size",
           "model_size": "model size", "money": "money"},
}
_DIGIT = re.compile(r"\d")
_TRAINING = re.compile(r"\b(?:train\w*|pre-?train\w*|fine-?tun\w*)\b", re.I)
_LATEX = re.compile(r"\$[^$]+\$")  # inline math of a worked example, not money
_SKIP_SECTIONS = re.compile(r"example|case stud|prompt|qualitative|demonstration|sample (?:output|response)", re.I)
MAX_CHARS = 400


@dataclass
class CostFact:
    category: str
    sentence: str
    section: str
    page: int
    score: int


def cost_facts(paper: Paper, per_category: int = 3) -> dict[str, list[CostFact]]:
    """Up to `per_category` sentences per category, best first; a sentence is used in one category only."""
    candidates: dict[str, list[CostFact]] = {name: [] for name in CATEGORIES}
    for section in paper.sections:
        if _SKIP_SECTIONS.search(section.path_text):
            continue
        for block in section.blocks:
            if block.kind not in (BlockKind.BODY, BlockKind.CAPTION):
                continue
            for sentence in split_sentences(block.text.replace("\n", " ")):
                if not _DIGIT.search(sentence) or not 25 <= len(sentence) <= MAX_CHARS or _LATEX.search(sentence):
                    continue
                for name, pattern in CATEGORIES.items():
                    hits = len(pattern.findall(sentence))
                    if hits:
                        score = hits * 2 + min(len(_DIGIT.findall(sentence)), 6) \
                            + (2 if _TRAINING.search(sentence) else 0)
                        candidates[name].append(CostFact(name, sentence, section.path_text, block.page, score))
    chosen: dict[str, list[CostFact]] = {}
    used: set[str] = set()
    for name in CATEGORIES:
        picks = []
        for fact in sorted(candidates[name], key=lambda f: -f.score):
            if len(picks) < per_category and not any(similar(fact.sentence, seen, 0.7) for seen in used):
                picks.append(fact)
                used.add(fact.sentence)
        chosen[name] = picks
    return chosen


def unstated(facts: dict[str, list[CostFact]]) -> list[str]:
    """Categories no chosen sentence speaks to ("64 GPUs for 3 days" states hardware and time)."""
    sentences = [f.sentence for group in facts.values() for f in group]
    return [name for name, pattern in CATEGORIES.items() if not any(pattern.search(s) for s in sentences)]
