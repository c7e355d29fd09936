"""Similar papers: paper vectors cached and kept current by ingest and removal, neighbours on real corpus
papers (stable, with scores and the passages behind them), text queries in English and Japanese."""
from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import SIMILAR_SET, make_config, papers_cli
from index.library import Library
from index.paper_vectors import PaperVectors, paper_vector
from ingest.errors import PapersError
from pdf_factory import SyntheticPaper, make_paper_pdf
from qa.similar import SimilarSearch, closest_pairs

MOBA, JANUS, OMNI, AUDIO, PROVER, R1 = SIMILAR_SET


def test_closest_pairs_use_each_row_and_column_once():
    scores = np.array([[0.9, 0.8, 0.1], [0.85, 0.2, 0.3], [0.1, 0.7, 0.6]])
    assert closest_pairs(scores, 3) == [(0, 0), (2, 1), (1, 2)]
    assert closest_pairs(scores, 1) == [(0, 0)]


def test_abstract_weighs_as_much_as_the_whole_body():
    abstract, body = np.eye(4, dtype=np.float32)[:2]
    row = paper_vector("p", "sha", ["abstract"] + ["body"] * 9 + ["reference"],
                       np.array([abstract] + [body] * 9 + [np.eye(4)[3]], dtype=np.float32))
    assert np.allclose(row.vector, (abstract + body) / np.sqrt(2))  # the reference chunk counts for nothing
    assert row.chunk_count == 10
    assert paper_vector("p", "sha", ["reference"], np.eye(4, dtype=np.float32)[:1]) is None


def test_cache_file_survives_reload_and_damage(tmp_path):
    path = tmp_path / "vectors.npz"
    cache = PaperVectors(path)
    cache.put(paper_vector("a", "sha-a", ["body"], np.eye(3, dtype=np.float32)[:1]), "a")
    cache.put(paper_vector("b", "sha-b", ["body"], np.eye(3, dtype=np.float32)[1:2]), "b")
    assert [r.paper_id for r in PaperVectors(path).rows()] == ["a", "b"]
    cache.drop("a")
    assert [r.paper_id for r in PaperVectors(path).rows()] == ["b"]
    path.write_bytes(b"not a numpy file")
    rebuilt = PaperVectors(path)
    rebuilt.sync({"c": "sha-c"}, lambda pid, sha: paper_vector(pid, sha, ["body"], np.ones((1, 3), np.float32)))
    assert [r.paper_id for r in PaperVectors(path).rows()] == ["c"]


def _paper(arxiv_id: str, title: str, topic: str) -> SyntheticPaper:
    return SyntheticPaper(arxiv_id=arxiv_id, title=title, abstract=f"We study {topic}.", sections=[
        ("1 Introduction", f"This paper is about {topic}. " * 15),
        ("2 Method", f"Our method for {topic} is simple. " * 15)], references=[])


def test_vectors_follow_ingest_replace_and_remove(library, tmp_path):
    bees = _paper("2406.00001", "BeeNet: Counting Honeybees", "counting honeybees at the hive entrance")
    wasps = _paper("2406.00002", "WaspNet: Counting Wasps", "counting wasps near the nest")
    ships = _paper("2406.00003", "ShipNet: Routing Container Ships", "routing container ships across oceans")
    library.ingest([make_paper_pdf(tmp_path / f"{i}.pdf", p) for i, p in enumerate((bees, wasps, ships))])
    cache_path = library.config.paper_vectors_path
    assert [r.paper_id for r in PaperVectors(cache_path).rows()] == ["2406.00001", "2406.00002", "2406.00003"]

    _, found = SimilarSearch(library).like_paper("BeeNet")
    assert [r.paper_id for r in found] == ["2406.00002", "2406.00003"]  # wasps before ships
    assert found[0].score > found[1].score and len(found[0].matches) == 3
    assert all(m.mine.paper_id == "2406.00001" and m.passage.paper_id == "2406.00002" for m in found[0].matches)

    before = {r.paper_id: r.sha256 for r in PaperVectors(cache_path).rows()}
    bees.extra_sentence = "A new sentence makes a new version of the file."
    library.ingest([make_paper_pdf(tmp_path / "bees-v2.pdf", bees)])
    after = {r.paper_id: r.sha256 for r in PaperVectors(cache_path).rows()}
    assert after["2406.00001"] != before["2406.00001"] and after["2406.00002"] == before["2406.00002"]

    library.remove("ShipNet")
    assert [r.paper_id for r in PaperVectors(cache_path).rows()] == ["2406.00001", "2406.00002"]
    assert [r.paper_id for r in SimilarSearch(library).like_paper("BeeNet")[1]] == ["2406.00002"]

    cache_path.unlink()  # e.g. a library built before the cache existed: rebuilt from the chunk store
    rebuilt = Library(library.config).paper_vectors().rows()
    assert [r.paper_id for r in rebuilt] == ["2406.00001", "2406.00002"]


@pytest.fixture(scope="module")
def search(corpus_home):
    return SimilarSearch(Library(make_config(corpus_home).library))


def test_nearest_neighbours_of_corpus_papers(search):
    def ranked(key: str) -> list[str]:
        return [r.paper_id for r in search.like_paper(key)[1]]

    assert ranked(AUDIO)[0] == OMNI and ranked(OMNI)[0] == AUDIO  # the two speech/audio reports
    assert ranked(PROVER)[0] == R1 and ranked(R1)[0] == PROVER  # RL for reasoning and proofs
    assert ranked(JANUS)[0] == OMNI  # multimodal understanding and generation
    target, found = search.like_paper(AUDIO)
    assert target.paper_id == AUDIO and len(found) == len(SIMILAR_SET) - 1
    scores = [r.score for r in found]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)


def test_passages_behind_a_pair_come_from_both_papers_with_pages(search, corpus_home):
    _, found = search.like_paper(AUDIO, top=2, passages=3)
    library = search.library
    pages = {r.paper_id: r.pages for r in library.papers()}
    for result in found:
        assert len(result.matches) == 3
        assert [m.score for m in result.matches] == sorted((m.score for m in result.matches), reverse=True)
        assert len({m.mine.chunk_id for m in result.matches}) == 3 and len({m.passage.chunk_id for m in
                                                                             result.matches}) == 3
        for m in result.matches:
            assert m.mine.paper_id == AUDIO and m.passage.paper_id == result.paper_id
            assert 1 <= m.passage.page_start <= pages[result.paper_id] and m.passage.kind in ("abstract", "body")


def test_order_is_stable_across_calls_processes_and_the_cli(search, corpus_home):
    first = [r.to_dict() for r in search.like_paper(MOBA)[1]]
    assert [r.to_dict() for r in search.like_paper(MOBA)[1]] == first
    fresh = SimilarSearch(Library(search.library.config))  # cache read back from disk
    assert [r.to_dict() for r in fresh.like_paper(MOBA)[1]] == first
    done = papers_cli("similar", MOBA, "--json", env_home=corpus_home)
    assert done.returncode == 0, done.stderr
    assert [(r["paper_id"], r["score"]) for r in json.loads(done.stdout)] == \
           [(r["paper_id"], r["score"]) for r in first]
    shown = papers_cli("similar", "MoBA", "--top", "2", env_home=corpus_home)
    assert shown.returncode == 0 and shown.stdout.count("this  p.") == 6  # 2 papers x 3 passage pairs
    both = papers_cli("similar", MOBA, "--text", "attention", env_home=corpus_home)
    assert both.returncode == 2 and "not both" in both.stderr


def test_text_finds_papers_and_passages_in_english_and_japanese(search):
    found = search.like_text("formal theorem proving in Lean 4 with feedback from the proof assistant")
    assert found[0].paper_id == PROVER
    assert all(m.passage.paper_id == PROVER for m in found[0].matches)
    japanese = search.like_text("音声を聞いて理解し、音声で返答する基盤モデル")
    assert japanese[0].paper_id in (AUDIO, OMNI)
    assert [r.score for r in japanese] == sorted((r.score for r in japanese), reverse=True)
    with pytest.raises(PapersError, match="empty"):
        search.like_text("   ")
