"""The structured paper that parsing produces and everything downstream reads.

Plain dataclasses (JSON round-trip via `to_dict`/`from_dict`) so a parsed paper can be cached on
disk and read back by the report and similarity stages without re-parsing the PDF.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any


class BlockKind(StrEnum):
    """What a block of a section holds (the layout classes that carry readable content)."""

    BODY = "body"
    TABLE = "table"
    CAPTION = "caption"


@dataclass
class Block:
    kind: BlockKind
    text: str
    page: int  # 1-based


@dataclass
class Section:
    title: str
    level: int  # 1 = top-level section
    page: int  # page the heading is on, 1-based
    path: list[str] = field(default_factory=list)  # ancestor titles then own title
    blocks: list[Block] = field(default_factory=list)

    @property
    def path_text(self) -> str:
        return " > ".join(self.path)


@dataclass
class Reference:
    number: int  # 1-based position in the reference list
    text: str
    page: int


@dataclass
class Paper:
    paper_id: str  # arXiv id when known, else "sha-<first 12 hex of the file hash>"
    arxiv_id: str | None
    title: str
    authors: list[str]
    abstract: str
    abstract_page: int
    page_count: int
    sections: list[Section]
    references: list[Reference]
    sha256: str
    source: str  # file name it was parsed from
    parse_seconds: float = 0.0
    arxiv_source: str | None = None  # where the arXiv id came from: "stamp", "filename" or "text"
    arxiv_version: str | None = None  # from the arXiv stamp: "v2"
    arxiv_category: str | None = None  # from the arXiv stamp: "cs.CL"
    arxiv_date: str | None = None  # from the arXiv stamp: "3 Jan 2024"
    warnings: list[str] = field(default_factory=list)  # what the file lacked: pages without text, plain-text pages

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        sections = [
            Section(**{**s, "blocks": [Block(BlockKind(b["kind"]), b["text"], b["page"]) for b in s["blocks"]]})
            for s in data["sections"]
        ]
        references = [Reference(**r) for r in data["references"]]
        known = {f.name for f in fields(cls)}  # files written by other versions may lack or add fields
        return cls(**{**{k: v for k, v in data.items() if k in known}, "sections": sections,
                      "references": references})

    def as_unknown(self) -> Paper:
        """This paper under its file-hash id, with no arXiv id (the one it carried belongs to another paper)."""
        return replace(self, paper_id=f"sha-{self.sha256[:12]}", arxiv_id=None, arxiv_source=None)

    @property
    def url(self) -> str | None:
        return f"http://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else None
