"""Imported summaries (notes), stored once each and attached to papers by arXiv id or title.

Notes are kept in SQLite beside the registry. Attachment is looked up, not stored: a note imported
before its paper is ingested attaches as soon as the paper is there. Importing the same text twice
stores it once. Search is BM25 with the corpus tokenizer (Japanese bigrams, English stems), built
per query: a library has hundreds of notes, not millions.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import bm25s

from index.registry import PaperRecord
from ingest.text import tokenize

from .parse import Note

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    note_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    arxiv_id TEXT,
    text TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    imported_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_arxiv ON notes(arxiv_id);
CREATE INDEX IF NOT EXISTS notes_title ON notes(title_key);
"""


def title_key(title: str) -> str:
    """Titles compared without case, punctuation or spacing ("MoBA: Mixture..." == "moba mixture ...")."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", title).casefold())


@dataclass
class StoredNote:
    note_id: int
    kind: str
    title: str
    arxiv_id: str | None
    text: str
    source: str
    imported_at: float


class NoteStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def add(self, notes: list[Note], source: str) -> tuple[list[int], int]:
        """Store notes (one transaction); returns (ids of the new ones, count already stored)."""
        added, known = [], 0
        with self._connect() as db:
            for note in notes:
                digest = hashlib.sha256(f"{note.arxiv_id}\n{note.text}".encode()).hexdigest()
                cursor = db.execute(
                    "INSERT OR IGNORE INTO notes (kind, title, title_key, arxiv_id, text, digest, source, imported_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (note.kind, note.title, title_key(note.title), note.arxiv_id, note.text, digest, source,
                     time.time()))
                if cursor.rowcount:
                    added.append(cursor.lastrowid)
                else:
                    known += 1
        return added, known

    def all(self) -> list[StoredNote]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM notes ORDER BY note_id").fetchall()
        return [_note(row) for row in rows]

    def get(self, note_id: int) -> StoredNote | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM notes WHERE note_id = ?", (note_id,)).fetchone()
        return _note(row) if row else None

    def for_paper(self, paper: PaperRecord) -> list[StoredNote]:
        """Notes about this paper: same arXiv id, or (for notes without one) the same title."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM notes WHERE arxiv_id = ? OR (title_key = ? AND title_key != '') "
                              "ORDER BY kind = 'report' DESC, note_id", (paper.arxiv_id or "-", title_key(paper.title)))
            return [_note(row) for row in rows.fetchall()]

    def remove(self, note_id: int) -> bool:
        with self._connect() as db:
            return bool(db.execute("DELETE FROM notes WHERE note_id = ?", (note_id,)).rowcount)

    def search(self, query: str, k: int = 5) -> list[tuple[StoredNote, float]]:
        """The k notes that match the query best (BM25 over title and text), score > 0."""
        notes = self.all()
        terms = tokenize(query)
        if not notes or not terms:
            return []
        bm25 = bm25s.BM25()
        bm25.index([tokenize(f"{n.title}\n{n.text}") for n in notes], show_progress=False)
        token_ids = bm25.get_tokens_ids(terms)
        if not token_ids:
            return []
        scores = bm25.get_scores_from_ids(token_ids)
        ranked = sorted(range(len(notes)), key=lambda i: -scores[i])[:k]
        return [(notes[i], float(scores[i])) for i in ranked if scores[i] > 0]


def _note(row: sqlite3.Row) -> StoredNote:
    return StoredNote(row["note_id"], row["kind"], row["title"], row["arxiv_id"], row["text"], row["source"],
                      row["imported_at"])
