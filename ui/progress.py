"""Terminal progress for ingest: a bar for the current file, one overall bar in pages (pages/s)."""
from __future__ import annotations

import sys
from pathlib import Path

import pymupdf
from tqdm import tqdm

from index.library import FAILED, IngestOutcome, IngestProgress


def _page_count(path: Path) -> int:
    try:
        with pymupdf.open(path) as doc:
            return doc.page_count
    except Exception:
        return 0


class TqdmIngestProgress(IngestProgress):
    def __init__(self, files: list[Path]):
        self.overall = tqdm(total=sum(_page_count(f) for f in files), unit="page", desc=f"{len(files)} files",
                            position=0, dynamic_ncols=True, file=sys.stderr,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} pages [{elapsed}<{remaining}, "
                                       "{rate_noinv_fmt}]",  # always pages/s, also below 1 page/s
                            disable=not files)  # `papers add`: files not known before they are downloaded
        self.file_bar: tqdm | None = None
        self.parsed = 0  # pages of the current file already counted in the overall bar

    def __enter__(self) -> TqdmIngestProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.file_bar is not None:
            self.file_bar.close()
        self.overall.close()

    def file_started(self, path: Path, pages: int) -> None:
        self.file_bar = tqdm(total=pages, unit="page", desc=path.name[:32], position=1, leave=False,
                             dynamic_ncols=True, file=sys.stderr)

    def pages_parsed(self, path: Path, count: int) -> None:
        self.parsed += count
        self.overall.update(count)
        if self.file_bar is not None:
            self.file_bar.update(count)
            self.file_bar.set_postfix_str("parsing")

    def chunks_embedded(self, path: Path, done: int, total: int) -> None:
        if self.file_bar is not None:
            self.file_bar.set_postfix_str(f"embedding {done}/{total} chunks")

    def file_finished(self, outcome: IngestOutcome) -> None:
        if self.file_bar is not None:
            self.file_bar.close()
            self.file_bar = None
        if not self.parsed and outcome.status != FAILED:
            self.overall.update(_page_count(outcome.path))  # skipped files count as done
        self.parsed = 0
        mark = "✗" if outcome.status == FAILED else "✓"
        detail = outcome.message
        if outcome.status in ("added", "replaced", "resumed"):
            detail += (f" as {outcome.paper_id}: {outcome.pages} pages, {outcome.chunks} chunks"
                       f" (parse {outcome.parse_seconds:.1f}s, embed {outcome.embed_seconds:.1f}s)")
        tqdm.write(f"{mark} {outcome.path.name}: {detail}", file=sys.stderr if outcome.status == FAILED else sys.stdout)
