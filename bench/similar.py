"""Similar-papers benchmark: how long `papers similar` takes once the library is open.

Needs an ingested library (PAPERS_HOME, default data/; e.g. `papers ingest ../shared/corpus/pdf`).
1. Building the paper-vector cache from the chunk store (what a library ingested before the cache
   existed pays once; ingest itself updates the cache for free).
2. Paper to papers (top 5 with 3 passage pairs each) for every paper, repeated: ranking + passages.
3. Text to papers for a few English and Japanese texts (query embedding included).
4. Ranking alone at --scale papers (random unit vectors standing in for papers).

Writes JSON to stdout and bench/results/similar.json.
usage: python bench/similar.py [--repeat N] [--scale N]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from index.library import Library  # noqa: E402
from qa.similar import SimilarSearch  # noqa: E402
from ui.config import Config, pin_offline_env  # noqa: E402

TEXTS = ["sparse attention over blocks of a long context",
         "reinforcement learning with verifiable rewards for reasoning",
         "音声と画像を同時に理解するモデル",
         "形式的な定理証明をLeanで行う"]


def percentiles(values: list[float]) -> dict:
    ms = np.asarray(values) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "max_ms": round(float(ms.max()), 1), "n": len(values)}


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=int, default=10_000)
    args = parser.parse_args()

    pin_offline_env()
    library = Library(Config.from_env().library)
    papers = [r.paper_id for r in library.papers()]
    if len(papers) < 2:
        sys.exit("ingest at least two papers first (papers ingest ../shared/corpus/pdf)")
    library.config.paper_vectors_path.unlink(missing_ok=True)
    build_s = timed(library.paper_vectors)
    search = SimilarSearch(library)
    library.embedder.embed_queries(["warm up"])

    by_paper = [timed(lambda p=p: search.like_paper(p)) for _ in range(args.repeat) for p in papers]
    by_text = [timed(lambda t=t: search.like_text(t)) for _ in range(args.repeat) for t in TEXTS]
    rank_only = [timed(lambda p=p: search.like_paper(p, passages=0)) for p in papers]

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((args.scale, library.embedder.dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    def rank_at_scale() -> None:
        centered = vectors - vectors.mean(axis=0)
        centered /= np.linalg.norm(centered, axis=1, keepdims=True)
        np.argsort(-(centered @ centered[0]))[:6]

    result = {
        "papers": len(papers), "chunks": library.store.count(),
        "cache_build_from_store_s": round(build_s, 2),
        "cache_bytes": library.config.paper_vectors_path.stat().st_size,
        "paper_to_papers_with_passages": percentiles(by_paper),
        "paper_to_papers_ranking_only": percentiles(rank_only),
        "text_to_papers": percentiles(by_text),
        "scaled_ranking": {"papers": args.scale, **percentiles([timed(rank_at_scale) for _ in range(args.repeat)])},
        "neighbours": {p: [r.paper_id for r in search.like_paper(p, passages=0)[1][:3]] for p in papers},
    }
    out = ROOT / "bench" / "results" / "similar.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
