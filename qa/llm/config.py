"""Which LLM answers and how it is called: qa's part of the configuration.

`base_url` None means the embedded default: the local llama.cpp server with a GGUF from the machine's
models folder, one server per user (its state under `run_dir`), shared by every library. Any other
OpenAI-compatible server (OpenAI, vLLM, Ollama, a llama.cpp of your own) is used as it is; the
llama.cpp-only options (repeat penalty, prompt cache) are sent to loopback servers only unless set.
"""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ingest.errors import ConfigError

from .files import DEFAULT_LLM

MODEL_ALIAS = "local"
# Options of the local llama.cpp server (bench/llm.py measured them on 2 CPU cores): no logits kept for every
# prompt token (the server's default keeps them: prompt processing 52 -> 59 tok/s), and a RAM cache of
# evaluated prompts, so the rules that open every answer prompt are not computed again after the
# translation or rewrite call that precedes it (the one prefix llama.cpp keeps is the last prompt's).
# Each cached prompt also keeps a copy of the n_batch x vocabulary logits buffer, which the cache's size
# limit does not count: at the default n_batch of 512 that is 311 MB more per call, without bound (server
# 7.7 GB after 16 answers); at 64, 39 MB, the cache held to 256 MB of model state: 2.6 GB after 16, at the
# same prefill speed (bench/results/llm-cache.json).
SERVER_ARGS = ("--logits_all", "false", "--cache", "true", "--cache_size", str(1 << 28), "--n_batch", "64")
# The answer prompt: how many of the retrieved passages, focused to how many characters. bench/answer.py
# measured 3 x 400 (PAPERS_ANSWER_PASSAGES / PAPERS_ANSWER_CHARS) at half the first-token wait, with fewer
# answers holding their fact: a choice for the user, not the default (README "Speed").
ANSWER_PASSAGES, ANSWER_CHARS = 5, 700
# An answer copies numbers and terms from the passages: greedy decoding (bench/answer.py, 80 + 10 dev questions:
# answers holding a fact 0.487 at 0.3 -> 0.550); its question's rewrite too, so that the same question retrieves
# the same passages. Reports keep `temperature`: a section asked again must be able to come out differently.
ANSWER_TEMPERATURE = 0.0


@dataclass(frozen=True)
class LLMConfig:
    models_dir: Path  # the machine's models folder (GGUF files, the embedding model)
    run_dir: Path  # the local server's state file, lock and log
    base_url: str | None = None  # OPENAI_BASE_URL; None: the local server
    api_key: str = "not-needed"
    model: str = MODEL_ALIAS
    model_file: str = DEFAULT_LLM  # the GGUF the local server loads
    temperature: float = 0.3  # reports and translations; answers and their rewrites have their own
    max_tokens: int = 400  # an answer's cap; report sections ask for their own
    repeat_penalty: float | None = 1.15  # None: not sent
    context_window: int = 4096
    timeout_s: float = 300.0  # silence: no new token for this long fails the call (never total length)
    threads: int = 2
    server_args: tuple[str, ...] = SERVER_ARGS  # the local server's llama_cpp.server options
    answer_passages: int = ANSWER_PASSAGES  # the top retrieved passages an answer prompt holds
    answer_chars: int = ANSWER_CHARS  # each one's focus: prompt tokens are the first token's wait
    answer_temperature: float = ANSWER_TEMPERATURE
    answer_english_first: bool = True  # a Japanese question answered in English, then in Japanese (qa/answer/chain.py)

    def __post_init__(self) -> None:
        for name, value, least in (("PAPERS_LLM_MAX_TOKENS", self.max_tokens, 1),
                                   ("PAPERS_LLM_CONTEXT", self.context_window, 512),
                                   ("PAPERS_LLM_TIMEOUT", self.timeout_s, 1), ("PAPERS_LLM_THREADS", self.threads, 1),
                                   ("PAPERS_LLM_TEMPERATURE", self.temperature, 0),
                                   ("PAPERS_ANSWER_TEMPERATURE", self.answer_temperature, 0),
                                   ("PAPERS_ANSWER_PASSAGES", self.answer_passages, 1),
                                   ("PAPERS_ANSWER_CHARS", self.answer_chars, 100)):
            if not math.isfinite(value) or value < least:
                raise ConfigError(f"{name} must be a number of at least {least:g}, got {value!r}")

    @property
    def model_path(self) -> Path:
        return self.models_dir / self.model_file

    @property
    def local(self) -> bool:
        """Talking to our own llama.cpp server (or another one on this machine)."""
        return is_loopback(self.base_url)

    @property
    def label(self) -> str:
        return f"{self.model} at {self.base_url}" if self.base_url else f"local {self.model_file}"


def is_loopback(base_url: str | None) -> bool:
    if base_url is None:
        return True
    host = urlparse(base_url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
