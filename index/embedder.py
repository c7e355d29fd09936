"""The embedding model: multilingual-e5-small (or any local sentence-transformers folder).

e5 was trained with `query: ` / `passage: ` prefixes; both are applied here and nowhere else.
The model is always loaded from a local path, never by hub name, so nothing is downloaded.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.errors import PapersError

QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "


class EmbeddingModelMissing(PapersError):
    exit_code = 1


class Embedder:
    def __init__(self, model_path: Path, batch_size: int = 16):
        model_path = Path(model_path)
        if not (model_path / "modules.json").exists() and not (model_path / "config.json").exists():
            raise EmbeddingModelMissing(
                f"embedding model not found at {model_path}; run `make setup` (or `papers setup`) to prepare it"
            )
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        self.batch_size = batch_size
        self.name = model_path.name
        self.dimension = int(self.model.get_embedding_dimension())
        # the model's hard input limit, prefix included
        self.max_tokens = int(self.model.max_seq_length)
        # the fast backend counts without truncating or warning about over-long inputs
        self._backend = getattr(self.model.tokenizer, "backend_tokenizer", None)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for this passage, special tokens and the prefix included."""
        if self._backend is not None:
            return len(self._backend.encode(PASSAGE_PREFIX + text, add_special_tokens=True).ids)
        return len(self.model.tokenizer(PASSAGE_PREFIX + text, add_special_tokens=True)["input_ids"])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([PASSAGE_PREFIX + t for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([QUERY_PREFIX + t for t in texts])
