"""Names a question asks about that no paper in the library mentions, or that the papers it asks about do
not mention ("the FVD of Phantom-Data", "MoBA's GPU hours"): answered "not mentioned" before any LLM call,
because a small model will otherwise invent facts about them."""
from __future__ import annotations

import re
from collections.abc import Callable

from index.lexical import LexicalIndex
from index.schema import Passage

from ..retrieval.names import candidate_names, papers_holding

# a cost asked for by its unit: the paper must state it in those words ("GPU hours", 「GPU時間」)
_GPU_HOURS = re.compile(r"GPU[- ]?(?:hours?|時間)", re.I)
# abbreviations a paper may only spell out: Janus-Pro writes "supervised fine-tuning" and never "SFT", so "SFT"
# asked about it is no name it lacks
SPELLED_OUT = {"sft": "supervised fine-tuning", "rl": "reinforcement learning", "llm": "large language model",
               "moe": "mixture-of-experts", "cot": "chain-of-thought", "dpo": "direct preference optimization",
               "ppo": "proximal policy optimization", "rlhf": "reinforcement learning from human feedback"}


def unknown_names(question: str, lexical: LexicalIndex, texts: Callable[[list[str]], list[Passage]],
                  paper_ids: list[str] = (), paper_names: list[str] = (), authors: list[str] = (),
                  headings: list[str] = ()) -> list[str]:
    """Names in the question with a term that occurs in no chunk of the library; with `paper_ids` (the papers
    the question is about), also the names, and a "GPU hours" asked for, that no chunk of those papers holds
    as written (`texts`: the chunks by id). A name that only one other paper holds is that paper's (its model,
    its benchmark): the question is about that paper too. The papers' own names (`paper_names`) are not checked,
    nor a name their author lines hold (`authors`: "ByteDance" of "ByteDance Seed", printed above the abstract,
    which no chunk keeps) or their section headings hold, as written or spelled out (`headings`: DeepSeek-Coder-V2
    spells SFT out only in "3.5.1. Supervised Fine-Tuning"; no chunk's text keeps its heading)."""
    names = candidate_names(question)
    if paper_ids:
        own = {name.casefold() for name in paper_names}
        names = [name for name in names if name.casefold() not in own
                 and not any(_held(name, line) for line in [*authors, *headings])]
        names += ["GPU hours"] if _GPU_HOURS.search(question) else []
    names = [name for name in names if not any(name != other and name.casefold() in other.casefold()
                                               for other in names)]  # "GPU" is checked as part of "GPU hours"
    return [name for name in names
            if not lexical.mentions(name) or (paper_ids and _not_in(name, lexical, set(paper_ids), texts))]


def _forms(name: str) -> list[str]:
    """The name, and its spelled-out form where it is a common abbreviation (SPELLED_OUT)."""
    return [name] + ([SPELLED_OUT[name.casefold()]] if name.casefold() in SPELLED_OUT else [])


def _held(name: str, line: str) -> bool:
    """The line holds the name, or its spelled-out form, as words of their own."""
    return any(re.search(rf"(?<!\w){re.escape(form)}(?!\w)", line, re.I) for form in _forms(name))


def _not_in(name: str, lexical: LexicalIndex, paper_ids: set[str], texts: Callable[[list[str]], list[Passage]]) -> bool:
    """No chunk of the papers holds the name as written (or spelled out), and not exactly one other paper does."""
    if any(papers_holding(form, lexical, texts, among=paper_ids, limit=None) for form in _forms(name)):
        return False
    others = papers_holding(name, lexical, texts)
    return others is None or len(others) != 1
