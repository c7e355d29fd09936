"""Titles as the paper spells them: small capitals recased from the body, line-end hyphens restored."""
from __future__ import annotations

from ingest.title import restore_title

MOBA_BODY = ("MoBA is a mixture of block attention. We apply MoBA to long-context LLMs. Mixture of experts "
             "inspired it; the attention of each block is sparse. LLM training needs long context, and MoBA "
             "scales to 1M tokens for LLMs.")


def test_small_capitals_take_the_bodys_spelling():
    title = restore_title("MOBA: MIXTURE OF BLOCK ATTENTION FOR LONG-CONTEXT LLMS", "", MOBA_BODY)
    assert title == "MoBA: Mixture of Block Attention for Long-Context LLMs"


def test_acronyms_stay_capitals_and_minor_words_open_a_subtitle():
    body = "We train an LLM with Muon. The LLM is large; Muon is an optimizer of the training."
    assert restore_title("MUON IS SCALABLE FOR LLM TRAINING", "", body) == "Muon Is Scalable for LLM Training"
    assert restore_title("KIMI: AN ATTENTION", "", "Kimi uses attention.") == "Kimi: An Attention"


def test_titles_not_in_capitals_are_left_as_written():
    assert restore_title("DeepSeek-V2:   A Strong  Model", "", "deepseek-v2 is strong") == "DeepSeek-V2: A Strong Model"
    assert restore_title("BERT", "", "bert") == "BERT"  # too short to tell small capitals from an acronym


def test_a_hyphen_lost_at_a_title_line_end_comes_back_when_the_body_writes_it():
    first_page = "Aha Moment on a 2B Non-\nSFT Model\nAuthors"
    body = "Unlike Non-SFT models, ... a non-SFT setting. Non-SFT training."
    assert restore_title("Aha Moment on a 2B NonSFT Model", first_page, body) == "Aha Moment on a 2B Non-SFT Model"
    # the body writes the joined word: the title keeps it (the arXiv title "From Pretraining to Posttraining")
    first_page = "From Pre-\ntraining to Posttraining\n"
    assert restore_title("From Pretraining to Posttraining", first_page, "pretraining, pretraining, pre-training") \
        == "From Pretraining to Posttraining"
