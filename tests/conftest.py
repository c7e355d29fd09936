"""Fixtures: an isolated machine state for the session (its own LLM server folder, no outside servers),
a fresh library per test, the embedding model, a synthetic paper and a small corpus library."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import CORPUS, SIMILAR_SET, make_config, papers_cli  # noqa: E402
from index.library import Library  # noqa: E402
from qa.llm.chat import local_server  # noqa: E402
from ui.config import Config, pin_offline_env  # noqa: E402

pin_offline_env()


@pytest.fixture(scope="session", autouse=True)
def machine_state(tmp_path_factory):
    """The tests' own local-LLM state folder (one 0.5B server shared by the whole session, never the
    user's), and no setting from the outside that would point a test elsewhere."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERS_RUN", str(tmp_path_factory.mktemp("run")))
        for name in ("PAPERS_HOME", "OPENAI_BASE_URL", "PAPERS_CHROMA_URL", "PAPERS_UI_PASSWORD", "PAPERS_EMBED_MODEL",
                     "PAPERS_LLM_FILE", "PAPERS_LLM_MODEL", "PAPERS_LLM_MAX_TOKENS", "PAPERS_LLM_TEMPERATURE"):
            mp.delenv(name, raising=False)
        yield
        local_server(Config.from_env().llm).stop()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh library home, also in the environment for code that reads it (the CLI)."""
    monkeypatch.setenv("PAPERS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def config(home) -> Config:
    return make_config(home)


@pytest.fixture
def library(config) -> Library:
    return Library(config.library)


@pytest.fixture(scope="session")
def embedder():
    from index.embedder import Embedder

    return Embedder(Config.from_env().library.embed_model)


@pytest.fixture(scope="session")
def synthetic_pdf(tmp_path_factory) -> Path:
    from pdf_factory import make_paper_pdf

    return make_paper_pdf(tmp_path_factory.mktemp("synthetic") / "2401.01234.pdf")


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory) -> Path:
    """A library of SIMILAR_SET built once by `papers ingest` (similarity and browser tests read copies)."""
    if not CORPUS.exists():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    home = tmp_path_factory.mktemp("corpus") / "home"
    done = papers_cli("ingest", *[str(CORPUS / f"{paper}.pdf") for paper in SIMILAR_SET], env_home=home)
    assert done.returncode == 0, done.stderr[-2000:]
    assert os.listdir(home / "parsed")
    return home
