"""Chunk vectors in chromadb: embedded on disk by default, a `chroma run` server with PAPERS_CHROMA_URL.

Embeddings are always computed by us and passed in (chromadb's default embedding function would
download a model). HNSW settings are fixed at collection creation; bench/ingest.py checks their
recall against exact search on the real corpus.
"""
from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest.chunking import Chunk
from ingest.errors import StateError
from ingest.paper import Paper

from .schema import ChunkMeta, Passage, passage_of

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


def _failure(where: str, exc: Exception) -> StateError:
    text = str(exc)
    if "disk is full" in text or "No space left" in text:
        return StateError(f"no space left on the disk holding the chunk store {where}; free some space and run the "
                          "command again (an interrupted ingest resumes)")
    return StateError(f"the chunk store {where} failed ({type(exc).__name__}: {text[:200]}); if it is damaged, move "
                      "it away and run `papers doctor --repair` to rebuild it from the PDFs")


def _guarded(method):
    """Any chromadb failure becomes one StateError naming the store (a damaged database, a full disk)."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except StateError:
            raise
        except Exception as exc:  # noqa: BLE001 - chromadb's Rust core raises many types
            raise _failure(self.where, exc) from None
    return call


class ChunkStore:
    def __init__(self, client: chromadb.ClientAPI, where: str, collection: str = COLLECTION):
        self.client = client
        self.where = where
        try:
            self.collection = client.get_or_create_collection(
                collection, configuration={"hnsw": HNSW}, embedding_function=None
            )
        except Exception as exc:  # noqa: BLE001
            raise _failure(where, exc) from None

    @_guarded
    def add(self, chunks: list[Chunk], embeddings: np.ndarray, paper: Paper) -> None:
        """Upsert chunks (ids are deterministic, so a re-run after a crash overwrites, never duplicates)."""
        batch = self.client.get_max_batch_size()
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=embeddings[start : start + batch],
                documents=[c.text for c in part],
                metadatas=[ChunkMeta.of(c, paper).to_chroma() for c in part],
            )

    @_guarded
    def delete_paper(self, paper_id: str) -> None:
        self.collection.delete(where={"paper_id": paper_id})

    @_guarded
    def count(self, paper_id: str | None = None) -> int:
        if paper_id is None:
            return self.collection.count()
        return len(self.collection.get(where={"paper_id": paper_id}, include=[])["ids"])

    @_guarded
    def chunk_ids(self, paper_id: str) -> list[str]:
        return self.collection.get(where={"paper_id": paper_id}, include=[])["ids"]

    @_guarded
    def query(self, embedding: np.ndarray, k: int, where: dict | None = None) -> list[Passage]:
        """The k nearest chunks, scored by cosine similarity."""
        result = self.collection.query(query_embeddings=[embedding], n_results=k, where=where,
                                       include=["documents", "metadatas", "distances"])
        return [passage_of(i, d, m, 1.0 - dist) for i, d, m, dist in
                zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])]

    @_guarded
    def nearest(self, embedding: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ids of the k nearest chunks with their cosine similarity, no text or metadata read: at corpus size
        a tenth of `query`'s time for 120 neighbours (reading the rows is what costs)."""
        result = self.collection.query(query_embeddings=[embedding], n_results=k, include=["distances"])
        return [(i, 1.0 - dist) for i, dist in zip(result["ids"][0], result["distances"][0])]

    @_guarded
    def get(self, ids: list[str]) -> list[Passage]:
        """Chunks by id, in the order asked (score 0: no query involved)."""
        if not ids:
            return []
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        by_id = {i: passage_of(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    @_guarded
    def documents(self, page_size: int = 5000) -> list[Passage]:
        """Every chunk, fetched in pages (a server caps one response)."""
        passages: list[Passage] = []
        while True:
            got = self.collection.get(limit=page_size, offset=len(passages), include=["documents", "metadatas"])
            passages += [passage_of(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
            if len(got["ids"]) < page_size:
                return passages

    @_guarded
    def all_embeddings(self, where: dict | None = None) -> tuple[list[str], np.ndarray]:
        got = self.collection.get(where=where, include=["embeddings"])
        return got["ids"], np.asarray(got["embeddings"], dtype=np.float32)

    @_guarded
    def papers_chunks(self, paper_ids: list[str]) -> tuple[list[Passage], np.ndarray]:
        """Every chunk of these papers with its embedding, in chunk order per paper."""
        got = self.collection.get(where={"paper_id": {"$in": list(paper_ids)}},
                                  include=["documents", "metadatas", "embeddings"])
        order = sorted(range(len(got["ids"])), key=lambda i: (got["metadatas"][i]["paper_id"],
                                                               got["metadatas"][i]["chunk_index"]))
        hits = [passage_of(got["ids"][i], got["documents"][i], got["metadatas"][i]) for i in order]
        embeddings = np.asarray(got["embeddings"], dtype=np.float32)
        return hits, embeddings[order] if len(order) else embeddings
