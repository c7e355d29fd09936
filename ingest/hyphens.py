"""Undo de-hyphenation of compounds broken at a line end.

MuPDF joins "DeepSeek-" + "R1" across a line break into "DeepSeekR1", which is right for
"rein-forcement" but wrong for names. The paper itself says which spelling is right: a joined word
whose hyphenated form occurs more often in the same paper gets its hyphen back.
"""
from __future__ import annotations

import re
from collections import Counter

_COMPOUND = re.compile(r"\b([A-Za-z][\w.]*?)-([\w][\w.]*?)\b")
_WORD = re.compile(r"\b[\w.]+\b")


def compound_repairs(texts: list[str]) -> dict[str, str]:
    """{joined form: hyphenated form} for compounds the paper mostly writes with a hyphen."""
    hyphenated = Counter(f"{a}-{b}" for text in texts for a, b in _COMPOUND.findall(text))
    if not hyphenated:
        return {}
    joined_forms = {form.replace("-", ""): form for form, _ in hyphenated.most_common()}
    words = Counter(w for text in texts for w in _WORD.findall(text) if w in joined_forms)
    return {joined: form for joined, form in joined_forms.items()
            if words[joined] and hyphenated[form] > words[joined]}


def apply_repairs(text: str, repairs: dict[str, str]) -> str:
    if not repairs:
        return text
    return _WORD.sub(lambda m: repairs.get(m.group(0), m.group(0)), text)
