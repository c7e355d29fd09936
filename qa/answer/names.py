"""Names a question asks about that no paper in the library mentions, or that the papers it asks about do
not mention ("the FVD of Phantom-Data", "MoBA's GPU hours"): answered "not mentioned" before any LLM call,
because a small model will otherwise invent facts about them."""
from __future__ import annotations

import re
from collections.abc import Callable

from index.lexical import LexicalIndex
from index.schema import ANSWER_KINDS, Passage

MAX_CHECKED = 200  # chunks of other papers read to tell whether a name is one other paper's

_QUESTION_WORDS = {"what", "which", "how", "why", "when", "where", "who", "does", "did", "do", "is", "are", "can",
                   "compare", "list", "summarize", "explain", "describe", "the", "in", "and", "of", "a", "an", "for",
                   "under", "with", "without", "on", "at", "by", "from", "to", "after", "before", "during", "across",
                   "between", "besides", "unlike", "like", "given", "using", "according", "within", "over", "as",
                   "if", "while", "apart", "beyond", "among", "against", "about"}
# "Silent Branding Attack": two or more capitalized words in a row
_PHRASE = re.compile(r"(?<![A-Za-z0-9])[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+(?![A-Za-z0-9])")
# "AnyAnomaly", "TMRoPE", "GPT-4", "Qwen3": a capital inside the word, or letters and digits mixed
# (ASCII boundaries: in "GPT-4の" the Japanese particle is a word character to Unicode)
_TOKEN = re.compile(r"(?<![A-Za-z0-9.-])(?:[A-Za-z]+[A-Z][A-Za-z0-9-]*|[A-Za-z]+-?\d[A-Za-z0-9.-]*)(?<![.-])")


_GLOSS = re.compile(r"[(（][^()（）]*[)）]")  # "(SFT)", "（GPU 時間）"
# a cost asked for by its unit: the paper must state it in those words ("GPU hours", 「GPU時間」)
_GPU_HOURS = re.compile(r"GPU[- ]?(?:hours?|時間)", re.I)


def candidate_names(question: str) -> list[str]:
    """Names as a question writes them; a gloss in brackets ("Stage III (SFT)", 「GPU hours（GPU 時間）」) is
    not one of them: the paper may spell out what the question abbreviates."""
    question = _GLOSS.sub(" ", question)
    names = []
    for match in _PHRASE.finditer(question):
        phrase = match.group(0)
        while (first := re.split(r"[ -]", phrase, 1))[0].lower() in _QUESTION_WORDS and len(first) > 1:
            phrase = first[1]
        if re.search(r"[ -]", phrase):
            names.append(phrase)
    names += [m.group(0) for m in _TOKEN.finditer(question)]
    return list(dict.fromkeys(names))


def unknown_names(question: str, lexical: LexicalIndex, texts: Callable[[list[str]], list[Passage]],
                  paper_ids: list[str] = (), paper_names: list[str] = ()) -> list[str]:
    """Names in the question with a term that occurs in no chunk of the library; with `paper_ids` (the papers
    the question is about), also the names, and a "GPU hours" asked for, that no chunk of those papers holds
    as written (`texts`: the chunks by id). A name that only one other paper holds is that paper's (its model,
    its benchmark): the question is about that paper too. The papers' own names (`paper_names`) are not checked."""
    names = candidate_names(question)
    if paper_ids:
        own = {name.casefold() for name in paper_names}
        names = [name for name in names if name.casefold() not in own]
        names += ["GPU hours"] if _GPU_HOURS.search(question) else []
    names = [name for name in names if not any(name != other and name.casefold() in other.casefold()
                                               for other in names)]  # "GPU" is checked as part of "GPU hours"
    return [name for name in names
            if not lexical.mentions(name) or (paper_ids and _not_in(name, lexical, set(paper_ids), texts))]


def _not_in(name: str, lexical: LexicalIndex, paper_ids: set[str], texts: Callable[[list[str]], list[Passage]]) -> bool:
    """No chunk of the papers holds the name as written (case, hyphens, spaces and a plural "s" aside), and not
    exactly one other paper does."""
    written = re.compile(r"(?<![A-Za-z0-9])" + r"(?:[\s_-]|<br>)*".join(rf"{re.escape(word)}s?"
                         for word in re.split(r"[\s_-]+", name) if word) + r"(?![A-Za-z0-9])", re.I)
    chunks = lexical.chunks_mentioning(name, ANSWER_KINDS)
    inside = [chunk for chunk, paper in chunks if paper in paper_ids]
    if inside and any(written.search(p.text) for p in texts(inside)):
        return False
    others = [chunk for chunk, paper in chunks if paper not in paper_ids][:MAX_CHECKED]
    others = texts(others) if others else []
    return len({p.paper_id for p in others if written.search(p.text)}) != 1
