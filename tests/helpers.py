"""What tests share besides fixtures: the configuration they run with, the CLI as a subprocess, the shared
corpus, and a fake chat model for flow tests that must not depend on a real LLM's wording."""
from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from qa.llm.files import TEST_LLM
from ui.config import Config

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PAPERS_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pdf"
SEEDPAPERS = SHARED / "corpus" / "seedpapers"
# six corpus papers with known kin: two multimodal/audio reports, two RL-for-reasoning papers, two others
SIMILAR_SET = ["2502.13189", "2501.17811", "2503.20215", "2504.18425", "2408.08152", "2501.12948"]
TEST_LLM_ENV = {"PAPERS_LLM_FILE": TEST_LLM, "PAPERS_LLM_TEMPERATURE": "0"}


def make_config(home: Path, **env: str) -> Config:
    """The configuration a test runs with: its own library home, the session's machine state, `env` on top."""
    return Config.from_env({**os.environ, "PAPERS_HOME": str(home), **env})


def llm_test_config(home: Path, max_tokens: int) -> Config:
    """A library on the local 0.5B server with deterministic sampling (fast enough for CI)."""
    return make_config(home, **TEST_LLM_ENV, PAPERS_LLM_MAX_TOKENS=str(max_tokens))


def papers_cli(*args: str, env_home: Path, timeout: float = 900, **env: str) -> subprocess.CompletedProcess:
    """Run the `papers` command line against a library home, as a user would."""
    full = {**os.environ, "PAPERS_HOME": str(env_home), **env}
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=timeout)


def manifest(path: Path = CORPUS.parent / "MANIFEST.tsv") -> list[dict]:
    """Rows of a corpus MANIFEST.tsv (the 18 corpus PDFs by default; the seed papers have their own)."""
    return list(csv.DictReader(path.open(), delimiter="\t")) if path.exists() else []


def needs_corpus():
    return pytest.mark.skipif(not CORPUS.exists(), reason=f"shared corpus not found at {CORPUS}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeChatModel:
    """Stands in for `qa.llm.chat.ChatModel` in flow tests: replies come from `reply(messages)` (or a list
    of fixed replies, in turn), and every call's messages are kept for the test to read."""

    label = "fake"
    bans_tokens = True  # as the local model: a reply can be kept from writing brackets

    def __init__(self, reply: Callable[[Sequence], str] | list[str], fail: Exception | None = None):
        self._reply = reply
        self.fail = fail
        self.calls: list[list] = []
        self.limits: list[tuple[int | None, tuple[str, ...]]] = []  # each call's (max_tokens, stop)
        self.temperatures: list[float | None] = []  # each call's own temperature, None: the configured one
        self.langs: list[str | None] = []  # each call's reply language
        self.brackets: list[bool] = []  # whether each call's reply could write a bracket

    def problem(self) -> str | None:
        return str(self.fail) if self.fail else None

    def chat(self, messages: Sequence, max_tokens: int | None = None, stop: Sequence[str] = (),
             temperature: float | None = None, lang: str | None = None, brackets: bool = True) -> str:
        return "".join(self.stream(messages, max_tokens, stop, temperature, lang, brackets))

    def stream(self, messages: Sequence, max_tokens: int | None = None, stop: Sequence[str] = (),
               temperature: float | None = None, lang: str | None = None, brackets: bool = True) -> Iterator[str]:
        self.calls.append(list(messages))
        self.brackets.append(brackets)
        self.limits.append((max_tokens, tuple(stop)))
        self.temperatures.append(temperature)
        self.langs.append(lang)
        if self.fail:
            raise self.fail
        text = self._reply(messages) if callable(self._reply) else self._reply.pop(0)
        for start in range(0, len(text), 7):  # arrives in pieces, as a stream does
            yield text[start:start + 7]


def prompt_text(messages: Sequence) -> str:
    """All the text of a call's messages (to assert on what the model was shown)."""
    return "\n".join(m["content"] for m in messages)


def start_app(home: Path, log: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """`papers ui` as a user starts it (the app and its API), on a free loopback port; (process, url)."""
    port = free_port()
    full = {**os.environ, "PAPERS_HOME": str(home), **TEST_LLM_ENV, "PAPERS_LLM_MAX_TOKENS": "160", **env}
    process = subprocess.Popen([sys.executable, "-m", "ui.cli", "ui", "--port", str(port)], cwd=ROOT, env=full,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`papers ui` exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return process, url
        except OSError:
            time.sleep(1)
    process.kill()
    pytest.fail(f"`papers ui` did not answer within 180 s: {log.read_text()[-2000:]}")


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
