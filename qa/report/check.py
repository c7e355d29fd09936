"""`papers eval-reports`: how well-formed and how grounded generated reports, digest entries and long
summaries are.

Per report: its format (its format's checker; for the 8-section report, 8 headings in order and the tweet
within 140 characters), the share of its numbers found in the paper's text (and found with the same kind
of unit: "200 samples" does not ground "200MB"), its language (simplified-only Chinese glyphs, English
bullets in a Japanese text, sections with a line in the wrong language), the sections with a page
citation, whether each cited quote is on its cited page of the PDF, whether the section-7 entries are in
the parsed reference list, generation time, and, where the user's own note on the paper was imported (one
of the same format first), key-fact recall: the numbers and names of the note that the paper also
contains, found again in ours.
"""
from __future__ import annotations

import re
import statistics

from index.library import Library
from index.pdf_pages import PdfPages
from ingest.paper import Paper
from ingest.text import Quantities, normalized, numbers_in

from ..notes.parse import REPORT
from ..notes.store import NoteStore
from ..retrieval.names import candidate_names
from .format import format_problems, parse_report, tweet_length
from .grounding import PAGE_CITE, paper_text, unsupported
from .language import language_problem, simplified_glyphs
from .writer import Report, ReportWriter

_OUR_COUNTS = re.compile(r"本文で\d+回引用|cited \d+× in the body")
_ENTRY = re.compile(r"^- \*\*.+?\*\* — (.+)$", re.M)


# sections that are not claims about the paper written by the model: the bibliography's own English (report
# section 7), the paper's quoted sentences (report 6, summary 10 and 11), parsed metadata (summary 0)
EXTRACTIVE = {"report": (6, 7), "digest": (), "summary": (0, 10, 11)}


def _claims(report: Report) -> str:
    """The text whose numbers are claims about the paper: no headings, metadata, page citations or citation counts."""
    skip = (0,) if report.kind == "summary" else ()
    bodies = " ".join(s.body for s in report.sections if s.number not in skip)
    return _OUR_COUNTS.sub(" ", PAGE_CITE.sub(" ", bodies))


def language_checks(markdown: str, lang: str) -> dict:
    """Lines in the wrong language, per section of an 8-section report the model writes."""
    return section_language({n: body for n, _, body in parse_report(markdown).sections if n not in (6, 7)},
                            markdown, lang)


def section_language(sections: dict[int, str], markdown: str, lang: str) -> dict:
    """Per section: lines in the wrong language; simplified-only glyphs anywhere, English bullets in a
    Japanese text."""
    problems = {number: [line for line in body.splitlines() if line.strip() and language_problem(line, lang)]
                for number, body in sections.items()}
    bullets = [line for body in sections.values() for line in body.splitlines() if line.lstrip().startswith("- ")]
    english = [line for line in bullets if language_problem(line, lang) == "english"]
    return {"sections_in_language": sum(1 for lines in problems.values() if not lines),
            "sections_checked": len(sections),
            "wrong_language_lines": {n: lines for n, lines in problems.items() if lines},
            "simplified_glyphs": len(simplified_glyphs(markdown)),
            "english_bullet_share": round(len(english) / len(bullets), 3) if bullets and lang != "en" else 0.0}


def reference_entries_found(markdown: str, paper: Paper) -> tuple[int, int]:
    """(section-7 entries that are in the parsed reference list, entries)."""
    section7 = next((body for number, _, body in parse_report(markdown).sections if number == 7), "")
    references = [normalized(r.text) for r in paper.references]
    entries = [normalized(m.group(1).removesuffix("…")) for m in _ENTRY.finditer(section7)]
    return sum(1 for e in entries if e and any(e in r for r in references)), len(entries)


def key_facts(seed: str, paper_words: str) -> tuple[set[str], set[str]]:
    """(numbers, names) of a seed report that the paper's text also contains."""
    numbers = {n for n in numbers_in(seed) if len(n) >= 2} & numbers_in(paper_words)
    folded = paper_words.casefold()
    names = {n for n in candidate_names(seed) if n.casefold() in folded}
    return numbers, names


def key_fact_recall(seed: str, ours: str, paper_words: str) -> dict:
    numbers, names = key_facts(seed, paper_words)
    our_numbers, our_text = numbers_in(ours), ours.casefold()
    found = {n for n in numbers if n in our_numbers} | {n for n in names if n.casefold() in our_text}
    total = len(numbers) + len(names)
    return {"facts": total, "found": len(found), "recall": round(len(found) / total, 3) if total else None,
            "missed": sorted((numbers | names) - found)[:30]}


def check_report(report: Report, paper: Paper, pages: PdfPages, seed: str | None = None) -> dict:
    markdown = report.markdown
    words = paper_text(paper)
    claims = _claims(report)
    numbers, known = numbers_in(claims), numbers_in(words)
    unit_misses = unsupported(claims, Quantities(words))
    citations = [c for s in report.sections for c in s.citations]
    valid = [pages.quote_on_page(report.paper_id, c.page, c.quote) for c in citations]
    found, entries = reference_entries_found(markdown, paper)
    written = {s.number: s.body for s in report.sections if s.number not in EXTRACTIVE[report.kind]}
    return {
        "paper_id": report.paper_id, "format": report.kind, "lang": report.lang, "model": report.model,
        "structure_problems": format_problems(report.kind, markdown, report.lang),
        "tweet_chars": tweet_length(next((s.body for s in report.sections if s.number == 8), ""))
        if report.kind == "report" else None,
        "numbers": len(numbers), "numbers_in_paper": len(numbers & known),
        "groundedness": round(len(numbers & known) / len(numbers), 3) if numbers else None,
        "ungrounded_numbers": sorted(numbers - known),
        "unit_groundedness": round(1 - len(unit_misses) / len(numbers), 3) if numbers else None,
        "unit_ungrounded": unit_misses,
        **section_language(written, markdown, report.lang),
        "sections": len(report.sections),
        "sections_with_citation": sum(1 for s in report.sections if PAGE_CITE.search(s.body)),
        "citations": len(citations),
        "citation_validity": round(sum(valid) / len(valid), 3) if valid else None,
        "citation_pages_in_range": all(1 <= c.page <= paper.page_count for c in citations),
        "reference_entries": entries, "reference_entries_in_list": found,
        "dropped_sentences": sum(len(s.dropped) for s in report.sections),
        "dropped_wrong_language": sum(len(s.wrong_language) for s in report.sections),
        "sections_retried": [s.number for s in report.sections if s.attempts > 1],
        "sections_quoted": [s.number for s in report.sections if s.quoted],
        "seconds": report.seconds, "section_seconds": {s.number: s.seconds for s in report.sections},
        "key_facts": key_fact_recall(seed, markdown, words) if seed else None,
    }


def seed_note(notes: NoteStore, record, kind: str = REPORT) -> tuple[str, str] | None:
    """(text, format) of the user's imported note on this paper, one of this format first, if there is one: the
    key facts of a paper are the same whichever format the user wrote them in."""
    found = sorted(notes.for_paper(record), key=lambda n: n.kind != kind)
    return (found[0].text, found[0].kind) if found else None


def summarize(results: list[dict]) -> dict:
    def mean(key: str) -> float | None:
        values = [r[key] for r in results if r.get(key) is not None]
        return round(statistics.mean(values), 3) if values else None

    recalls = [r["key_facts"]["recall"] for r in results if r.get("key_facts") and r["key_facts"]["recall"] is not None]
    return {
        "reports": len(results),
        "structure_valid": sum(1 for r in results if not r["structure_problems"]),
        "tweet_within_limit": sum(1 for r in results if r["tweet_chars"] is not None and r["tweet_chars"] <= 140),
        "groundedness_mean": mean("groundedness"),
        "unit_groundedness_mean": mean("unit_groundedness"),
        "simplified_glyphs": sum(r["simplified_glyphs"] for r in results),
        "english_bullet_share_mean": mean("english_bullet_share"),
        "sections_in_language": f"{sum(r['sections_in_language'] for r in results)}/"
                                f"{sum(r['sections_checked'] for r in results)}",
        "sections_with_citation_mean": mean("sections_with_citation"),
        "citation_validity_mean": mean("citation_validity"),
        "reference_entries_in_list": f"{sum(r['reference_entries_in_list'] for r in results)}/"
                                     f"{sum(r['reference_entries'] for r in results)}",
        "seconds_mean": mean("seconds"),
        "key_fact_recall_mean": round(statistics.mean(recalls), 3) if recalls else None,
    }


def evaluate_reports(library: Library, writer: ReportWriter, notes: NoteStore, keys: list[str], lang: str,
                     regenerate: bool = False, on_result=None, progress=None) -> dict:
    """Check the saved reports of `keys` (all papers when empty), writing those missing or stale."""
    records = [library.resolve(k) for k in keys] if keys else library.papers()
    results = []
    for record in records:
        report, _ = writer.get(record, lang, regenerate, progress)
        seed = seed_note(notes, record, writer.kind)
        result = check_report(report, library.parsed(record.paper_id), library.pages, seed[0] if seed else None)
        if seed:
            result["key_facts"]["seed_format"] = seed[1]
        results.append(result)
        if on_result:
            on_result(result)
    return {"summary": summarize(results), "reports": results}
