"""Which LLM answers, and how it is called: any OpenAI-compatible server through llama-index's OpenAILike.

OpenAI conventions: `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `PAPERS_LLM_MODEL` select a server (OpenAI,
vLLM, Ollama, llama.cpp). With no `OPENAI_BASE_URL`, the embedded default is used: the local llama.cpp
server with the 1.5B GGUF from `papers setup`, started on demand and left running for the next call
(`papers llm stop` ends it). Small local models loop at temperature 0, hence the sampling defaults.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ingest.settings import Settings

from .llm_files import DEFAULT_LLM
from .llm_server import MODEL_ALIAS, LLMServerError, LocalLLMServer, healthy


class LLMUnavailable(RuntimeError):
    """The LLM could not be reached or failed; the message says which server and what to do."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(frozen=True)
class LLMConfig:
    base_url: str | None  # None: the embedded local server
    api_key: str
    model: str
    model_file: str  # GGUF of the local server
    temperature: float
    max_tokens: int
    repeat_penalty: float | None  # llama.cpp sampling option; sent to local servers only unless set
    context_window: int
    timeout_s: float

    @classmethod
    def from_env(cls) -> "LLMConfig":
        base_url = os.environ.get("OPENAI_BASE_URL") or None
        penalty = os.environ.get("PAPERS_LLM_REPEAT_PENALTY")
        try:
            return cls(
                base_url=base_url,
                api_key=_env("OPENAI_API_KEY", "not-needed"),
                model=_env("PAPERS_LLM_MODEL", MODEL_ALIAS),
                model_file=_env("PAPERS_LLM_FILE", DEFAULT_LLM),
                temperature=float(_env("PAPERS_LLM_TEMPERATURE", "0.3")),
                max_tokens=int(_env("PAPERS_LLM_MAX_TOKENS", "400")),
                repeat_penalty=float(penalty) if penalty else (1.15 if _is_local(base_url) else None),
                context_window=int(_env("PAPERS_LLM_CONTEXT", "4096")),
                timeout_s=float(_env("PAPERS_LLM_TIMEOUT", "300")),
            )
        except ValueError as exc:
            raise ValueError(f"bad LLM setting: {exc}") from None

    @property
    def label(self) -> str:
        return f"{self.model} at {self.base_url}" if self.base_url else f"local {self.model_file}"


def _is_local(base_url: str | None) -> bool:
    if base_url is None:
        return True
    host = urlparse(base_url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_model_path(settings: Settings, config: LLMConfig) -> Path:
    return settings.models_dir / config.model_file


def local_server(settings: Settings) -> LocalLLMServer:
    return LocalLLMServer(settings.home / "run", context=LLMConfig.from_env().context_window)


def resolve_base_url(config: LLMConfig, settings: Settings) -> str:
    """The server to talk to: the configured one, or the local one (started if needed)."""
    if config.base_url:
        return config.base_url
    try:
        return local_server(settings).start(local_model_path(settings, config)).base_url
    except LLMServerError as exc:
        raise LLMUnavailable(f"could not start the local LLM server: {exc}") from None


def llm_problem(config: LLMConfig, settings: Settings) -> str | None:
    """Why questions and reports cannot be answered now, or None when the LLM is reachable (or the local
    server can be started on demand). Cheap: one GET /models at most."""
    if config.base_url:
        if healthy(config.base_url, timeout=3.0):
            return None
        return (f"The LLM server at {config.base_url} does not answer (GET /models). Check that it runs, or "
                "OPENAI_BASE_URL / PAPERS_LLM_MODEL.")
    if local_server(settings).status() is not None:
        return None
    model = local_model_path(settings, config)
    if not model.exists():
        return f"The local LLM file {model} is missing: run `make setup` (or `papers setup`)."
    return None


def make_llm(config: LLMConfig, base_url: str):
    """A llama-index LLM for `base_url`. OpenAILike, not OpenAI: the latter downloads tiktoken files."""
    from llama_index.llms.openai_like import OpenAILike

    extra = {"extra_body": {"repeat_penalty": config.repeat_penalty}} if config.repeat_penalty else {}
    return OpenAILike(model=config.model, api_base=base_url, api_key=config.api_key, is_chat_model=True,
                      context_window=config.context_window, max_tokens=config.max_tokens,
                      temperature=config.temperature, timeout=config.timeout_s, max_retries=0,
                      additional_kwargs=extra)
