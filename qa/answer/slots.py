"""A passage number written where the answer's value belongs: "The DINO score is [3].", 「Pile loss は [3] で、」.

Greedy, the 1.5B model often restates the question and then, where the asked value should follow, writes the
number of the passage that holds it, so the answer says nothing (9 of the 64 fresh answers and 2 of the 80 dev
sample's, none holding its fact: bench/results/answer-fresh-56-ctx700.json, answer-80-53.json). Such a reply is
ended at that number and asked again unable to write a bracket (chain.py, qa/llm/vocabulary.py). In English the
slot also follows "approximately", "from 7:3:10 to" and goes on in words ("is [2] from Table 2"), or a unit
follows it ("for [3] steps": stop 60, 5 of the 83 English answers of the Japanese halves). A number that
points at its passage after the answer has been given (「これは [4] で説明されています」, 「[3] 行に記載」,
"This is [1].") is no slot, nor a citation that ends a clause (「…を用いる [1]、」), nor a number above the passages'
count (a reference copied from the paper, "[111]").
"""
from __future__ import annotations

import re

_CITATION = re.compile(r"\[(\d+)\](?:[ \t]*[,、×x~〜-][ \t]*\[\d+\])*")
_JA_BEFORE = ("は", "が", "を", "に", "で", "も", "それぞれ", "約")  # a particle: the number stands as the noun
_JA_POINTING = ("これは", "それは", "これらは")  # 「これは [4] で説明されています」 after the answer
_JA_AFTER = re.compile(r"[ \t]*[^\s\d\[、。,.!?！？)）:：]")  # the sentence goes on after the number ...
_JA_POINTER = re.compile(r"[ \t]*(?:行目?|の表|言葉)?[ \t]*(?:で|に|の通り|より)[ \t]*"
                         r"(?:説明|述べ|記載|示|言及|書|よる|よれ)")
_JA_VALUE = re.compile(r"[ \t]*[がは:：][ \t]*\d")  # ... but not 「[3] が 1.808」: the value follows
_EN_BEFORE = re.compile(r"\b(?:is|are|was|were|approximately|about|around|roughly|nearly"
                        r"|from\s+(?:[^.;\n\[]|\.\d){1,40}\s+to)$", re.I)  # "from 7:3:10 to [2]"
_EN_POINTING = re.compile(r"(?:^|[.!?:]\s+)(?:this|that|these|those|it)\s+\w+$", re.I)  # "This is [1]." at the end
_EN_AFTER = re.compile(r"[ \t]*(?:\([^)\n]*\)[ \t]*)?[.;]"  # the sentence ends there: "is [3] (Table 3).", or
                       r"|[ \t]+[a-z]+[ \t,.;]")  # goes on in words, "is [2] from Table 2", not with the value
_EN_COUNTED = re.compile(r"\b(?:for|of|to|by|with|at|reach(?:es|ed)?|achiev(?:es|ed))$", re.I)
_EN_UNIT = re.compile(r"[ \t]*(?:%|×|x\b|(?:steps|tokens|times|percent|points|problems|questions|samples|images|"
                      r"hours|days|GPUs|epochs|layers|experts|parameters|sequences|languages|ms|seconds|"
                      r"[KMB]|thousand|million|billion|trillion)\b)")  # a unit after it: "for [3] steps"


def value_slot(text: str, passages: int, lang: str) -> re.Match[str] | None:
    """The first passage number `text` writes in the place of the asked value, or None (a number at the very
    end of the text is not judged: the reply may still be arriving)."""
    for match in _CITATION.finditer(text):
        after = text[match.end():]
        if int(match.group(1)) > passages or not after.strip():
            continue
        before = text[:match.start()].rstrip(" \t")
        if lang == "ja":
            before = before.removesuffix("、") if before.endswith(("は、", "が、")) else before
            if before.endswith(_JA_BEFORE) and not before.endswith(_JA_POINTING) and _JA_AFTER.match(after) \
                    and not _JA_POINTER.match(after) and not _JA_VALUE.match(after):
                return match
        elif not _EN_POINTING.search(before) and (_EN_BEFORE.search(before) and _EN_AFTER.match(after)
                                                  or _EN_COUNTED.search(before) and _EN_UNIT.match(after)):
            return match
    return None
