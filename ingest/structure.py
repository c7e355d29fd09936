"""Turn the flat box stream into title, abstract, a section tree and the reference list.

Heading levels come from the heading's numbering ("3.2.1" is level 3, "A.1" level 2) and, for
unnumbered headings, from the font-size rank the layout engine reports relative to the paper's
numbered top-level headings. Tables are joined with their "Table N" caption, also one the layout engine reads
as plain text ("Table 3 | Average number of ...", not "Table 3 shows ...").
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .hyphens import apply_repairs, compound_repairs
from .layout import PLAIN, LayoutBox
from .paper import Block, BlockKind, Reference, Section
from .references import is_reference_heading, split_references

HEADER_CLASSES = {"section-header", "title"}
_NUMBERED = re.compile(r"^((?:\d{1,2}|[A-H])(?:\.\d{1,2})*)\.?\s+(\S.*)$")
_ABSTRACT = re.compile(r"^(abstract|summary)\b[\s.:—–\-]*", re.I)
_TABLE_CAPTION = re.compile(r"^(Table|Tab\.)\s*\d")
# the same caption set as plain text: "Table 3 | Average number of ...", "Table 2 Results of ...", not a sentence
# that talks about the table ("Table 2 presents ...")
TABLE_CAPTION_TEXT = re.compile(r"^(?:Table|Tab\.)\s*\d+(?:\s*[|:.]|\s+[A-Z])")
# a figure's caption or a footnote read as text beside the abstract ("Figure 1. Style transfer results ...",
# "∗Corresponding author (...)"): not part of it
_NOT_ABSTRACT = re.compile(r"^(?:(?:Figure|Fig\.)\s*\d+\s*[.:|]|[∗*†‡§¶]\s*\w)")
_BULLETS = ("•", "◦", "▪", "- •")
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
    number, rest = match.group(1), match.group(2).replace(" ", "")
    if number.isalpha() and not re.match(r"^[A-H]\.?\s+[A-Z]", title):
        return None  # "A model..." is a sentence, "A Appendix" / "B. Details" is a heading
    if sum(c.isalpha() for c in rest) < 0.5 * len(rest):
        return None  # "0 300 600 900 1200": a figure's axis, not section 0
    return number.count(".") + 1


_NOT_A_HEADING_START = re.compile(r"^(?:table|tab\.|figure|fig\.|algorithm|listing|q:|a:)\s*\S|^[\[(•·*-]", re.I)
_CODE = re.compile(r"[`{}<>=|\\#]|‘‘|’’|:=|\w\(\w*\)")
_TEMPLATE_LABEL = re.compile(r"^(?:prompts?|options?|questions?|answers?|inputs?|outputs?|responses?|examples?|"
                             r"instructions?|system|user|assistant|solution|reasoning)\s*:?$", re.I)


def looks_like_heading(text: str) -> bool:
    """What the layout engine labels a heading, checked: figure axis labels ("0 300 600 900"), code lines,
    prompt-template labels ("PROMPT", "OPTIONS"), captions and sentence fragments set in bold are not
    section headings (they fragment the section tree and make its paths lie)."""
    text = " ".join(text.split())
    if not text or len(text) > 150 or _NOT_A_HEADING_START.match(text):
        return False
    if heading_depth(text) or _TOP_LEVEL.match(text) or is_reference_heading(text):
        return True  # numbered: "C. An Example of Using `exfalso`" may quote code
    if _CODE.search(text):
        return False
    letters = sum(c.isalpha() for c in text)
    return (letters >= 0.6 * len(text.replace(" ", "")) and not _TEMPLATE_LABEL.match(text)
            and not text.endswith((".", ",", ";", ":")) and len(text.split()) <= 14
            and (text[0].isupper() or not text[0].isascii()))


def _is_header(box: LayoutBox) -> bool:
    """Set as a header (a title line "KIMI K1.5:" too); `_is_heading` if it can head a section."""
    return box.kind in HEADER_CLASSES and len(box.text) <= 200


def _is_heading(box: LayoutBox) -> bool:
    return _is_header(box) and looks_like_heading(box.text) and not _figure_words(box)


def _figure_words(box: LayoutBox) -> bool:
    """A header past the first page that is neither numbered, nor bold, nor a top-level name: on figure-heavy pages
    the layout engine labels a figure's words as headers ("LM Head", "How can I", "MT-bench GSM8K" in EAGLE-3;
    24 such in the 4 seed papers, where they split sections and made paths such as "2.2 EAGLE and EAGLE-2 > LM
    Head"); of the 18 corpus papers' unnumbered headers past the first page, 23 are bold (headings, and two labels of a
    prompt) and one is not: a figure's label ("Landmark Recognition")."""
    text = " ".join(box.text.split())
    return (box.page > 1 and not box.bold and heading_depth(text) is None
            and not _TOP_LEVEL.match(text) and not is_reference_heading(text))


def _top_hashes(boxes: list[LayoutBox]) -> int:
    """Markdown depth that numbered level-1 headings get in this paper (the font-size rank)."""
    ranks = Counter(b.hashes for b in boxes if _is_heading(b) and heading_depth(b.text) == 1)
    return ranks.most_common(1)[0][0] if ranks else 2


def _wordy(text: str) -> bool:
    """Enough letters to be a title (not a figure's axis label such as "3.8")."""
    return len(re.findall(r"[^\W\d_]", text)) >= 4


def _find_title(boxes: list[LayoutBox]) -> int | None:
    """Index of the title box: the layout 'title' on page 1, else the first page-1 heading."""
    first_page = [i for i, b in enumerate(boxes) if b.page == 1]
    for i in first_page:
        if boxes[i].kind == "title" and _wordy(boxes[i].text):
            return i
    for i in first_page:
        text = boxes[i].text
        if _is_header(boxes[i]) and _wordy(text) and not _ABSTRACT.match(text) and heading_depth(text) is None \
                and not is_reference_heading(text) and not _TOP_LEVEL.match(text):
            return i
    return None


def _title(boxes: list[LayoutBox], fallback: str) -> tuple[str, set[int]]:
    """The title and the indexes of the boxes it was read from (a title may be set over two boxes)."""
    index = _find_title(boxes)
    if index is None:
        return fallback, set()
    used, title = {index}, boxes[index].text.replace("\n", " ")
    while title.endswith((":", "-", "–")) and index + 1 < len(boxes) and _is_header(boxes[index + 1]):
        index += 1
        used.add(index)
        title = f"{title} {boxes[index].text}"
    return title, used


class _Builder:
    """Walks the box stream once, keeping the section stack and what the last boxes were."""

    def __init__(self, boxes: list[LayoutBox], title: str):
        self.structure = Structure(title=title, front_matter=[], abstract="", abstract_page=1)
        self.top_hashes = _top_hashes(boxes)
        self.numbered_paper = sum(1 for b in boxes if _is_heading(b) and heading_depth(b.text)) >= 3
        self.numbered_level = 0  # level of the last numbered heading: run-in headings nest under it
        self.stack: list[Section] = []
        self.current: Section | None = None
        self.in_references = False
        self.reference_blocks: list[tuple[str, int]] = []
        self.strays: list[Block] = []  # body text met inside the bibliography: it opens the next section
        self.stray_open = False  # the last box of the bibliography was such text
        self.abstract_parts: list[str] = []
        self.pending_caption: Block | None = None  # a "Table N" caption waiting for its table

    def add(self, box: LayoutBox) -> None:
        if _is_heading(box):
            self._heading(box)
        elif box.kind in HEADER_CLASSES and _TABLE_CAPTION.match(box.text) and not self.in_references:
            self._caption(box)  # "Table 18 | An example of CMATH." set as a heading
        elif self.in_references:
            if box.text.startswith(_BULLETS):  # a bibliography has no bullets: an appendix column read in between
                self.strays.append(Block(BlockKind.BODY, box.text, box.page))
                self.stray_open = True
            elif self.stray_open and box.text[:1].islower():  # the bullet's next line, in a box of its own
                self.strays[-1].text += "\n" + box.text
            elif box.kind != "footnote":  # page footnotes interleave with the bibliography
                self.reference_blocks.append((box.text, box.page))
                self.stray_open = False
        elif box.kind == "table":
            self._table(box)
        elif box.kind == "caption":
            self._caption(box)
        elif self.current is not None and TABLE_CAPTION_TEXT.match(box.text) and len(box.text) <= 1000:
            self._caption(box, BlockKind.BODY)  # joined to its table when one is beside it, else text as before
        else:
            self.pending_caption = None
            self._text(box)

    def _heading(self, box: LayoutBox) -> None:
        text = box.text.replace("\n", " ")
        if is_reference_heading(text):
            self.in_references, self.current = True, None
            return
        depth = heading_depth(text)
        if self.current is None and box.page == 1 and depth is None and not _ABSTRACT.match(text) \
                and not _TOP_LEVEL.match(text):
            self.structure.front_matter.append(text)  # an author or team line set as a heading
            return
        if self.in_references and depth is None and box.hashes > self.top_hashes:
            return  # a bold line inside the bibliography, not a new section
        self.in_references = False
        if depth:
            level = self.numbered_level = depth
        elif _TOP_LEVEL.match(text):
            level, self.numbered_level = 1, 0
        elif self.numbered_paper:
            level = self.numbered_level + 1
        else:
            level = max(1, box.hashes - self.top_hashes + 1)
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        self.current = Section(text, level, box.page, [s.title for s in self.stack] + [text])
        self.current.blocks, self.strays = self.strays, []
        self.stack.append(self.current)
        if not _SKIP_SECTIONS.match(text):
            self.structure.sections.append(self.current)

    def _block(self, block: Block) -> None:
        if self.current is None:
            self.structure.front_matter.append(block.text)
        else:
            self.current.blocks.append(block)

    def _table(self, box: LayoutBox) -> None:
        block = Block(BlockKind.TABLE, box.text, box.page)
        caption = self.pending_caption
        if caption and caption.page == box.page:  # caption set above the table: joined to it
            block.text = f"{caption.text}\n\n{box.text}"
            _drop(self.current, self.structure, caption)
        self._block(block)
        self.pending_caption = None

    def _caption(self, box: LayoutBox, kind: BlockKind = BlockKind.CAPTION) -> None:
        table_caption = bool(_TABLE_CAPTION.match(box.text))
        previous = _last_block(self.current)
        if table_caption and previous and previous.kind == BlockKind.TABLE and previous.page == box.page \
                and "\n\n" not in previous.text[:200]:
            previous.text = f"{box.text}\n\n{previous.text}"  # caption set below the table
            return
        block = Block(kind, box.text, box.page)
        self._block(block)
        self.pending_caption = block if table_caption else None

    def _text(self, box: LayoutBox) -> None:
        if box.kind == PLAIN and self.current is None:  # text with no heading before it: give it a section
            self.current = Section("Text", 1, box.page, ["Text"])
            self.stack = [self.current]
            self.structure.sections.append(self.current)
        if self.current is None and not self.abstract_parts and len(box.text) > 200 \
                and (match := _ABSTRACT.match(box.text)):
            self.abstract_parts.append(box.text[match.end():])  # "Abstract—We ..." with no heading
            self.structure.abstract_page = box.page
            return
        self._block(Block(BlockKind.BODY, box.text, box.page))

    def finish(self, boxes: list[LayoutBox]) -> Structure:
        structure = self.structure
        abstract = next((s for s in structure.sections if s.title.strip().lower() == "abstract"), None)
        if abstract is not None:
            self.abstract_parts = [b.text for b in abstract.blocks if b.kind == BlockKind.BODY
                                   and not _NOT_ABSTRACT.match(b.text)] or self.abstract_parts
            structure.abstract_page = abstract.page
        structure.abstract = " ".join(self.abstract_parts).strip()
        if not structure.abstract:
            structure.abstract, structure.abstract_page = _longest_front_paragraph(boxes)
        structure.references = split_references(self.reference_blocks)
        if self.strays:  # no section after the bibliography to give them to
            structure.sections.append(Section("Appendix", 1, self.strays[0].page, ["Appendix"], self.strays))
        _repair_compounds(structure)
        return structure


def build_structure(boxes: list[LayoutBox], fallback_title: str) -> Structure:
    """Title, front matter, abstract, section tree, tables with captions and references from the boxes."""
    title, title_boxes = _title(boxes, fallback_title)
    builder = _Builder(boxes, title)
    for box in _abstract_heading_after_front_matter(boxes, title_boxes):
        builder.add(box)
    return builder.finish(boxes)


def _abstract_heading_after_front_matter(boxes: list[LayoutBox], title_boxes: set[int]) -> list[LayoutBox]:
    """The boxes without the title's, the "Abstract" heading after the author lines. On a two-column first page
    under a full-width title (CVPR style: ConsisLoRA), the layout engine may read the left column's "Abstract"
    before the title; the author and affiliation lines then opened the abstract and no author was found. The
    heading goes before the first long text, table or figure after the title."""
    rest = [(i, box) for i, box in enumerate(boxes) if i not in title_boxes]
    if not title_boxes:
        return [box for _, box in rest]
    first_title, last_title = min(title_boxes), max(title_boxes)
    heading = next((n for n, (i, box) in enumerate(rest) if i < first_title and box.page == 1
                    and _is_header(box) and _ABSTRACT.fullmatch(box.text.strip())), None)
    if heading is None or not all(_is_header(box) for box in boxes[rest[heading][0]:first_title]):
        return [box for _, box in rest]  # its text comes before the title: read in order already
    moved = rest.pop(heading)
    at = next((n for n, (i, box) in enumerate(rest) if i > last_title and (
        box.page != 1 or box.kind not in ("text", *HEADER_CLASSES) or len(box.text) > 300
        or heading_depth(box.text))), len(rest))
    rest.insert(at, moved)
    return [box for _, box in rest]


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
