"""Paper-level metadata: arXiv id, title and authors from page 1, the file name and the PDF info."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from .text import ARXIV_ID

# the sideways stamp arXiv prints on page 1: "arXiv:2401.01234v2  [cs.CL]  3 Jan 2024"
_STAMP = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5})(v\d+)?\s*\[([\w.\-]+)\]\s*(\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4})?")
_ARXIV_MENTION = re.compile(r"(?:arXiv:\s*|arxiv\.org/(?:abs|pdf)/)" + ARXIV_ID, re.I)
_FILENAME = re.compile(r"^(?:arxiv[_\-.]?)?(\d{4}\.\d{4,5})(v\d+)?(?:\.pdf)?$", re.I)
STAMP, FILENAME, MENTION = "stamp", "filename", "text"  # where an id came from, strongest first


@dataclass
class ArxivIdentity:
    arxiv_id: str
    source: str  # STAMP, FILENAME or MENTION: only the stamp proves the file is that arXiv paper
    version: str | None = None  # "v2", from the stamp
    category: str | None = None  # "cs.CL", from the stamp
    date: str | None = None  # "3 Jan 2024", from the stamp


def arxiv_identity(doc: pymupdf.Document, path: Path) -> ArxivIdentity | None:
    """The stamp on page 1 wins, then the file name, then an arXiv self-reference in page 1's title block.

    Later pages are not searched: their arXiv ids are citations of other papers. An id from the file
    name or the text is a claim, not proof: the library checks it before it lets a file replace a paper.
    """
    first_page = doc[0].get_text("text")
    if match := _STAMP.search(first_page):
        return ArxivIdentity(match.group(1), STAMP, match.group(2), match.group(3), match.group(4))
    if match := _FILENAME.match(path.stem if path.suffix.lower() == ".pdf" else path.name):
        return ArxivIdentity(match.group(1), FILENAME, match.group(2))
    header = first_page[:1500]  # self-references sit in the title block, not in page-1 footnotes
    if match := _ARXIV_MENTION.search(header):
        return ArxivIdentity(match.group(1), MENTION)
    return None


def largest_font_line(page: pymupdf.Page) -> str:
    """Fallback title: the horizontal line(s) set in the largest font on the page."""
    best_size, parts = 0.0, []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            if line["dir"] != (1.0, 0.0):
                continue  # skip the rotated arXiv stamp
            text = " ".join(span["text"] for span in line["spans"]).strip()
            if len(text) < 4:
                continue
            size = max(span["size"] for span in line["spans"])
            if size > best_size + 0.5:
                best_size, parts = size, [text]
            elif abs(size - best_size) <= 0.5:
                parts.append(text)
    return " ".join(parts)[:300]


_AFFILIATION = re.compile(
    r"universit|institut|laborator|school|college|department|inc\b|corp|@|http|\d{5}|research|team", re.I
)
# a running header or a row of links read among the author lines: "TECHNICAL REPORT OF KIMI K1.", "Homepage GitHub
# Hugging Face"
_NOT_A_NAME = re.compile(r"\b(?:report|technical|preprint|proceedings|homepage|github|hugging ?face|arxiv)\b", re.I)


def authors_from(front_matter: list[str]) -> list[str]:
    """Best effort: names from the short lines between title and abstract, affiliations dropped."""
    names: list[str] = []
    for text in front_matter:
        if len(text) > 400:
            break
        for piece in re.split(r",|;|\band\b|\n|\s{2,}|·|(?<=[\d*†‡§¶∗])\s+(?=\d[A-Z])", text):
            piece = re.sub(r"[\d*†‡§¶∗]+$", "", piece.strip()).strip(" ,*")
            if not piece or _AFFILIATION.search(piece) or _NOT_A_NAME.search(piece) or len(piece) > 60:
                continue
            if re.fullmatch(r"[A-Z][\w.'\-]*(?:\s+[A-Z][\w.'\-]*){0,4}", piece) or re.fullmatch(r"[\w\-]+-AI", piece):
                names.append(piece)
    return names[:50]


_ORGANISATION = re.compile(
    r"universit|institut|laborator|\blab\b|college|school|academy|polytechnic|\binc\b|corporation|company|"
    r"\bteam\b|research|bytedance|google|microsoft|\bmeta\b|alibaba|tencent|baidu|huawei|nvidia|openai|-ai\b", re.I)


_GENERIC = re.compile(r"(?:universit(?:y|ies)|institutes?|research|labs?|laboratory|team|school|college)", re.I)


def is_organisation(name: str) -> bool:
    """"DeepSeek-AI", "Intelligent Creation Lab": front-matter names that are not people."""
    return bool(_ORGANISATION.search(name))


def affiliations_from(front_text: str, authors: list[str] = ()) -> list[str]:
    """Best effort: organisation names in the text between title and abstract ("1Sun Yat-sen University
    2Lingnan University" -> both), split at affiliation marks, commas and line breaks (not after "of");
    authors' names, URLs and e-mails left out."""
    text = re.split(r"\babstract\b", front_text, maxsplit=1, flags=re.I)[0]
    text = re.sub(r"\S+@\S+|https?://\S+|\S+\.(?:com|org|io|cn)\S*", " ", text)
    text = re.sub(r"\b(of|and|for|the|&)\s*\n\s*", r"\1 ", text)
    for name in authors:
        if not is_organisation(name):
            text = text.replace(name, "\n")
    found: list[str] = []
    for piece in re.split(r"\d+|[,;∗*†‡§¶♠♣♢♡]|\n|\s{2,}", text):
        piece = " ".join(piece.split()).strip(" .:-")
        if 4 <= len(piece) <= 80 and _ORGANISATION.search(piece) and not _GENERIC.fullmatch(piece) \
                and not re.search(r"contribut|correspond", piece, re.I):
            found.append(piece)
    return list(dict.fromkeys(found))[:12]
