"""Ingest into a real on-disk chromadb: incremental rules, bad input, kill -9 and resume, the CLI."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

from helpers import ROOT, make_config, papers_cli
from index.library import ADDED, DUPLICATE, REPLACED, RESUMED, UNCHANGED, Library
from pdf_factory import (
    SyntheticPaper,
    make_corrupted_pdf,
    make_encrypted_pdf,
    make_paper_pdf,
    make_scanned_pdf,
    make_zero_page_pdf,
)


def _store_state(library: Library) -> dict[str, list[str]]:
    got = library.store.collection.get(include=["metadatas"])
    state: dict[str, list[str]] = {}
    for chunk_id, meta in zip(got["ids"], got["metadatas"]):
        state.setdefault(meta["paper_id"], []).append(chunk_id)
    return {k: sorted(v) for k, v in state.items()}


def test_incremental_ingest(library, tmp_path, synthetic_pdf):
    first = library.ingest([synthetic_pdf])[0]
    assert first.status == ADDED and first.paper_id == "2401.01234" and first.chunks > 5
    before = _store_state(library)
    assert len(before["2401.01234"]) == first.chunks

    again = library.ingest([synthetic_pdf])[0]
    assert again.status == UNCHANGED
    assert _store_state(library) == before

    forced = library.ingest([synthetic_pdf], force=True)[0]  # `papers ingest --force`: after a parsing change
    assert (forced.status, forced.message, forced.chunks) == (RESUMED, "parsed and indexed again", first.chunks)
    assert _store_state(library) == before, "the same chunks, nothing duplicated"

    copy = tmp_path / "renamed-copy.pdf"
    shutil.copy(synthetic_pdf, copy)
    assert library.ingest([copy])[0].status == DUPLICATE
    assert _store_state(library) == before

    changed = make_paper_pdf(tmp_path / "2401.01234v2.pdf",
                             SyntheticPaper(extra_sentence="A revised version adds a robustness study."))
    outcome = library.ingest([changed])[0]
    assert outcome.status == REPLACED and outcome.paper_id == "2401.01234"
    after = _store_state(library)
    assert list(after) == ["2401.01234"] and len(after["2401.01234"]) == outcome.chunks
    assert not set(after["2401.01234"]) & set(before["2401.01234"]), "old version's chunks are gone"
    texts = library.store.collection.get(where={"paper_id": "2401.01234"}, include=["documents"])["documents"]
    assert any("robustness study" in t for t in texts)
    assert [r.status for r in library.papers()] == ["ready"]


def test_chunk_metadata_in_store(library, synthetic_pdf):
    library.ingest([synthetic_pdf])
    got = library.store.collection.get(include=["metadatas"])
    for meta in got["metadatas"]:
        assert meta["paper_id"] == "2401.01234" and meta["title"].startswith("Gradient Routing")
        assert meta["page_start"] >= 1 and meta["section_path"] and meta["kind"] in (
            "abstract", "body", "table", "caption", "reference")
    assert {m["chunk_index"] for m in got["metadatas"]} == set(range(len(got["ids"])))


def test_bad_inputs_fail_alone_and_keep_the_store(home, library, tmp_path, synthetic_pdf, monkeypatch):
    library.ingest([synthetic_pdf])
    before = _store_state(library)

    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "empty.pdf").write_bytes(b"")
    (batch / "notes.pdf").write_text("these are my notes, not a PDF\n")
    make_corrupted_pdf(batch / "corrupted.pdf", synthetic_pdf)
    make_encrypted_pdf(batch / "encrypted.pdf", synthetic_pdf)
    make_scanned_pdf(batch / "scanned.pdf")
    make_zero_page_pdf(batch / "zero-pages.pdf")
    big = make_paper_pdf(batch / "big.pdf", SyntheticPaper(arxiv_id="2402.00002"))
    with open(big, "ab") as handle:  # still a valid PDF, just over the limit set below
        handle.write(b"%" + b"x" * (1024 * 1024) + b"\n")
    make_paper_pdf(batch / "good.pdf", SyntheticPaper(arxiv_id="2403.00003", title="A Good Paper About Bees"))
    monkeypatch.setenv("PAPERS_MAX_PDF_MB", "1")

    result = papers_cli("ingest", str(batch), env_home=home)
    assert result.returncode == 1, result.stderr
    expected = {
        "empty.pdf": "empty file",
        "notes.pdf": "not a PDF",
        "corrupted.pdf": "corrupted PDF",
        "encrypted.pdf": "encrypted PDF",
        "scanned.pdf": "no text layer",
        "zero-pages.pdf": "no pages",
        "big.pdf": "over the limit of 1 MB",
    }
    for name, reason in expected.items():
        lines = [line for line in result.stderr.splitlines() if line.startswith(f"✗ {name}:")]
        assert len(lines) == 1 and reason in lines[0], (name, result.stderr[-2000:])
    assert "✓ good.pdf: added" in result.stdout

    library = Library(library.config)
    state = _store_state(library)
    assert state["2401.01234"] == before["2401.01234"], "existing paper untouched"
    assert set(state) == {"2401.01234", "2403.00003"}
    assert {r.paper_id for r in library.papers()} == {"2401.01234", "2403.00003"}


CRASH_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from index import store
    real_add = store.ChunkStore.add
    def add_half_then_die(self, chunks, embeddings, paper):
        if chunks[0].paper_id != sys.argv[2]:
            return real_add(self, chunks, embeddings, paper)
        real_add(self, chunks[: len(chunks) // 2], embeddings[: len(chunks) // 2], paper)
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 in the middle of writing this paper
    store.ChunkStore.add = add_half_then_die
    from ui.cli import main
    main(["ingest", sys.argv[1]])
""")


def test_kill_and_resume_leaves_no_duplicates(home, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    for i, topic in enumerate(["Bees", "Ants", "Wasps"], 1):
        make_paper_pdf(folder / f"p{i}.pdf", SyntheticPaper(arxiv_id=f"2405.0000{i}", title=f"A Study of {topic}"))
    env = {**os.environ, "PAPERS_HOME": str(home)}
    crashed = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(folder), "2405.00002"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
    assert crashed.returncode == -9, crashed.stderr[-2000:]

    library = Library(make_config(home).library)
    statuses = {r.paper_id: r.status for r in library.papers()}
    assert statuses == {"2405.00001": "ready", "2405.00002": "indexing"}
    library.registry.close()

    resumed = papers_cli("ingest", str(folder), env_home=home)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "p1.pdf: unchanged" in resumed.stdout and "p2.pdf: interrupted earlier, re-indexed" in resumed.stdout

    library = Library(make_config(home).library)
    state = _store_state(library)
    records = {r.paper_id: r for r in library.papers()}
    assert set(state) == set(records) == {"2405.00001", "2405.00002", "2405.00003"}
    for paper_id, record in records.items():
        assert record.status == "ready"
        assert len(state[paper_id]) == record.chunks == len(set(state[paper_id]))
    assert library.store.count() == sum(r.chunks for r in records.values())


def test_cli_list_show_remove(home, synthetic_pdf):
    assert papers_cli("ingest", str(synthetic_pdf), env_home=home).returncode == 0
    forced = papers_cli("ingest", "--force", str(synthetic_pdf), env_home=home)
    assert forced.returncode == 0 and "done: 1 resumed" in forced.stdout, forced.stdout
    listed = json.loads(papers_cli("list", "--json", env_home=home).stdout)
    assert len(listed) == 1
    assert {"arxiv_id", "title", "pages", "chunks"} <= set(listed[0])
    assert listed[0]["arxiv_id"] == "2401.01234" and listed[0]["pages"] >= 2 and listed[0]["chunks"] > 5

    shown = json.loads(papers_cli("show", "2401.01234v2", "--json", env_home=home).stdout)
    assert shown["url"] == "http://arxiv.org/abs/2401.01234"
    assert [s["title"] for s in shown["sections"]][1:3] == ["1 Introduction", "2 Method"]
    assert len(shown["references"]) == len(SyntheticPaper().references)
    text = papers_cli("show", "gradient routing", env_home=home).stdout
    assert "2.1 Router Training  (p.1)" in text

    missing = papers_cli("show", "no-such-paper", env_home=home)
    assert missing.returncode == 2 and "no paper matches 'no-such-paper'" in missing.stderr

    removed = papers_cli("remove", "2401.01234", env_home=home)
    assert removed.returncode == 0 and "removed 2401.01234" in removed.stdout
    assert json.loads(papers_cli("list", "--json", env_home=home).stdout) == []
    assert Library(make_config(home).library).store.count() == 0
