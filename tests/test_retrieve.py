"""Dense retrieval over a real store: scoping by name and id, kinds kept out, Japanese questions."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from helpers import make_config
from index.lexical import LexicalIndex
from index.library import Library
from index.registry import PaperRecord
from index.schema import ANSWER_KINDS
from pdf_factory import ANTS, BEES, make_paper_pdf
from qa.retrieval.names import papers_by_their_names
from qa.retrieval.search import (
    RetrievalOptions,
    Retriever,
    fuse,
    kept_in_top,
    papers_named_in,
    short_name,
    with_own_terms,
    without_description,
    without_names,
)
from qa.retrieval.section_priors import PRIORS, favoured_sections


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    base = tmp_path_factory.mktemp("retrieve")
    library = Library(make_config(base / "home").library)
    library.ingest([make_paper_pdf(base / "bees.pdf", BEES), make_paper_pdf(base / "ants.pdf", ANTS)])
    return Retriever(library)


def _record(paper_id: str, title: str) -> PaperRecord:
    return PaperRecord(paper_id, paper_id, title, [], 1, 1, 1, 1, 0, "", "", "ready", "", 0, 0, 0)


def test_short_names_and_naming():
    assert short_name("MoBA: Mixture of Block Attention for Long-Context LLMs") == "MoBA"
    assert short_name("Qwen3 Technical Report") == "Qwen3"
    assert short_name("Muon is Scalable for LLM Training") == "Muon"
    papers = [_record("2501.12948", "DeepSeek-R1: Incentivizing Reasoning"),
              _record("2502.13189", "MoBA: Mixture of Block Attention for Long-Context LLMs"),
              _record("2405.04434", "DeepSeek-V2: A Strong, Economical MoE"),
              _record("2505.09388", "Qwen3 Technical Report"),
              _record("2503.20215", "Qwen2.5-Omni Technical Report")]
    assert papers_named_in("What problems did DeepSeek-R1-Zero have?", papers) == ["2501.12948"]
    assert papers_named_in("DeepSeek-V2はDeepSeek 67Bと比べて", papers) == ["2405.04434"]
    assert papers_named_in("How many tokens was Qwen3 pre-trained on?", papers) == ["2505.09388"]
    assert papers_named_in("What does Qwen2.5-Omni do?", papers) == ["2503.20215"]
    assert papers_named_in("see 2405.04434v2 for details", papers) == ["2405.04434"]
    assert papers_named_in("Which papers use RL?", papers) == []
    assert papers_named_in("How long did Llama-8B-1M-MoBA train?", papers) == ["2502.13189"]  # the paper's model


def test_a_scoped_search_ranks_without_the_papers_name():
    """Inside MoBA every passage is MoBA's: BM25 should rank on what is asked, not on the name."""
    assert without_names("What block size does MoBA use?", ["MoBA"]) == "What block size does use?"
    assert without_names("Is MoBAX faster?", ["MoBA"]) == "Is MoBAX faster?"  # another word
    assert without_names("What did DeepSeek-R1-Zero lack?", ["DeepSeek-R1"]) == "What did DeepSeek-R1-Zero lack?"
    assert without_names("DeepSeek-V2の学習コストは？", ["DeepSeek-V2"]) == "の学習コストは？"
    assert without_names("Qwen3", ["Qwen3"]) == "Qwen3"  # nothing would be left: kept as asked


def test_a_scoped_search_ranks_without_the_lead_in_that_describes_the_paper():
    """Inside the paper every passage fits its description; the abstract restating it outranked the answer."""
    assert without_description("In the paper that scales a fine-grained MoE from 2B to 145B parameters, how much "
                               "SFT data was used?") == "How much SFT data was used?"
    assert without_description("For the hybrid model that interleaves linear attention with MLA, what RULER "
                               "score does it get?") == "What RULER score does it get?"
    assert without_description("RMax を tree search に応用した論文では、今後の方向性は？") == "今後の方向性は？"
    for kept in ("In DeepSeekMoE 2B, what is the Pile loss?",  # a name, not a description (dropped as a name)
                 "In which paper is MoBA proposed, and why?",  # the ask itself
                 "What does the paper that proposes MoBA use for gating?"):
        assert without_description(kept) == kept


def test_question_naming_a_paper_is_scoped(retriever):
    hits = retriever.search("What are the limitations of AntTrack?", k=4)
    assert hits and {h.paper_id for h in hits} == {"2406.00002"}
    # dense alone ranks a table of the paper first here; the limitation text must be in the top 3
    assert any("Limitations" in h.section_path and "cross each other" in h.text for h in hits[:3])


def test_a_limitations_question_favours_the_papers_limitations_section(retriever):
    """「限界」, "future work": a paper states its own in Limitations / Discussion / Conclusion."""
    question, rewrite = "AntTrackの限界は？", "What are the limits of AntTrack?"
    assert retriever.search(question, k=3, rewrite=rewrite)[0].section_path == "3 Limitations"
    plain = Retriever(retriever.library, RetrievalOptions(section_priors=()))
    assert plain.search(question, k=3, rewrite=rewrite)[0].section_path != "3 Limitations"


def test_a_hardware_question_favours_the_papers_implementation_section(retriever):
    """"What GPUs ...", 「何時間」: a paper states its hardware and training time in its implementation or setup."""
    question = "How long does AntTrack take to follow ant trails with a graph neural network?"  # the Method's words
    # the prior alone against the Method's words: the sentence-pair ranking votes with those words, and with it
    # this question, which shares no word with the implementation section, stays with the Method
    alone = Retriever(retriever.library, RetrievalOptions(sentences=False))
    assert alone.search(question, k=3)[0].section_path == "4 Implementation Details"
    plain = Retriever(retriever.library, RetrievalOptions(sentences=False, section_priors=()))
    assert plain.search(question, k=3)[0].section_path == "2 Method"


def test_which_questions_favour_which_sections():
    asks = {"What GPUs were used to train it?": ["hardware"], "学習には何日間・何ノードを使いましたか？": ["hardware"],
            "What are its limitations?": ["limitation"], "今後の課題は？": ["limitation"],
            "How much compute does MoBA save?": [], "What FLOPs does it need per token?": []}
    for question, wanted in asks.items():
        assert favoured_sections(question) == [PRIORS[name][1] for name in wanted], question
    assert favoured_sections("What GPUs were used?", None, priors=("limitation",)) == []


def test_explicit_scope_and_unscoped(retriever):
    hits = retriever.search("How does the method work?", k=4, paper_keys=["BeeNet"])
    assert {h.paper_id for h in hits} == {"2406.00001"}
    both = retriever.search("graph neural network over video frames", k=3)
    assert both[0].paper_id == "2406.00002"


def test_japanese_question_finds_english_passage(retriever):
    hits = retriever.search("夜間にうまく動かない理由は？", k=3)
    assert any("night" in h.text for h in hits)
    rewritten = retriever.search("夜間にうまく動かない理由は？", k=3, rewrite="Why does it fail at night?")
    assert "night" in rewritten[0].text  # BM25 matched the English words


def test_terms_a_rewrite_lost_are_searched_too(retriever):
    """The 1.5B model's rewrite of a Japanese question drops or respells its Latin terms ("DUCB", "VSR")."""
    question = "割引 UCB (DUCB) の γ と Lean 4 の設定は？"
    lost_some, kept_all = "What is gamma in discounted UCB?", "What is DUCB's gamma for UCB in Lean 4?"
    assert with_own_terms(lost_some, question) == lost_some + " DUCB Lean 4"
    assert with_own_terms(kept_all, question) == kept_all
    asked, lost = "64x64 crops には何が使われますか？", "What is used there?"
    hits = retriever.search(asked, k=3, rewrite=lost)
    assert "64x64" in hits[0].text
    plain = Retriever(retriever.library, RetrievalOptions(own_terms=False)).search(asked, k=3, rewrite=lost)
    assert "64x64" not in plain[0].text  # the vague rewrite alone ranks another passage first


def test_a_search_led_by_one_paper_follows_that_paper(retriever):
    question = "Why does the infrared camera saturate at night?"
    followed = retriever.search(question, k=6)
    assert {h.paper_id for h in followed} == {"2406.00001"}
    plain = Retriever(retriever.library, RetrievalOptions(follow_paper=0)).search(question, k=6)
    assert "2406.00002" in {h.paper_id for h in plain}  # without the follow-up the other paper fills the list


def test_references_and_captions_do_not_crowd_out_body(retriever):
    hits = retriever.search("Sparse mixtures of experts, In Proceedings of ICML 2021", k=6)
    assert all(h.kind in ("abstract", "body", "table") for h in hits)
    refs = retriever.search("Sparse mixtures of experts ICML", 3, kinds=("reference",))
    assert refs and all(h.kind == "reference" for h in refs)
    assert len({h.chunk_id for h in hits}) == len(hits) and all(1 <= h.page_start for h in hits)


def test_reference_lists_nearest_the_question_leave_dense_search_its_k_passages(retriever):
    """e5 puts reference lists nearest to some questions: read as twice k neighbours with the kinds kept after,
    33 of the 230 dev questions kept as few as 23 of their 60 dense candidates."""
    question = "Sparse mixtures of experts, In Proceedings of ICML 2021"
    nearest = [i for i, _ in retriever.library.store.nearest(retriever._query_vector(question), 10)]
    assert retriever.library.lexical().kinds_of(nearest).count("reference") > 5  # twice k neighbours: too few
    hits = retriever.dense(question, 5)
    assert len(hits) == 5 and all(h.kind in ANSWER_KINDS for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True) and hits[0].score > 0


def test_a_question_about_two_papers_gets_passages_of_both_in_turn(retriever):
    hits = retriever.search("What are the limitations of BeeNet and of AntTrack?", k=4)
    assert {h.paper_id for h in hits[:2]} == {"2406.00001", "2406.00002"}
    assert hits[0].paper_id != hits[1].paper_id and hits[2].paper_id != hits[3].paper_id
    together = Retriever(retriever.library, RetrievalOptions(per_paper=False))
    assert together.search("What are the limitations of BeeNet and of AntTrack?", k=4)  # the ablation still runs


def test_interleave_leads_with_the_best_first_passage():
    from index.schema import ChunkMeta, Passage
    from ingest.chunking import ChunkKind
    from qa.retrieval.search import interleave

    def passage(chunk_id: str, score: float) -> Passage:
        return Passage(chunk_id, "", ChunkMeta(chunk_id[0], "", "", 0, ChunkKind.BODY, "", "", 1, 1), score)

    weak, strong = [passage("a1", 0.02), passage("a2", 0.01)], [passage("b1", 0.03)]
    assert [p.chunk_id for p in interleave([weak, strong, []], 5)] == ["b1", "a1", "a2"]
    assert [p.chunk_id for p in interleave([weak, strong], 2)] == ["b1", "a1"]


def test_rank_fusion_rewards_agreement():
    fused = fuse([["a", "b", "c"], ["c", "d"]])
    assert [chunk_id for chunk_id, _ in fused][:2] == ["c", "a"]  # c: ranks 3 and 1 beat a: rank 1 once
    assert len(fused) == 4


def test_bm25s_first_passages_keep_a_place_among_the_five_read():
    """Three dense wordings agreeing outvote BM25's exact match; its first two still reach the answer."""
    dense = [f"d{i}" for i in range(10)]
    lexical = ["x", "y", "d0"]
    fused = fuse([dense, dense, dense, lexical])
    assert "x" not in [chunk_id for chunk_id, _ in fused][:5]
    kept = [chunk_id for chunk_id, _ in kept_in_top(fused, lexical[:2], 5)]
    assert kept[:5] == ["d0", "d1", "d2", "x", "y"] and sorted(kept) == sorted(c for c, _ in fused)
    assert kept_in_top(fused, ["d0", "d1"], 5) == fused  # already there: nothing moves
    assert [c for c, _ in kept_in_top(fused, ["d7"], 3)][:3] == ["d0", "d1", "d7"]


def test_exact_term_found_by_bm25_even_when_dense_misses_it(retriever):
    """A name that occurs once, in a table cell, is found by its BM25 half."""
    lexical = retriever.lexical("BeeNet detects bees in 64x64 crops", 5)
    assert lexical and all(score > 0 for _, score in lexical)
    hits = retriever.search("2M-parameter convolutional network 64x64", k=3)
    assert any("64x64" in h.text for h in hits)


def test_bm25_inside_a_paper_weighs_terms_by_their_rarity_there(tmp_path):
    """Every chunk of the bee paper says "bees"; "GPUs" fills another paper's chunks. Across the library the
    bee chunks win the question, inside the bee paper the one chunk about GPUs does."""
    bees = [f"Honey bees forage on flower {i}; the bees forage daily." for i in range(6)] + ["Four GPUs were used."]
    gpus = [f"We train on {n} GPUs." for n in range(8)]
    index = LexicalIndex(tmp_path / "bm25")
    index.build("f", [SimpleNamespace(chunk_id=f"{paper}:{i}", paper_id=paper, kind="body", text=text)
                      for paper, texts in (("bee", bees), ("gpu", gpus)) for i, text in enumerate(texts)])
    question = "Which GPUs did the bees forage study need?"
    assert index.search(question, 3, ["bee"], ["body"])[0][0] != "bee:6"
    assert index.search(question, 3, ["bee"], ["body"], rarity_in_scope=True)[0][0] == "bee:6"
    everywhere = index.search(question, 20, None, ["body"])
    assert index.search(question, 20, None, ["body"], rarity_in_scope=True) == everywhere  # no scope, no change
    only_gpu_paper = index.search("GPUs", 20, ["gpu"], ["body"], rarity_in_scope=True)
    assert {c for c, _ in only_gpu_paper} == {f"gpu:{i}" for i in range(8)}


def test_a_name_only_one_paper_holds_makes_it_a_paper_asked_about(tmp_path):
    """A question may name a paper by its model instead of its title; a name two papers hold names neither."""
    texts = {"vt": ["VisualThinker-R1-Zero is trained from Qwen2-VL-2B without SFT.", "An aha moment appears."],
             "pd": ["Phantom-Data filters the pairs with Qwen2.5-VL.", "Subjects are matched across videos."],
             "r1": ["DeepSeek-R1-Zero is trained with GRPO.", "Qwen2.5-VL is cited as a vision model."]}
    chunks = [SimpleNamespace(chunk_id=f"{paper}:{i}", paper_id=paper, kind="body", text=text)
              for paper, paper_texts in texts.items() for i, text in enumerate(paper_texts)]
    index = LexicalIndex(tmp_path / "bm25")
    index.build("f", chunks)

    def by_names(question: str, named: list[str] = (), names: list[str] = ()) -> list[str]:
        return papers_by_their_names(question, index, lambda ids: [c for c in chunks if c.chunk_id in ids],
                                     list(named), list(names))

    assert by_names("What is VisualThinker-R1-Zero trained from?") == ["vt"]
    assert by_names("Phantom-DataとVisualThinker-R1-Zeroでは？", ["pd"], ["Phantom-Data"]) == ["vt"]
    assert by_names("How is Qwen2.5-VL used?") == []  # two papers hold it
    assert by_names("What did R1-Zero show?") == []  # in "VisualThinker-R1-Zero" and "DeepSeek-R1-Zero"
    assert by_names("Does VisualThinker-R1-Zero use Qwen2-VL-2B?", ["vt"], ["VisualThinker"]) == []  # named already
    assert by_names("When does the 'aha moment' appear?") == ["vt"]  # a phrase quoted from one paper
    assert by_names("Which model shows an 「aha moment」?") == ["vt"]
    assert by_names("When does the aha moment appear?") == []  # unquoted, it is no name
    assert by_names("What is the 'reward hacking' seen there?") == []  # a quote no paper holds names none


def test_bm25_index_follows_the_corpus(retriever):
    library = retriever.library
    before = library.fingerprint()
    ids = {chunk_id for chunk_id, _ in retriever.lexical("pheromones evaporate", 10)}
    assert ids and all(i.startswith("2406.00002") for i in ids)
    library.remove("2406.00002")
    try:
        assert library.fingerprint() != before
        assert retriever.lexical("pheromones evaporate", 10) == []
    finally:
        library.ingest([library.config.home.parent / "ants.pdf"])
    assert {chunk_id for chunk_id, _ in retriever.lexical("pheromones evaporate", 10)} == ids


def test_the_chunks_that_mention_a_name(retriever):
    lexical = retriever.library.lexical()

    def papers(text: str) -> set[str]:
        return {paper for _, paper in lexical.chunks_mentioning(text, ANSWER_KINDS)}

    assert papers("AntTrack") == {"2406.00002"}
    assert papers("infrared cameras") == {"2406.00001"}  # "camera" in the paper
    assert papers("infrared pheromones") == set()  # never in one chunk
    assert papers("WaspFormer") == set() and not lexical.mentions("WaspFormer")
    assert lexical.mentions("infrared pheromones")  # each term somewhere


def test_bm25_tokens_split_japanese_from_latin():
    from ingest.text import tokenize

    tokens = tokenize("DeepSeek-V2はDeepSeek 67Bと比べて93.3%削減したlimitations")
    assert {"deepseek", "v2", "67b", "93.3", "limit", "削減"} <= set(tokens)
    assert "the" not in tokenize("the model")


def test_inside_a_paper_the_passage_whose_sentence_pair_holds_the_terms_ranks_first():
    """BM25 ties a chunk that mentions each asked word in another paragraph with the one that answers."""
    from index.schema import ChunkMeta, Passage
    from ingest.chunking import ChunkKind
    from qa.retrieval.sentences import by_best_sentences

    def passage(chunk_id: str, text: str, kind: ChunkKind = ChunkKind.BODY) -> Passage:
        return Passage(chunk_id, text, ChunkMeta("p", "", "", 0, kind, "", "", 1, 1), 0.0)

    filler = " ".join(f"Sentence {n} of this passage is about something else entirely." for n in range(6))
    spread = passage("spread", f"The output tokens are counted here. {filler} The CoT mode is described here. "
                               f"{filler} The average over runs is reported here.")
    answers = passage("answers", f"{filler} Table 3 gives the average number of output tokens in CoT mode. "
                                 f"The CoT mode writes ten times more of them.")
    table = passage("table", "Table 9 | Counts of areas.\n\n|Area|Count|\n|---|---|\n|Algebra|40|", ChunkKind.TABLE)
    order = by_best_sentences("average output tokens in CoT mode", [spread, answers, table, passage("none", filler)])
    assert order == ["answers", "spread"]
    assert by_best_sentences("Which areas?", [spread, table]) == ["table"]
