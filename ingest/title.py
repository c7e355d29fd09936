"""Titles as the paper spells them: small capitals recased and line-end hyphens restored from the body.

A title set in small capitals comes out of the PDF in capitals ("MOBA: MIXTURE OF BLOCK ATTENTION"), and a
compound broken at the end of a title line loses its hyphen ("Non-\\nSFT" -> "NonSFT"). The paper's own
body text says how each word is written ("MoBA", "LLMs", "mixture", "Non-SFT"), so it decides.
"""
from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.'’\-]*[A-Za-z0-9]|[A-Za-z0-9]")
_BROKEN = re.compile(r"([A-Za-z0-9]+)-\n([A-Za-z0-9]+)")
# words a title keeps in lower case unless they open it or follow a colon
_MINOR = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
          "via", "vs", "with"}


def _capitals_only(title: str) -> bool:
    letters = [c for c in title if c.isalpha() and c.isascii()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _spellings(body: str) -> dict[str, Counter]:
    """For each lower-cased word of the body, how often each spelling of it occurs."""
    forms: dict[str, Counter] = {}
    for word in _WORD.findall(body):
        forms.setdefault(word.lower(), Counter())[word] += 1
    return forms


def _shape(word: str) -> str:
    """upper (LLM), mixed (MoBA, LLMs) or plain (mixture, Mixture: a capital that may only open a sentence)."""
    if word.upper() == word:
        return "upper"
    return "plain" if word[1:].lower() == word[1:] else "mixed"


def _recase(word: str, forms: dict[str, Counter], opens: bool) -> str:
    """A capitalised word written the way the body writes it; parts of a compound one by one if needed."""
    seen = forms.get(word.lower())
    if not seen:
        if "-" in word:
            return "-".join(_recase(part, forms, opens or i > 0) for i, part in enumerate(word.split("-")))
        plain = word.isalpha() and (len(word) > 3 or word.lower() in _MINOR)  # else perhaps an acronym
        seen = Counter({word.lower() if plain else word: 1})
    shapes: Counter = Counter()
    for form, count in seen.items():
        shapes[_shape(form)] += count
    shape = max(("mixed", "upper", "plain"), key=lambda s: shapes[s])  # ties: mixed, then upper
    if shape != "plain":
        return max((f for f in seen if _shape(f) == shape), key=seen.__getitem__)
    if word.lower() in _MINOR and not opens:
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def restore_title(title: str, first_page: str, body: str) -> str:
    """`title` with small capitals recased and line-end hyphens put back, as the body writes those words.

    `first_page` is page 1's raw text (its line breaks show where a hyphen stood); `body` the paper's text.
    A title the body gives no evidence about is returned unchanged (apart from its spacing)."""
    title = " ".join(title.split())
    forms = _spellings(body)
    lowered = body.lower()
    for head, tail in _BROKEN.findall(first_page):
        joined, hyphened = head + tail, f"{head}-{tail}"
        if joined in title and lowered.count(hyphened.lower()) > lowered.count(joined.lower()):
            title = title.replace(joined, hyphened)
    if not _capitals_only(title):
        return title
    out, opens = [], True
    for piece in re.split(r"(\s+)", title):
        if piece.strip():
            lead, word, trail = re.match(r"^(\W*)(.*?)([\W]*)$", piece).groups()
            out.append(lead + (_recase(word, forms, opens) if word else "") + trail)
            opens = trail.endswith((":", "—", "–")) or word == ""
        else:
            out.append(piece)
    return "".join(out)
