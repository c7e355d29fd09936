"""Query benchmark: hybrid retrieval latency at corpus size and at 100k chunks, and LLM latency.

Needs an ingested library (PAPERS_HOME, default data/; e.g. `papers ingest ../shared/corpus/pdf`).
1. Retrieval (query embedding + dense + BM25 + fusion + fetch) over the eval questions, repeated.
2. The same at 100k chunks: the library's chunks copied with jittered vectors and a suffix into a
   temporary chromadb + BM25 index.
3. First-token and total latency of full answers from the local model (default 1.5B).

Writes JSON to stdout and bench/results/query.json.
usage: python bench/query.py [--questions FILE] [--repeat N] [--scale N] [--llm-questions N] [--no-llm]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from index.library import Library  # noqa: E402
from index.schema import ChunkMeta, Passage  # noqa: E402
from qa.answer.evaluate import load_questions  # noqa: E402
from qa.retrieval.search import Retriever  # noqa: E402
from ui.backend import Backend  # noqa: E402
from ui.config import Config, pin_offline_env  # noqa: E402

SHARED = Path(os.environ.get("PAPERS_SHARED", ROOT.parent / "shared"))


def percentiles(values: list[float]) -> dict:
    ms = np.asarray(values) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "n": len(values)}


def time_retrieval(retriever: Retriever, questions: list[str], repeat: int) -> dict:
    retriever.search(questions[0], 6)  # warm: model load, BM25 load
    totals, embeds = [], []
    for _ in range(repeat):
        for question in questions:
            started = time.perf_counter()
            retriever.library.embedder.embed_queries([question])
            embeds.append(time.perf_counter() - started)
            fresh = Retriever(retriever.library, retriever.options)  # no query vector cached from the last round
            started = time.perf_counter()
            fresh.search(question, 6)
            totals.append(time.perf_counter() - started)
    return {"search": percentiles(totals), "query_embedding_alone": percentiles(embeds)}


def scaled_library(source: Library, target_chunks: int, folder: Path) -> tuple[Library, dict]:
    """A library whose store holds `target_chunks` chunks: copies of the source's, vectors jittered."""
    library = Library(Config.from_env({**os.environ, "PAPERS_HOME": str(folder)}).library)
    library._embedder = source.embedder
    passages = source.store.documents()
    ids, texts = [p.chunk_id for p in passages], [p.text for p in passages]
    metadatas = [p.meta.to_chroma() for p in passages]
    got = source.store.collection.get(ids=ids, include=["embeddings"])
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    rng = np.random.default_rng(0)
    batch = library.store.client.get_max_batch_size()
    all_ids, all_texts, all_meta = [], [], []
    started = time.perf_counter()
    copy = 0
    while len(all_ids) < target_chunks:
        n = min(len(ids), target_chunks - len(all_ids))
        jitter = vectors[:n] + rng.normal(0, 0.02, vectors[:n].shape).astype(np.float32)
        jitter /= np.linalg.norm(jitter, axis=1, keepdims=True)
        new_ids = [f"{i}#{copy}" for i in ids[:n]]
        new_texts = [f"{t} [copy {copy}]" for t in texts[:n]]
        new_meta = [{**m, "paper_id": f"{m['paper_id']}#{copy}"} for m in metadatas[:n]]
        for start in range(0, n, batch):
            library.store.collection.add(ids=new_ids[start:start + batch], embeddings=jitter[start:start + batch],
                                         documents=new_texts[start:start + batch],
                                         metadatas=new_meta[start:start + batch])
        all_ids += new_ids
        all_texts += new_texts
        all_meta += new_meta
        copy += 1
    insert_s = time.perf_counter() - started
    started = time.perf_counter()
    library._lexical.build(library.fingerprint(), [Passage(i, t, ChunkMeta.from_chroma(m))
                                                   for i, t, m in zip(all_ids, all_texts, all_meta)])
    return library, {"chunks": len(all_ids), "insert_s": round(insert_s, 1),
                     "bm25_build_s": round(time.perf_counter() - started, 1)}


def time_llm(backend: Backend, questions: list, count: int) -> dict:
    asker = backend.asker
    started = time.perf_counter()
    if not backend.config.llm.base_url:  # start (or reuse) the local server before timing answers
        backend.chat.server().start(backend.config.llm.model_path)
    ready_s = time.perf_counter() - started
    runs = []
    for q in questions[:count]:
        answer = asker.ask(q.question, lang=q.lang).consume()
        runs.append({"id": q.id, **{k: round(v, 2) for k, v in answer.timings.items()},
                     "answer_chars": len(answer.text), "error": answer.error})
    ok = [r for r in runs if not r["error"]]
    return {"model": backend.chat.label, "server_ready_s": round(ready_s, 1), "runs": runs,
            "first_token": percentiles([r["first_token_s"] for r in ok if "first_token_s" in r]) if ok else None,
            "total": percentiles([r["total_s"] for r in ok]) if ok else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "questions.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--llm-questions", type=int, default=6)
    parser.add_argument("--no-llm", action="store_true")
    args = parser.parse_args()

    pin_offline_env()
    questions = load_questions(args.questions)
    backend = Backend(Config.from_env())
    library = backend.library
    chunks = library.store.count()
    if not chunks:
        sys.exit("the library is empty: ingest the corpus first (papers ingest ../shared/corpus/pdf)")
    texts = [q.question for q in questions]
    result = {"papers": len(library.papers()), "chunks": chunks,
              "corpus": time_retrieval(Retriever(library), texts, args.repeat)}
    if args.scale:
        with tempfile.TemporaryDirectory() as folder:
            scaled, build = scaled_library(library, args.scale, Path(folder))
            result["scaled"] = {**build, **time_retrieval(Retriever(scaled), texts, args.repeat)}
    if not args.no_llm:
        result["llm"] = time_llm(backend, questions, args.llm_questions)
    out = ROOT / "bench" / "results" / "query.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
