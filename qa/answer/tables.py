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
# a cell that is only a quantity ("56.0", "86.0%", "2,056", "3.82x", "100K", "70.6 / 2056", "–"); a name that
# starts with a digit ("4 Opus", "235B-A22B") is not one
_NUMBER = re.compile(r"[-+±~<>≈]?\s*\d[\d,.]*\s*(%|x|×|[kKMBT])?(\s*[/±]\s*\d[\d,.]*\s*%?)*|[-–—]")
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


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.fullmatch(cell))


def _short(cells: list[list[str]]) -> bool:
    """Names and labels, not text: every part of every cell at most 30 characters."""
    return all(len(part) <= 30 for parts in cells for part in parts)


def _sparse(cells: list[str]) -> bool:
    """At least half the cells empty: a label spanning columns, not a row of names or values."""
    return 2 * cells.count("") >= len(cells)


def _continues(before: str, piece: str) -> bool:
    """A label piece that goes on from the one in the column before: cut at the column line inside a word. Two
    labels that begin alike are two names ("miniF2F-valid", "miniF2F-test"), not one cut in two."""
    return bool(before) and bool(piece) and (before[-1].isalpha() or before[-1] == "-") and piece[0].islower() \
        and before[:4] != piece[:4]


def _joined(cells: list[str]) -> str:
    """The text of a row of spanning labels that the layout engine cut at the column lines ("Sof", "tware
    Engine", "ering"): a piece that continues the one before (`_continues`) joins it without a space."""
    pieces = [cell for cell in cells if cell]
    return "".join(piece if i and _continues(pieces[i - 1], piece) else f" {piece}"
                   for i, piece in enumerate(pieces)).strip()


def _group_labels(pieces: list[str]) -> list[str]:
    """Each column's label when a label spanning columns was cut at their lines ("LiveCo", "deBench" ->
    "LiveCodeBench" for both): the pieces that go on from the column before join it; a piece that starts a
    word of its own ("Vision-La" after "nly Model") starts another label."""
    runs: list[list[int]] = []
    for i, piece in enumerate(pieces):
        if runs and _continues(pieces[i - 1], piece):
            runs[-1].append(i)
        else:
            runs.append([i])
    return [_joined([pieces[j] for j in run]) for run in runs for _ in run]


def _header(cells: list[list[str]], grouped: bool) -> list[str]:
    """The column names of a header row. Its first line is a row of group labels, whose pieces may have been cut
    at the column lines, when its cells are stacked ("LiveCo<br>Medium (87)") or when a second header row
    follows (`grouped`: "Ope", "n-Weights M", "odels" over the model names)."""
    stacked = [len([p for p in parts if p]) > 1 for parts in cells]
    if not grouped and not any(stacked):
        return _flat(cells)
    tops = [parts[0] if grouped or stack else "" for parts, stack in zip(cells, stacked)]
    return [" ".join(filter(None, [label, *parts[1:]] if top else parts))
            for top, label, parts in zip(tops, _group_labels(tops), cells)]


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
    """The table's lines as the model reads them. The header row names every row's cells; in a table of numbers,
    a first body row without one (model names "Claude 4 Opus", "pass@1", "rating") is a second header row, joined
    to the first, and a row of labels spanning the columns ("Sof", "tware Engine", "ering") is read as the one label
    it is ("Software Engineering"), in the body as over the columns ("LiveCo<br>Medium", "deBench<br>Hard"). Text
    that is not a markdown table comes back line by line, unchanged."""
    lines = text.split("\n")
    rule = _rule(lines)
    if rule < 1 or not lines[rule - 1].lstrip().startswith("|"):
        return [TableLine(line, line, False) for line in lines]
    out = [TableLine(line, line, False) for line in lines[:rule - 1]]
    body = [(line, _cells(line) if line.lstrip().startswith("|") else None) for line in lines[rule + 1:]]
    numbers = [bool(cells) and any(_is_number(part) for parts in cells for part in parts) for _, cells in body]
    labels = [bool(cells) and not number and any(numbers) and _short(cells) and _sparse(_flat(cells))
              for (_, cells), number in zip(body, numbers)]
    second = len(body) > 1 and body[0][1] and not numbers[0] and not labels[0] and _short(body[0][1]) \
        and any(numbers[1:])  # a second header row: the model names under group labels
    header = _header(_cells(lines[rule - 1]), bool(second))
    if second:
        sub = _flat(body[0][1])
        width = max(len(header), len(sub))
        header = [" ".join(f"{h} {s}".split()) for h, s in
                  zip(header + [""] * (width - len(header)), sub + [""] * (width - len(sub)))]
        body, labels = body[1:], labels[1:]
    for (line, cells), label in zip(body, labels):
        if cells is None:
            out.append(TableLine(line, line, False))
        elif label:
            out.append(TableLine(line, _joined(_flat(cells)), True))
        else:
            out += [TableLine(line, row, True) for stacked in _stacked(cells) if (row := _row(header, stacked))]
    return out


def row_text(line: str) -> str:
    """A markdown table row as its cells' words in order, as the page prints them (no pipes or tags): what a
    quote of a table row can show and find on its page."""
    return " ".join(part for parts in _cells(line) for part in parts if part)

