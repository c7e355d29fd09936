"""The deterministic parts of reports, without an LLM: format, notes parsing, grounding, tweet fitting,
key references and cost sentences of a test-made paper, key-fact recall."""
from __future__ import annotations

import pytest

from helpers import SHARED
from index.schema import ChunkMeta, Passage
from ingest.chunking import ChunkKind
from ingest.text import numbers_in
from qa.notes.parse import DIGEST, REPORT, SUMMARY, NotesFormatError, parse_notes, read_notes_file
from qa.report.check import key_fact_recall
from qa.report.format import HEADINGS, parse_report, structure_problems
from qa.report.grounding import ground
from qa.report.writer import tighten

SEEDS = SHARED / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds not found")


@needs_seeds
def test_seed_reports_parse_into_62_reports_with_their_arxiv_ids():
    reports = read_notes_file(next(SEEDS.glob("001_*.txt"))) + read_notes_file(next(SEEDS.glob("002_*.txt")))
    assert len(reports) == 62 and {n.kind for n in reports} == {REPORT}
    assert all(n.arxiv_id and n.title for n in reports)
    assert reports[0].arxiv_id == "2503.09669" and reports[0].title.startswith("Silent Branding Attack")
    # the format check accepts the seeds' headings; what it flags is their overlong tweets
    problems = [structure_problems(n.text) for n in reports]
    assert all(all(p.startswith("tweet has") for p in found) for found in problems)
    assert sum(1 for found in problems if found) >= 5


@needs_seeds
def test_digests_and_single_summaries_parse():
    digest = read_notes_file(next(SEEDS.glob("000_*.txt")))
    assert len(digest) >= 3 and {n.kind for n in digest} == {DIGEST} and all(n.arxiv_id for n in digest)
    summary = read_notes_file(next(SEEDS.glob("004_*.txt")))
    assert [n.kind for n in summary] == [SUMMARY] and summary[0].arxiv_id == "2509.09666"


def test_notes_files_that_are_not_summaries_get_a_clear_error(tmp_path):
    with pytest.raises(NotesFormatError, match="empty"):
        parse_notes("  \n")
    with pytest.raises(NotesFormatError, match="no summary found"):
        parse_notes("just some words\nwithout any heading")
    with pytest.raises(NotesFormatError, match="arXiv id"):
        parse_notes("# A README\n\nabout a tool, no paper")
    pdf = tmp_path / "paper.txt"
    pdf.write_bytes(b"%PDF-1.7\n\xff\xfe\x00binary")
    with pytest.raises(NotesFormatError, match="not UTF-8"):
        read_notes_file(pdf)


def test_structure_check_names_what_is_wrong():
    good = "# T\n\n[View Paper](http://arxiv.org/abs/2401.01234)\n\n" + "\n\n".join(
        f"## {n}. {h}\n\nbody {n}" for n, h in enumerate(HEADINGS["ja"], 1))
    assert structure_problems(good, "ja") == []
    assert parse_report(good).arxiv_id == "2401.01234"
    swapped = good.replace("## 2.", "## X.").replace("## 3.", "## 2.").replace("## X.", "## 3.")
    assert any("expected 1..8" in p for p in structure_problems(swapped))
    long_tweet = good.replace("body 8", "あ" * 141)
    assert structure_problems(long_tweet) == ["tweet has 141 characters, more than 140"]


def _passage(text: str, page: int) -> Passage:
    return Passage(f"c{page}", text, ChunkMeta("p", "", "Paper", page, ChunkKind.BODY, "3 Experiments", "3 Experiments",
                                                page, page), 1.0)


def test_grounding_turns_passage_numbers_into_pages_and_drops_invented_numbers():
    passages = [_passage("We train on 12 billion tokens with 64 GPUs.", 4), _passage("Accuracy is 74.4 on Base.", 6)]
    known = numbers_in("We train on 12 billion tokens with 64 GPUs. Accuracy is 74.4 on Base.")
    text = ("- 64 GPUsで12 billion tokensを学習した[1]。\n"
            "- Baseの精度は74.4である[2]。学習には512 GPUsを使った[1]。\n"
            "## heading the model added\n"
            "* 手法は単純である。")
    text += "\n- 論文のコストとGPUの数について [1]"  # the model repeating its instruction
    body, citations, dropped = ground(text, passages, None, known, echo="論文のコストとGPUの数")
    assert body.splitlines() == ["- 64 GPUsで12 billion tokensを学習した (p.4)。",
                                 "- Baseの精度は74.4である (p.6)。", "- 手法は単純である。"]
    assert [c.page for c in citations] == [4, 6]
    assert dropped == ["学習には512 GPUsを使った。"]


@pytest.mark.parametrize("text", [
    "MoBAはblock単位のattentionで長文脈を効率化する。既存のfull attentionと同等の性能を保ちつつ計算量を大幅に削減し、"
    "1Mトークンの文脈でも高速に動作することを示した。実装はFlashAttentionと組み合わせられ、既存モデルへの継続学習で導入できる。"
    "#LLM #長文脈",
    "MoBA applies mixture-of-experts routing to attention blocks so that each query attends only to the most relevant "
    "blocks, matching full attention quality at a fraction of the cost on million-token contexts #LLM",
])
def test_tweets_are_fitted_without_cutting_a_word(text):
    fitted = tighten(text)
    assert len(fitted) <= 140
    stripped = fitted.removesuffix("…")
    assert text.startswith(stripped) or stripped in text.replace(" #LLM", "").replace("#LLM #長文脈", "")
    if fitted.endswith("…"):
        assert text[len(stripped)] in " 、,;"  # cut at a boundary, not inside a word
    else:
        assert fitted[-1] in "。.!?！？" or len(text) <= 140


def test_key_fact_recall_counts_only_facts_the_paper_holds():
    paper = "We train on 12 billion tokens with 64 GPUs for 3 days. GradRoute beats DenseNet by 37.5%."
    seed = "GradRouteは64 GPUsで3日学習し、37.5%の削減。MegaNet-7 は 99.9% を達成。"
    ours = "GradRoute は 64 GPUs を使った (p.2)。"
    result = key_fact_recall(seed, ours, paper)
    # 64, 37.5, GradRoute, GPUs; not 99.9 or MegaNet-7 (not in the paper), nor 3 (one digit: too common)
    assert result["facts"] == 4
    assert result["found"] == 3 and result["missed"] == ["37.5"]


def test_notes_attach_by_arxiv_id_or_title_and_are_stored_once(tmp_path):
    from types import SimpleNamespace

    from qa.notes.parse import Note
    from qa.notes.store import NoteStore

    store = NoteStore(tmp_path / "notes.sqlite3")
    by_id = Note(REPORT, "Some Title", "2502.13189", "# Some Title\n\nabout block attention")
    by_title = Note(SUMMARY, "MoBA: Mixture of Block Attention for Long-Context LLMs", None, "ブロック単位の注意機構")
    other = Note(DIGEST, "Another Paper", "2501.00001", "unrelated")
    added, known = store.add([by_id, by_title, other], "seeds.txt")
    assert len(added) == 3 and known == 0
    assert store.add([by_id], "again.txt") == ([], 1)
    paper = SimpleNamespace(arxiv_id="2502.13189", title="MOBA: MIXTURE OF BLOCK ATTENTION FOR LONG-CONTEXT LLMS")
    assert [n.title for n in store.for_paper(paper)] == ["Some Title", by_title.title]
    assert store.search("注意機構")[0][0].title == by_title.title
