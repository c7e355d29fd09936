"""Chunk vectors in chromadb: embedded on disk by default, a `chroma run` server with PAPERS_CHROMA_URL.

Embeddings are always computed by us and passed in (chromadb's default embedding function would
download a model). HNSW settings are fixed at collection creation; bench/ingest.py checks their
recall against exact search on the real corpus.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest.chunking import Chunk

COLLECTION = "chunks"
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}


def make_client(index_dir: Path, chroma_url: str | None) -> chromadb.ClientAPI:
    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=settings)
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir), settings=settings)


@dataclass
class Hit:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    score: float  # cosine similarity


class ChunkStore:
    def __init__(self, client: chromadb.ClientAPI, collection: str = COLLECTION):
        self.client = client
        self.collection = client.get_or_create_collection(
            collection, configuration={"hnsw": HNSW}, embedding_function=None
        )

    def add(self, chunks: list[Chunk], embeddings: np.ndarray, extra: dict[str, Any]) -> None:
        """Upsert chunks (ids are deterministic, so a re-run after a crash overwrites, never duplicates)."""
        batch = self.client.get_max_batch_size()
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=embeddings[start : start + batch],
                documents=[c.text for c in part],
                metadatas=[{**extra, "paper_id": c.paper_id, "chunk_index": c.index, "kind": c.kind,
                            "section": c.section, "section_path": c.section_path,
                            "page_start": c.page_start, "page_end": c.page_end} for c in part],
            )

    def delete_paper(self, paper_id: str) -> None:
        self.collection.delete(where={"paper_id": paper_id})

    def count(self, paper_id: str | None = None) -> int:
        if paper_id is None:
            return self.collection.count()
        return len(self.collection.get(where={"paper_id": paper_id}, include=[])["ids"])

    def chunk_ids(self, paper_id: str) -> list[str]:
        return self.collection.get(where={"paper_id": paper_id}, include=[])["ids"]

    def query(self, embedding: np.ndarray, k: int, where: dict | None = None) -> list[Hit]:
        result = self.collection.query(query_embeddings=[embedding], n_results=k, where=where,
                                       include=["documents", "metadatas", "distances"])
        return [Hit(i, d, m, 1.0 - dist) for i, d, m, dist in
                zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])]

    def get(self, ids: list[str]) -> list[Hit]:
        """Chunks by id, in the order asked (score 0: no query involved)."""
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        by_id = {i: Hit(i, d, m, 0.0) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    def documents(self, page_size: int = 5000) -> tuple[list[str], list[str], list[dict]]:
        """Every chunk's id, text and metadata, fetched in pages (a server caps one response)."""
        ids: list[str] = []
        texts: list[str] = []
        metadatas: list[dict] = []
        while True:
            got = self.collection.get(limit=page_size, offset=len(ids), include=["documents", "metadatas"])
            ids += got["ids"]
            texts += got["documents"]
            metadatas += got["metadatas"]
            if len(got["ids"]) < page_size:
                return ids, texts, metadatas

    def all_embeddings(self, where: dict | None = None) -> tuple[list[str], np.ndarray]:
        got = self.collection.get(where=where, include=["embeddings"])
        return got["ids"], np.asarray(got["embeddings"], dtype=np.float32)

    def papers_chunks(self, paper_ids: list[str]) -> tuple[list[Hit], np.ndarray]:
        """Every chunk of these papers with its embedding, in chunk order per paper."""
        got = self.collection.get(where={"paper_id": {"$in": list(paper_ids)}},
                                  include=["documents", "metadatas", "embeddings"])
        order = sorted(range(len(got["ids"])), key=lambda i: (got["metadatas"][i]["paper_id"],
                                                               got["metadatas"][i]["chunk_index"]))
        hits = [Hit(got["ids"][i], got["documents"][i], got["metadatas"][i], 0.0) for i in order]
        embeddings = np.asarray(got["embeddings"], dtype=np.float32)
        return hits, embeddings[order] if len(order) else embeddings
