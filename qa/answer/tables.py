"""A markdown table as the small model reads it best: one line per row, each cell after its column's header.

In a wide markdown table a 1.5B model reads a number off the wrong column: asked for DeepSeek-R1's Codeforces
rating it answered the neighbouring column's 2061 (OpenAI o1-1217) instead of 2029. Written as
"Codeforces (Rating); OpenAI o1-1217: 2061; DeepSeek R1: 2029", every number stands next to what it measures,
and a row carries the words of its columns, so rows can be chosen by the question's terms like sentences.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.chunking import TABLE_RULE

_VALUE = re.compile(r"[-+±~<>≈]?\s*\.?\d|[-–—]$")  # a number, a score "2056 / 98.2%", or a dash for none
_BREAK = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"</?[a-z]+>", re.I)


@dataclass(frozen=True)
class TableLine:
    source: str  # the line of the markdown table it comes from (evidence quotes hold those)
    text: str  # as the model reads it
    is_row: bool  # a body row (a caption or note line is not)


def _rule(lines: list[str]) -> int:
    """The index of the line under the header row, -1 when there is none."""
    return next((i for i, line in enumerate(lines) if TABLE_RULE.match(line)), -1)


def _cells(line: str) -> list[list[str]]:
    """Each cell's parts: a PDF cell holding two stacked rows reads "70.6<br>2056"."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [[" ".join(_TAG.sub("", part).split()) for part in _BREAK.split(cell)] for cell in inner.split("|")]


def _flat(cells: list[list[str]]) -> list[str]:
    return [" ".join(p for p in parts if p) for parts in cells]


def _is_value(cell: str) -> bool:
    return bool(_VALUE.match(cell))


def _stacked(cells: list[list[str]]) -> list[list[str]]:
    """A row whose cells hold n stacked parts each (or one), as n rows; one-part value cells go to the first."""
    n = max(len(parts) for parts in cells)
    if n == 1 or any(len(parts) not in (1, n) for parts in cells if any(parts)):
        return [_flat(cells)]
    return [[parts[k] if len(parts) == n else (parts[0] if k == 0 or not _is_value(parts[0]) else "")
             for parts in cells] for k in range(n)]


def _row(header: list[str], cells: list[str]) -> str:
    """The row's label (its leading text cells; in a row without values, its first cell), then
    "column: value" for the rest."""
    filled = [(i, cell) for i, cell in enumerate(cells) if cell]
    labels = next((n for n, (_, cell) in enumerate(filled) if _is_value(cell)), 1)
    parts = []
    for n, (i, cell) in enumerate(filled):
        name = header[i] if i < len(header) else ""
        parts.append(cell if n < labels or not name or name == cell else f"{name}: {cell}")
    return "; ".join(parts)


def table_lines(text: str) -> list[TableLine]:
    """The table's lines as the model reads them. The header row names every row's cells; in a table of values,
    a first body row without one ("pass@1", "rating") is a second header row, joined to the first. Text that is not a
    markdown table comes back line by line, unchanged."""
    lines = text.split("\n")
    rule = _rule(lines)
    if rule < 1 or not lines[rule - 1].lstrip().startswith("|"):
        return [TableLine(line, line, False) for line in lines]
    header = _flat(_cells(lines[rule - 1]))
    out = [TableLine(line, line, False) for line in lines[:rule - 1]]
    body = lines[rule + 1:]
    valued = [line.lstrip().startswith("|") and any(_is_value(part) for parts in _cells(line) for part in parts)
              for line in body]
    if len(body) > 1 and body[0].lstrip().startswith("|") and not valued[0] and any(valued[1:]):
        sub = _flat(_cells(body[0]))
        width = max(len(header), len(sub))
        header = [" ".join(f"{h} {s}".split()) for h, s in
                  zip(header + [""] * (width - len(header)), sub + [""] * (width - len(sub)))]
        body = body[1:]
    for line in body:
        if not line.lstrip().startswith("|"):
            out.append(TableLine(line, line, False))
            continue
        for cells in _stacked(_cells(line)):
            if row := _row(header, cells):
                out.append(TableLine(line, row, True))
    return out


def row_text(line: str) -> str:
    """A markdown table row as its cells' words in order, as the page prints them (no pipes or tags): what a
    quote of a table row can show and find on its page."""
    return " ".join(part for parts in _cells(line) for part in parts if part)

