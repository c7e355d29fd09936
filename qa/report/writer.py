"""Write the 8-section report for one paper from its own text, each claim cited to a page.

Per section: its own retrieval (scoped to the paper) and prompt; the model's [n] citations become
"(p.N)"; sentences with numbers their passages do not state with that unit are dropped, and lines
in the wrong language (Chinese, or English in a Japanese report) too: a section that loses most of its
bullets that way is asked for once more, then quoted from the paper. Section 4 keeps what the paper
states (its own limitation sentences, each rendered and quoted) apart from the report's own view.
Section 6 is built from the cost sentences found in the paper and names what it does not state.
Section 7 lists the bibliography entries the body cites most. Section 8 is kept within 140
characters by asking again, then by cutting at a sentence or clause boundary. Reports are saved
under `<home>/reports/` and reused until the paper changes.
"""
from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.library import Library
from index.registry import PaperRecord
from index.schema import Passage, synthetic_passage
from ingest.chunking import ChunkKind
from ingest.errors import PapersError
from ingest.paper import Paper
from ingest.text import Quantities, clip, looks_like_instruction, normalized, split_sentences

from ..answer.citations import Citation, as_printed, best_quote, quote_page
from ..answer.prompts import FOCUS_CHARS, defuse, focus
from ..llm.chat import ChatModel
from ..retrieval.names import candidate_names
from ..retrieval.search import RRF_K, Retriever, fuse
from .cost_facts import LABELS, cost_facts, unstated
from .format import HEADINGS, TWEET_LIMIT, digest_entry_markdown, heading_line, summary_markdown
from .grounding import PAGE_CITE, ground, page_label, unsupported
from .key_references import key_references
from .language import japanese_share, language_problem, split_by_language
from .limitation_facts import limitation_facts
from .prompts import (
    SECTIONS,
    SectionSpec,
    key_reference_messages,
    own_view_messages,
    reminded,
    section_messages,
    shorter_tweet_messages,
    translation_messages,
    tweet_messages,
)

PASSAGES_PER_SECTION = 5
# Output caps per call (bench/llm.py): at 17 tok/s every token is ~60 ms, and what a 1.5B model writes past
# its bullets is loops, echoed <passage> tags and guesses. A seed section's 4-5 bullets fit in 300.
SECTION_TOKENS, VIEW_TOKENS, REFERENCE_TOKENS, TWEET_TOKENS, TRANSLATION_TOKENS = 300, 200, 250, 160, 160
STOP = ("<passage", "</passage", "\n\n[")  # echoed passages, or a list of bare [n] after the bullets
MIN_TWEET_JAPANESE = 0.25  # Japanese characters per Latin letter (language.japanese_share)
MATCH_THRESHOLD = 0.85  # e5 cosine of a bullet and its passage: related 0.86-0.90, unrelated up to 0.83
PREFERRED_BONUS = 0.5 / (RRF_K + 1)  # a passage from a fitting section counts as half a first place
WORDS = {
    "ja": {"stated": "**論文が述べている限界**", "own": "**本レポートの見解（論文には書かれていない推測を含む）**",
           "not_stated": "記載なし",
           "none": "- 論文中に、GPU・学習時間・データ量・モデルサイズの記載は見つかりませんでした。",
           "nothing": "- 該当する記述は論文中に見つかりませんでした。",
           "no_limits": "- 論文は自身の限界を明示していません（Limitations・Discussion・Conclusion に該当する文が"
                        "見つかりませんでした）。",
           "quoted": "- モデルの出力が使えなかったため（言語・根拠の検査で不合格）、"
                     "論文の該当箇所を原文のまま引用します。",
           "cited": "本文で{count}回引用 {pages}。", "no_refs": "- 論文の参考文献リストを抽出できませんでした。",
           "no_cites": "- 本文中の引用を数えられませんでした（参考文献リストの先頭{n}件）:"},
    "en": {"stated": "**Stated in the paper**", "own": "**Our view (not stated in the paper; partly speculative)**",
           "not_stated": "not stated",
           "none": "- The paper states no GPUs, training time, data size or model size.",
           "nothing": "- The paper says nothing on this.",
           "no_limits": "- The paper states no limitations of its own (no such sentence in its Limitations, "
                        "Discussion or Conclusion).",
           "quoted": "- The model's text failed the language and grounding checks; the paper's own words instead:",
           "cited": "cited {count}× in the body {pages}.",
           "no_refs": "- The paper's reference list could not be extracted.",
           "no_cites": "- Citations in the body could not be counted (first {n} entries of the list):"},
}


@dataclass
class ReportSection:
    number: int
    heading: str
    body: str
    citations: list[Citation] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # sentences removed for numbers not in the paper
    seconds: float = 0.0
    wrong_language: list[str] = field(default_factory=list)  # the model's lines removed for their language
    attempts: int = 1  # LLM tries (a second when the first came back in the wrong language)
    quoted: bool = False  # the model's text was unusable: the paper's passages are quoted instead


@dataclass
class Report:
    paper_id: str
    arxiv_id: str | None
    title: str
    url: str
    lang: str
    sections: list[ReportSection]
    model: str
    paper_sha256: str
    generated_at: float
    seconds: float
    kind: str = "report"  # report | digest (one paper's entry) | summary (the long single-paper format)

    @property
    def markdown(self) -> str:
        bodies = [s.body for s in self.sections]
        if self.kind == "digest":
            return digest_entry_markdown(self.title, self.url, bodies[0], bodies[1:], self.lang) + "\n"
        if self.kind == "summary":
            return summary_markdown(self.title, bodies, self.lang)
        parts = [f"# {self.title}", f"[View Paper]({self.url})"]
        parts += [f"{heading_line(s.number, self.lang)}\n\n{s.body}" for s in self.sections]
        return "\n\n".join(parts) + "\n"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["sections"] = [{**asdict(s), "citations": [c.to_dict() for c in s.citations]} for s in self.sections]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        sections = [ReportSection(**{**s, "citations": [Citation.from_dict(c) for c in s["citations"]]})
                    for s in data["sections"]]
        return cls(**{**data, "sections": sections})


Progress = Callable[[int, int, str], None]  # (sections done, total, what is being written)


def report_paths(folder: Path, paper_id: str, lang: str, kind: str = "report") -> tuple[Path, Path]:
    stem = f"{paper_id}.{lang}" if kind == "report" else f"{paper_id}.{kind}.{lang}"
    return folder / f"{stem}.md", folder / f"{stem}.json"


def load_report(folder: Path, paper_id: str, lang: str, kind: str = "report") -> Report | None:
    _, meta = report_paths(folder, paper_id, lang, kind)
    if not meta.exists():
        return None
    try:
        return Report.from_dict(json.loads(meta.read_text()))
    except (ValueError, KeyError, TypeError):
        return None  # an old or damaged file: regenerate


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_report(folder: Path, report: Report) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    markdown, meta = report_paths(folder, report.paper_id, report.lang, report.kind)
    _write_atomic(markdown, report.markdown)
    _write_atomic(meta, json.dumps(report.to_dict(), ensure_ascii=False))
    return markdown


class FinishedSections:
    """The sections of a report being written, saved as each one finishes, so a run that fails (the LLM
    went away, the process was killed) resumes where it stopped instead of starting over."""

    def __init__(self, folder: Path, paper_id: str, lang: str, sha256: str, kind: str = "report"):
        self.path = report_paths(folder, paper_id, lang, kind)[1].with_suffix(".partial.json")
        self.sha256 = sha256

    def load(self) -> dict[int, ReportSection]:
        try:
            data = json.loads(self.path.read_text())
            if data["paper_sha256"] != self.sha256:
                return {}  # written from another version of the paper
            return {s["number"]: ReportSection(**{**s, "citations": [Citation.from_dict(c) for c in s["citations"]]})
                    for s in data["sections"]}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def save(self, sections: list[ReportSection]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"paper_sha256": self.sha256, "sections": [
            {**asdict(s), "citations": [c.to_dict() for c in s.citations]} for s in sections]}
        _write_atomic(self.path, json.dumps(data, ensure_ascii=False))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def _numbers_of(passages: list[Passage], paper: Paper) -> Quantities:
    """The numbers a section may state: those in the passages it was written from (a number found
    elsewhere in the paper is no support: "8 hours" is not grounded by a "Llama-8B" on another page)."""
    return Quantities(paper.title + " " + " ".join(p.text for p in passages))


def kept_names(sentence: str) -> list[str]:
    """The names a Japanese rendering of `sentence` must keep, as Japanese writes them: "LoRA-based" keeps
    "LoRA", "LLMs" keeps "LLM" (Japanese has no plural: "LLMの効率的な…" is faithful)."""
    return [re.sub(r"(?<=[A-Z])s$|-[a-z]+$", "", n) for n in candidate_names(sentence) if " " not in n]


_CHATTER = re.compile(r"ツイート|tweet|こんにちは|前回|回答", re.I)


def _mostly_english(tweet: str, lang: str) -> bool:
    """A Japanese tweet made of an English title and abstract with a few Japanese labels."""
    return lang == "ja" and japanese_share(tweet) < MIN_TWEET_JAPANESE


def _off_language(tweet: str, lang: str) -> bool:
    return _mostly_english(tweet, lang) or any(language_problem(s, lang) for s in split_sentences(tweet))


def _unfit_sentences(tweet: str, known: Quantities, lang: str) -> list[str]:
    """Sentences a tweet cannot keep: a number the abstract lacks, the wrong language, an instruction, or the model
    talking to us ("研究者向けの日本語のツイートです", "こんにちは！", "前回の回答で…"), a fragment ("2."); all of a
    mostly English Japanese tweet."""
    if _mostly_english(tweet, lang):
        return split_sentences(tweet)
    return [s for s in split_sentences(tweet) if unsupported(s, known) or looks_like_instruction(s)
            or language_problem(s, lang) or _CHATTER.search(s) or len(s) < 5]


def _fallback_tweet(paper: Paper, result: ReportSection | None) -> str:
    """"EAGLE-3: <the first result bullet>": already in the report's language and grounded, unlike the title."""
    short_title = paper.title.split(":")[0].strip()
    body = result.body if result and not result.quoted else ""  # a quoted section opens with its lead-in
    bullets = [line[2:] for line in body.splitlines() if line.startswith("- ")]
    claim = PAGE_CITE.sub("", bullets[0]).strip() if bullets else ""
    return f"{short_title}: {claim}" if claim else paper.title


_SENTENCE_END = re.compile(r"[。！？!?]|\.(?!\d)")  # not the point of "59.47"


def tighten(text: str, limit: int = TWEET_LIMIT) -> str:
    """Fit a tweet into `limit` characters without cutting a word: drop hashtags, then end at the last
    sentence end, else at the last clause or word boundary."""
    text = " ".join(text.split()).strip('"「」 ')
    if len(text) <= limit:
        return text
    text = re.sub(r"\s*#\S+", "", text).strip()
    if len(text) <= limit:
        return text
    end = max((m.start() for m in _SENTENCE_END.finditer(text) if m.start() < limit), default=-1)
    if end >= limit // 3:
        return text[: end + 1]
    cut = max(text.rfind(mark, 0, limit - 1) for mark in "、，,;； ")
    return text[:cut].rstrip() + "…" if cut > 0 else text[: limit - 1] + "…"


Step = Callable[[], ReportSection]


class ReportWriter:
    """The 8-section report; the digest and summary writers are this with other steps (`steps`)."""

    kind = "report"

    def __init__(self, library: Library, chat: ChatModel):
        self.library = library
        self.retriever = Retriever(library)
        self.chat = chat

    @property
    def folder(self) -> Path:
        return self.library.config.reports_dir

    def _chat(self, messages, max_tokens: int, lang: str) -> str:
        return self.chat.chat(messages, max_tokens, STOP, lang=lang)

    def saved(self, record: PaperRecord, lang: str) -> Report | None:
        """The saved report, if it was written from the paper's current version."""
        report = load_report(self.folder, record.paper_id, lang, self.kind)
        return report if report and report.paper_sha256 == record.sha256 else None

    def get(self, record: PaperRecord, lang: str, regenerate: bool = False,
            progress: Progress | None = None) -> tuple[Report, bool]:
        """(the report, whether it is the saved one): the saved report while it is current, else a new one."""
        saved = None if regenerate else self.saved(record, lang)
        return (saved, True) if saved else (self.write(record.paper_id, lang, progress), False)

    def steps(self, paper: Paper, lang: str, done: dict[int, ReportSection]) -> dict[int, tuple[str, Step]]:
        """Section number -> (what it is, for progress; how to write it), in the order written."""
        steps: dict[int, tuple[str, Step]] = {
            n: (HEADINGS["en"][n - 1], lambda n=n: self._cited_section(SECTIONS[n], paper, lang)) for n in (1, 2, 3, 5)}
        steps.update({4: (HEADINGS["en"][3], lambda: self._limitations(paper, lang)),
                      6: (HEADINGS["en"][5], lambda: self._costs(paper, lang)),
                      7: (HEADINGS["en"][6], lambda: self._references(paper, lang)),
                      8: (HEADINGS["en"][7], lambda: self._tweet(paper, lang, done.get(3)))})
        return dict(sorted(steps.items()))

    def write(self, key: str, lang: str = "ja", progress: Progress | None = None) -> Report:
        """Generate (and save) the report for the paper `key` names (id, arXiv id or title fragment)."""
        if lang not in HEADINGS:
            raise PapersError(f"unknown report language {lang!r}; use one of {', '.join(HEADINGS)}")
        record = self.library.resolve(key)
        paper = self.library.parsed(record.paper_id)
        progress = progress or (lambda done, total, what: None)
        finished = FinishedSections(self.folder, paper.paper_id, lang, record.sha256, self.kind)
        done = finished.load()
        steps = self.steps(paper, lang, done)
        sections = []
        for index, (number, (what, step)) in enumerate(steps.items()):
            progress(index, len(steps), what)
            if number not in done:
                section_started = time.perf_counter()
                done[number] = step()
                as_printed(done[number].citations, self.library.pages)  # quotes as their pages print them
                done[number].seconds = round(time.perf_counter() - section_started, 2)
            sections.append(done[number])
            finished.save(sections)
        progress(len(steps), len(steps), "done")
        report = Report(paper.paper_id, paper.arxiv_id, paper.title, paper.url or Path(record.source).name, lang,
                        sections, self.chat.label, record.sha256, time.time(),
                        round(sum(s.seconds for s in sections), 2), self.kind)
        save_report(self.folder, report)
        finished.clear()
        return report

    # ---- retrieval -------------------------------------------------------------------------
    def _passages(self, spec: SectionSpec, paper: Paper, k: int = PASSAGES_PER_SECTION) -> list[Passage]:
        """Fused results of the section's queries within the paper, favouring fitting sections;
        the abstract first where the section needs the paper's own framing."""
        found: dict[str, Passage] = {}
        rankings = []
        for query in spec.queries:
            hits = [p for p in self.retriever.search(query, 8, paper_ids=[paper.paper_id]) if p.kind != "abstract"]
            found.update({p.chunk_id: p for p in hits})
            rankings.append([p.chunk_id for p in hits])
        scored = [(chunk_id, score + (PREFERRED_BONUS if spec.prefer.search(found[chunk_id].section_path) else 0.0))
                  for chunk_id, score in fuse(rankings)]
        scored.sort(key=lambda item: -item[1])
        passages = [found[chunk_id] for chunk_id, _ in scored[:k]]
        if spec.with_abstract and paper.abstract:
            passages = [self._abstract(paper)] + passages[: k - 1]
        return passages

    @staticmethod
    def _abstract(paper: Paper) -> Passage:
        """The abstract, cut to the prompt's passage size once per paper (by the title's terms), so sections 1-3
        open with the same ~400 tokens (with the rules) and the server computes them once (~6 s each)."""
        text = focus(paper.abstract, paper.title)
        return synthetic_passage(paper, "abstract", "Abstract", paper.abstract_page, text, ChunkKind.ABSTRACT)

    def _matcher(self, passages: list[Passage]):
        """Bullets -> the passage each matches best by e5 (cross-lingual), if close enough."""
        def infer(bullets: list[str]) -> list[int | None]:
            embedder = self.library.embedder
            similarity = embedder.embed_queries(bullets) @ embedder.embed_passages([p.text for p in passages]).T
            return [int(row.argmax()) + 1 if row.max() >= MATCH_THRESHOLD else None for row in similarity]
        return infer

    # ---- sections --------------------------------------------------------------------------
    def _cited_section(self, spec: SectionSpec, paper: Paper, lang: str, heading: str | None = None,
                       bullets: int = 5, k: int = PASSAGES_PER_SECTION, tokens: int = SECTION_TOKENS,
                       tries: int = 2, budget: int = FOCUS_CHARS) -> ReportSection:
        """`tries`: a second call with the language reminder when most bullets came back in the wrong language;
        `budget`: characters of each passage in the prompt."""
        heading = heading or HEADINGS[lang][spec.number - 1]
        passages = self._passages(spec, paper, k)
        messages = section_messages(spec, paper.title, passages, lang, bullets, budget)
        known, infer = _numbers_of(passages, paper), self._matcher(passages)
        wrong: list[str] = []
        for attempt in range(1, tries + 1):
            lines, off = split_by_language(self._chat(messages if attempt == 1 else reminded(messages, lang),
                                                      tokens, lang).splitlines(), lang)
            wrong += off
            body, citations, dropped = ground("\n".join(lines), passages, paper, known, infer, echo=spec.task[lang])
            if citations and len(off) <= body.count("\n") + 1:  # most bullets in the right language
                return ReportSection(spec.number, heading, body, citations, dropped,
                                     wrong_language=wrong, attempts=attempt)
            if not off:
                break  # unusable for another reason than its language: asking again would not help
        # nothing usable from the model: quote the best passages instead
        body, citations = self._quoted(passages[:2], spec, paper, lang)
        return ReportSection(spec.number, heading, body, citations, dropped,
                             wrong_language=wrong, attempts=attempt, quoted=True)

    def _quoted(self, passages: list[Passage], spec: SectionSpec, paper: Paper,
                lang: str) -> tuple[str, list[Citation]]:
        if not passages:
            return WORDS[lang]["nothing"], []
        lines, citations = [WORDS[lang]["quoted"]], []
        for passage in passages:
            quote = best_quote(passage, " ".join(spec.queries))
            page = quote_page(paper, passage, quote)
            lines.append(f"- “{quote}” {page_label([page])}")
            citations.append(Citation(passage, quote, page))
        return "\n".join(lines), citations

    def _stated_limitations(self, paper: Paper, lang: str) -> tuple[list[str], list[Citation], list[str]]:
        """(lines, citations, renderings dropped): the paper's own limitation sentences, each quoted with its page;
        in a Japanese report led by the model's translation where that is Japanese, complete and adds no number."""
        facts = limitation_facts(paper)
        if not facts:
            return [WORDS[lang]["no_limits"]], [], []
        lines, citations, dropped = [], [], []
        for number, fact in enumerate(facts, start=1):
            quote = f"“{clip(fact.sentence, 300)}”"
            rendering = "" if lang == "en" else self._translated(fact.sentence, dropped)
            lines += [f"- {rendering} (p.{fact.page})", f"  - {quote}"] if rendering else [f"- {quote} (p.{fact.page})"]
            passage = synthetic_passage(paper, f"limitation-{number}", fact.section, fact.page, fact.sentence)
            citations.append(Citation(passage, fact.sentence, fact.page))
        return lines, citations, dropped

    def _translated(self, sentence: str, dropped: list[str]) -> str:
        """A Japanese rendering of one of the paper's sentences, or "" (and the rendering added to `dropped`) when it
        is not Japanese, incomplete, or changes a number or a name ("OmniGen2", "GPT-4") of the original."""
        rendering = " ".join(self._chat(translation_messages(sentence),  # a loop stops at twice the length
                                        min(TRANSLATION_TOKENS, max(60, len(sentence) // 2)), "ja").split())
        if rendering and (language_problem(rendering, "ja") or unsupported(rendering, Quantities(sentence))
                          or len(rendering) < 8 or not rendering.endswith(("。", "」", "）", ")"))
                          or any(n not in rendering for n in kept_names(sentence))):
            dropped.append(rendering)
            return ""
        return rendering

    def _limitations(self, paper: Paper, lang: str) -> ReportSection:
        stated, citations, dropped = self._stated_limitations(paper, lang)
        method = self._passages(SECTIONS[2], paper, k=4)
        # a view is not a citation of the paper: grounded against no passages, so it gets no page numbers
        lines, wrong = split_by_language(
            self._chat(own_view_messages(paper.title, method, lang), VIEW_TOKENS, lang).splitlines(), lang)
        own, _, unsupported_views = ground("\n".join(lines), [], paper, _numbers_of(method, paper))
        words = WORDS[lang]
        body = f"{words['stated']}\n\n" + "\n".join(stated) + f"\n\n{words['own']}\n\n{own or words['nothing']}"
        return ReportSection(4, HEADINGS[lang][3], body, citations, dropped + unsupported_views, wrong_language=wrong)

    def _costs(self, paper: Paper, lang: str) -> ReportSection:
        """Extractive, no LLM: per kind of cost, the paper's own sentences quoted with their page, or "not stated".
        Asked to summarise them, the 1.5B model guessed what they lack and mixed their units ("200 samples"
        became "200MB"); quoting also saves a call (~50 s of a report)."""
        facts = cost_facts(paper, per_category=2)
        missing = set(unstated(facts))
        words, lines, citations = WORDS[lang], [], []
        for name, group in facts.items():
            label = LABELS[lang][name]
            if name in missing:
                lines.append(f"- **{label}**: {words['not_stated']}")
            for i, fact in enumerate(group):
                passage = synthetic_passage(paper, f"cost-{name}-{i}", fact.section, fact.page, fact.sentence)
                lines.append(f"- **{label}**: “{clip(fact.sentence, 300)}” (p.{fact.page})")
                citations.append(Citation(passage, fact.sentence, fact.page))
        if not citations:
            return ReportSection(6, HEADINGS[lang][5], words["none"])
        return ReportSection(6, HEADINGS[lang][5], "\n".join(lines), citations)

    def _references(self, paper: Paper, lang: str) -> ReportSection:
        words = WORDS[lang]
        if not paper.references:
            return ReportSection(7, HEADINGS[lang][6], words["no_refs"])
        keys = key_references(paper)
        if not keys:
            lines = [words["no_cites"].format(n=3)] + [f"- {r.text[:240]} (p.{r.page})" for r in paper.references[:3]]
            return ReportSection(7, HEADINGS[lang][6], "\n".join(lines))
        reply = self._chat(key_reference_messages(paper.title, [(k.reference.text, [c for c, _ in k.contexts])
                                                                for k in keys], lang), REFERENCE_TOKENS, lang)
        reasons = {int(m.group(1)): m.group(2).strip() for m in re.finditer(r"^\s*(\d{1,2})[.)]\s*(.+)$", reply, re.M)}
        lines, citations = [], []
        for number, key in enumerate(keys, start=1):
            reference = key.reference.text
            reason = reasons.get(number, "")
            context_words = reference + " ".join(c for c, _ in key.contexts)
            if language_problem(reason, lang) or unsupported(reason, Quantities(context_words)) \
                    or normalized(reference)[:40] in normalized(reason):
                reason = ""  # wrong language, a number the citing text lacks, or the entry copied back
            cited = words["cited"].format(count=key.count, pages=page_label(key.pages)).strip()
            lines.append(f"- **{key.label}** — {clip(reference, 240)}")
            lines.append(f"  - {cited} {reason}".rstrip())
            if key.contexts:
                sentence, page = key.contexts[0]
                lines.append(f"  - “{clip(sentence, 220)}” (p.{page})")
            citations += [Citation(synthetic_passage(paper, f"ref-{key.reference.number}", "", page, sentence),
                                   sentence, page) for sentence, page in key.contexts]
        return ReportSection(7, HEADINGS[lang][6], "\n".join(lines), citations)

    def _tweet(self, paper: Paper, lang: str, result: ReportSection | None) -> ReportSection:
        """Written from the abstract; asked again when too long (shorter) or in the wrong language (reminded).
        When nothing fit survives, the short title and the report's first result bullet stand in."""
        abstract = defuse(focus(paper.abstract, paper.title, 1200)) if paper.abstract else paper.title
        known = Quantities(f"{paper.title} {abstract}")  # the tweet is written from the abstract
        limit = TWEET_LIMIT - 20  # ask for less: small models overshoot
        messages = tweet_messages(paper.title, abstract, lang, limit)
        tweet = " ".join(self._chat(messages, TWEET_TOKENS, lang).split()).strip('"「」 ')
        for _ in range(2):
            unfit = _unfit_sentences(tweet, known, lang)
            if len(tweet) <= TWEET_LIMIT and not unfit:
                break
            if _off_language(tweet, lang):
                retry = reminded(messages, lang)
            else:
                retry = shorter_tweet_messages(tweet, limit, lang)
            tweet = " ".join(self._chat(retry, TWEET_TOKENS, lang).split()).strip('"「」 ') or tweet
        dropped = _unfit_sentences(tweet, known, lang)
        tweet = " ".join(s for s in split_sentences(tweet) if s not in dropped) or _fallback_tweet(paper, result)
        return ReportSection(8, HEADINGS[lang][7], tighten(tweet), dropped=dropped)
