"""The paper registry: what is in the corpus, from which file bytes, and whether it finished.

SQLite (one file under the data directory) so every state change is one atomic commit. A paper is
marked 'indexing' before its chunks are written and 'ready' after; a run killed in between leaves
'indexing', and the next ingest of that paper clears its chunks and starts over. Removal works the
same way: 'removing' first, the row last, so a removal cut short is finished by the next command.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from ingest.errors import StateError


class PaperStatus(StrEnum):
    READY = "ready"
    INDEXING = "indexing"  # chunks being written; finished or redone by the next ingest
    REMOVING = "removing"  # chunks being deleted; finished by the next command


READY, INDEXING, REMOVING = PaperStatus.READY, PaperStatus.INDEXING, PaperStatus.REMOVING

_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    paper_id TEXT PRIMARY KEY,
    arxiv_id TEXT,
    title TEXT NOT NULL,
    authors TEXT NOT NULL DEFAULT '[]',
    pages INTEGER NOT NULL,
    chunks INTEGER NOT NULL DEFAULT 0,
    sections INTEGER NOT NULL DEFAULT 0,
    references_count INTEGER NOT NULL DEFAULT 0,
    tables INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    embed_model TEXT NOT NULL DEFAULT '',
    parse_seconds REAL NOT NULL DEFAULT 0,
    embed_seconds REAL NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY,
    paper_id TEXT NOT NULL,
    path TEXT NOT NULL
);
"""


@dataclass
class PaperRecord:
    paper_id: str
    arxiv_id: str | None
    title: str
    authors: list[str]
    pages: int
    chunks: int
    sections: int
    references_count: int
    tables: int
    sha256: str
    source: str
    status: PaperStatus
    embed_model: str
    parse_seconds: float
    embed_seconds: float
    updated_at: float

    def to_dict(self) -> dict:
        return asdict(self)


class Registry:
    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # the UI calls from worker threads; its writes (ingest, remove) are serialized by the app
            self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
            if self.db.execute("PRAGMA quick_check").fetchone()[0] != "ok":  # milliseconds: a registry is small
                raise sqlite3.DatabaseError("database disk image is malformed")
        except sqlite3.OperationalError as exc:
            self.db = self._read_only(exc)  # a full disk: listing and asking still work
        except (OSError, sqlite3.DatabaseError) as exc:
            raise StateError(_unusable(path, exc)) from None
        self.db.row_factory = sqlite3.Row

    def _read_only(self, cause: Exception) -> sqlite3.Connection:
        for query in ("mode=ro", "immutable=1"):
            try:
                db = sqlite3.connect(f"file:{self.path}?{query}", uri=True, timeout=30, check_same_thread=False)
                db.execute("SELECT count(*) FROM papers").fetchone()
                return db
            except sqlite3.Error:
                continue
        raise StateError(_unusable(self.path, cause)) from None

    @contextmanager
    def _writing(self):
        """One transaction; a failed write names the registry and the likely cause."""
        try:
            with self.db:
                yield
        except sqlite3.Error as exc:
            raise StateError(f"the registry {self.path} cannot be written ({exc}); check free disk space and "
                             "the folder's permissions, then run the command again") from None

    def close(self) -> None:
        self.db.close()

    def _record(self, row: sqlite3.Row | None) -> PaperRecord | None:
        if row is None:
            return None
        data = dict(row)
        data["authors"] = json.loads(data["authors"])
        data["status"] = PaperStatus(data["status"])
        return PaperRecord(**data)

    def get(self, paper_id: str) -> PaperRecord | None:
        return self._record(self.db.execute("SELECT * FROM papers WHERE paper_id=?", (paper_id,)).fetchone())

    def all(self) -> list[PaperRecord]:
        rows = self.db.execute("SELECT * FROM papers ORDER BY paper_id").fetchall()
        return [self._record(r) for r in rows]

    def by_file(self, sha256: str) -> tuple[PaperRecord | None, str | None]:
        """The paper these exact bytes were ingested as, and the path they came from."""
        row = self.db.execute("SELECT paper_id, path FROM files WHERE sha256=?", (sha256,)).fetchone()
        if row is None:
            return None, None
        return self.get(row["paper_id"]), row["path"]

    def path_of(self, paper_id: str) -> str | None:
        """Where the paper's current bytes were ingested from."""
        row = self.db.execute("SELECT path FROM files WHERE paper_id=?", (paper_id,)).fetchone()
        return row["path"] if row else None

    def begin(self, record: PaperRecord) -> None:
        """Mark the paper as being (re)indexed from these bytes, before any chunk is written."""
        record.status, record.updated_at = INDEXING, time.time()
        data = {**record.to_dict(), "status": INDEXING.value}
        data["authors"] = json.dumps(record.authors, ensure_ascii=False)
        columns = ", ".join(data)
        with self._writing():
            self.db.execute("DELETE FROM files WHERE paper_id=?", (record.paper_id,))
            self.db.execute(f"INSERT OR REPLACE INTO papers ({columns}) VALUES ({', '.join('?' * len(data))})",
                            tuple(data.values()))

    def finish(self, paper_id: str, sha256: str, path: str, chunks: int, embed_seconds: float) -> None:
        """Mark the paper ready; `path` ("" if unknown) is where these bytes were ingested from."""
        with self._writing():
            self.db.execute("UPDATE papers SET status=?, chunks=?, embed_seconds=?, updated_at=? WHERE paper_id=?",
                            (READY.value, chunks, embed_seconds, time.time(), paper_id))
            if path:
                self.db.execute("INSERT OR REPLACE INTO files (sha256, paper_id, path) VALUES (?, ?, ?)",
                                (sha256, paper_id, path))

    def mark_removing(self, paper_id: str) -> None:
        with self._writing():
            self.db.execute("UPDATE papers SET status=?, updated_at=? WHERE paper_id=?",
                            (REMOVING.value, time.time(), paper_id))

    def remove(self, paper_id: str) -> None:
        with self._writing():
            self.db.execute("DELETE FROM files WHERE paper_id=?", (paper_id,))
            self.db.execute("DELETE FROM papers WHERE paper_id=?", (paper_id,))


def _unusable(path: Path, exc: Exception) -> str:
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return (f"the registry {path} is damaged ({exc}); move it away and run `papers doctor --repair` "
                "to rebuild the library's list of papers from the chunk store")
    if path.parent.exists() and not path.parent.is_dir():
        return f"PAPERS_HOME {path.parent} is a file, not a folder; point PAPERS_HOME at a folder"
    return f"the registry {path} cannot be opened ({exc}); check the folder's permissions and free disk space"
