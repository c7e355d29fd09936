"""Answer benchmark: how many passages, of what length, the local model should read, measured side by side.

The same dev questions (answerable ones spread over the papers, and unanswerable ones) are asked as the app
asks them (retrieval, evidence, prompt, the local model), once per prompt shape; Japanese questions use
bench/retrieval.py's cached English rewrite, so the shapes differ only in the prompt; each shape gets a
fresh server (the prompts of shapes share prefixes that a warm prompt cache would not compute again). Per shape:
`papers eval`'s summary (answer_fact, answer_fact_core, evidence_fact, refusals, citation validity, first token
and total time) and the prompt tokens the model reads after the cached rules.

`--peer` asks the same questions, on the same server, of the peer a user would build instead: the llama-index
starter (bench/retrieval.py's `peer-480`) with its query engine's defaults (top 2 chunks, its QA prompt), greedy
like the app; it has no rewrite, evidence or citations, so only its answers and refusals are compared.

usage: python bench/answer.py [--shapes 5x700,3x400,...] [--peer] [--answerable N] [--unanswerable N]
                             [--lang en|ja] [--questions FILE] [--prompts-only] [--home DIR] [--out FILE]
Writes bench/results/answer.json (--prompts-only: answer-prompts.json).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

from qa.answer.chain import Asker, kept_evidence  # noqa: E402
from qa.answer.evaluate import contains_fact, contains_fact_core, evaluate, load_questions, summarize  # noqa: E402
from qa.answer.prompts import answer_messages, is_refusal  # noqa: E402
from qa.llm.config import ANSWER_TEMPERATURE  # noqa: E402
from ui.backend import Backend  # noqa: E402
from ui.config import Config, pin_offline_env  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEV = ROOT / "bench" / "questions" / "dev.jsonl"
# name: (passages the model reads, of the five retrieved; characters each, the evidence kept below 700)
SHAPES: dict[str, tuple[int, int]] = {
    "5x700": (5, 700),  # the default
    "5x400": (5, 400),
    "4x400": (4, 400),
    "3x500": (3, 500),
    "3x400": (3, 400),
    "2x400": (2, 400),
}


def spread(items: list, n: int) -> list:
    """`n` of `items`, evenly spaced; all of them, once each, when there are no more than `n` (a 12-question file
    asked with `--answerable 20` asked 11 of them twice)."""
    return [items[i * len(items) // n] for i in range(n)] if n < len(items) else list(items)


class CachedRewriteAsker(Asker):
    """The app's asker, with each Japanese question's cached English rewrite."""

    def __init__(self, library, chat, read, chars, rewrites: dict[str, str], temperature: float = ANSWER_TEMPERATURE,
                 english_first: bool = True):
        super().__init__(library, chat, read, chars, temperature, english_first)
        self.rewrites = rewrites

    def search_query(self, question, history):
        key = hashlib.sha1(f"{self.chat.label}\n{question}".encode()).hexdigest()
        return self.rewrites.get(key) or super().search_query(question, history)


def count_prompts(chat, tokenizer, tokens: list[int]) -> None:
    """Every answer prompt's last message (what follows the cached rules) counted in model tokens."""
    stream = chat.stream

    def counted(messages, *args, **kwargs):
        if len(messages) > 1:  # an answer prompt (a rewrite is one user message)
            tokens.append(len(tokenizer.tokenize(messages[-1]["content"].encode(), add_bos=False)))
        return stream(messages, *args, **kwargs)
    chat.stream = counted


def prompt_facts(backend, questions, rewrites: dict[str, str], tokenizer) -> dict:
    """Without the LLM, over every answerable dev question: how often each shape's prompt holds an expected
    fact (the model cannot copy what it does not read), and its tokens; whether each evidence quote is found on
    the page it cites (how often they hold a fact: bench/retrieval.py); over all of them, which are declined
    before any answer call (a name the papers asked about do not mention: qa/answer/names.py)."""
    asker = CachedRewriteAsker(backend.library, backend.chat, 5, 700, rewrites)
    rows = {name: [] for name in SHAPES}
    quotes: list[tuple[bool, int]] = []
    declined: dict[str, list[str]] = {"answerable": [], "unanswerable": []}
    for q in questions:
        answer = asker.ask(q.question, lang=q.lang).answer  # retrieval and evidence; the LLM only when iterated
        if answer.unmentioned:
            declined["answerable" if q.papers else "unanswerable"].append(f"{q.id}: {', '.join(answer.unmentioned)}")
        if not q.facts:
            continue
        quotes += [(backend.library.pages.quote_on_page(e.passage.paper_id, e.page, e.quote), len(e.quote))
                   for e in answer.evidence]
        for name, (read, chars) in SHAPES.items():
            prompt = answer_messages(q.question, answer.passages, q.lang, focus_on=answer.standalone, limit=read,
                                     budget=chars, evidence=kept_evidence(answer, chars))[-1]["content"]
            rows[name].append((contains_fact(prompt, q.facts),
                               len(tokenizer.tokenize(prompt.encode(), add_bos=False)), q.lang))
    answerable = sum(bool(q.papers) for q in questions)
    counts = {"answerable": answerable, "unanswerable": len(questions) - answerable}
    return {name: {"questions": len(r), "fact_in_prompt": round(statistics.fmean(f for f, _, _ in r), 3),
                   **{f"fact_in_prompt_{lang}": round(statistics.fmean(f for f, _, asked in r if asked == lang), 3)
                      for lang in ("en", "ja")},
                   "prompt_tokens_mean": round(statistics.fmean(t for _, t, _ in r))} for name, r in rows.items()} | {
        "evidence_quotes": {"quotes": len(quotes), "on_their_page": round(statistics.fmean(ok for ok, _ in quotes), 3),
                            "chars_mean": round(statistics.fmean(n for _, n in quotes))},
        "declined_before_llm": {kind: {"share": round(len(ids) / max(1, counts[kind]), 3), "ids": ids}
                                for kind, ids in declined.items()}}


def progress(record: dict) -> None:
    print(f"  {record['id']}: fact {record.get('answer_fact')} refused {record['refused']} {record['timings']}",
          flush=True)


def ask_peer(backend, config: Config, sample) -> dict:
    """The llama-index starter answering with the app's local model (started by `backend`): PyMuPDF page text,
    `SentenceSplitter(480, 50)`, `VectorStoreIndex` with the same e5 model, `as_query_engine()` with its defaults
    (the top 2 chunks, llama-index's QA prompt), the question as asked. Records shaped like `papers eval`'s."""
    from llama_index.llms.openai_like import OpenAILike
    from retrieval import PDF_DIRS, CachedEmbedder, PeerSystem

    pdfs = sorted(p for folder in PDF_DIRS for p in folder.glob("*.pdf"))
    peer = PeerSystem(pdfs, 480, CachedEmbedder(backend.library.embedder, RESULTS / "cache" / "peer-embeddings.npz"),
                      None)
    llm = OpenAILike(model=config.llm.model, api_base=backend.chat.server().start(config.llm.model_path).base_url,
                     api_key=config.llm.api_key, is_chat_model=True, context_window=config.llm.context_window,
                     max_tokens=config.llm.max_tokens, temperature=config.llm.answer_temperature,
                     timeout=config.llm.timeout_s)
    engine = peer.index.as_query_engine(llm=llm, streaming=True)
    records = []
    for q in sample:
        started, first, text = time.perf_counter(), None, ""
        response = engine.query(q.question)
        for delta in response.response_gen:
            first = first or time.perf_counter() - started
            text += delta
        nodes = [(n.node.metadata["arxiv_id"], n.node.get_content()) for n in response.source_nodes]
        rank = next((i for i, (paper, chunk) in enumerate(nodes, 1) if paper in q.papers
                     and (not q.facts or contains_fact(chunk, q.facts))), None)
        paper_rank = next((i for i, (paper, _) in enumerate(nodes, 1) if paper in q.papers), None)
        records.append({"id": q.id, "kind": q.kind, "lang": q.lang, "question": q.question, "answer": text,
                        "refused": is_refusal(text), "unsupported_numbers": [], "citations": [],
                        "answer_fact": contains_fact(text, q.facts) if q.facts else None,
                        "answer_fact_core": contains_fact_core(text, q.facts, q.question) if q.facts else None,
                        "evidence_fact": False, "rank": rank, "paper_rank": paper_rank,
                        "timings": {"first_token_s": round(first or time.perf_counter() - started, 3),
                                    "total_s": round(time.perf_counter() - started, 3)}})
        progress(records[-1])
    return {**summarize(records, 2), "records": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--peer", action="store_true", help="also the llama-index starter's answers (`peer`)")
    parser.add_argument("--questions", type=Path, default=DEV, help="default: the dev set")
    parser.add_argument("--answerable", type=int, default=30)
    parser.add_argument("--unanswerable", type=int, default=6)
    parser.add_argument("--lang", choices=["en", "ja"], help="only the sample's questions in this language")
    parser.add_argument("--home", type=Path, default=RESULTS / "library", help="an ingested library")
    parser.add_argument("--prompts-only", action="store_true",
                        help="no LLM: each shape's share of dev prompts that hold an expected fact")
    parser.add_argument("--out", type=Path, help="default bench/results/answer.json (answer-prompts.json without "
                        "the LLM)")
    args = parser.parse_args()
    args.out = args.out or RESULTS / ("answer-prompts.json" if args.prompts_only else "answer.json")

    pin_offline_env()
    import llama_cpp

    config = Config.from_env({**os.environ, "PAPERS_HOME": str(args.home)})
    backend = Backend(config)
    if not backend.library.store.count():
        sys.exit(f"the library in {args.home} is empty: run `make bench-retrieval` first (it ingests the corpus)")
    questions = load_questions(args.questions)
    sample = spread([q for q in questions if q.papers], args.answerable) + \
        spread([q for q in questions if not q.papers], args.unanswerable)
    sample = [q for q in sample if q.lang == (args.lang or q.lang)]
    path = RESULTS / "cache" / "rewrites.json"
    rewrites = json.loads(path.read_text()) if path.exists() else {}
    tokenizer = llama_cpp.Llama(str(config.llm.model_path), vocab_only=True, verbose=False)
    if args.prompts_only:
        result = prompt_facts(backend, questions, rewrites, tokenizer)
        args.out.write_text(json.dumps(result, indent=1))
        print(json.dumps(result, indent=1))
        return
    tokens: list[int] = []
    count_prompts(backend.chat, tokenizer, tokens)
    result = {"questions": [q.id for q in sample], "shapes": {}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for name in filter(None, args.shapes.split(",")):
        read, chars = SHAPES[name]
        tokens.clear()
        backend.chat.server().stop()  # a fresh server: no prompt cached by an earlier shape (prefixes repeat)
        backend.chat.server().start(config.llm.model_path)
        asker = CachedRewriteAsker(backend.library, backend.chat, read, chars, rewrites, config.llm.answer_temperature,
                                   config.llm.answer_english_first)
        print(f"{name}: {read} passages, {chars} characters each", flush=True)
        run = evaluate(backend.library, sample, asker, k=5, on_result=progress)
        result["shapes"][name] = {"read": read, "chars": chars, **run["summary"],
                                  "prompt_tokens_mean": round(statistics.fmean(tokens)) if tokens else None,
                                  "records": run["questions"]}
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    if args.peer:
        backend.chat.server().stop()
        print("peer: the llama-index starter, 480-token chunks, its top 2 and QA prompt", flush=True)
        result["shapes"]["peer"] = ask_peer(backend, config, sample)
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    keys = ("answer_fact", "answer_fact_core", "evidence_fact", "refusal_on_none", "false_refusal", "citation_validity",
            "first_token_s_p50", "first_token_s_p95", "total_s_p50", "prompt_tokens_mean")
    for name, shape in result["shapes"].items():
        print(name, {k: shape.get(k) for k in keys})


if __name__ == "__main__":
    main()
