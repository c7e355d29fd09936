"""`papers eval`'s answer scoring: an expected fact held strictly, or by its language-neutral core."""
from __future__ import annotations

from qa.answer.evaluate import contains_fact, contains_fact_core, fact_core, summarize


def test_a_japanese_answer_holds_a_fact_by_its_numbers_and_names():
    assert not contains_fact("SFTデータを500Kから6Mに増やしました。", ["500K to 6M"])
    assert contains_fact_core("SFTデータを500Kから6Mに増やしました。", ["500K to 6M"])
    assert contains_fact_core("前置するblank tokenは6個です。", ["6 special blank tokens"])
    assert contains_fact_core("Qwen2.5 7Bで初期化されています。", ["Qwen2.5 7B"])
    assert contains_fact_core("Codeforces レーティングは 2029 です。", ["2,029"])


def test_the_core_does_not_count_near_misses():
    assert not contains_fact_core("blank tokenは16個です。", ["6 special blank tokens"])  # 16 is not 6
    assert not contains_fact_core("BeyondAIMEは数学の問題から構成されています [3]。", ["approximately 3%"])  # cited
    assert not contains_fact_core("MoBA introduces block sparse attention.", ["Mixture of Block Attention"])
    assert not contains_fact_core("言語一貫性報酬を導入しました。", ["language consistency reward"])  # only words
    assert fact_core("Considering the limited time by the user") is None  # a phrase's capitalized first word
    # a number the question gives itself is no answer
    assert not contains_fact_core("ブロックサイズは512です。", ["block size of 512"], question="block size 512のとき")


def test_summary_reports_both_counts():
    record = {"kind": "fact", "rank": 1, "paper_rank": 1, "answer": "6個", "refused": False, "citations": [],
              "unsupported_numbers": [], "answer_fact": False, "answer_fact_core": True, "evidence_fact": True,
              "timings": {}}
    summary = summarize([record], 5)
    assert (summary["answer_fact"], summary["answer_fact_core"]) == (0.0, 1.0)
