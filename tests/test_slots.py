"""A passage number in the place of the asked value (qa/answer/slots.py), on replies the local model wrote."""
from __future__ import annotations

import pytest

from qa.answer.slots import value_slot

SLOTS = [  # (reply, language, the number found): bench/results/answer-fresh-56-ctx700.json, answer-80-53.json
    ("In ConsisLoRA's comparison, B-LoRA is best by DINO score. The DINO score is [3].", "en", "[3]"),
    ("The number of unique theorem statements kept as RL training prompts is [3] (Table 3).", "en", "[3]"),
    ("The speedup when the constraint is removed is [2] from Table 2, which shows 4.40x.", "en", "[2]"),
    ("The ratio was changed from 7:3:10 to [2] by reducing text-to-image data.", "en", "[2]"),
    ("It improves the correlation from approximately 0.9x to [3].", "en", "[3]"),
    ("The FLOPs are approximately [2] at a generation length of 64K tokens.", "en", "[2]"),
    ("Additional training was conducted for [3] steps.", "en", "[3]"),
    ("shared expert を 1・2・4 個にした場合の Pile loss は [3] で、比率を [5] に決めました。", "ja", "[3]"),
    ("画像をそれぞれ [2]×[3] 像素に前処理しています。", "ja", "[2]×[3]"),
    ("最も粗い設定と細かい設定で LM loss に [2] レベルの差が出ました。", "ja", "[2]"),
    ("TPOT が [4] ms、MLA は [5] msでした。", "ja", "[4]"),
    ("データセットが使われています。その規模は[4]です。", "ja", "[4]"),
    ("Kimi-AudioのAudio LLMは、[5]で初期化されています。", "ja", "[5]"),
]
NO_SLOTS = [  # a citation after the value, or pointing at its passage once the answer is given
    ("DeepSeek-V2 stores parameters in FP8 [1] and quantizes the KV cache to 6 bits [3].", "en"),
    ("It covers 143 pairs across diverse categories. This is [1].", "en"),
    ("The score is [2] 79.2 on MMBench.", "en"),
    ("It is trained for 1000 steps [2] with a batch size of 9216 [3].", "en"),
    ("The method is described in [1] and uses speaker cluster merging.", "en"),
    ("The gating is low-rank, alleviating the Attention Sink [79]. It is discussed in §5.2.", "en"),
    ("Janus-Pro-7BのMMBenchスコアは79.2です。これは[1]で説明されています。", "ja"),
    ("平均出力トークン数は [3] 行に記載されています。これは 4488.5 個です。", "ja"),
    ("Pile loss は [3] が 1.808、[5] が 1.806 です。", "ja"),
    ("A100-40G GPU を用いる [1]、検証の時間制限は 300 秒です [2]。", "ja"),
    ("[1] DeepSeek-Prover-V2 は AlphaProof のようなシステムを目指しています。", "ja"),
    ("さらに、[3] では causal mask を用いています。", "ja"),
]


@pytest.mark.parametrize("reply, lang, number", SLOTS)
def test_a_passage_number_in_the_values_place_is_found(reply, lang, number):
    assert value_slot(reply, 5, lang).group() == number


@pytest.mark.parametrize("reply, lang", NO_SLOTS)
def test_a_citation_beside_its_value_is_no_slot(reply, lang):
    assert value_slot(reply, 5, lang) is None


def test_a_number_still_arriving_is_not_judged_yet():
    assert value_slot("The DINO score is [3]", 5, "en") is None  # "[3] and [4] agree ..." may follow
    assert value_slot("Pile loss は [3]", 5, "ja") is None
    assert value_slot("The speedup is [2] f", 5, "en") is None  # "from Table 2" or "for ..." may follow
