"""What kind of sentence answers a kind of question: a "why" question one that gives a cause ("because", "due
to", "stemmed from"), a "how did they fix it" question one that states a remedy ("To address this, we increased
..."), a question about the hardware one that names it ("four NVIDIA H100 GPUs"). The evidence ranking adds the
candidates holding the cue as one more ranking for each kind a question asks (answer-type matching; limitations
have their own cues, shared with the report: qa/retrieval/limitation_cues.py). Measured on the dev set: the
sentence that answers lost to ones that repeat the question's description ("the 2B multimodal model that
reproduced R1-Zero's 'aha moment'") or its topic ("precision mismatch")."""
from __future__ import annotations

import re

from ..retrieval.section_priors import ASKS_HARDWARE, NAMES_COMPUTE_TIME, NAMES_HARDWARE

ASKS_REASON = re.compile(r"\bwhy\b|\breasons?\b|\bcaus\w*|\bblame\w*|\battribut\w*|\bexplain\w*|"
                         r"なぜ|理由|原因|どうして", re.I)
GIVES_REASON = re.compile(r"\bbecause\b|\bdue to\b|\bowing to\b|\battribut\w* to\b|\bstem\w* from\b|\bcaused by\b|"
                          r"\bresults? from\b|\bas a result\b|\bspeculate\b|\bhypothesi[sz]e\b|\bwe believe\b|"
                          r"\bleads? to\b|\barises?\b|\bthe reason\b|\bsince\b|\bobserv\w* that\b", re.I)
ASKS_REMEDY = re.compile(r"\b(?:fix|fixed|solve|solved|address|addressed|mitigat\w*|overc[oa]me|resolv\w*|tackl\w*)\b|"
                         r"解決|対処|対策", re.I)
STATES_REMEDY = re.compile(r"\bto (?:address|mitigate|solve|fix|resolve|overcome|alleviate|tackle|avoid|prevent|"
                           r"counter)\b|\bto (?:this|that) end\b|\bsolution\b|\binstead\b|\bwe (?:propose|introduce|"
                           r"increase|adopt|apply|employ|add|remove|replace|set)\w*\b", re.I)
NAMES_RUN = re.compile(f"{NAMES_HARDWARE.pattern}|{NAMES_COMPUTE_TIME.pattern}", re.I)  # the report's cost words
ANSWER_CUES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "reason": (ASKS_REASON, GIVES_REASON),
    "remedy": (ASKS_REMEDY, STATES_REMEDY),
    "hardware": (ASKS_HARDWARE, NAMES_RUN),
}


def cues_asked(queries: list[str]) -> list[re.Pattern[str]]:
    """The cue of each kind of answer one of the question's wordings asks for."""
    return [says for asks, says in ANSWER_CUES.values() if any(asks.search(q) for q in queries)]
