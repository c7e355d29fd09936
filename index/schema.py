"""One vocabulary for a stored chunk: the chroma metadata schema and the passage read back.

Ingest writes `ChunkMeta.of(chunk, paper)`; every reader gets a `Passage` from `passage_of`, so the
metadata keys are spelled in this file only.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from ingest.chunking import Chunk, ChunkKind
from ingest.paper import Paper

ANSWER_KINDS = (ChunkKind.ABSTRACT, ChunkKind.BODY, ChunkKind.TABLE)  # what answers draw on


@dataclass(frozen=True)
class ChunkMeta:
    paper_id: str
    arxiv_id: str  # "" when the paper has none (chroma stores no None)
    title: str
    chunk_index: int
    kind: ChunkKind
    section: str  # the section's own title
    section_path: str  # "3. Method > 3.2 Training"
    page_start: int
    page_end: int

    @classmethod
    def of(cls, chunk: Chunk, paper: Paper) -> ChunkMeta:
        return cls(chunk.paper_id, paper.arxiv_id or "", paper.title, chunk.index, chunk.kind, chunk.section,
                   chunk.section_path, chunk.page_start, chunk.page_end)

    def to_chroma(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value}

    @classmethod
    def from_chroma(cls, data: dict[str, Any]) -> ChunkMeta:
        return cls(data["paper_id"], data.get("arxiv_id") or "", data["title"], int(data["chunk_index"]),
                   ChunkKind(data["kind"]), data["section"], data["section_path"], int(data["page_start"]),
                   int(data["page_end"]))


@dataclass(frozen=True)
class Passage:
    """A stored chunk as retrieval and its readers see it."""

    chunk_id: str
    text: str
    meta: ChunkMeta
    score: float = 0.0  # what ranked it: cosine, BM25 or fused, depending on who returns it

    @property
    def paper_id(self) -> str:
        return self.meta.paper_id

    @property
    def arxiv_id(self) -> str | None:
        return self.meta.arxiv_id or None

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def kind(self) -> ChunkKind:
        return self.meta.kind

    @property
    def section_path(self) -> str:
        return self.meta.section_path

    @property
    def page_start(self) -> int:
        return self.meta.page_start

    @property
    def page_end(self) -> int:
        return self.meta.page_end

    @property
    def pages(self) -> str:
        m = self.meta
        return str(m.page_start) if m.page_start == m.page_end else f"{m.page_start}-{m.page_end}"

    def scored(self, score: float) -> Passage:
        return replace(self, score=score)


def passage_of(chunk_id: str, text: str, metadata: dict[str, Any], score: float = 0.0) -> Passage:
    return Passage(chunk_id, text, ChunkMeta.from_chroma(metadata), score)


def synthetic_passage(paper: Paper, key: str, section_path: str, page: int, text: str,
                      kind: ChunkKind = ChunkKind.BODY, score: float = 1.0) -> Passage:
    """A passage made from the parsed paper rather than read from the store (a report's abstract or
    cost sentence), with the same shape so grounding and citing treat it alike."""
    meta = ChunkMeta(paper.paper_id, paper.arxiv_id or "", paper.title, -1, kind, section_path.split(" > ")[-1],
                     section_path, page, page)
    return Passage(f"{paper.paper_id}:{key}", text, meta, score)
