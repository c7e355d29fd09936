"""The sections a kind of question is answered in, as the report writer knows them: limitations and future work
in a paper's Limitations / Discussion / Conclusion, the hardware and time a run took in its implementation,
setup or cost sections. The search inside one paper adds its candidates in those sections as one more ranking."""
from __future__ import annotations

import re

from .limitation_cues import ASKS_LIMITATION, FITTING

# a question about the hardware a run used or how long it took ("What GPUs ...", "How long did RL take?",
# 「何日間・何ノード・どのGPU」); not FLOPs, compute or cost alone, which as often ask for an efficiency result
ASKS_HARDWARE = re.compile(r"GPU|\bTPUs?\b|\bhardware\b|\baccelerators?\b|\bhow long\b|\btraining time\b|"
                           r"\bwall[- ]clock\b|\bnodes\b|何日|何時間|学習時間|訓練時間|ハードウェア", re.I)
SETUP = re.compile(r"implement|set-?up|training detail|infrastructure|hardware|hyper-?param|\bcosts?\b|efficien|"
                   r"comput|resource", re.I)  # sections that state them ("Training and Inference Efficiency")
# sentences that name the hardware or the time and compute a run took (the report's cost facts, the answer's evidence)
NAMES_HARDWARE = re.compile(r"\b(?:GPUs?|TPUs?|NPUs?|[HAV]100s?|H[28]00s?|H20s?|A800s?|B200s?|Ascend|MI[23]\d0X?|"
                            r"accelerators?|nodes?)\b", re.I)
NAMES_COMPUTE_TIME = re.compile(r"\b(?:GPU[- ]hours?|[HA]\d00[- ]hours?|minutes|hours?|days?|weeks?|FLOPs?|PFLOP\w*|"
                                r"wall[- ]clock|training time)\b", re.I)
PRIORS = {"limitation": (ASKS_LIMITATION, FITTING), "hardware": (ASKS_HARDWARE, SETUP)}


def favoured_sections(*wordings: str | None, priors: tuple[str, ...] = tuple(PRIORS)) -> list[re.Pattern[str]]:
    """The section patterns of the priors whose question pattern a wording of the question matches."""
    return [sections for name, (asks, sections) in PRIORS.items()
            if name in priors and any(asks.search(text) for text in wordings if text)]
