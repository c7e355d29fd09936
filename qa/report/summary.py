"""The long single-paper summary (seed 004): 基本情報, 簡単に説明すると, then five sections of subsections.

基本情報 comes from parsed metadata only (a field the paper does not give is left out). Every subsection the
model writes has its own retrieval and prompt, grounded and cited like a report section; the parts where
the small model is weakest are the paper's own sentences: 4.1 (code and release statements), 4.2 (the
cost sentences of the report's section 6) and 5.2 (the limitations and future work the paper states).
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pymupdf

from index.schema import synthetic_passage
from ingest.metadata import affiliations_from, is_organisation
from ingest.paper import Paper
from ingest.text import clip, split_sentences

from ..answer.citations import Citation
from .format import BASIC_FIELDS, summary_parts
from .prompts import SECTIONS, SectionSpec
from .writer import ReportSection, ReportWriter, Step

_INTRO, _RESULTS = re.compile(r"intro|conclu", re.I), SECTIONS[3].prefer
_CONCLUSION = re.compile(r"conclu|discussion|summary|future|impact|application", re.I)
_SETUP = re.compile(r"experiment|setup|setting|implementation|evaluation|dataset|benchmark", re.I)


def _spec(number: int, queries: tuple[str, ...], prefer: re.Pattern, ja: str, en: str,
          with_abstract: bool = False) -> SectionSpec:
    return SectionSpec(number, queries, prefer, {"ja": ja, "en": en}, with_abstract)


# part index (summary_parts order) -> what the model writes there
WRITTEN = {
    1: _spec(1, ("we propose a new method approach", "main contributions of this paper"), _INTRO,
             "この論文が何をしたかを、専門外の研究者にも分かるように簡単に",
             "what the paper does, simply, for a researcher from another field",
             with_abstract=True),
    2: replace(SECTIONS[1], number=2),
    3: _spec(3, ("our main contributions are as follows", "in summary we make the following contributions",
                 "we introduce a novel"), _INTRO,
             "この論文の主要な貢献（何を新しく提案・公開・発見したか）", "the paper's main contributions",
             with_abstract=True),
    4: replace(SECTIONS[2], number=4),
    5: replace(SECTIONS[5], number=5),
    6: _spec(6, ("unlike previous methods our approach", "different from existing work novel first",
                 "in contrast to prior work"), re.compile(r"intro|related|method|approach", re.I),
             "先行研究と比べたこの手法の新規性（何が新しいか）", "what is new compared with earlier work"),
    7: _spec(7, ("experimental setup datasets and benchmarks", "baselines and evaluation metrics",
                 "implementation details training settings"), _SETUP,
             "実験設定（データセット、ベンチマーク、比較手法、評価指標、学習設定）",
             "the experimental setup: datasets, benchmarks, baselines, metrics, training settings"),
    8: replace(SECTIONS[3], number=8),
    9: _spec(9, ("compared with baselines and prior methods", "outperforms previous state-of-the-art methods by",
                 "comparison with existing approaches table"), _RESULTS,
             "既存手法との比較（どの手法に対し、どのベンチマークで、どれだけ上回ったか・劣ったか）",
             "the comparison with existing methods: which methods, on which benchmarks, by how much"),
    12: _spec(12, ("applications and use cases", "can be applied to real-world practical deployment",
                   "broader impact"), _CONCLUSION,
              "この手法の応用可能性（論文が挙げる用途・適用先）", "where the method can be applied, as the paper says"),
    13: _spec(13, ("in conclusion this work", "we believe this work significance", "we hope our work"),
              _CONCLUSION, "この論文の意義（結論で著者が強調している点）",
              "the significance of the paper, as its conclusion puts it"),
}
# one short call per part, no second try (two bullets, two passages, 130 tokens: ~15-25 s; with three of each
# and a second try for the language a summary took ~6 minutes); written in four calls, one per section, 5 to 9
# of the 11 parts failed their checks (bench/results/eval-summary-16-grouped.json)
SUMMARY_BULLETS, SUMMARY_PASSAGES, SUMMARY_TOKENS = 2, 2, 130
_RELEASE = re.compile(r"github\.com|huggingface\.co|\bcode\b.{0,60}\b(?:available|released?|open[- ]sourced?)\b|"
                      r"\b(?:release|open[- ]source)\w*\b.{0,60}\b(?:code|models?|weights|datasets?|checkpoints?)\b|"
                      r"\bpublicly available\b", re.I)
WORDS = {"ja": {"no_release": "- コードやモデルの公開についての記載は見つかりませんでした（記載なし）。",
                "release": "**公開**"},
         "en": {"no_release": "- The paper says nothing about releasing code or models (not stated).",
                "release": "**Release**"}}


def release_facts(paper: Paper, limit: int = 3) -> list[tuple[str, int]]:
    """(sentence, page) where the paper says its code, models or data are (to be) released, in text order."""
    blocks = [(paper.abstract, paper.abstract_page)] + [(b.text, b.page) for s in paper.sections for b in s.blocks]
    found = [(sentence, page) for text, page in blocks for sentence in split_sentences(text)
             if _RELEASE.search(sentence) and 20 <= len(sentence) <= 400]
    return list(dict.fromkeys(found))[:limit]


def submitted(stamp: str | None, lang: str) -> str | None:
    """'23 Jun 2025' (the arXiv stamp) -> '2025年06月23日' in Japanese."""
    if not stamp or lang != "ja":
        return stamp
    try:
        return datetime.strptime(stamp, "%d %b %Y").strftime("%Y年%m月%d日")
    except ValueError:
        return stamp


class SummaryWriter(ReportWriter):
    """A paper's long summary; saved and reused like its report."""

    kind = "summary"

    def steps(self, paper: Paper, lang: str, done: dict[int, ReportSection]) -> dict[int, tuple[str, Step]]:
        names = summary_parts(lang)

        def part(number: int) -> ReportSection:
            return self._cited_section(WRITTEN[number], paper, lang, names[number], SUMMARY_BULLETS,
                                       SUMMARY_PASSAGES, SUMMARY_TOKENS, tries=1)

        own = {0: lambda: ReportSection(0, names[0], self._basic(paper, lang)),
               10: lambda: self._release(paper, lang, names[10]),
               11: lambda: replace(self._costs(paper, lang), number=11, heading=names[11]),
               14: lambda: self._outlook(paper, lang, names[14])}
        english = summary_parts("en")
        return {number: (english[number], own.get(number, lambda number=number: part(number)))
                for number in range(len(names))}

    def _basic(self, paper: Paper, lang: str) -> str:
        """Parsed metadata only; a field the paper does not give is left out."""
        fields = BASIC_FIELDS[lang]
        authors = [a for a in paper.authors if not is_organisation(a)]
        affiliations = affiliations_from(self._front_page(paper), paper.authors)
        arxiv = f"{paper.arxiv_id}{paper.arxiv_version or ''} ({paper.url})" if paper.arxiv_id else None
        values = {"arxiv": arxiv, "authors": ", ".join(authors), "affiliations": ", ".join(affiliations),
                  "date": submitted(paper.arxiv_date, lang), "category": paper.arxiv_category}
        lines = [f"- **{fields[key]}**: {value}" for key, value in values.items() if value]
        return "\n".join(lines) or f"- **{'ファイル' if lang == 'ja' else 'File'}**: {paper.source}"

    def _front_page(self, paper: Paper) -> str:
        """Page 1's text with its line breaks (they separate affiliations), "" when the PDF cannot be read."""
        path = self.library.pages.file(paper.paper_id)
        try:
            with pymupdf.open(path) as doc:
                return doc[0].get_text()[:3000]
        except (pymupdf.FileDataError, RuntimeError, TypeError, IndexError):
            return ""

    def _release(self, paper: Paper, lang: str, heading: str) -> ReportSection:
        facts = release_facts(paper)
        if not facts:
            return ReportSection(10, heading, WORDS[lang]["no_release"])
        lines, citations = [], []
        for i, (sentence, page) in enumerate(facts):
            lines.append(f"- {WORDS[lang]['release']}: “{clip(sentence, 300)}” (p.{page})")
            citations.append(Citation(synthetic_passage(paper, f"release-{i}", "", page, sentence), sentence, page))
        return ReportSection(10, heading, "\n".join(lines), citations)

    def _outlook(self, paper: Paper, lang: str, heading: str) -> ReportSection:
        lines, citations, dropped = self._stated_limitations(paper, lang)
        return ReportSection(14, heading, "\n".join(lines), citations, dropped)
