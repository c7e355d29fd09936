"""Ingest benchmark: the shared corpus into a temporary store, measured end to end.

Writes JSON (stdout and bench/results/ingest.json): papers, pages, chunks, pages/s end to end,
parse and embed time, peak RSS, HNSW recall@10 against exact search, and the ratio to two
parse+embed limits: one from the numbers in shared/docs/offline-stack.md, one from timing the
libraries alone (pymupdf4llm layout, one sorted encode) on the same files on this machine.

usage: python bench/ingest.py [PDF_DIR] [--limit N]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from ui.config import Config, pin_offline_env  # noqa: E402

SHARED = Path(os.environ.get("PAPERS_SHARED", ROOT.parent / "shared"))
# offline-stack.md: layout parse 6.4 pages/s; e5 (sentence-transformers, fp32) embeds about
# 5.6 x 300-word or 13.5 x 150-word passages a second, i.e. roughly 1,850 words/s.
DOC_PARSE_PAGES_PER_S = 6.4
DOC_EMBED_WORDS_PER_S = 1850.0


def recall_at_10(library, queries: np.ndarray) -> float:
    ids, vectors = library.store.all_embeddings()
    ids = np.asarray(ids)
    hits = []
    for query in queries:
        exact = set(ids[np.argsort(-(vectors @ query))[:10]])
        approx = {h.chunk_id for h in library.store.query(query, 10)}
        hits.append(len(exact & approx) / 10)
    return float(np.mean(hits))


def component_limit(files: list[Path], library) -> dict:
    """The libraries alone, no code of ours: pymupdf4llm layout over every file, then one
    length-sorted encode of every stored chunk's embedded text. Their sum bounds a sequential ingest."""
    import pymupdf
    import pymupdf4llm

    started = time.perf_counter()
    for path in files:
        with pymupdf.open(path) as doc:
            pymupdf4llm.to_markdown(doc, page_chunks=True, use_ocr=False)
    parse_s = time.perf_counter() - started
    got = library.store.collection.get(include=["documents", "metadatas"])
    texts = sorted((f"{m['title']} | {m['section_path']}\n{d}" for d, m in zip(got["documents"], got["metadatas"])),
                   key=len)
    started = time.perf_counter()
    library.embedder.embed_passages(texts)
    return {"parse_seconds": round(parse_s, 1), "embed_seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pdf_dir", nargs="?", type=Path, default=SHARED / "corpus" / "pdf")
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--no-components", action="store_true", help="skip the isolated component timing")
    args = parser.parse_args()

    pin_offline_env()
    with tempfile.TemporaryDirectory() as home:
        from index.library import FAILED, Library, expand_paths

        files = expand_paths([args.pdf_dir])[: args.limit or None]
        library = Library(Config.from_env({**os.environ, "PAPERS_HOME": home}).library)
        library.embedder.embed_passages(["warm up"])  # the model loads outside the timed part, as in a running app
        started = time.perf_counter()
        outcomes = library.ingest(files)
        wall = time.perf_counter() - started
        done = [o for o in outcomes if o.status != FAILED]
        pages = sum(o.pages for o in done)
        chunks = sum(o.chunks for o in done)
        parse_s = sum(o.parse_seconds for o in done)
        embed_s = sum(o.embed_seconds for o in done)
        words = sum(len(d.split()) for d in library.store.collection.get(include=["documents"])["documents"])

        questions = []
        eval_file = SHARED / "eval" / "questions.jsonl"
        if eval_file.exists():
            questions = [json.loads(line)["question"] for line in eval_file.read_text().splitlines() if line.strip()]
        sample = library.store.collection.get(limit=200, include=["documents"])["documents"]
        queries = library.embedder.embed_queries(questions + [s[:300] for s in sample])
        recall = recall_at_10(library, queries)
        components = None if args.no_components else component_limit([o.path for o in done], library)

    limit = 1.0 / (1.0 / DOC_PARSE_PAGES_PER_S + (words / pages) / DOC_EMBED_WORDS_PER_S) if pages else 0.0
    measured = None
    if components:
        measured = pages / (components["parse_seconds"] + components["embed_seconds"])
    result = {
        "papers": len(done),
        "failed": len(outcomes) - len(done),
        "pages": pages,
        "chunks": chunks,
        "words_per_page_indexed": round(words / pages, 1) if pages else 0,
        "wall_seconds": round(wall, 1),
        "pages_per_second": round(pages / wall, 3),
        "parse_seconds": round(parse_s, 1),
        "parse_pages_per_second": round(pages / parse_s, 3),
        "embed_seconds": round(embed_s, 1),
        "embed_chunks_per_second": round(chunks / embed_s, 2),
        "other_seconds": round(wall - parse_s - embed_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "hnsw_recall_at_10": round(recall, 4),
        "recall_queries": len(queries),
        "doc_limit_pages_per_second": round(limit, 3),
        "ratio_to_doc_limit": round(pages / wall / limit, 3) if limit else None,
        "components_alone": components,
        "measured_limit_pages_per_second": round(measured, 3) if measured else None,
        "ratio_to_measured_limit": round(pages / wall / measured, 3) if measured else None,
        "cpu_count": os.cpu_count(),
    }
    text = json.dumps(result, indent=1)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
