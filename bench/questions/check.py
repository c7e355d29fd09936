"""Check a question file against the PDFs: every fact must occur verbatim in its paper's own text.

"Verbatim" means in PyMuPDF's plain page text after NFKC, case folding and whitespace folding (the
same folding `papers eval` uses), so a fact found here can be found in a retrieved chunk too. A
question with several papers must have each fact in at least one of them. `none` questions must have
no papers and no facts. Prints one line per problem and a count per kind and language; exit 1 on a
problem.

usage: python bench/questions/check.py QUESTIONS.jsonl [--pdfs DIR ...]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pymupdf

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PAPERS_SHARED", ROOT.parent / "shared"))
DEFAULT_DIRS = [SHARED / "corpus" / "pdf", SHARED / "corpus" / "seedpapers"]
KINDS = {"fact", "section", "cross", "none"}
INTENTS = {"number", "method", "dataset", "limitation", "cost", "comparison", "unanswerable"}


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def paper_texts(dirs: list[Path]) -> dict[str, str]:
    texts = {}
    for folder in dirs:
        for pdf in sorted(folder.glob("*.pdf")):
            with pymupdf.open(pdf) as doc:
                texts[pdf.stem] = fold(" ".join(page.get_text() for page in doc))
    return texts


def problems(row: dict, texts: dict[str, str]) -> list[str]:
    found = []
    for key in ("id", "question", "lang", "papers", "facts", "kind"):
        if key not in row:
            found.append(f"missing field {key!r}")
    if found:
        return found
    if row["kind"] not in KINDS:
        found.append(f"kind {row['kind']!r} not in {sorted(KINDS)}")
    if row.get("intent") and row["intent"] not in INTENTS:
        found.append(f"intent {row['intent']!r} not in {sorted(INTENTS)}")
    if row["lang"] not in ("en", "ja"):
        found.append(f"lang {row['lang']!r}")
    if row["kind"] == "none":
        if row["papers"] or row["facts"]:
            found.append("a 'none' question has no papers and no facts")
        return found
    if not row["facts"] and row["kind"] != "section":  # the shared format lets section questions go without
        found.append("no facts")
    for paper in row["papers"]:
        if paper not in texts:
            found.append(f"paper {paper} not among the PDFs")
    for fact in row["facts"]:
        if not any(fold(fact) in texts.get(p, "") for p in row["papers"]):
            found.append(f"fact {fact!r} not found verbatim in {row['papers']}")
    if row["kind"] == "cross" and len(row["papers"]) < 2:
        found.append("a 'cross' question names at least two papers")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--pdfs", type=Path, nargs="*", default=DEFAULT_DIRS)
    args = parser.parse_args()
    texts = paper_texts(args.pdfs)
    rows, bad, ids = [], 0, Counter()
    for number, line in enumerate(args.questions.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            print(f"line {number}: not JSON ({exc})")
            bad += 1
            continue
        rows.append(row)
        ids[row.get("id")] += 1
        for problem in problems(row, texts):
            print(f"line {number} ({row.get('id')}): {problem}")
            bad += 1
    for question_id, count in ids.items():
        if count > 1:
            print(f"id {question_id!r} used {count} times")
            bad += 1
    by = Counter((r.get("kind"), r.get("lang")) for r in rows)
    intents = Counter(r.get("intent") for r in rows)
    print(f"{len(rows)} questions; {bad} problems")
    print("kind x lang: " + ", ".join(f"{kind}/{lang}={n}" for (kind, lang), n in sorted(by.items())))
    print("intent: " + ", ".join(f"{k}={n}" for k, n in sorted(intents.items(), key=str)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
