"""The one configuration: read from the environment once per entry point (CLI, app, bench, tests) and
passed down, each layer receiving its own part.

- the library (`PAPERS_HOME`, default `data/`): its stores, reports and notes (`index.config`);
- the machine's models folder (`PAPERS_MODELS`) and the local LLM server's state (`PAPERS_RUN`), one per
  user and shared by every library: `~/.cache/papers/{models,run}` unless set;
- the LLM (`OPENAI_BASE_URL` and `PAPERS_LLM_*`, `qa.llm.config`), the web app's login.

Pinning the offline environment (no library in the stack may reach for the network) is an explicit
call, `pin_offline_env()`, made by the entry points.
"""
from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from index.config import LibraryConfig
from ingest.errors import ConfigError
from ingest.limits import IngestLimits
from qa.llm.config import ANSWER_CHARS, ANSWER_PASSAGES, ANSWER_TEMPERATURE, SERVER_ARGS, LLMConfig, is_loopback
from qa.llm.files import DEFAULT_LLM

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBED_MODEL_DIRNAME = "multilingual-e5-small"
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb's posthog client
}


def pin_offline_env() -> None:
    """Set the variables that keep Hugging Face, Gradio and chromadb off the network (unless set)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def _machine_dir(env: Mapping[str, str]) -> Path:
    cache = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(cache).expanduser() / "papers"


@dataclass(frozen=True)
class UIConfig:
    user: str = "papers"
    password: str | None = None  # PAPERS_UI_PASSWORD: a login in front of the app and its API


@dataclass(frozen=True)
class Config:
    library: LibraryConfig
    llm: LLMConfig
    ui: UIConfig

    @property
    def models_dir(self) -> Path:
        return self.llm.models_dir

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        read = _Reader(env)
        machine = _machine_dir(env)
        models = read.path("PAPERS_MODELS", machine / "models")
        home = read.path("PAPERS_HOME", PROJECT_ROOT / "data")
        limits = IngestLimits(max_pdf_mb=read.number("PAPERS_MAX_PDF_MB", 100.0),
                              max_pages=int(read.number("PAPERS_MAX_PAGES", 500)),
                              chunk_tokens=int(read.number("PAPERS_CHUNK_TOKENS", 320)),
                              parse_seconds=read.number("PAPERS_PARSE_TIMEOUT", 300.0))
        library = LibraryConfig(home=home, embed_model=read.path("PAPERS_EMBED_MODEL", models / EMBED_MODEL_DIRNAME),
                                chroma_url=env.get("PAPERS_CHROMA_URL") or None, limits=limits,
                                arxiv_url=env.get("PAPERS_ARXIV_URL") or "https://arxiv.org")
        base_url = env.get("OPENAI_BASE_URL") or None
        penalty = env.get("PAPERS_LLM_REPEAT_PENALTY")
        llm = LLMConfig(models_dir=models, run_dir=read.path("PAPERS_RUN", machine / "run"), base_url=base_url,
                        api_key=env.get("OPENAI_API_KEY") or "not-needed",
                        model=env.get("PAPERS_LLM_MODEL") or "local",
                        model_file=env.get("PAPERS_LLM_FILE") or DEFAULT_LLM,
                        temperature=read.number("PAPERS_LLM_TEMPERATURE", 0.3),
                        max_tokens=int(read.number("PAPERS_LLM_MAX_TOKENS", 400)),
                        repeat_penalty=read.number("PAPERS_LLM_REPEAT_PENALTY", 1.15) if penalty
                        else (1.15 if is_loopback(base_url) else None),
                        context_window=int(read.number("PAPERS_LLM_CONTEXT", 4096)),
                        timeout_s=read.number("PAPERS_LLM_TIMEOUT", 300.0),
                        threads=int(read.number("PAPERS_LLM_THREADS", os.cpu_count() or 2)),
                        server_args=read.words("PAPERS_LLM_SERVER_ARGS", SERVER_ARGS),
                        answer_passages=int(read.number("PAPERS_ANSWER_PASSAGES", ANSWER_PASSAGES)),
                        answer_chars=int(read.number("PAPERS_ANSWER_CHARS", ANSWER_CHARS)),
                        answer_temperature=read.number("PAPERS_ANSWER_TEMPERATURE", ANSWER_TEMPERATURE),
                        answer_english_first=bool(read.number("PAPERS_ANSWER_ENGLISH_FIRST", 1)))
        ui = UIConfig(user=env.get("PAPERS_UI_USER") or "papers", password=env.get("PAPERS_UI_PASSWORD") or None)
        return cls(library, llm, ui)


class _Reader:
    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def number(self, name: str, default: float) -> float:
        raw = self.env.get(name)
        if not raw:
            return default
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None

    def words(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = self.env.get(name)
        if raw is None:
            return default
        try:
            return tuple(shlex.split(raw))
        except ValueError as exc:
            raise ConfigError(f"{name} must be options as a shell would split them: {exc}") from None

    def path(self, name: str, default: Path) -> Path:
        return Path(self.env.get(name) or default).expanduser().resolve()
