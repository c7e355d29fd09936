"""Run pymupdf4llm's layout engine and flatten its output into a stream of classified boxes.

The layout model (pymupdf-layout) labels every region: section-header, title, text, list-item,
table, caption, picture, formula, footnote, page-header, page-footer. Running headers, footers
and page numbers are dropped here; reading order across columns comes from the model.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pymupdf
import pymupdf4llm

SKIPPED_CLASSES = {"picture"}
RUNNING_CLASSES = {"page-header", "page-footer"}  # dropped after they taught us the running lines

_MARKUP = re.compile(r"\*\*|</?u>|</?sup>|</?sub>|<!--.*?-->", re.S)
_PAGE_NUMBER = re.compile(r"(page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_ITALIC = re.compile(r"(?<![\w`])_(\S(?:[^_\n]*?\S)?)_(?![\w`])")
PAGES_PER_CALL = 4  # layout per small batch: progress stays live, per-call overhead stays small


@dataclass
class LayoutBox:
    kind: str  # the layout class
    text: str  # markdown for tables, cleaned plain text otherwise
    page: int  # 1-based
    hashes: int = 0  # markdown heading depth for headers (font-size rank), 0 otherwise


def clean_text(text: str) -> str:
    """Markdown emphasis and HTML bits out, ligatures folded (NFKC), whitespace collapsed."""
    text = unicodedata.normalize("NFKC", _ITALIC.sub(r"\1", _MARKUP.sub("", text))).replace("<br>", " ")
    lines = [_SPACES.sub(" ", line).strip().removeprefix("> ") for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def layout_boxes(doc: pymupdf.Document, on_page=None) -> list[LayoutBox]:
    """All content boxes of the document in reading order. `on_page(n)` reports progress."""
    boxes: list[LayoutBox] = []
    for start in range(0, doc.page_count, PAGES_PER_CALL):
        pages = list(range(start, min(start + PAGES_PER_CALL, doc.page_count)))
        chunks = pymupdf4llm.to_markdown(
            doc, pages=pages, page_chunks=True, use_ocr=False, header=True, footer=True
        )
        for chunk in chunks:
            boxes.extend(_page_boxes(chunk))
        if on_page:
            on_page(len(pages))
    return drop_running_lines(boxes, doc.page_count)


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
            content = unicodedata.normalize("NFKC", raw.replace("**", "")).strip()
        else:
            content = clean_text(raw.lstrip("#").strip())
        if content:
            boxes.append(LayoutBox(box["class"], content, page_number, hashes))
    return boxes
