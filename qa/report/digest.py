"""One paper's entry of the daily digest (seeds 000, 003): the abstract in the digest's language and the
four numbered parts, each written from its own passages and cited by page.

The abstract is the paper's own, not a new summary: in Japanese it is rendered one sentence per call (the
1.5B model translates single sentences faithfully, and drops or merges them when given a paragraph), each
rendering checked against its sentence (same numbers, same names, Japanese, complete); a sentence whose
rendering fails stays in English in quotes. Each part is one short call, two bullets from its own two
passages (the first part's are the abstract and one). Asked for the four parts in one call, one line each,
the 1.5B echoed the part headings, repeated one part in the next or ran out of tokens: 14 of 20 parts failed
their checks and were quoted instead (bench/results/eval-digest-16-onecall.json).
"""
from __future__ import annotations

import re
from datetime import date, datetime

from index.registry import PaperRecord
from index.schema import synthetic_passage
from ingest.chunking import ChunkKind
from ingest.paper import Paper
from ingest.text import clip, split_sentences

from ..answer.citations import Citation
from .format import DIGEST_PARTS, digest_markdown
from .prompts import SECTIONS, SectionSpec
from .writer import Report, ReportSection, ReportWriter, Step

_FUTURE = re.compile(r"conclu|discussion|future|limitation|outlook|summary", re.I)
# what a parser may leave in an abstract from the page around it: author lines, URLs, a figure caption
_FRONT_MATTER = re.compile(r"https?://|\S+@\S+|\bFig(?:ure|\.)\s*\d+[.:]|(?:[A-Z][a-z]+\d+[,*]*\s+){3,}")
PARTS = {
    1: SectionSpec(1, SECTIONS[1].queries, SECTIONS[1].prefer,
                   {"ja": "この研究の目的と、その背景にある課題（従来手法の問題点）",
                    "en": "the aim of this work and the problem behind it (what earlier methods lacked)"},
                   with_abstract=True),
    2: SectionSpec(2, SECTIONS[2].queries, SECTIONS[2].prefer,
                   {"ja": "提案手法の概要（何を提案し、どう動くか）",
                    "en": "what the paper proposes and how it works"}),
    3: SectionSpec(3, SECTIONS[3].queries, SECTIONS[3].prefer,
                   {"ja": "主な結果と貢献。ベンチマーク名と数値を具体的に",
                    "en": "the main results and contributions, with benchmark names and numbers"}),
    4: SectionSpec(4, ("future work directions", "in conclusion we hope this work will enable",
                       "limitations remain open questions for future research"), _FUTURE,
                   {"ja": "この研究が将来の研究に示唆すること（今後の方向性、残された課題）",
                    "en": "what this work suggests for future research: directions and open problems"}),
}
# a part is two bullets from two passages (the first part: the abstract and one) of 450 characters each, at most
# 130 tokens, no second try for the language (it saved 1 of 3 parts, for ~20 s each): ~5-17 s. Passages of
# 700 / 550 / 450 characters: 56 / 55 / 50 s per entry (slowest 70 / 61 / 54 s), 6 / 6 / 8 of 20 parts quoted
# (bench/results/digest-{warm,550,450}.json); one shared block for all four parts saved nothing (digest-shared.json)
PART_BULLETS, PART_PASSAGES, PART_TOKENS, PART_CHARS, MAX_ABSTRACT_SENTENCES = 2, 2, 130, 450, 14


class DigestWriter(ReportWriter):
    """A paper's digest entry; saved and reused like its report."""

    kind = "digest"

    def steps(self, paper: Paper, lang: str, done: dict[int, ReportSection]) -> dict[int, tuple[str, Step]]:
        steps: dict[int, tuple[str, Step]] = {0: ("abstract", lambda: self._abstract_section(paper, lang))}
        for number, spec in PARTS.items():
            heading = DIGEST_PARTS[lang][number - 1]
            steps[number] = (DIGEST_PARTS["en"][number - 1], lambda spec=spec, heading=heading: self._cited_section(
                spec, paper, lang, heading, PART_BULLETS, PART_PASSAGES, PART_TOKENS, tries=1, budget=PART_CHARS))
        return steps

    def _abstract_section(self, paper: Paper, lang: str) -> ReportSection:
        """The paper's abstract (without author lines or captions a parser left in it); in Japanese rendered
        sentence by sentence, a failed rendering kept as the quoted English sentence."""
        if not paper.abstract:
            return ReportSection(0, "abstract", "- " + ("論文からアブストラクトを抽出できませんでした。" if lang == "ja"
                                                       else "The paper's abstract could not be extracted."))
        sentences = [s for s in split_sentences(paper.abstract) if not _FRONT_MATTER.search(s)]
        dropped: list[str] = []
        if lang == "en":
            text = " ".join(sentences)
        else:
            rendered = [self._translated(s, dropped) if i < MAX_ABSTRACT_SENTENCES else ""
                        for i, s in enumerate(sentences)]
            text = "".join(r or f"“{s}”" for s, r in zip(sentences, rendered))
        passage = synthetic_passage(paper, "abstract", "Abstract", paper.abstract_page, paper.abstract,
                                    ChunkKind.ABSTRACT)
        citation = Citation(passage, clip(paper.abstract, 300), paper.abstract_page)
        return ReportSection(0, "abstract", f"{text} (p.{paper.abstract_page})", [citation], dropped)


def added_since(records: list[PaperRecord], since: date) -> list[PaperRecord]:
    """Papers added (or updated) on or after `since`, in the order they were added."""
    start = datetime.combine(since, datetime.min.time()).timestamp()
    return sorted((r for r in records if r.updated_at >= start), key=lambda r: r.updated_at)


def digest_of(entries: list[Report], lang: str, day: date | None = None) -> str:
    """The digest file: the dated header and each paper's entry, in the order given."""
    return digest_markdown([e.markdown.strip() for e in entries], (day or date.today()).isoformat(), lang)
