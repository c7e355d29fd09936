"""The 8-section paper report: its headings (as in the seed reports users know) and how to read one back.

Kept apart from generation so that importing seed reports, checking generated ones and writing
new ones all agree on one definition of the format.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.text import arxiv_id_in

HEADINGS = {
    "ja": [
        "既存研究では何ができなかったのか",
        "どのようなアプローチでそれを解決しようとしたか",
        "結果、何が達成できたのか",
        "Limitationや問題点は何か。本文で言及されているものの他、あなたが考えるものも含めて",
        "技術的な詳細について。技術者が読むことを想定したトーンで",
        "コストや物理的な詳細について。例えばトレーニングに使用したGPUの数や時間、データセット、モデルのサイズなど",
        "参考文献のうち、特に参照すべきもの",
        "この論文を140字以内のツイートで要約すると？",
    ],
    "en": [
        "What could earlier work not do?",
        "How does the paper approach the problem?",
        "What did it achieve?",
        "Limitations and problems: those the paper states, and our own view",
        "Technical details, for engineers",
        "Costs and physical details: GPUs and training time, datasets, model size",
        "References worth reading",
        "The paper as a tweet of at most 140 characters",
    ],
}
TWEET_LIMIT = 140
_SECTION = re.compile(r"^## ([1-8])\. (.+)$", re.M)
_VIEW = re.compile(r"^\[View Paper\]\(([^)\s]+)\)\s*$", re.M)


@dataclass
class ParsedReport:
    title: str
    url: str | None
    arxiv_id: str | None  # without version
    sections: list[tuple[int, str, str]]  # (number, heading, body) in document order


def heading_line(number: int, lang: str) -> str:
    return f"## {number}. {HEADINGS[lang][number - 1]}"


def parse_report(text: str) -> ParsedReport:
    """Title, link and `## N.` sections of one report (headings may be the seeds' short forms)."""
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    view = _VIEW.search(text)
    arxiv = arxiv_id_in(view.group(1)) if view and "arxiv.org/" in view.group(1) else None
    marks = list(_SECTION.finditer(text))
    sections = [(int(m.group(1)), m.group(2).strip(), text[m.end(): nxt.start() if nxt else len(text)].strip())
                for m, nxt in zip(marks, marks[1:] + [None])]
    return ParsedReport(title, view.group(1) if view else None, arxiv, sections)


def tweet_length(text: str) -> int:
    """Characters as the heading counts them (140字): code points, hashtags included."""
    return len(text.strip())


def structure_problems(text: str, lang: str | None = None) -> list[str]:
    """What keeps a report from being in the format: empty list when it is."""
    report = parse_report(text)
    problems = []
    if not report.title:
        problems.append("no '# Title' line")
    if not report.url:
        problems.append("no '[View Paper](url)' line")
    numbers = [number for number, _, _ in report.sections]
    if numbers != list(range(1, 9)):
        problems.append(f"sections are {numbers}, expected 1..8 in order")
    for number, heading, body in report.sections:
        expected = [HEADINGS[lang][number - 1]] if lang else [h[number - 1] for h in HEADINGS.values()]
        if not any(e.startswith(heading) or heading.startswith(e) for e in expected):
            problems.append(f"section {number} heading {heading!r} is not the format's")
        if not body:
            problems.append(f"section {number} is empty")
    tweet = next((body for number, _, body in report.sections if number == 8), "")
    if tweet_length(tweet) > TWEET_LIMIT:
        problems.append(f"tweet has {tweet_length(tweet)} characters, more than {TWEET_LIMIT}")
    return problems
