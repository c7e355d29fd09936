"""Names a question asks about that no paper in the library mentions: answered "not in the library"
before any LLM call, because a small model will otherwise invent facts about them."""
from __future__ import annotations

import re

from index.lexical import LexicalIndex

_QUESTION_WORDS = {"what", "which", "how", "why", "when", "where", "who", "does", "did", "do", "is", "are", "can",
                   "compare", "list", "summarize", "explain", "describe", "the", "in", "and", "of"}
# "Silent Branding Attack": two or more capitalized words in a row
_PHRASE = re.compile(r"(?<![A-Za-z0-9])[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+(?![A-Za-z0-9])")
# "AnyAnomaly", "TMRoPE", "GPT-4", "Qwen3": a capital inside the word, or letters and digits mixed
# (ASCII boundaries: in "GPT-4の" the Japanese particle is a word character to Unicode)
_TOKEN = re.compile(r"(?<![A-Za-z0-9.-])(?:[A-Za-z]+[A-Z][A-Za-z0-9-]*|[A-Za-z]+-?\d[A-Za-z0-9.-]*)(?<![.-])")


def candidate_names(question: str) -> list[str]:
    names = []
    for match in _PHRASE.finditer(question):
        phrase = match.group(0)
        while (first := re.split(r"[ -]", phrase, 1))[0].lower() in _QUESTION_WORDS and len(first) > 1:
            phrase = first[1]
        if re.search(r"[ -]", phrase):
            names.append(phrase)
    names += [m.group(0) for m in _TOKEN.finditer(question)]
    return list(dict.fromkeys(names))


def unknown_names(question: str, lexical: LexicalIndex) -> list[str]:
    """Names in the question with a term that occurs in no chunk of the library."""
    return [name for name in candidate_names(question) if not lexical.mentions(name)]
