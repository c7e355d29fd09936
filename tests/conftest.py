"""Shared fixtures: an isolated data directory per test, the project's prepared models, the shared corpus."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest.settings  # noqa: E402  (pins the offline environment for the whole test run)

SHARED = Path(os.environ.get("PAPERS_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pdf"
MODELS = ROOT / "data" / "models"


def manifest() -> list[dict]:
    path = CORPUS.parent / "MANIFEST.tsv"
    if not path.exists():
        return []
    return list(csv.DictReader(path.open(), delimiter="\t"))


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh PAPERS_HOME; models come from the project's data/models prepared by `make setup`."""
    monkeypatch.setenv("PAPERS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PAPERS_MODELS", str(MODELS))
    monkeypatch.delenv("PAPERS_CHROMA_URL", raising=False)
    return tmp_path / "home"


@pytest.fixture(scope="session")
def embedder():
    from index.embedder import Embedder

    return Embedder(MODELS / ingest.settings.EMBED_MODEL_DIRNAME)


@pytest.fixture(scope="session")
def synthetic_pdf(tmp_path_factory) -> Path:
    from pdf_factory import make_paper_pdf

    return make_paper_pdf(tmp_path_factory.mktemp("synthetic") / "2401.01234.pdf")


# six corpus papers with known kin: two multimodal/audio reports, two RL-for-reasoning papers, two others
SIMILAR_SET = ["2502.13189", "2501.17811", "2503.20215", "2504.18425", "2408.08152", "2501.12948"]


def papers_cli(*args: str, env_home: Path, timeout: float = 900, **env: str) -> subprocess.CompletedProcess:
    """Run the `papers` command line against a data directory, as a user would."""
    full = {**os.environ, "PAPERS_HOME": str(env_home), "PAPERS_MODELS": str(MODELS), **env}
    full.pop("PAPERS_CHROMA_URL", None)
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory) -> Path:
    """A library of SIMILAR_SET built once by `papers ingest` (similarity and browser tests read copies)."""
    if not CORPUS.exists():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    home = tmp_path_factory.mktemp("corpus") / "home"
    done = papers_cli("ingest", *[str(CORPUS / f"{paper}.pdf") for paper in SIMILAR_SET], env_home=home)
    assert done.returncode == 0, done.stderr[-2000:]
    return home


def needs_corpus():
    return pytest.mark.skipif(not CORPUS.exists(), reason=f"shared corpus not found at {CORPUS}")


def use_test_llm(mp: pytest.MonkeyPatch, home: Path, max_tokens: int) -> None:
    """Point the app at a fresh home and the local 0.5B server, deterministic sampling."""
    from qa.llm_files import TEST_LLM

    mp.setenv("PAPERS_HOME", str(home))
    mp.setenv("PAPERS_MODELS", str(MODELS))
    mp.setenv("PAPERS_LLM_FILE", TEST_LLM)
    mp.setenv("PAPERS_LLM_TEMPERATURE", "0")
    mp.setenv("PAPERS_LLM_MAX_TOKENS", str(max_tokens))
    mp.delenv("OPENAI_BASE_URL", raising=False)
    mp.delenv("PAPERS_CHROMA_URL", raising=False)
