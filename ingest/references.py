"""Split a paper's bibliography into numbered entries.

The layout model usually gives one list item per entry, but numbered styles ("[12] ...", "12. ...")
often arrive several to a box, and long entries can spill into a second box. Both are repaired here.
"""
from __future__ import annotations

import re

from .paper import Reference

REFERENCE_HEADINGS = re.compile(
    r"^(?:[0-9]+\.?\s*|[A-Z]\.?\s+)?(references?|bibliography|literature cited|works cited|references and notes)\s*$",
    re.I,
)
_BRACKET_NUMBER = re.compile(r"(?:^|\s)\[(\d{1,3})\]\s+")
_DOT_NUMBER = re.compile(r"^(\d{1,3})\.\s+(?=[A-Z])")


def is_reference_heading(title: str) -> bool:
    return bool(REFERENCE_HEADINGS.match(title.strip()))


def _split_numbered(text: str) -> list[str]:
    """'[1] A. [2] B.' -> ['[1] A.', '[2] B.'] when the numbers count up."""
    marks = list(_BRACKET_NUMBER.finditer(text))
    if len(marks) < 2:
        return [text]
    cuts, expected = [], int(marks[0].group(1))
    for mark in marks:
        if int(mark.group(1)) == expected:
            cuts.append(mark.start() if mark.start() == 0 else mark.start() + 1)
            expected += 1
    if not cuts or cuts[0] != 0:
        cuts.insert(0, 0)
    return [text[a:b].strip() for a, b in zip(cuts, cuts[1:] + [len(text)]) if text[a:b].strip()]


def _is_continuation(text: str, previous: str) -> bool:
    """A fragment that cannot start an entry: lower-case or punctuation start, or a URL tail."""
    first = text[0]
    if first.islower() or first in "`-–.,;:)/":
        return True
    return not previous.rstrip().rstrip("`").endswith((".", "]", ")", "/", "html", "pdf"))


def split_references(blocks: list[tuple[str, int]]) -> list[Reference]:
    """Blocks of (text, page) from the reference section -> numbered Reference entries."""
    entries: list[tuple[str, int]] = []
    for text, page in blocks:
        for line in text.split("\n"):
            line = line.strip()
            line = line[2:].strip() if line.startswith("- ") else line
            if not line:
                continue
            for part in _split_numbered(line):
                if entries and (_is_continuation(part, entries[-1][0]) or _joins_previous(part, entries[-1][0])):
                    entries[-1] = (f"{entries[-1][0]} {part}", entries[-1][1])
                else:
                    entries.append((part, page))
    return [Reference(number=i + 1, text=_strip_number(text), page=page) for i, (text, page) in enumerate(entries)]


def _joins_previous(part: str, previous: str) -> bool:
    """Within a numbered list, an unnumbered line continues the entry before it."""
    numbered = bool(_BRACKET_NUMBER.match(previous) or _DOT_NUMBER.match(previous))
    return numbered and not (_BRACKET_NUMBER.match(part) or _DOT_NUMBER.match(part))


def _strip_number(text: str) -> str:
    return re.sub(r"^(?:\[\d{1,3}\]|\d{1,3}\.)\s+", "", text).strip()
