"""Run pymupdf4llm's layout engine and flatten its output into a stream of classified boxes.

The layout model (pymupdf-layout) labels every region: section-header, title, text, list-item,
table, caption, picture, formula, footnote, page-header, page-footer. Running headers, footers
and page numbers are dropped here; reading order across columns comes from the model.

One file must not stall a batch: the engine's time grows steeply with the text on a page (a
30,000-character line took 231 s; a page of 4.7 M characters never finished), so pages far beyond
any paper's are read as plain text instead, pages beyond any sane size are not indexed, and once
a file has used its time budget its remaining pages are read as plain text. Each such page is
named in the paper's warnings.
"""
from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pymupdf
import pymupdf4llm

SKIPPED_CLASSES = {"picture"}
PLAIN = "plain-text"  # a page read without the layout engine
RUNNING_CLASSES = {"page-header", "page-footer"}  # dropped after they taught us the running lines

_MARKUP = re.compile(r"\*\*|</?u>|</?sup>|</?sub>|<!--.*?-->", re.S)
_PAGE_NUMBER = re.compile(r"(page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_ITALIC = re.compile(r"(?<![\w`])_(\S(?:[^_\n]*?\S)?)_(?![\w`])")
# Numbers set in a math font come out of the layout engine split or wrapped in emphasis marks: "59 . 13",
# "82_._7%", "81 _._ 25%", "1 . 1 × 10_−_3", "_>_98%" (12 of the 22 corpus papers: MoBA's "81.25%" could be
# neither found nor quoted). A period with a space before it between digits is no sentence end ("2024. 1" is).
# So are thousands ("200 ,_ 000 hours", "10,_518"), intervals ("(1 ,_ 1.25]") and factors ("1.16 × faster").
_SPLIT_DECIMAL = re.compile(r"(?<=\d)(?: ?_\._ ?| \. ?)(?=\d)")
_SPLIT_THOUSANDS = re.compile(r"(?<=\d)(?: ,_? ?|,_ ?)(?=\d{3}(?!\d))")  # a plain "Figure 3, 100" is left alone
_MATH_MARK = re.compile(r"_(?=[−+×>=<%.,)\]])|(?<=[−+×>=<(\[,])_")
_SPACE_BEFORE_COMMA = re.compile(r"(?<=\d) ,(?= )")
_SPLIT_FACTOR = re.compile(r"(?<=\d) ×(?! ?[\d(−-])")  # "2 × 10" is a product and stays
PAGES_PER_CALL = 4  # layout per small batch: progress stays live, per-call overhead stays small
PLAIN_PAGE_CHARS = 20_000  # a dense paper page holds ~6,000: beyond this the page is read as plain text
PLAIN_LINE_CHARS = 2_000  # so is a page with a line this long
MAX_PAGE_CHARS = 200_000  # beyond this a page is not indexed at all


@dataclass
class LayoutBox:
    kind: str  # the layout class
    text: str  # markdown for tables, cleaned plain text otherwise
    page: int  # 1-based
    hashes: int = 0  # markdown heading depth for headers (font-size rank), 0 otherwise
    bold: bool = False  # a header set in bold ("## **4 Experiments**"; a figure's words are not)


_PLACEHOLDER = re.compile(r"^\[(?:figure|picture|image)[^\]]{0,20}\]$", re.I)  # "[Figure 51]" where a figure was


def mend_numbers(text: str) -> str:
    """Numbers as the paper prints them: "59 . 13" -> "59.13", "82_._7%" -> "82.7%", "_>_98%" -> ">98%",
    "200 ,_ 000" -> "200,000", "(1 ,_ 1.25]" -> "(1, 1.25]", "1.16 × faster" -> "1.16× faster"."""
    text = _MATH_MARK.sub("", _SPLIT_THOUSANDS.sub(",", _SPLIT_DECIMAL.sub(".", text)))
    return _SPLIT_FACTOR.sub("×", _SPACE_BEFORE_COMMA.sub(",", text))


def _unmarked(text: str) -> str:
    """Numbers mended, then italic marks out (a mended "82_._7%" is no italic span)."""
    return _ITALIC.sub(r"\1", mend_numbers(text))


def clean_text(text: str) -> str:
    """Markdown emphasis and HTML bits out, numbers mended, ligatures folded (NFKC), whitespace collapsed,
    figure placeholder lines dropped."""
    text = unicodedata.normalize("NFKC", _unmarked(_MARKUP.sub("", text))).replace("<br>", " ")
    lines = [_SPACES.sub(" ", line).strip().removeprefix("> ") for line in text.splitlines()]
    return "\n".join(line for line in lines if line and not _PLACEHOLDER.match(line))


def layout_boxes(doc: pymupdf.Document, on_page: Callable[[int], None] | None = None,
                 budget_s: float = 300.0) -> tuple[list[LayoutBox], list[str]]:
    """All content boxes of the document in reading order, and warnings about pages read otherwise.
    `on_page(n)` reports progress."""
    by_page: dict[int, list[LayoutBox]] = {}
    warnings: list[str] = []
    layout_pages: list[int] = []
    for index, page in enumerate(doc):
        text = page.get_text()
        longest = max((len(line) for line in text.splitlines()), default=0)
        if len(text) > MAX_PAGE_CHARS:
            warnings.append(f"page {index + 1} holds {len(text):,} characters (over {MAX_PAGE_CHARS:,}): not indexed")
            by_page[index] = []
        elif len(text) > PLAIN_PAGE_CHARS or longest > PLAIN_LINE_CHARS:
            warnings.append(f"page {index + 1} ({len(text):,} characters, longest line {longest:,}) read as plain "
                            "text, without layout analysis")
            by_page[index] = plain_boxes(page, index + 1)
        else:
            layout_pages.append(index)
    started = time.perf_counter()
    for start in range(0, len(layout_pages), PAGES_PER_CALL):
        pages = layout_pages[start : start + PAGES_PER_CALL]
        if time.perf_counter() - started > budget_s:
            rest = layout_pages[start:]
            warnings.append(f"layout analysis used its {budget_s:g} s budget: pages {rest[0] + 1}-{rest[-1] + 1} "
                            "read as plain text")
            by_page.update({i: plain_boxes(doc[i], i + 1) for i in rest})
            break
        chunks = pymupdf4llm.to_markdown(
            doc, pages=pages, page_chunks=True, use_ocr=False, header=True, footer=True
        )
        for index, chunk in zip(pages, chunks):
            by_page[index] = _page_boxes(chunk)
        if on_page:
            on_page(len(pages))
    boxes = [box for index in sorted(by_page) for box in by_page[index]]
    return drop_running_lines(boxes, doc.page_count), warnings


def plain_boxes(page: pymupdf.Page, number: int) -> list[LayoutBox]:
    """A page's text blocks as plain text boxes (no headings, tables or reading-order model)."""
    blocks = page.get_text("blocks")
    return [LayoutBox(PLAIN, text, number) for *_, raw, _, kind in blocks if kind == 0
            and (text := clean_text(raw))]


def drop_running_lines(boxes: list[LayoutBox], page_count: int) -> list[LayoutBox]:
    """Remove running headers/footers: the boxes the model labels so, plus any line repeated
    verbatim on many pages (the model misses some), plus bare page numbers."""
    pages_with: dict[str, set[int]] = {}
    for box in boxes:
        if box.kind != "table":
            for line in box.text.split("\n"):
                if len(line) <= 120:
                    pages_with.setdefault(line, set()).add(box.page)
    threshold = max(2, int(page_count * 0.4))
    running = {text for text, pages in pages_with.items() if len(pages) >= threshold}
    kept = []
    for box in boxes:
        if box.kind in RUNNING_CLASSES:
            continue
        if box.kind != "table":
            box.text = "\n".join(line for line in box.text.split("\n")
                                 if line not in running and not _PAGE_NUMBER.fullmatch(line))
        if box.text:
            kept.append(box)
    return kept


def _page_boxes(chunk: dict) -> list[LayoutBox]:
    """One page chunk of pymupdf4llm output -> its content boxes (page_boxes index into text)."""
    boxes = []
    page_number, text = chunk["metadata"]["page_number"], chunk["text"]
    for box in chunk["page_boxes"]:
        if box["class"] in SKIPPED_CLASSES:
            continue
        raw = text[box["pos"][0] : box["pos"][1]]
        hashes = len(raw) - len(raw.lstrip("#")) if box["class"] in ("section-header", "title") else 0
        if box["class"] == "table":
            content = unicodedata.normalize("NFKC", _unmarked(raw.replace("**", ""))).strip()
        else:
            content = clean_text(raw.lstrip("#").strip())
        if content:
            boxes.append(LayoutBox(box["class"], content, page_number, hashes, bold=bool(hashes) and "**" in raw))
    return boxes
