"""The names and sizes a question asks about that no evidence quote holds (qa/answer/unstated.py), from the near
misses of bench/questions/unanswerable.jsonl and the dev set's answerable questions."""
from __future__ import annotations

from qa.answer.unstated import names_missing, says_no

EAGLE = "EAGLE-3: Scaling up Inference Acceleration of Large Language Models via Training-Time Test"


def test_a_size_or_name_no_quote_holds_is_missing():
    quotes = ["SGLang + EAGLE-3 reaches 373 tokens/s at batch size 1 with LLaMA-Instruct 3.1 8B on an H100."]
    question = "What throughput does SGLang + EAGLE-3 reach on an H100 with LLaMA-Instruct 3.3 70B as the target?"
    assert names_missing(question, quotes, [EAGLE]) == ["70B"]
    assert names_missing(question.replace("3.3 70B", "3.1 8B"), quotes, [EAGLE]) == []


def test_a_name_within_its_papers_title_describes_the_paper():
    title = "R1-Zero's 'Aha Moment' in Visual Reasoning on a 2B Non-SFT Model"
    question = "How was the prompt template of R1-Zero on a 2B non-SFT model written?"
    assert names_missing(question, ["The template asks the model to think first."], [title]) == []
    moe = "DeepSeekMoE: Towards Ultimate Expert Specialization in Mixture-of-Experts Language Models"
    assert names_missing("DeepSeekMoE 145B の MoE 層の MMLU は？", ["MMLU 47.2 for the 16B model"], [moe]) == ["145B"]


def test_only_a_plain_no_declines():
    assert says_no("NO") and says_no(" No.") and not says_no("YES") and not says_no("") and not says_no("Not sure")
