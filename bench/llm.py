"""LLM speed benchmark: local llama.cpp server configurations side by side on the app's own prompts.

The prompts are built once, without the LLM, exactly as the app builds them, and cached in
bench/results/cache/llm_prompts.json: answer prompts for dev-set questions (retrieval over the benchmark
library, Japanese questions focused by their cached English rewrite) and the 8-section report's prompts of
the first `--report-papers` papers (recorded from `ReportWriter` with a stand-in chat model). Each configuration (a GGUF
quantization plus server options) gets a fresh server and every prompt in the same order, so the prefix
reuse a configuration allows is measured as the app would meet it. Per call: client-side first token and
total time, and from the server's log the prompt tokens actually evaluated, prefill and generation tok/s.

usage: python bench/llm.py [--configs a,b] [--answers N] [--report-papers N] [--only answer|report]
                          [--max-tokens N] [--prompts FILE] [--ask] [--home DIR] [--out FILE]
Writes bench/results/llm.json (with the CPU's flags and llama.cpp's build info).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from openai import OpenAI  # noqa: E402

from qa.answer.evaluate import load_questions  # noqa: E402
from qa.answer.prompts import answer_messages  # noqa: E402
from qa.llm.chat import ChatModel  # noqa: E402
from qa.llm.config import SERVER_ARGS  # noqa: E402
from qa.llm.server import LocalLLMServer  # noqa: E402
from qa.report.writer import ReportWriter  # noqa: E402
from qa.retrieval.search import Retriever  # noqa: E402
from ui.backend import Backend  # noqa: E402
from ui.config import Config, pin_offline_env  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEV = ROOT / "bench" / "questions" / "dev.jsonl"
SAMPLING = {"temperature": 0.3, "extra_body": {"repeat_penalty": 1.15}}  # what ChatModel sends

NO_LOGITS = ["--logits_all", "false"]
# name: (the shipped GGUF re-quantized to this type, or None for the file itself; server options beyond ctx/threads)
CONFIGS: dict[str, tuple[str | None, list[str]]] = {
    "before": (None, []),  # llama_cpp.server's defaults, as the app ran it before bench/llm.py
    "no-logits": (None, NO_LOGITS),
    "q4_0": ("q4_0", NO_LOGITS),  # llama.cpp repacks Q4_0 for AVX2 at load
    "q8_0": ("q8_0", NO_LOGITS),
    "flash": (None, [*NO_LOGITS, "--flash_attn", "true"]),
    "lookup": (None, ["--draft_model", "prompt-lookup-decoding", "--draft_model_num_pred_tokens", "4"]),
    "app": (None, list(SERVER_ARGS)),  # the options the app now starts its server with
    "cache-batch512": (None, [*NO_LOGITS, "--cache", "true", "--cache_size", str(1 << 30)]),  # the app until now
    "cache-batch64": (None, [*NO_LOGITS, "--cache", "true", "--cache_size", str(1 << 28), "--n_batch", "64"]),
}
FTYPES = {"q4_0": 2, "q8_0": 7}  # llama.cpp's LLAMA_FTYPE_MOSTLY_*


def quantized(source: Path, kind: str) -> Path:
    """`source` re-quantized by llama.cpp's own quantizer (made once, beside it)."""
    import ctypes

    import llama_cpp

    target = source.with_name(f"{source.stem}.{kind}.gguf")
    if not target.exists():
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype, params.allow_requantize, params.nthread = FTYPES[kind], True, os.cpu_count() or 2
        partial = target.with_suffix(".partial")
        if llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), ctypes.byref(params)):
            sys.exit(f"re-quantizing {source.name} to {kind} failed")
        os.replace(partial, target)
    return target


# ---- prompts ------------------------------------------------------------------------------------------
class RecordingChat(ChatModel):
    """Stands in for the LLM while a report is planned: records each prompt, replies with nothing usable
    (so every section falls back to quotes and asks no follow-up)."""

    def __init__(self, config):
        super().__init__(config)
        self.prompts: list[dict] = []  # each call: messages, max_tokens, stop

    def stream(self, messages, max_tokens=None, stop=(), temperature=None, lang=None, brackets=True):
        self.prompts.append({"messages": [dict(m) for m in messages], "max_tokens": max_tokens, "stop": list(stop)})
        yield "-"


class PlanningWriter(ReportWriter):
    """A report writer whose (unusable) reports go to a scratch folder, not the library's."""

    def __init__(self, library, chat, folder: Path):
        super().__init__(library, chat)
        self._folder = folder

    @property
    def folder(self) -> Path:
        return self._folder


def build_prompts(backend: Backend, answers: int, report_papers: int) -> list[dict]:
    library = backend.library
    retriever = Retriever(library)
    path = RESULTS / "cache" / "rewrites.json"  # bench/retrieval.py's English rewrites of the questions
    cache = json.loads(path.read_text()) if path.exists() else {}
    answerable = [q for q in load_questions(DEV) if q.papers]
    questions = [answerable[i * len(answerable) // answers] for i in range(answers)]  # spread over the papers
    prompts = []
    for q in questions:
        key = hashlib.sha1(f"{backend.chat.label}\n{q.question}".encode()).hexdigest()
        rewrite = q.question if q.lang == "en" else cache.get(key, q.question)
        passages = retriever.search(q.question, 5, rewrite=rewrite)
        prompts.append({"kind": "answer", "id": q.id, "lang": q.lang, "max_tokens": backend.config.llm.max_tokens,
                        "messages": answer_messages(q.question, passages, q.lang, focus_on=rewrite)})
    chat = RecordingChat(backend.config.llm)
    for record in sorted(library.papers(), key=lambda r: r.paper_id)[:report_papers]:
        chat.prompts.clear()
        with tempfile.TemporaryDirectory() as folder:
            PlanningWriter(library, chat, Path(folder)).write(record.paper_id, "ja")
        prompts += [{"kind": "report", "id": f"{record.paper_id}:{n}", "lang": "ja", **call,
                     "max_tokens": call["max_tokens"] or backend.config.llm.max_tokens}
                    for n, call in enumerate(chat.prompts, start=1)]
    return prompts


# ---- one configuration -------------------------------------------------------------------------------
_PERF = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens.*?\n.*?eval time =\s*([\d.]+) ms /\s*(\d+) runs",
                   re.S)


def server_counts(log_tail: str) -> dict:
    """The last llama_perf report in the server log: prompt tokens evaluated, prefill and generation rates."""
    found = _PERF.findall(log_tail)
    if not found:
        return {}
    prompt_ms, prompt_n, eval_ms, eval_n = (float(x) for x in found[-1])
    return {"prompt_tokens_evaluated": int(prompt_n),
            "prefill_tok_s": round(prompt_n / prompt_ms * 1000, 1) if prompt_ms else None,
            "generated_tokens": int(eval_n), "gen_tok_s": round(eval_n / eval_ms * 1000, 1) if eval_ms else None}


def run_config(name: str, model: Path, options: list[str], prompts: list[dict], threads: int, context: int,
               max_tokens: int | None = None) -> dict:
    run_dir = Path(tempfile.mkdtemp(prefix=f"bench-llm-{name}-"))
    server = LocalLLMServer(run_dir, threads, context, tuple(options))
    started = time.perf_counter()
    state = server.start(model)
    ready_s = time.perf_counter() - started
    client = OpenAI(base_url=state.base_url, api_key="x", timeout=600)
    log = Path(state.log)
    runs = []
    try:
        for prompt in prompts:
            offset = log.stat().st_size
            started = time.perf_counter()
            first, text = None, ""
            stream = client.chat.completions.create(model="local", messages=prompt["messages"], stream=True,
                                                    max_tokens=max_tokens or prompt["max_tokens"],
                                                    stop=prompt.get("stop") or None, **SAMPLING)
            for chunk in stream:
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    first = first if first is not None else time.perf_counter() - started
                    text += delta
            total = time.perf_counter() - started
            time.sleep(0.2)  # the perf report is printed after the last chunk
            with open(log, errors="replace") as handle:
                handle.seek(offset)
                counts = server_counts(handle.read())
            runs.append({"kind": prompt["kind"], "id": prompt["id"], "lang": prompt["lang"],
                         "first_token_s": round(first or total, 2), "total_s": round(total, 2),
                         "chars": len(text), **counts, "text": text})
            print(f"  {name} {prompt['id']}: first {runs[-1]['first_token_s']} s, total {total:.1f} s, "
                  f"{counts}", flush=True)
        rss_mb = _rss_mb(state.pid)
    finally:
        server.stop()
    return {"model_file": model.name, "options": options, "server_ready_s": round(ready_s, 1),
            "server_rss_mb_after": rss_mb, "runs": runs,
            **{kind: summary([r for r in runs if r["kind"] == kind]) for kind in ("answer", "report")}}


def _rss_mb(pid: int) -> int | None:
    """The server's resident memory: a prompt cache that keeps more than it counts shows here."""
    try:
        return int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024
    except (OSError, IndexError, ValueError):
        return None


def time_asks(backend: Backend, ids: list[str]) -> dict:
    """The dev questions asked as the app asks them; the user waits for the first token of this."""
    questions = {q.id: q for q in load_questions(DEV)}
    backend.chat.server().start(backend.config.llm.model_path)
    runs = []
    for qid in ids:
        answer = backend.asker.ask(questions[qid].question).consume()
        runs.append({"id": qid, "lang": answer.lang, "error": answer.error,
                     **{k: round(v, 2) for k, v in answer.timings.items()}})
        print(f"  ask {qid}: {runs[-1]}", flush=True)
    ok = [r for r in runs if not r["error"]]
    return {"runs": runs, **{key: {"p50": round(float(np.percentile([r[key] for r in ok], 50)), 2),
                                   "p95": round(float(np.percentile([r[key] for r in ok], 95)), 2)}
                             for key in ("retrieval_s", "first_token_s", "total_s")}}


def summary(runs: list[dict]) -> dict | None:
    if not runs:
        return None

    def pct(key: str) -> dict:
        values = [r[key] for r in runs if r.get(key) is not None]
        return {"p50": round(float(np.percentile(values, 50)), 2),
                "p95": round(float(np.percentile(values, 95)), 2)} if values else {}
    return {"n": len(runs), "first_token_s": pct("first_token_s"), "total_s": pct("total_s"),
            "prompt_tokens_evaluated": pct("prompt_tokens_evaluated"), "prefill_tok_s": pct("prefill_tok_s"),
            "gen_tok_s": pct("gen_tok_s"), "sum_total_s": round(sum(r["total_s"] for r in runs), 1)}


def machine() -> dict:
    import llama_cpp
    flags = next((line.split(":", 1)[1].split() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("flags")), [])
    return {"cpu_count": os.cpu_count(), "load_avg_at_start": os.getloadavg(),
            "simd_flags": sorted(f for f in flags if re.match(r"avx|fma|f16c|sse4|amx|vnni", f)),
            "llama_cpp_python": llama_cpp.__version__, "llama_cpp_system": llama_cpp.llama_print_system_info().decode()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--answers", type=int, default=12, help="dev questions (answer prompts)")
    parser.add_argument("--report-papers", type=int, default=1, help="papers whose report prompts are timed")
    parser.add_argument("--home", type=Path, default=RESULTS / "library", help="an ingested library")
    parser.add_argument("--max-tokens", type=int, help="cap every reply (a quick screen of prefill speed)")
    parser.add_argument("--only", choices=("answer", "report"), help="time one kind of prompt")
    parser.add_argument("--prompts", type=Path, default=RESULTS / "cache" / "llm_prompts.json",
                        help="the prompts (built here when missing or made for other counts)")
    parser.add_argument("--ask", action="store_true", help="also time the dev questions end to end as the app "
                        "asks them (rewrite, retrieval, evidence, answer) on the app's own server")
    parser.add_argument("--out", type=Path, default=RESULTS / "llm.json")
    args = parser.parse_args()

    pin_offline_env()
    config = Config.from_env({**os.environ, "PAPERS_HOME": str(args.home)})
    prompts_path = args.prompts
    wanted = {"answers": args.answers, "report_papers": args.report_papers}
    cached = json.loads(prompts_path.read_text()) if prompts_path.exists() else {}
    if cached.get("wanted") != wanted:
        backend = Backend(config)
        if not backend.library.store.count():
            sys.exit(f"the library in {args.home} is empty: run `make bench-retrieval` first (it ingests the corpus)")
        cached = {"wanted": wanted, "prompts": build_prompts(backend, args.answers, args.report_papers)}
        prompts_path.parent.mkdir(parents=True, exist_ok=True)
        prompts_path.write_text(json.dumps(cached, ensure_ascii=False))
    prompts = [p for p in cached["prompts"] if args.only in (None, p["kind"])]
    llm = config.llm
    result = {"machine": machine(), "threads": llm.threads, "context": llm.context_window,
              "max_tokens": args.max_tokens,
              "prompts": {"answer": sum(p["kind"] == "answer" for p in prompts),
                          "report": sum(p["kind"] == "report" for p in prompts)}, "configs": {}}
    for name in args.configs.split(","):
        quantization, options = CONFIGS[name]
        model = quantized(llm.model_path, quantization) if quantization else llm.model_path
        print(f"{name}: {model.name} {' '.join(options)}", flush=True)
        result["configs"][name] = run_config(name, model, options, prompts, llm.threads, llm.context_window,
                                             args.max_tokens)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    if args.ask:
        result["ask"] = time_asks(Backend(config), [p["id"] for p in prompts if p["kind"] == "answer"])
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps({n: {k: c[k] for k in ("answer", "report")} for n, c in result["configs"].items()}, indent=1))
    print(json.dumps({k: v for k, v in result.get("ask", {}).items() if k != "runs"}, indent=1))


if __name__ == "__main__":
    main()
