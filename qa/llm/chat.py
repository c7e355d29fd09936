"""The one chat model behind answers and reports: any OpenAI-compatible server, or the local one.

`ChatModel` resolves its server in one visible place (`_client`: the configured `OPENAI_BASE_URL`,
or the user's local llama.cpp server, started if needed), streams every call (so a long generation
is never cut by a whole-request timeout: the timeout is on silence), and turns every client or
server failure into `LLMUnavailable`, whose message names the server and what to check. Called
through llama-index's `OpenAILike` (not `OpenAI`, which downloads tiktoken files).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Literal

from ingest.errors import PapersError

from .config import LLMConfig
from .server import LocalLLMServer, healthy
from .vocabulary import logit_bias

if TYPE_CHECKING:
    from llama_index.llms.openai_like import OpenAILike

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}


def message(role: Literal["system", "user", "assistant"], content: str) -> Message:
    return {"role": role, "content": content}


class LLMUnavailable(PapersError):
    """The LLM could not be reached or failed; the message says which server and what to do."""

    exit_code = 1


def local_server(config: LLMConfig) -> LocalLLMServer:
    return LocalLLMServer(config.run_dir, config.threads, config.context_window, config.server_args)


class ChatModel:
    def __init__(self, config: LLMConfig):
        self.config = config
        self._llm: OpenAILike | None = None

    @property
    def label(self) -> str:
        return self.config.label

    def server(self) -> LocalLLMServer:
        return local_server(self.config)

    def problem(self) -> str | None:
        """Why questions and reports cannot be answered now, or None when the LLM is reachable (or the
        local server can be started on demand). Cheap: one GET /models at most."""
        config = self.config
        if config.base_url:
            if healthy(config.base_url, timeout=3.0):
                return None
            return (f"The LLM server at {config.base_url} does not answer (GET /models). Check that it runs, or "
                    "OPENAI_BASE_URL / PAPERS_LLM_MODEL.")
        if self.server().running() is None and not config.model_path.exists():
            return f"The local LLM file {config.model_path} is missing: run `make setup` (or `papers setup`)."
        return None

    def _client(self) -> OpenAILike:
        """The client for the configured server, or for the local one, started if it is not running."""
        if self._llm is None:
            from llama_index.llms.openai_like import OpenAILike

            config = self.config
            base_url = config.base_url or self.server().start(config.model_path).base_url
            extra = {"extra_body": {"repeat_penalty": config.repeat_penalty}} if config.repeat_penalty else {}
            # max_tokens goes with each call: a max_tokens set here overrides the one a call passes
            self._llm = OpenAILike(model=config.model, api_base=base_url, api_key=config.api_key, is_chat_model=True,
                                   context_window=config.context_window, max_tokens=None,
                                   temperature=config.temperature, timeout=config.timeout_s, max_retries=0,
                                   additional_kwargs=extra)
        return self._llm

    @property
    def bans_tokens(self) -> bool:
        """Whether a reply can be kept from writing brackets (the local model only: vocabulary.py)."""
        return not self.config.base_url

    def stream(self, messages: Sequence[Message], max_tokens: int | None = None, stop: Sequence[str] = (),
               temperature: float | None = None, lang: str | None = None, brackets: bool = True) -> Iterator[str]:
        """The reply's text deltas as they arrive; generation ends at any of the `stop` strings (OpenAI's own
        parameter: every compatible server takes it); `temperature` replaces the configured one for this call;
        `lang` "ja": the local model cannot write a simplified-Chinese-only glyph; `brackets` false: nor a
        bracket (vocabulary.py)."""
        from llama_index.core.llms import ChatMessage

        options: dict = {"max_tokens": max_tokens or self.config.max_tokens}
        if temperature is not None:
            options["temperature"] = temperature
        if stop:
            options["stop"] = list(stop)
        try:
            banned = ("simplified",) * (lang == "ja") + ("brackets",) * (not brackets)
            if banned and self.bans_tokens:
                options["logit_bias"] = logit_bias(self.config.model_path, self.config.run_dir, banned)
            chat = [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
            for chunk in self._client().stream_chat(chat, **options):
                if chunk.delta:
                    yield chunk.delta
        except PapersError as exc:  # the local server could not be started
            self._llm = None
            raise LLMUnavailable(f"The LLM ({self.label}) could not be started: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - connection, HTTP and server errors alike
            self._llm = None  # resolve the server again next time (it may have been restarted)
            raise LLMUnavailable(self._failure(exc)) from None

    def _failure(self, exc: Exception) -> str:
        """What failed, and what to check. A local server whose process is gone crashed while answering (a
        llama.cpp built for instructions the CPU traps: 'invalid opcode' in the kernel's log): its log is named."""
        said = f"The LLM ({self.label}) could not answer: {type(exc).__name__}: {exc}."
        if not self.config.base_url and self.server().running() is None:
            log = self.server().log_path
            return (f"{said} The local LLM server stopped while answering; its log: {log}. Asked again, it is "
                    "started anew; if it stops every time, rebuild it with `make setup-llm`.")
        return f"{said} Check `papers llm status`, or OPENAI_BASE_URL / PAPERS_LLM_MODEL."

    def chat(self, messages: Sequence[Message], max_tokens: int | None = None, stop: Sequence[str] = (),
             temperature: float | None = None, lang: str | None = None, brackets: bool = True) -> str:
        """The whole reply (streamed underneath, so only silence times it out)."""
        return "".join(self.stream(messages, max_tokens, stop, temperature, lang, brackets))
