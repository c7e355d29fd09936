"""Read existing paper summaries (the seeds' formats) into notes that can be attached to papers.

Three formats are recognised:
- 8-section reports: `# Title`, `[View Paper](http://arxiv.org/abs/ID)`, `## 1.` ... `## 8.`
  (a file may hold many, one after another);
- daily digests: `## [Title](http://arxiv.org/abs/ID)` entries with **アブストラクト** / **要約** parts;
- a single long summary: one `# Title` and the paper's arXiv id somewhere in it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import PapersError
from ingest.text import arxiv_id_in

from ..report.format import parse_report

REPORT, DIGEST, SUMMARY = "report", "digest", "summary"
_REPORT_START = re.compile(r"^# (?P<title>.+)\n\s*\n?\[View Paper\]\(", re.M)
_DIGEST_ENTRY = re.compile(r"^## \[(?P<title>[^\]]+)\]\((?P<url>https?://arxiv\.org/abs/[^)\s]+)\)\s*$", re.M)
MAX_NOTE_FILE_MB = 20


class NotesFormatError(PapersError):
    """The file is not one of the summary formats; the message says what was expected."""


@dataclass
class Note:
    kind: str  # report | digest | summary
    title: str
    arxiv_id: str | None
    text: str


def _reports(text: str) -> list[Note]:
    starts = [m.start() for m in _REPORT_START.finditer(text)]
    notes = []
    for start, end in zip(starts, starts[1:] + [len(text)]):
        body = text[start:end].strip().removesuffix("---").strip()
        report = parse_report(body)
        notes.append(Note(REPORT, report.title, report.arxiv_id, body))
    return notes


def _digest_entries(text: str) -> list[Note]:
    marks = list(_DIGEST_ENTRY.finditer(text))
    notes = []
    for mark, nxt in zip(marks, marks[1:] + [None]):
        body = text[mark.start(): nxt.start() if nxt else len(text)].strip().removesuffix("---").strip()
        notes.append(Note(DIGEST, mark.group("title").strip(), arxiv_id_in(mark.group("url")), body))
    return notes


def parse_notes(text: str) -> list[Note]:
    """The notes in one file's text, or NotesFormatError saying why none could be read."""
    if not text.strip():
        raise NotesFormatError("the file is empty")
    notes = _reports(text) or _digest_entries(text)
    if notes:
        return notes
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    if title and arxiv_id_in(text):
        return [Note(SUMMARY, title, arxiv_id_in(text), text.strip())]
    raise NotesFormatError("no summary found: expected '# Title' + '[View Paper](http://arxiv.org/abs/ID)' reports, "
                           "'## [Title](http://arxiv.org/abs/ID)' digest entries, or a '# Title' summary that "
                           "names the paper's arXiv id")


def read_notes_file(path: Path) -> list[Note]:
    path = Path(path)
    if not path.is_file():
        raise NotesFormatError(f"{path}: no such file")
    if path.stat().st_size > MAX_NOTE_FILE_MB * 1024 * 1024:
        raise NotesFormatError(f"{path}: larger than {MAX_NOTE_FILE_MB} MB, not a notes file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NotesFormatError(f"{path}: not UTF-8 text (is it a PDF? use `papers ingest` for papers)") from None
    try:
        return parse_notes(text)
    except NotesFormatError as exc:
        raise NotesFormatError(f"{path}: {exc}") from None
