"""A question that names a setting the evidence does not hold ("Kimi k1.5's MMLU in long-CoT mode" where the paper
gives it for short-CoT; "the 70B target's throughput" where it reports the 8B's): the names and sizes it asks about
that no evidence quote holds are found here, and the model is asked whether the quotes answer exactly that question
before it answers. Asked for such a near miss, the 1.5B gives the neighbouring setting's number (0 of 18 declined)."""
from __future__ import annotations

import re

from ..retrieval.names import as_written, candidate_names

SIZE = re.compile(r"(?<![A-Za-z0-9.])\d+(?:\.\d+)?[BMKT](?![A-Za-z0-9])")  # "70B", "1.7B", "1M", "2T"


def names_missing(question: str, quotes: list[str], titles: list[str]) -> list[str]:
    """The names and sizes the question asks about that no quote holds as written; a name within one of its papers'
    titles ("MoE" of DeepSeekMoE, the "2B" of "... on a 2B Non-SFT Model") describes the paper, not the setting."""
    titles = [title.casefold() for title in titles]
    asked = dict.fromkeys(candidate_names(question) + SIZE.findall(question))
    return [name for name in asked if not any(name.casefold() in title for title in titles)
            and not any(as_written(name).search(quote) for quote in quotes)]


def says_no(reply: str) -> bool:
    """The check's reply is a no (anything else, an empty reply too, lets the answer go ahead)."""
    return reply.strip().strip(".").upper() == "NO"
