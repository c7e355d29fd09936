"""The one core behind the CLI, the web app and its API: one library with its chat model, answerer,
report writer, similarity search and notes. The verbs here are what the commands and tabs need;
the policies they apply (which report to show, which sources to list) live in the domain below.
Shared by the app's worker threads: ingest and delete take a lock."""
from __future__ import annotations

import re
import shutil
import threading
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import cached_property
from pathlib import Path

from index.library import ADDED, FAILED, REPLACED, RESUMED, UNCHANGED, IngestOutcome, IngestProgress, Library
from index.registry import READY, PaperRecord
from ingest.arxiv_download import ArxivRef, download_pdf, parse_arxiv_ref
from ingest.errors import StateError
from ingest.pdf_open import file_sha256
from qa.answer.chain import Asker
from qa.llm.chat import ChatModel
from qa.notes.store import NoteStore
from qa.report.digest import DigestWriter, digest_of
from qa.report.summary import SummaryWriter
from qa.report.writer import Report, ReportWriter, report_paths
from qa.similar import SimilarSearch

from .config import Config

KEPT = (ADDED, REPLACED, RESUMED)  # outcomes whose uploaded file stays in the library's folder
NAME_LIMIT = 80


def safe_pdf_name(name: str) -> str:
    """A file name that is safe on any disk: no folders, no leading dots, ASCII letters, digits, `._-`."""
    stem = Path(unicodedata.normalize("NFKC", name.replace("\\", "/").split("/")[-1])).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:NAME_LIMIT]
    return (stem or "paper") + ".pdf"


def _uploaded(path: Path, folder: Path) -> bool:
    """A regular file (not a link) inside the upload folder."""
    try:
        return not path.is_symlink() and path.is_file() and path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def paper_label(record: PaperRecord) -> str:
    return f"{record.arxiv_id or record.paper_id} · {' '.join(record.title.split())[:80]}"


class StagedIngestProgress(IngestProgress):
    """Ingest progress as one fraction over all files (parsing the first half of each, embedding the second)."""

    def __init__(self, files: int, report: Callable[[float, str], None]):
        self.files, self.report = max(files, 1), report
        self.done = 0
        self.pages = self.parsed = 0

    def _show(self, within: float, what: str, path: Path) -> None:
        self.report((self.done + within) / self.files, f"{self.done + 1}/{self.files} {path.name}: {what}")

    def file_started(self, path: Path, pages: int) -> None:
        self.pages, self.parsed = max(pages, 1), 0
        self._show(0.0, "parsing", path)

    def pages_parsed(self, path: Path, count: int) -> None:
        self.parsed += count
        self._show(0.5 * min(self.parsed / self.pages, 1.0), f"parsing page {self.parsed}/{self.pages}", path)

    def chunks_embedded(self, path: Path, done: int, total: int) -> None:
        self._show(0.5 + 0.5 * done / max(total, 1), f"embedding {done}/{total} chunks", path)

    def file_finished(self, outcome: IngestOutcome) -> None:
        self.done += 1


class Backend:
    def __init__(self, config: Config):
        self.config = config
        self.library = Library(config.library)
        self.chat = ChatModel(config.llm)
        self.asker = Asker(self.library, self.chat, config.llm.answer_passages, config.llm.answer_chars,
                           config.llm.answer_temperature, config.llm.answer_english_first)
        self.writer = ReportWriter(self.library, self.chat)
        self.writers = {"report": self.writer, "digest": DigestWriter(self.library, self.chat),
                        "summary": SummaryWriter(self.library, self.chat)}
        self.similar = SimilarSearch(self.library)
        self._changing = threading.Lock()  # ingest and delete, one at a time

    @cached_property
    def notes(self) -> NoteStore:
        return NoteStore(self.config.library.notes_path)

    # ---- library ----------------------------------------------------------------------------
    def papers(self) -> list[PaperRecord]:
        return self.library.papers()

    def health(self) -> str | None:
        """What is wrong with the library's stores, in one line, or None (cheap: two counts)."""
        config = self.config.library
        if not config.chroma_url and not config.index_dir.exists() and not self.papers():
            return None  # a new, empty library
        try:
            return self.library.store_problem()
        except StateError as exc:
            return str(exc)

    def choices(self) -> list[tuple[str, str]]:
        """(label, paper_id) for the paper pickers."""
        return [(paper_label(r), r.paper_id) for r in self.papers() if r.status == READY]

    def paper_detail(self, key: str) -> dict:
        """One paper as data (`papers show --json`, `GET /api/v1/papers/{id}`): its record, arXiv stamp,
        abstract, section tree with pages and reference list."""
        record = self.library.resolve(key)
        paper = self.library.parsed(record.paper_id)
        return {**record.to_dict(), "url": paper.url, "arxiv_version": paper.arxiv_version,
                "arxiv_category": paper.arxiv_category, "arxiv_date": paper.arxiv_date, "abstract": paper.abstract,
                "abstract_page": paper.abstract_page,
                "sections": [{"title": s.title, "level": s.level, "page": s.page, "path": s.path}
                             for s in paper.sections],
                "references": [{"number": r.number, "text": r.text, "page": r.page} for r in paper.references]}

    def ingest(self, paths: list[Path], progress: IngestProgress | None = None,
               force: bool = False) -> list[IngestOutcome]:
        with self._changing:
            return self.library.ingest(paths, progress, force)

    def _upload_target(self, upload: Path) -> Path:
        """Where an upload is kept: its safe name in the papers folder, numbered if another file has it."""
        folder = self.config.library.papers_dir
        folder.mkdir(parents=True, exist_ok=True)
        name = safe_pdf_name(upload.name)
        target, n = folder / name, 1
        while target.exists() and file_sha256(target) != file_sha256(upload):
            n += 1
            target = folder / f"{Path(name).stem}-{n}.pdf"
        return target

    def add_pdfs(self, uploads: list[Path], progress: IngestProgress | None = None,
                 upload_folder: Path | None = None) -> list[IngestOutcome]:
        """Ingest uploaded files; each is kept (under a safe name) in the papers folder only if it became a
        paper, so `make run` re-ingesting that folder finds the same library. With `upload_folder`, only
        regular files inside it are taken: a client naming some other path on the server is refused."""
        with self._changing:
            outcomes = []
            progress = progress or IngestProgress()
            for upload in map(Path, uploads):
                if upload_folder is not None and not _uploaded(upload, upload_folder):
                    outcome = IngestOutcome(Path(upload.name), FAILED, "not a file uploaded to this app: refused")
                    progress.file_finished(outcome)
                    outcomes.append(outcome)
                    continue
                target = self._upload_target(upload)
                existed = target.exists()
                if not existed:
                    shutil.copyfile(upload, target)
                outcome = self.library.ingest_file(target, progress)
                outcome.path = Path(upload.name)  # report the name the user gave
                if outcome.status not in KEPT and not existed:
                    target.unlink(missing_ok=True)
                progress.file_finished(outcome)
                outcomes.append(outcome)
            return outcomes

    def _stored(self, wanted: ArxivRef) -> PaperRecord | None:
        """The ready paper with this arXiv id (and version, when one is asked for), if the library has it."""
        for record in self.papers():
            if record.arxiv_id == wanted.arxiv_id and record.status == READY and (
                    wanted.version is None or self.library.parsed(record.paper_id).arxiv_version == wanted.version):
                return record
        return None

    def add_arxiv(self, ref: str, progress: IngestProgress | None = None) -> IngestOutcome:
        """Download a paper by arXiv id or URL into the papers folder and ingest it. A paper already in the
        library is not fetched again. Raises DownloadError (a bad id, arXiv unreachable)."""
        wanted = parse_arxiv_ref(ref)
        progress = progress or IngestProgress()
        with self._changing:
            if record := self._stored(wanted):
                outcome = IngestOutcome(Path(wanted.name), UNCHANGED, f"already in the library as {record.paper_id}",
                                        record.paper_id, record.pages, record.chunks)
            else:
                target = self.config.library.papers_dir / f"{wanted.name}.pdf"
                existed = target.exists()
                download_pdf(wanted, self.config.library.arxiv_url, target, self.config.library.limits.max_pdf_mb)
                outcome = self.library.ingest_file(target, progress)
                if outcome.status not in KEPT and outcome.status != UNCHANGED and not existed:
                    target.unlink(missing_ok=True)
            progress.file_finished(outcome)
            return outcome

    def delete(self, key: str) -> PaperRecord:
        """Remove a paper; its PDF goes too if it lies in the papers folder (else the next `make run`
        would bring it back)."""
        with self._changing:
            record = self.library.resolve(key)
            path = self.library.registry.path_of(record.paper_id)
            self.library.remove(record.paper_id)
            if path and Path(path).parent.resolve() == self.config.library.papers_dir.resolve():
                Path(path).unlink(missing_ok=True)
            return record

    # ---- other views ------------------------------------------------------------------------
    def llm_problem(self) -> str | None:
        return self.chat.problem()

    def seed_note(self, paper_id: str, kind: str = "report") -> str | None:
        """The imported summary of this paper (one of the same format first), if any."""
        notes = self.notes.for_paper(self.library.resolve(paper_id))
        notes.sort(key=lambda n: n.kind != kind)
        return notes[0].text if notes else None

    def write_digest(self, entries: list[Report], lang: str) -> Path:
        """The digest of these entries as one file under the reports folder, named by today's date."""
        path = self.writer.folder / f"digest-{date.today().isoformat()}.{lang}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(digest_of(entries, lang))
        return path

    def report_file(self, paper_id: str, lang: str, kind: str = "report") -> Path | None:
        path = report_paths(self.writer.folder, paper_id, lang, kind)[0]
        return path if path.exists() else None
