"""Limitations by pattern: how plainly a sentence states one, which sections state them, and whether a question
asks for them; shared by the report's limitations section (qa/report/limitation_facts.py), the search inside a
paper and the answer's evidence ranking for a limitations question."""
from __future__ import annotations

import re

FITTING = re.compile(r"limitation|discussion|conclu|future|broader|failure|weakness", re.I)  # sections that state them
# a question asking for them ("What limitations ...", 「今後の課題は？」): the search inside a paper then favours
# those sections; not for a challenge, a risk or a 問題, which as often name the problem a method solves
ASKS_LIMITATION = re.compile(r"limitation|shortcoming|weakness|future (?:work|direction)|open (?:issue|problem)|"
                             r"限界|課題|今後|弱点", re.I)
# a question about them in the wider sense: among the five passages read, the evidence ranks quotes by their
# limitation wording (measured: with ASKS_LIMITATION instead, fewer quotes hold the fact)
ABOUT_LIMITATION = re.compile(ASKS_LIMITATION.pattern + r"|challenge|concede|acknowledge|risk|リスク|問題", re.I)
_STRONG = re.compile(
    r"\blimitations?\b|\blimited\b|\bdrawbacks?\b|\bshortcomings?\b|\bweakness(?:es)?\b|\bfuture (?:work|research)\b|"
    r"\bwe leave\b|\bleave (?:\w+ ){0,3}(?:for|to) future\b|\bbeyond the scope\b|\bfails? to\b|\bstruggles?\b|"
    r"\bremains? (?:challenging|difficult|an open|open|unclear|unsolved|limited)\b|\bnot (?:yet|able to)\b|"
    r"\bin the future\b|\bwe plan to\b|\bfailure (?:cases?|modes?)\b|\b(?:are|is|were|was) unable to\b", re.I)
_WEAK = re.compile(r"\bhowever\b|\bcannot\b|\bcan not\b|\bunable\b|\bchalleng\w*|\bcostly\b|\bexpensive\b|"
                   r"\bbias\w*|\bsensitive to\b|\bunstable\b|\bdegrad\w*|\bsuffers?\b|\bhallucinat\w*|"
                   r"\bonly (?:supports?|works?|handles?|applies)\b|\brestricted to\b|\brequires? (?:large|more|"
                   r"significant|substantial)\b", re.I)


def limitation_cues(sentence: str) -> int:
    """3 for each strong cue ("limitation", "future work"), 1 for each weak one ("however", "costly")."""
    return 3 * len(_STRONG.findall(sentence)) + len(_WEAK.findall(sentence))
