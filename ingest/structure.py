"""Turn the flat box stream into title, abstract, a section tree and the reference list.

Heading levels come from the heading's numbering ("3.2.1" is level 3, "A.1" level 2) and, for
unnumbered headings, from the font-size rank the layout engine reports relative to the paper's
numbered top-level headings. Tables are joined with their "Table N" caption.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .hyphens import apply_repairs, compound_repairs
from .layout import LayoutBox
from .paper import BODY, CAPTION, TABLE, Block, Reference, Section
from .references import is_reference_heading, split_references

HEADER_CLASSES = {"section-header", "title"}
_NUMBERED = re.compile(r"^((?:\d{1,2}|[A-H])(?:\.\d{1,2})*)\.?\s+(\S.*)$")
_ABSTRACT = re.compile(r"^(abstract|summary)\b[\s.:—–\-]*", re.I)
_TABLE_CAPTION = re.compile(r"^(Table|Tab\.)\s*\d")
_SKIP_SECTIONS = re.compile(r"^(table of )?contents$", re.I)
_TOP_LEVEL = re.compile(
    r"^(abstract|appendix|appendices|acknowledge?ments?|conclusions?|contributions?( and acknowledge?ments)?|"
    r"author contributions|authors|limitations|broader impacts?|ethics statement|supplementary material)\b", re.I)


@dataclass
class Structure:
    title: str
    front_matter: list[str]  # text between title and first heading: authors, affiliations
    abstract: str
    abstract_page: int
    sections: list[Section] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)


def heading_depth(title: str) -> int | None:
    """Depth from section numbering, or None when the heading is unnumbered."""
    match = _NUMBERED.match(title)
    if not match or len(title) > 150:
        return None
    number = match.group(1)
    if number.isalpha() and not re.match(r"^[A-H]\.?\s+[A-Z]", title):
        return None  # "A model..." is a sentence, "A Appendix" / "B. Details" is a heading
    return number.count(".") + 1


def _is_heading(box: LayoutBox) -> bool:
    return box.kind in HEADER_CLASSES and len(box.text) <= 200


def _top_hashes(boxes: list[LayoutBox]) -> int:
    """Markdown depth that numbered level-1 headings get in this paper (the font-size rank)."""
    ranks = Counter(b.hashes for b in boxes if _is_heading(b) and heading_depth(b.text) == 1)
    return ranks.most_common(1)[0][0] if ranks else 2


def _find_title(boxes: list[LayoutBox]) -> int | None:
    """Index of the title box: the layout 'title' on page 1, else the first page-1 heading."""
    first_page = [i for i, b in enumerate(boxes) if b.page == 1]
    for i in first_page:
        if boxes[i].kind == "title":
            return i
    for i in first_page:
        text = boxes[i].text
        if _is_heading(boxes[i]) and not _ABSTRACT.match(text) and heading_depth(text) is None \
                and not is_reference_heading(text) and not _TOP_LEVEL.match(text):
            return i
    return None


def build_structure(boxes: list[LayoutBox], fallback_title: str) -> Structure:
    title_index = _find_title(boxes)
    skip_indexes: set[int] = {title_index} if title_index is not None else set()
    title = boxes[title_index].text.replace("\n", " ") if title_index is not None else fallback_title
    while title_index is not None and title.endswith((":", "-", "–")) and title_index + 1 < len(boxes) \
            and _is_heading(boxes[title_index + 1]):  # a title set over two heading boxes
        title_index += 1
        skip_indexes.add(title_index)
        title = f"{title} {boxes[title_index].text}"
    top_hashes = _top_hashes(boxes)
    numbered_paper = sum(1 for b in boxes if _is_heading(b) and heading_depth(b.text)) >= 3
    numbered_level = 0  # level of the last numbered heading: run-in headings nest under it
    structure = Structure(title=title, front_matter=[], abstract="", abstract_page=1)
    stack: list[Section] = []
    current: Section | None = None
    in_references, reference_blocks = False, []
    abstract_parts: list[str] = []
    pending_caption: Block | None = None

    def add_block(block: Block) -> None:
        if current is None:
            structure.front_matter.append(block.text)
        else:
            current.blocks.append(block)

    for index, box in enumerate(boxes):
        if index in skip_indexes:
            continue
        if _is_heading(box):
            text = box.text.replace("\n", " ")
            if is_reference_heading(text):
                in_references = True
                current = None
                continue
            depth = heading_depth(text)
            if current is None and box.page == 1 and depth is None and not _ABSTRACT.match(text) \
                    and not _TOP_LEVEL.match(text):
                structure.front_matter.append(text)  # an author or team line set as a heading
                continue
            if in_references and depth is None and box.hashes > top_hashes:
                continue  # a bold line inside the bibliography, not a new section
            in_references = False
            if depth:
                level = numbered_level = depth
            elif _TOP_LEVEL.match(text):
                level, numbered_level = 1, 0
            elif numbered_paper:
                level = numbered_level + 1
            else:
                level = max(1, box.hashes - top_hashes + 1)
            while stack and stack[-1].level >= level:
                stack.pop()
            current = Section(text, level, box.page, [s.title for s in stack] + [text])
            stack.append(current)
            if not _SKIP_SECTIONS.match(text):
                structure.sections.append(current)
            continue
        if in_references:
            if box.kind != "footnote":  # page footnotes interleave with the bibliography
                reference_blocks.append((box.text, box.page))
            continue
        if box.kind == "table":
            block = Block(TABLE, box.text, box.page)
            if pending_caption and pending_caption.page == box.page:
                block.text = f"{pending_caption.text}\n\n{box.text}"
                _drop(current, structure, pending_caption)
            add_block(block)
            pending_caption = None
            continue
        if box.kind == "caption":
            block = Block(CAPTION, box.text, box.page)
            previous = _last_block(current)
            table_caption = bool(_TABLE_CAPTION.match(box.text))
            if table_caption and previous and previous.kind == TABLE and previous.page == box.page \
                    and "\n\n" not in previous.text[:200]:
                previous.text = f"{box.text}\n\n{previous.text}"  # caption set below the table
                continue
            add_block(block)
            pending_caption = block if table_caption else None
            continue
        pending_caption = None
        if current is None and not abstract_parts and (match := _ABSTRACT.match(box.text)) and len(box.text) > 200:
            abstract_parts.append(box.text[match.end():])  # "Abstract—We ..." with no heading
            structure.abstract_page = box.page
            continue
        add_block(Block(BODY, box.text, box.page))

    for section in structure.sections:
        if section.title.strip().lower() == "abstract":
            abstract_parts = [b.text for b in section.blocks if b.kind == BODY] or abstract_parts
            structure.abstract_page = section.page
            break
    structure.abstract = " ".join(abstract_parts).strip()
    if not structure.abstract:
        structure.abstract, structure.abstract_page = _longest_front_paragraph(boxes)
    structure.references = split_references(reference_blocks)
    _repair_compounds(structure)
    return structure


def _repair_compounds(structure: Structure) -> None:
    blocks = [b for s in structure.sections for b in s.blocks]
    repairs = compound_repairs([structure.abstract] + [b.text for b in blocks])
    structure.abstract = apply_repairs(structure.abstract, repairs)
    for block in blocks:
        block.text = apply_repairs(block.text, repairs)


def _last_block(section: Section | None) -> Block | None:
    return section.blocks[-1] if section and section.blocks else None


def _drop(section: Section | None, structure: Structure, block: Block) -> None:
    if section is not None and section.blocks and section.blocks[-1] is block:
        section.blocks.pop()
    elif section is None and structure.front_matter and structure.front_matter[-1] == block.text:
        structure.front_matter.pop()


def _longest_front_paragraph(boxes: list[LayoutBox]) -> tuple[str, int]:
    """No 'Abstract' anywhere: take the first long paragraph on page 1 as the abstract."""
    for box in boxes:
        if box.page == 1 and box.kind in ("text", "list-item") and len(box.text) > 400:
            return box.text, 1
    return "", 1
