"""Compound words joined by de-hyphenation get their hyphen back, ordinary words stay joined."""
from ingest.hyphens import apply_repairs, compound_repairs


def test_names_get_their_hyphen_back():
    texts = ["DeepSeek-R1 is trained with RL.", "Unlike DeepSeek-R1-Zero, DeepSeekR1 uses cold-start data.",
             "We compare DeepSeek-R1 with GPT-4o.", "The reinforcement learning stage follows."]
    repairs = compound_repairs(texts)
    assert repairs == {"DeepSeekR1": "DeepSeek-R1"}
    assert apply_repairs(texts[1], repairs) == "Unlike DeepSeek-R1-Zero, DeepSeek-R1 uses cold-start data."


def test_majority_spelling_wins():
    texts = ["pretraining on web data", "the pretraining corpus", "a pre-training stage"]
    assert compound_repairs(texts) == {}
    assert apply_repairs("reinforcement", {"DeepSeekR1": "DeepSeek-R1"}) == "reinforcement"
