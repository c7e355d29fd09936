"""Retrieval benchmark: this project's retrieval next to the plain pipeline a user would build instead,
on the same PDFs and questions, in one run, with ablations.

Systems
- `app`: the project's retrieval as the app uses it (`qa.retrieval.search.Retriever` over a library
  ingested with `papers ingest`: layout-aware section chunks, dense e5 + BM25 fused, scoped; a Japanese
  question also searched in the English the local LLM rewrites it to, as `Asker.search_query` does).
- `app-no-llm`: the same without the rewrite (what the app does while the LLM is down).
- `dense`, `bm25` and `try-*`: the app's retriever with one part switched off or changed (RetrievalOptions).
- `peer-320`, `peer-480`: the llama-index starter: PyMuPDF page text, `SentenceSplitter(chunk_size=N,
  chunk_overlap=50)`, `VectorStoreIndex`, the same e5 model with the same `query: ` / `passage: ` prefixes,
  dense only. `peer-480-rewrite` searches the app's English rewrite instead of the question.

Scoring (the question format's rules): a hit is a retrieved passage from one of the question's papers
that contains one of its facts; for a question about several papers, each_paper@5 asks for such a passage
of every one of them in the top 5. For each system: hit@1, hit@5, MRR@10 and paper hit@5, per language, kind,
intent and split (tune / holdout), and the prompt tokens the top passages cost (the LLM's own tokenizer on
the text the LLM would get). Because a bigger chunk finds more by being bigger, systems are also compared
at equal prompt tokens: hit@budget takes passages in rank order while they fit the budget.

Writes JSON to bench/results/retrieval.json (or --out). The library is kept in bench/results/library (ingest is
incremental); embeddings of the peer's chunks and the LLM's rewrites are cached in bench/results/cache
(the rewrites by model and question: the local LLM is started only for new ones).
usage: python bench/retrieval.py [--questions FILE ...] [--systems NAME ...] [--k 10] [--out FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from index.embedder import Embedder  # noqa: E402
from index.library import Library  # noqa: E402
from ingest.chunking import ChunkKind  # noqa: E402
from ingest.text import fold  # noqa: E402
from qa.answer.chain import Asker  # noqa: E402
from qa.answer.evaluate import Question, load_questions  # noqa: E402
from qa.answer.evidence import select_evidence  # noqa: E402
from qa.answer.prompts import focus  # noqa: E402
from qa.llm.chat import ChatModel  # noqa: E402
from qa.retrieval.search import RetrievalOptions, Retriever  # noqa: E402
from ui.config import Config, pin_offline_env  # noqa: E402

SHARED = Path(os.environ.get("PAPERS_SHARED", ROOT.parent / "shared"))
PDF_DIRS = [SHARED / "corpus" / "pdf", SHARED / "corpus" / "seedpapers"]
RESULTS = ROOT / "bench" / "results"
BUDGETS = (600, 1200, 2400)  # prompt tokens of passages: about 1, 2 and 4 of the app's focused passages


class Tokens:
    """Prompt tokens as the local LLM counts them (the GGUF's vocabulary, loaded without weights)."""

    def __init__(self, model_path: Path):
        from llama_cpp import Llama

        self.model = Llama(model_path=str(model_path), vocab_only=True, verbose=False)

    def __call__(self, text: str) -> int:
        return len(self.model.tokenize(text.encode(), add_bos=False))


class CachedEmbedder:
    """The project's e5 embedder with an on-disk cache by text, so repeated runs embed only new chunks."""

    def __init__(self, embedder: Embedder, path: Path):
        self.embedder, self.path = embedder, path
        self.cache: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self.cache = dict(zip(data["keys"].tolist(), data["vectors"]))
        self.added = 0

    def passages(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(("passage: " + t).encode()).hexdigest() for t in texts]
        missing = [i for i, key in enumerate(keys) if key not in self.cache]
        order = sorted(missing, key=lambda i: len(texts[i]))
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            for i, vector in zip(batch, self.embedder.embed_passages([texts[i] for i in batch])):
                self.cache[keys[i]] = vector
        self.added += len(missing)
        return np.array([self.cache[key] for key in keys], dtype=np.float32)

    def save(self) -> None:
        if self.added:
            keys = list(self.cache)
            np.savez(self.path, keys=np.array(keys), vectors=np.array([self.cache[k] for k in keys]))


class Rewrites:
    """The English search query the app's LLM writes for each question (`Asker.search_query`), cached."""

    def __init__(self, asker: Asker, path: Path):
        self.asker, self.path = asker, path
        self.model = asker.chat.label
        self.cache: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        self.times: list[float] = []

    def __call__(self, question: str) -> str:
        key = hashlib.sha1(f"{self.model}\n{question}".encode()).hexdigest()
        if key not in self.cache:
            started = time.perf_counter()
            self.cache[key] = self.asker.search_query(question, [])
            self.times.append(time.perf_counter() - started)
            self.path.write_text(json.dumps(self.cache, ensure_ascii=False, indent=0))
        return self.cache[key]


# ---- the systems ------------------------------------------------------------------------------------------------
class AppSystem:
    """The project's retriever; the prompt text of a passage is what the answer prompt would hold."""

    def __init__(self, library: Library, options: RetrievalOptions, rewrites: Rewrites):
        self.retriever, self.rewrites = Retriever(library, options), rewrites
        self.evidence_s: list[float] = []

    def search(self, question: str, k: int) -> list[tuple[str, str, str]]:
        rewrite = self.rewrites(question) if self.retriever.options.rewrite else question
        self.last = self.retriever.search(question, k, rewrite=rewrite)
        self.last_rewrite = rewrite
        return [(p.arxiv_id or p.paper_id, p.text, p.text if p.kind == ChunkKind.TABLE else focus(p.text, rewrite))
                for p in self.last]

    def evidence(self, question: str) -> list[tuple[str, str]]:
        """The evidence sentences the answer would show first (qa/answer/evidence.py), from the last search."""
        started = time.perf_counter()
        library = self.retriever.library
        papers = {p.paper_id: library.parsed(p.paper_id) for p in self.last[:5] if p.page_start != p.page_end}
        chosen, _ = select_evidence(question, self.last, library.embedder, [self.last_rewrite], papers)
        self.evidence_s.append(time.perf_counter() - started)
        return [(e.passage.arxiv_id or e.passage.paper_id, library.pages.as_printed(e.passage.paper_id, e.page,
                                                                                    e.sentence)) for e in chosen]


class PeerSystem:
    """The llama-index starter pipeline over PyMuPDF page text, dense only, the same e5 model."""

    def __init__(self, pdfs: list[Path], chunk_size: int, embedder: CachedEmbedder, rewrites: Rewrites | None):
        import pymupdf
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.embeddings import BaseEmbedding
        from llama_index.core.node_parser import SentenceSplitter

        class E5(BaseEmbedding):
            def _get_query_embedding(self, query: str) -> list[float]:
                return embedder.embedder.embed_queries([query])[0].tolist()

            async def _aget_query_embedding(self, query: str) -> list[float]:
                return self._get_query_embedding(query)

            def _get_text_embedding(self, text: str) -> list[float]:
                return embedder.passages([text])[0].tolist()

            def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
                return embedder.passages(texts).tolist()

        documents = []
        for pdf in pdfs:
            with pymupdf.open(pdf) as doc:
                for number, page in enumerate(doc, 1):
                    documents.append(Document(text=page.get_text(), metadata={"arxiv_id": pdf.stem, "page": number},
                                              excluded_embed_metadata_keys=["arxiv_id", "page"],
                                              excluded_llm_metadata_keys=["arxiv_id", "page"]))
        splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=50)
        self.index = VectorStoreIndex.from_documents(documents, transformations=[splitter], embed_model=E5(),
                                                     show_progress=False)
        self.chunks = len(self.index.docstore.docs)
        self.rewrites = rewrites

    def search(self, question: str, k: int) -> list[tuple[str, str, str]]:
        query = self.rewrites(question) if self.rewrites else question
        nodes = self.index.as_retriever(similarity_top_k=k).retrieve(query)
        return [(n.node.metadata["arxiv_id"], n.node.get_content(), n.node.get_content()) for n in nodes]


# ---- scoring ----------------------------------------------------------------------------------------------------
def _holds(text: str, facts: list[str]) -> bool:
    folded = fold(text)
    return any(fold(f) in folded for f in facts)


def score_question(q: Question, hits: list[tuple[str, str, str]], tokens: Tokens,
                   evidence: list[tuple[str, str]] | None = None) -> dict:
    relevant = [paper in q.papers and (_holds(text, q.facts) if q.facts else True) for paper, text, _ in hits]
    seen = [paper in q.papers and (_holds(prompt, q.facts) if q.facts else True) for paper, _, prompt in hits]
    rank = next((i + 1 for i, ok in enumerate(relevant) if ok), None)
    costs = [tokens(prompt) for _, _, prompt in hits]
    record = {"rank": rank, "paper_rank": next((i + 1 for i, (p, _, _) in enumerate(hits) if p in q.papers), None),
              "seen_rank": next((i + 1 for i, ok in enumerate(seen) if ok), None),
              "tokens@5": sum(costs[:5]),
              # a question about several papers: a passage holding a fact from each of them in the top 5
              "each_paper@5": all(any(paper == wanted and _holds(text, q.facts) for paper, text, _ in hits[:5])
                                  for wanted in q.papers) if len(q.papers) > 1 else None}
    for budget in BUDGETS:
        used, hit = 0, False
        for ok, cost in zip(seen, costs):
            if used + cost > budget:
                break
            used += cost
            hit = hit or ok
        record[f"hit@{budget}tok"] = hit
    if evidence is not None:
        held = [paper in q.papers and _holds(sentence, q.facts) for paper, sentence in evidence]
        record["evidence@1"], record["evidence"] = bool(held[:1] and held[0]), any(held)
    return record


def summarize(records: list[dict]) -> dict:
    def share(values):
        return round(sum(values) / len(values), 3) if values else None

    return {"n": len(records),
            "hit@1": share([r["rank"] == 1 for r in records]),
            "hit@5": share([r["rank"] is not None and r["rank"] <= 5 for r in records]),
            "hit@10": share([r["rank"] is not None for r in records]),
            "mrr@10": round(statistics.fmean([1 / r["rank"] if r["rank"] else 0 for r in records]), 3),
            "paper_hit@5": share([r["paper_rank"] is not None and r["paper_rank"] <= 5 for r in records]),
            "prompt_hit@5": share([r["seen_rank"] is not None and r["seen_rank"] <= 5 for r in records]),
            "tokens@5_mean": round(statistics.fmean([r["tokens@5"] for r in records])),
            "each_paper@5": share([r["each_paper@5"] for r in records if r["each_paper@5"] is not None]),
            **{f"hit@{b}tok": share([r[f"hit@{b}tok"] for r in records]) for b in BUDGETS},
            **({key: share([r[key] for r in records]) for key in ("evidence@1", "evidence")} if "evidence" in records[0]
               else {})}


def breakdown(records: list[dict], questions: list[Question]) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for record, q in zip(records, questions):
        groups["all"].append(record)
        groups[f"lang={q.lang}"].append(record)
        groups[f"kind={q.kind}"].append(record)
        groups[f"intent={q.intent or '-'}"].append(record)
        groups[f"split={q.split or '-'}"].append(record)
    return {name: summarize(rows) for name, rows in sorted(groups.items())}


# ---- the run ----------------------------------------------------------------------------------------------------
def app_library(config: Config, pdfs: list[Path], embedder: Embedder) -> Library:
    library = Library(config.library)
    library._embedder = embedder
    started = time.perf_counter()
    outcomes = library.ingest(pdfs)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        sys.exit("ingest failed: " + "; ".join(f"{o.path.name}: {o.message}" for o in failed))
    print(f"library: {len(library.papers())} papers, {library.store.count()} chunks "
          f"({time.perf_counter() - started:.0f} s ingest)", file=sys.stderr)
    return library


SYSTEMS = {  # name -> options of the app's retriever (peers are built separately)
    "app": RetrievalOptions(),
    "app-no-llm": RetrievalOptions(rewrite=False),
    "dense": RetrievalOptions(lexical=False),
    "bm25": RetrievalOptions(dense=False, lexical_weight_ja=1.0),
    "try-no-llm-ja-bm25": RetrievalOptions(rewrite=False, lexical_weight_ja=1.0),  # before this change
    "try-pool-30": RetrievalOptions(pool=30),  # before this change
    "try-no-follow-paper": RetrievalOptions(follow_paper=0),
    "try-follow-paper-3": RetrievalOptions(follow_paper=3),
    "try-keep-names": RetrievalOptions(drop_names=False),  # before this change
    "try-papers-together": RetrievalOptions(per_paper=False),  # before this change
    "try-no-own-terms": RetrievalOptions(own_terms=False),
    "try-no-lexical-heads": RetrievalOptions(lexical_heads=0),
    "try-lexical-heads-1": RetrievalOptions(lexical_heads=1),
    "try-lexical-heads-3": RetrievalOptions(lexical_heads=3),
    "try-no-rarity-in-scope": RetrievalOptions(rarity_in_scope=False),
    "try-no-held-names": RetrievalOptions(held_names=False),
    "try-keep-description": RetrievalOptions(drop_description=False),
    "try-no-limitation-prior": RetrievalOptions(section_priors=("hardware",)),
    "try-no-hardware-prior": RetrievalOptions(section_priors=("limitation",)),
    "try-no-sentence-pairs": RetrievalOptions(sentences=False),  # before this change
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, nargs="*",
                        default=[ROOT / "bench" / "questions" / "dev.jsonl", SHARED / "eval" / "questions.jsonl"])
    parser.add_argument("--systems", nargs="*", default=[*SYSTEMS, "peer-320", "peer-480", "peer-480-rewrite"])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--sets", nargs="*", help="only these question files (by stem)")
    parser.add_argument("--home", type=Path, default=RESULTS / "library", help="the benchmark's library")
    parser.add_argument("--out", type=Path, default=RESULTS / "retrieval.json")
    args = parser.parse_args()

    pin_offline_env()
    config = Config.from_env({**os.environ, "PAPERS_HOME": str(args.home)})
    pdfs = sorted(p for folder in PDF_DIRS for p in folder.glob("*.pdf"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cache").mkdir(exist_ok=True)
    embedder = Embedder(config.library.embed_model)
    cached = CachedEmbedder(embedder, RESULTS / "cache" / "peer-embeddings.npz")
    tokens = Tokens(config.llm.models_dir / config.llm.model_file)
    library = app_library(config, pdfs, embedder)
    rewrites = Rewrites(Asker(library, ChatModel(config.llm), temperature=config.llm.answer_temperature),
                        RESULTS / "cache" / "rewrites.json")

    result: dict = {"pdfs": len(pdfs), "k": args.k, "question_files": {}, "systems": {}}
    sets = {path.stem: [q for q in load_questions(path) if q.kind != "none"] for path in args.questions
            if not args.sets or path.stem in args.sets}
    for name in args.systems:
        started = time.perf_counter()
        if name.startswith("peer-"):
            system = PeerSystem(pdfs, int(name.split("-")[1]), cached, rewrites if name.endswith("-rewrite") else None)
            cached.save()
            built = {"chunks": system.chunks, "build_s": round(time.perf_counter() - started, 1)}
        else:
            system, built = AppSystem(library, SYSTEMS[name], rewrites), {"chunks": library.store.count()}
        result["systems"][name] = {**built, "sets": {}}
        for set_name, questions in sets.items():
            searched = time.perf_counter()
            records = [score_question(q, system.search(q.question, args.k), tokens,
                                      system.evidence(q.question) if name == "app" else None) for q in questions]
            extra = {}  # LLM rewrites and evidence selection are timed apart from the search
            if isinstance(system, AppSystem) and system.evidence_s:
                extra["evidence_ms_mean"] = round(1000 * statistics.fmean(system.evidence_s), 1)
            elapsed = time.perf_counter() - searched - sum(rewrites.times) - sum(getattr(system, "evidence_s", []))
            rewrites.times.clear()
            getattr(system, "evidence_s", []).clear()
            result["systems"][name]["sets"][set_name] = {
                "search_ms_mean": round(1000 * elapsed / max(len(questions), 1), 1), **extra,
                **breakdown(records, questions),
                "misses": [q.id for q, r in zip(questions, records) if not r["rank"] or r["rank"] > 5]}
            top = result["systems"][name]["sets"][set_name]["all"]
            print(f"{name:<14} {set_name:<10} hit@1 {top['hit@1']:.3f}  hit@5 {top['hit@5']:.3f}  "
                  f"mrr {top['mrr@10']:.3f}  hit@1200tok {top['hit@1200tok']:.3f}  "
                  f"tokens@5 {top['tokens@5_mean']}", file=sys.stderr, flush=True)
    result["question_files"] = {name: len(qs) for name, qs in sets.items()}
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"written: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
