"""Tokens of the local model banned from a reply by logit bias: simplified-Chinese-only glyphs from Japanese
replies, and brackets from a reply that must not write a passage number.

Qwen, asked in Japanese, slips Chinese glyphs in ("多选题" for 多選題, "冻结" for 凍結: 2 of 52 Japanese dev answers;
a report drops such lines). A logit bias on those tokens makes the model write the Japanese form instead. A reply
asked again because it wrote a passage number where the asked value belongs ("The DINO score is [3].",
qa/answer/slots.py) cannot write a bracket, so the value must follow. Only for the local llama.cpp server, whose
vocabulary is the GGUF file we hold (another server's tokenizer is unknown, and OpenAI's API takes at most 300
biased tokens). Each set is read once per model file (~1.5 s) and kept beside the server's state.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from ingest.text import simplified_glyphs

BANNED = -100.0  # OpenAI's floor: the token is never chosen
SETS: dict[str, Callable[[str], bool]] = {  # name: which tokens' text it holds
    "simplified": lambda text: bool(simplified_glyphs(text)),  # 11,262 of Qwen2.5's 151,936
    "brackets": lambda text: "[" in text,  # 558 of them: "[", " [", "[[", "([", ...
}


def tokens_of(model_path: Path, cache_dir: Path, name: str) -> list[int]:
    """Ids of the tokens of `model_path` whose text SETS[name] holds (a glyph split over byte tokens is not
    one of them)."""
    stat = model_path.stat()
    stamp = f"{model_path.name}:{stat.st_size}:{stat.st_mtime_ns}"
    cache = cache_dir / f"{model_path.name}.{name}-tokens.json"
    try:
        saved = json.loads(cache.read_text())
        if saved.get("model") == stamp:
            return saved["ids"]
    except (OSError, ValueError, AttributeError):
        pass
    import llama_cpp
    from llama_cpp._utils import suppress_stdout_stderr

    with suppress_stdout_stderr(disable=False):  # llama.cpp logs the load on stderr whatever `verbose` says
        vocab = llama_cpp.Llama(str(model_path), vocab_only=True, verbose=False)
    holds = SETS[name]
    ids = [token for token in range(vocab.n_vocab())
           if holds(vocab.detokenize([token]).decode("utf-8", errors="ignore"))]
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".tmp")
    partial.write_text(json.dumps({"model": stamp, "ids": ids}))
    partial.replace(cache)
    return ids


@lru_cache(maxsize=8)
def logit_bias(model_path: Path, cache_dir: Path, names: tuple[str, ...]) -> dict[str, float]:
    """The `logit_bias` that bans the sets `names` from a reply of the local model (built once per process, not
    per reply)."""
    return {str(token): BANNED for name in names for token in tokens_of(model_path, cache_dir, name)}
