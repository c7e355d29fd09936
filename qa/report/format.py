"""The seeds' three summary formats: the 8-section report, the daily digest and the long single-paper
summary: their headings (as in the seed files users know), how to render and read one back, and a
checker per format.

Kept apart from generation so that importing seed notes, checking generated ones and writing
new ones all agree on one definition of each format.
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


# ---- the daily digest (seeds 000, 003) ----------------------------------------------------------------
DIGEST_PARTS = {
    "ja": ["研究の目的と背景", "提案手法の概要", "主な結果と貢献", "将来の研究への示唆"],
    "en": ["Purpose and background", "The proposed method", "Main results and contributions",
           "Implications for future research"],
}
DIGEST_LABELS = {"ja": ("アブストラクト", "要約"), "en": ("Abstract", "Summary")}
DIGEST_TITLE = {"ja": "# arXiv 論文要約 ({date})", "en": "# arXiv paper digest ({date})"}
_DIGEST_HEADER = re.compile(r"^# (?:arXiv 論文要約|arXiv paper digest) \((.+)\)\s*$", re.M)
_DIGEST_ENTRY = re.compile(r"^## \[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)\s*$", re.M)
_PART = re.compile(r"^([1-9])\. (.+?)\s*$", re.M)


def digest_entry_markdown(title: str, url: str, abstract: str, parts: list[str], lang: str) -> str:
    """One paper's entry: `## [Title](url)`, the abstract in the digest's language, the four numbered parts."""
    abstract_label, summary_label = DIGEST_LABELS[lang]
    numbered = [f"{n}. {heading}  \n{body}" for n, (heading, body) in enumerate(zip(DIGEST_PARTS[lang], parts), 1)]
    return "\n\n".join([f"## [{' '.join(title.split())}]({url})", f"**{abstract_label}**:\n{abstract}",
                        f"**{summary_label}**:\n" + "\n\n".join(numbered)])


def digest_markdown(entries: list[str], date: str, lang: str) -> str:
    return DIGEST_TITLE[lang].format(date=date) + "\n\n" + "\n\n---\n\n".join(entries) + "\n"


def digest_entry_problems(entry: str, lang: str | None = None) -> list[str]:
    """What keeps one digest entry from the format: a linked title, the abstract, the four numbered parts."""
    langs = [lang] if lang else list(DIGEST_LABELS)
    title = _DIGEST_ENTRY.search(entry)
    if not title:
        return ["no '## [Title](url)' line"]
    problems = []
    labels = next(((a, s) for a, s in (DIGEST_LABELS[x] for x in langs) if f"**{a}**" in entry), None)
    if not labels:
        return problems + ["no abstract part ('**アブストラクト**:')"]
    abstract_label, summary_label = labels
    start, split = entry.find(f"**{abstract_label}**"), entry.find(f"**{summary_label}**")
    if split < 0:
        return problems + [f"no '**{summary_label}**:' part"]
    if not entry[start + len(abstract_label) + 4: split].strip(" :\n"):
        problems.append("the abstract is empty")
    summary = entry[split:]
    marks = list(_PART.finditer(summary))
    numbers = [int(m.group(1)) for m in marks]
    if numbers != [1, 2, 3, 4]:
        return problems + [f"summary parts are {numbers}, expected 1..4"]
    expected = [DIGEST_PARTS[x] for x in langs]
    for index, (mark, nxt) in enumerate(zip(marks, marks[1:] + [None])):
        if not any(mark.group(2).startswith(parts[index]) for parts in expected):
            problems.append(f"part {index + 1} heading {mark.group(2)!r} is not the format's")
        if not summary[mark.end(): nxt.start() if nxt else len(summary)].strip(" -\n"):
            problems.append(f"part {index + 1} is empty")
    return problems


def digest_entries(text: str) -> list[str]:
    """The `## [Title](url)` entries of a digest, separators removed."""
    marks = list(_DIGEST_ENTRY.finditer(text))
    return [text[m.start(): nxt.start() if nxt else len(text)].strip().removesuffix("---").strip()
            for m, nxt in zip(marks, marks[1:] + [None])]


def digest_problems(text: str, lang: str | None = None) -> list[str]:
    """A whole digest: the dated header, then entries separated by `---`, each in the entry format."""
    problems = [] if _DIGEST_HEADER.search(text) else ["no '# arXiv 論文要約 (DATE)' header"]
    entries = digest_entries(text)
    if not entries:
        return problems + ["no '## [Title](url)' entries"]
    if text.count("\n---") < len(entries) - 1:
        problems.append("entries are not separated by '---'")
    return problems + [f"entry {i}: {problem}" for i, entry in enumerate(entries, 1)
                       for problem in digest_entry_problems(entry, lang)]


# ---- the long single-paper summary (seed 004) ----------------------------------------------------------
SUMMARY_LAYOUT = {
    "ja": [("基本情報", []), ("簡単に説明すると", []),
           ("1. 研究概要", ["1.1 背景と動機", "1.2 主要な貢献"]),
           ("2. 提案手法", ["2.1 手法の概要", "2.2 技術的詳細", "2.3 新規性"]),
           ("3. 実験結果", ["3.1 実験設定", "3.2 主要な結果", "3.3 既存手法との比較"]),
           ("4. 実用性評価", ["4.1 実装の容易性", "4.2 計算効率", "4.3 応用可能性"]),
           ("5. まとめと所感", ["5.1 論文の意義", "5.2 今後の展望"])],
    "en": [("Basic information", []), ("In short", []),
           ("1. Overview", ["1.1 Background and motivation", "1.2 Main contributions"]),
           ("2. Method", ["2.1 Overview of the method", "2.2 Technical details", "2.3 Novelty"]),
           ("3. Experiments", ["3.1 Setup", "3.2 Main results", "3.3 Comparison with existing methods"]),
           ("4. Practicality", ["4.1 Ease of implementation", "4.2 Computational efficiency", "4.3 Applications"]),
           ("5. Conclusions and comments", ["5.1 Significance", "5.2 Outlook"])],
}
BASIC_FIELDS = {"ja": {"arxiv": "arXiv ID", "authors": "著者", "affiliations": "所属", "date": "投稿日",
                       "category": "カテゴリ"},
                "en": {"arxiv": "arXiv ID", "authors": "Authors", "affiliations": "Affiliations",
                       "date": "Submitted", "category": "Categories"}}


def summary_parts(lang: str) -> list[str]:
    """The parts a summary is written in, in order: the two unnumbered sections, then every subsection."""
    return [heading for heading, subs in SUMMARY_LAYOUT[lang] for heading in (subs or [heading])]


def summary_markdown(title: str, bodies: list[str], lang: str) -> str:
    """`bodies` in the order of summary_parts."""
    body = dict(zip(summary_parts(lang), bodies))
    lines = [f"# {' '.join(title.split())}"]
    for heading, subs in SUMMARY_LAYOUT[lang]:
        lines.append(f"## {heading}")
        if not subs:
            lines.append(body.get(heading, ""))
        for sub in subs:
            lines += [f"### {sub}", body.get(sub, "")]
    return "\n\n".join(lines) + "\n"


def summary_problems(text: str, lang: str | None = None) -> list[str]:
    """What keeps a long summary from the format: `# Title`, 基本情報 with at least one `- **field**: value`,
    簡単に説明すると, `## 1.` to `## 5.` in order, each with its `###` subsections, none empty."""
    layouts = [SUMMARY_LAYOUT[lang]] if lang else list(SUMMARY_LAYOUT.values())
    problems = [] if re.search(r"^# \S", text, re.M) else ["no '# Title' line"]
    found = [(m.group(1), m.group(2).strip(), m.end()) for m in re.finditer(r"^(##|###) (.+)$", text, re.M)]
    layout = max(layouts, key=lambda lay: sum(1 for _, heading, _ in found
                                                for top, subs in lay if heading in [top, *subs]))
    expected = [entry for top, subs in layout for entry in [("##", top)] + [("###", s) for s in subs]]
    headings = [(level, heading) for level, heading, _ in found]
    if headings != expected:
        missing = [f"{level} {h}" for level, h in expected if (level, h) not in headings]
        return problems + ["headings differ from the format" + (f": missing {', '.join(missing)}" if missing else
                                                                  " (order or extra headings)")]
    starts = [m.start() for m in re.finditer(r"^(##|###) ", text, re.M)][1:] + [len(text)]
    for (_, heading, end), nxt in zip(found, starts):
        if not text[end:nxt].strip() and not any(h == heading and subs for h, subs in layout):
            problems.append(f"{heading!r} is empty")
    basic = text[found[0][2]: starts[0]]
    if not re.search(r"^- \*\*.+?\*\*: \S", basic, re.M):
        problems.append(f"{layout[0][0]} has no '- **field**: value' line")
    return problems


FORMATS = {"report": "8-section report", "digest": "digest entry", "summary": "long summary"}


def format_problems(kind: str, text: str, lang: str | None = None) -> list[str]:
    """The checker of a note's or generated text's format: an 8-section report, one digest entry, a long summary."""
    checker = {"report": structure_problems, "digest": digest_entry_problems, "summary": summary_problems}[kind]
    return checker(text, lang)
