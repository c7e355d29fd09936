"""Cut a parsed paper into retrieval chunks that follow its sections.

A chunk never crosses a section boundary. Size is counted with the embedding model's own tokenizer
(passed in as `count_tokens`) on the exact text that gets embedded, so nothing is silently truncated.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from .paper import BlockKind, Paper, Section
from .structure import TABLE_CAPTION_TEXT
from .text import CJK, split_sentences

TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")  # the |---|---| line under a markdown table's header row
_VALUE = re.compile(r"^[-+±]?\d[\d.,]*(?:%|x|×)?$")
_FIGURE_MARK = re.compile(r"\[Figure \d+\]")  # where pymupdf4llm left an image out
_GOES_ON = re.compile(r"\s*[a-z]")  # a piece that opens in lower case goes on with a sentence begun before it
_SENTENCE_ENDS = (".", "!", "?", ":", ";", ")", "]", '"', "”", "’")
RESIDUE_KEEPS = 0.6  # a chunk is embedded without its figure residue only while that keeps most of its text


class ChunkKind(StrEnum):
    """What a stored chunk holds; answers draw on abstract, body and table chunks."""

    ABSTRACT = "abstract"
    BODY = "body"
    TABLE = "table"
    CAPTION = "caption"
    REFERENCE = "reference"


@dataclass
class Chunk:
    chunk_id: str
    paper_id: str
    index: int
    kind: ChunkKind
    section: str  # the section's own title
    section_path: str  # "3. Method > 3.2 Training"
    page_start: int
    page_end: int
    text: str  # what is shown and quoted
    embed_text: str  # what is embedded: title and section as context, then the text

    @property
    def pages(self) -> str:
        return str(self.page_start) if self.page_start == self.page_end else f"{self.page_start}-{self.page_end}"


@dataclass
class _Piece:
    text: str
    page: int


def _figure_residue(line: str) -> bool:
    """A line of a figure's words that the layout engine left among the sentences ("How", "LM Head",
    "Speedup", "✓ ✓ ✓", "ɑ ≈ ɑ ɑ"), or only image placeholders. A line with a digit, a table cell or CJK text
    is never residue: numbers and rows are what fact questions ask for."""
    if _FIGURE_MARK.search(line) and not re.sub(r"[|\-\s]", "", _FIGURE_MARK.sub("", line)):
        return True
    text = line.strip().lstrip("-•* ").strip()
    if not text:
        return True
    if re.search(r"\d|\|", text) or CJK.search(text):
        return False
    words = text.split()
    if len(words) <= 3 and not re.search(r"[.!?:;,]$", text):  # a label, not the end of a sentence
        return True
    if sum(not (ch.isascii() or ch.isspace()) for ch in text) > 0.15 * len(text):  # glyphs and symbols
        return True
    return len(words) >= 6 and len({w.lower() for w in words}) < 0.6 * len(words)  # words repeated


def embedded_text(text: str) -> str:
    """The text to embed: without the figure residue of a re-typeset or figure-heavy page, whose stray words
    pull a chunk's vector away from its sentences (measured: the README's "How ingest works", step 4). A chunk
    that is mostly residue is embedded as it is: its few remaining labels alone would match any question on
    the figure's topic."""
    lines = [line for line in text.split("\n") if line.strip()]
    kept = [line for line in lines if not _figure_residue(line)]
    return "\n".join(kept) if len("\n".join(kept)) >= RESIDUE_KEEPS * len("\n".join(lines)) else text


def _header(paper: Paper, section_path: str) -> str:
    return f"{paper.title} | {section_path}\n"


def _cut_to_budget(text: str, budget: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Last resort for text with no spaces (CJK, long URLs): the longest prefixes that fit."""
    parts = []
    while text:
        low, high = 1, len(text)
        while low < high:  # largest prefix length whose token count fits
            middle = (low + high + 1) // 2
            if count_tokens(text[:middle]) <= budget:
                low = middle
            else:
                high = middle - 1
        parts.append(text[:low])
        text = text[low:]
    return parts


def _split_long(text: str, budget: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Split text over budget at sentence ends, then at spaces, then anywhere."""
    pieces: list[str] = []
    for sentence in split_sentences(text):
        if count_tokens(sentence) <= budget:
            pieces.append(sentence)
            continue
        current: list[str] = []
        for word in sentence.split(" "):
            if count_tokens(word) > budget:
                if current:
                    pieces.append(" ".join(current))
                    current = []
                pieces.extend(_cut_to_budget(word, budget, count_tokens))
                continue
            if current and count_tokens(" ".join(current + [word])) > budget:
                pieces.append(" ".join(current))
                current = []
            current.append(word)
        if current:
            pieces.append(" ".join(current))
    return pieces


def _pack(pieces: list[_Piece], header: str, budget: int, count_tokens: Callable[[str], int],
          joiner: str = "\n") -> list[list[_Piece]]:
    """Greedy packing of consecutive pieces so header + joined text stays within budget."""
    header_tokens = count_tokens(header)
    room = budget - header_tokens
    units: list[_Piece] = []
    for piece in pieces:
        if count_tokens(piece.text) <= room:
            units.append(piece)
        else:
            units.extend(_Piece(part, piece.page) for part in _split_long(piece.text, room, count_tokens))
    groups, current, used = [], [], 0
    for unit in units:
        size = count_tokens(unit.text) + 1
        if current and used + size > room:
            carried = _caption_tail(current, unit.text, size, room, count_tokens) \
                or _cut_paragraph(current, unit.text, size, room, count_tokens)
            groups.append(current[:len(current) - len(carried)])
            current, used = carried, sum(count_tokens(p.text) + 1 for p in carried)
        current.append(unit)
        used += size
    if current:
        groups.append(current)
    # token counts of parts do not add up exactly; re-check the joined text and split again if needed
    checked = []
    for group in groups:
        if len(group) > 1 and count_tokens(header + joiner.join(p.text for p in group)) > budget:
            half = len(group) // 2
            checked.extend([group[:half], group[half:]])
        else:
            checked.append(group)
    return checked


def _reads_as_rows(text: str) -> bool:
    """A table set as lines of text: a third or more of its words are values ("55.64", "3.16x", "42%")."""
    words = text.split()
    return len(words) >= 6 and sum(bool(_VALUE.match(w)) for w in words) >= len(words) / 3


def _caption_tail(group: list[_Piece], following: str, size: int, room: int,
                  count_tokens: Callable[[str], int]) -> list[_Piece]:
    """The end of a full chunk from a table caption set as text on ("Table 3: Results ...", then a header line):
    it moves on with the next piece, the table's first row in a re-typeset paper, when they fit together. Not a
    caption under rows it ends, nor one followed by a sentence."""
    if following.rstrip().endswith((".", "!", "?")) and not _reads_as_rows(following):
        return []
    for start in range(len(group) - 1, max(0, len(group) - 4), -1):
        if TABLE_CAPTION_TEXT.match(group[start].text.lstrip("-*• ")):
            tail = group[start:]
            fits = sum(count_tokens(p.text) + 1 for p in tail) + size <= room
            return tail if fits and not _reads_as_rows(group[start - 1].text) else []
    return []


def _cut_paragraph(group: list[_Piece], following: str, size: int, room: int,
                   count_tokens: Callable[[str], int]) -> list[_Piece]:
    """The end of a full chunk that stops in mid-sentence where the next piece goes on with it (a paragraph split at
    a page or column break: "the thinking time of DeepSeek-R1-Zero shows consistent improve-" | "ment ..."): it moves
    on with that piece, when they fit together, so that the sentence is read whole. A piece too long for that is cut
    after its last full sentence, and only the unfinished one moves on (the group then ends in the two parts)."""
    last = group[-1]
    if not _GOES_ON.match(following) or last.text.rstrip().endswith(_SENTENCE_ENDS):
        return []
    if len(group) > 1 and count_tokens(last.text) + 1 + size <= room:
        return group[-1:]
    unfinished = split_sentences(last.text)[-1]
    start = last.text.rfind(unfinished)
    if start <= 0 or count_tokens(unfinished) + 1 + size > room:
        return []
    group[-1:] = [_Piece(last.text[:start].rstrip(), last.page), _Piece(last.text[start:], last.page)]
    return group[-1:]


def _table_pieces(text: str, page: int) -> list[_Piece]:
    """A long markdown table is cut by rows; every part keeps the caption and header rows."""
    lines = text.split("\n")
    head_end = next((i + 1 for i, line in enumerate(lines) if TABLE_RULE.match(line)), 0)
    head = "\n".join(lines[:head_end])
    rows = lines[head_end:]
    return [_Piece(f"{head}\n{row}" if head else row, page) for row in rows] if head else [_Piece(text, page)]


class _Builder:
    def __init__(self, paper: Paper, budget: int, count_tokens: Callable[[str], int]):
        self.paper, self.budget, self.count_tokens = paper, budget, count_tokens
        self.chunks: list[Chunk] = []

    def add(self, kind: ChunkKind, section: str, path: str, pieces: list[_Piece], joiner: str = "\n") -> None:
        if not pieces:
            return
        header = _header(self.paper, path)
        for group in _pack(pieces, header, self.budget, self.count_tokens, joiner):
            text = joiner.join(p.text for p in group)
            index = len(self.chunks)
            self.chunks.append(Chunk(
                chunk_id=f"{self.paper.paper_id}:{self.paper.sha256[:8]}:{index:04d}",
                paper_id=self.paper.paper_id, index=index, kind=kind, section=section, section_path=path,
                page_start=min(p.page for p in group), page_end=max(p.page for p in group),
                text=text, embed_text=header + embedded_text(text)))

    def add_table(self, section: Section, text: str, page: int) -> None:
        whole = [_Piece(text, page)]
        if self.count_tokens(_header(self.paper, section.path_text) + text) <= self.budget:
            self.add(ChunkKind.TABLE, section.title, section.path_text, whole)
            return
        rows = _table_pieces(text, page)
        head = rows[0].text.rsplit("\n", 1)[0] if len(rows) > 1 else ""
        body = [_Piece(r.text.rsplit("\n", 1)[-1], page) for r in rows] if head else rows
        header_budget = self.budget - self.count_tokens(head)
        for group in _pack(body, _header(self.paper, section.path_text), header_budget, self.count_tokens):
            rows = ([head] if head else []) + [p.text for p in group]
            self.add(ChunkKind.TABLE, section.title, section.path_text, [_Piece("\n".join(rows), page)])


def chunk_paper(paper: Paper, count_tokens: Callable[[str], int], max_tokens: int) -> list[Chunk]:
    """All chunks of a paper: abstract, then each section's body, tables and captions, then references."""
    builder = _Builder(paper, max_tokens, count_tokens)
    if paper.abstract:
        builder.add(ChunkKind.ABSTRACT, "Abstract", "Abstract", [_Piece(paper.abstract, paper.abstract_page)])
    for section in paper.sections:
        if section.title.strip().lower() == "abstract":
            continue
        body = [_Piece(b.text, b.page) for b in section.blocks if b.kind == BlockKind.BODY]
        builder.add(ChunkKind.BODY, section.title, section.path_text, body)  # text flows around figures and tables
        for block in section.blocks:
            if block.kind == BlockKind.TABLE:
                builder.add_table(section, block.text, block.page)
            elif block.kind == BlockKind.CAPTION:
                builder.add(ChunkKind.CAPTION, section.title, section.path_text, [_Piece(block.text, block.page)])
    if paper.references:
        entries = [_Piece(f"[{r.number}] {r.text}", r.page) for r in paper.references]
        builder.add(ChunkKind.REFERENCE, "References", "References", entries)
    return builder.chunks
