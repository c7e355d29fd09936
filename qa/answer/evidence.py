"""The evidence shown before the model's prose: up to three quotes from the retrieved passages that
answer the question, verbatim, chosen without the LLM.

A small model picks a neighbouring number or stays vague; the reader should still see the paper's own
words. The candidates are the sentences of the top passages, each quoted with the sentences after it on its
page (a fact is often set up in one sentence and stated in a later one), and table rows, matched with their
columns' names and quoted by their cells. Each candidate is ranked by e5 similarity to the question's wordings
and by the question terms it shares (the question without a lead-in describing its paper; terms weighted by
rarity among the candidates; numbers count triple; the names of the passages' papers do not count: in a paper
every sentence may repeat them, and they pulled the abstract's and introduction's sentences up); the rankings
and the passage order are fused by reciprocal rank (a question about limitations, challenges or future work,
「課題」, adds the limitation wording the report looks for and Limitations / Conclusion sections as a fourth
ranking; one asking why, how a problem was fixed or on what hardware adds the candidates that give a cause, state
a remedy or name the hardware: answer_cues.py), and a question asking for a quantity ("how many", "what rate",
「何%」) adds the candidates that hold a number beside the asked terms and prefers candidates holding a number
(not one the question gives itself: "Lean 4").
A candidate that runs on from a chosen quote, or leads into it, extends it. When the best candidate shares hardly
any term with the question the evidence is marked weak.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from index.embedder import Embedder
from index.schema import Passage
from ingest.chunking import ChunkKind
from ingest.paper import Paper
from ingest.text import looks_like_instruction, split_sentences, tokenize

from ..retrieval.limitation_cues import ABOUT_LIMITATION, FITTING, limitation_cues
from ..retrieval.search import fuse, short_name, without_description, without_names
from ..retrieval.sentences import rarity
from .answer_cues import cues_asked
from .citations import quote_page
from .tables import row_text, table_lines

MAX_QUOTES = 3
PASSAGES = 5  # the sentences of the top passages compete
WINDOW, WINDOW_CHARS = 3, 450  # a quote: a sentence and up to two after it, a third only within 450 characters
MERGED_CHARS = 700  # a quote that the next best candidate runs on from grows to this
BESIDE = 3  # a number "states" an asked term within this many words of it ("block size to 4096")
WEAK_EVIDENCE = "weak: these quotes share few of the question's terms"
_QUANTITY = re.compile(r"\bhow (?:many|much|long|large|fast)\b|\bwhat (?:(?:is|are|was|were) the )?"
                       r"(?:[\w\-()@.]+ ){0,3}(?:rate|score|accuracy|number|size|percentage|ratio|cost|budget|"
                       r"coefficients?|values?|length)s?\b|"
                       r"何(?:%|パーセント|[ァ-ヶー]+|個|件|回|倍|時間|日|人|枚|層|億|万|問|割|種|語|秒|分|年)|いくつ|どれ(?:だけ|くらい|ほど)|"
                       r"スコア(?!リング)|精度|割合|比率|(?<![学関変複多])数(?![学独])",
                       re.I)
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"(?<![\w\-.\[])\d[\w.,]*")  # a number of its own: not the 3 of "DeepSeek-V3", nor "[50]"


def asks_quantity(*queries: str) -> bool:
    """Whether a wording of the question asks for a number ("how many", "what rate", 「いくつ」)."""
    return any(_QUANTITY.search(q) for q in queries)


@dataclass
class EvidenceSentence:
    sentence: str  # verbatim from the passage (a table row: its cells' words, as the page prints them)
    passage: Passage
    rank: int  # 1 = the passage retrieval ranked first
    row: bool = False  # a table row: quoted alone
    scored: str = ""  # what is matched to the question when not the sentence: a row with its columns' names
    page: int = 0  # the page it starts on


def candidates(passages: list[Passage], papers: Mapping[str, Paper | None] | None = None) -> list[EvidenceSentence]:
    """The sentences and table rows of the top passages, in passage order, with the page each starts on
    (found in the passage's parsed paper in `papers`; else the passage's first page)."""
    found: list[EvidenceSentence] = []
    for rank, passage in enumerate(passages[:PASSAGES], start=1):
        if passage.kind == ChunkKind.TABLE:
            units = [(row_text(line.source), line.text) for line in table_lines(passage.text)
                     if line.is_row and _DIGIT.search(line.text)]
        else:
            units = [(s, "") for s in split_sentences(passage.text)
                     if 20 <= len(s) <= 600 and not looks_like_instruction(s)]
        paper = (papers or {}).get(passage.paper_id)
        found += [EvidenceSentence(unit, passage, rank, passage.kind == ChunkKind.TABLE, scored,
                                   quote_page(paper, passage, unit)) for unit, scored in units]
    return found


def windows(pool: list[EvidenceSentence], size: int = WINDOW, chars: int = WINDOW_CHARS) -> list[list[int]]:
    """Each candidate with the sentences after it in its passage and on its page: up to `size` while within
    `chars` (two always). A fact is often set up in one sentence and stated in a later one ("To address this,
    we set ..."); a quote that ran onto the next page would be found on neither."""
    spans = []
    for i, c in enumerate(pool):
        span, length = [i], len(c.sentence)
        for j in range(i + 1, min(i + size, len(pool))):
            if c.row or pool[j].passage is not c.passage or pool[j].page != c.page \
                    or (len(span) > 1 and length + len(pool[j].sentence) > chars):
                break
            span.append(j)
            length += len(pool[j].sentence)
        spans.append(span)
    return spans


def _term_weights(pool: list[EvidenceSentence]) -> tuple[list[set[str]], dict[str, float]]:
    """Each candidate's terms, and each term's rarity among the candidates (a term in all of them says little)."""
    terms = [set(tokenize(c.scored or c.sentence)) for c in pool]
    return terms, {t: w * (3 if any(ch.isdigit() for ch in t) else 1) for t, w in rarity(terms).items()}


def _beside_number(text: str, asked: set[str], weight: Mapping[str, float]) -> float:
    """The weight of the asked terms within BESIDE words of a number in `text`: the sentence that states the
    value asked for names it next to the number ("consists of 9,645k sequences", "RULER (84.3)"), while one
    that repeats the question's words holds its numbers elsewhere or none."""
    words = tokenize(text)
    numbers = [i for i, w in enumerate(words) if _DIGIT.search(w) and w not in asked]  # not "Lean 4" asked about
    found = {words[j] for i in numbers for j in range(max(0, i - BESIDE), i + BESIDE + 1)
             if j < len(words) and words[j] in asked and not _DIGIT.search(words[j])}
    return sum(weight[w] for w in found)


def _number(match: re.Match[str]) -> str:
    return match.group().rstrip(".,").lower()


def _quotes(order: list[int], spans: list[list[int]], pool: list[EvidenceSentence]) -> list[list[int]]:
    """The candidates each quote spans, best first: units that share no sentence. A unit that runs on from a
    chosen one extends it (up to MERGED_CHARS), so the sentence after a quote's window is not lost to the
    overlap ("... code changes. The context includes ... After deduplication ... 100 billion tokens"); an
    extension gives way to a quote chosen later. A unit that starts before its quote takes the quote's start
    there, and the quote gives up sentences at its end to stay within MERGED_CHARS ("... sampled from the K2
    pretraining corpus" opened the passage, the window one sentence later was chosen first)."""
    def text(units: list[int]) -> str:
        return " ".join(pool[k].sentence for k in units)

    held: list[list[int]] = []  # what each quote's own unit spans
    shown: list[list[int]] = []  # with the units merged into it
    for u in order:
        span = spans[u]
        joined = next((i for i, h in enumerate(held) if set(h) & set(span)), None)
        if joined is None:
            if any(pool[u].sentence in text(h) for h in held):
                continue  # a sentence repeated in an appendix
            shown = [h if set(s) & set(span) else s for h, s in zip(held, shown)]
            held.append(span)
            shown.append(span)
            if len(held) == MAX_QUOTES:
                break
            continue
        merged = sorted(set(shown[joined]) | set(span))
        while span[0] < held[joined][0] and merged[-1] > span[-1] and len(text(merged)) > MERGED_CHARS:
            merged.pop()  # a unit starting before the quote: the quote gives up its end for that start
        if len(text(merged)) <= MERGED_CHARS and \
                not any(set(merged) & set(h) for i, h in enumerate(held) if i != joined):
            shown[joined] = merged
    return shown


def select_evidence(question: str, passages: list[Passage], embedder: Embedder, wordings: list[str] | None = None,
                    papers: Mapping[str, Paper | None] | None = None) -> tuple[list[EvidenceSentence], bool]:
    """Up to three quotes, best first, and whether the evidence is weak. `wordings`: the question's other
    wordings (its English rewrite), whose terms are the papers' own; `papers`: the passages' parsed papers, by
    id, which say where a page ends (without them a quote may run onto the next page)."""
    pool = candidates(passages, papers)
    if not pool:
        return [], True
    # a lead-in that says which paper is meant fits the abstract's and introduction's sentences best
    queries = list(dict.fromkeys(without_description(q) for q in [question, *(wordings or [])]))
    names = sorted({short_name(c.passage.title) for c in pool})
    asked = {t for q in queries for t in tokenize(without_names(q, names))}
    terms, weight = _term_weights(pool)
    lexical = [sum(weight[t] for t in asked & found) for found in terms]
    dense = (embedder.embed_passages([c.scored or c.sentence for c in pool])
             @ embedder.embed_queries(queries).T).max(axis=1)
    spans = windows(pool)  # a sentence and the ones after it, scored together
    unit_dense = [max(dense[k] for k in span) for span in spans]
    unit_lexical = [sum(lexical[k] for k in span) for span in spans]
    everything = range(len(spans))
    text = [" ".join(pool[k].sentence for k in span) for span in spans]
    rankings = [sorted(everything, key=lambda u: -unit_dense[u]),
                sorted(everything, key=lambda u: (-unit_lexical[u], pool[u].rank)),
                sorted(everything, key=lambda u: pool[u].rank)]
    weights = [1.0, 1.0, 0.5]
    if any(ABOUT_LIMITATION.search(q) for q in queries):  # limitation wording, or a Limitations / Conclusion section
        cues = [limitation_cues(text[u]) + 3 * bool(FITTING.search(pool[u].passage.section_path)) for u in everything]
        rankings.append(sorted(everything, key=lambda u: (-cues[u], pool[u].rank)))
        weights.append(1.0)
    for cue in cues_asked(queries):  # a "why" question: the candidates that give a cause, ...
        held = [u for u in everything if cue.search(pool[u].sentence)]
        if held:
            rankings.append(sorted(held, key=lambda u: (-unit_lexical[u], pool[u].rank)))
            weights.append(1.0)
    quantity = asks_quantity(*queries)
    beside = [_beside_number(text[u], asked, weight) for u in everything] if quantity else []
    if any(beside):  # the candidates that give a number beside the asked terms
        rankings.append(sorted((u for u in everything if beside[u]), key=lambda u: (-beside[u], pool[u].rank)))
        weights.append(1.0)
    order = [int(u) for u, _ in fuse([[str(u) for u in r] for r in rankings], weights=weights)]
    if quantity:  # a number the question gives itself ("Lean 4") is not the one it asks for
        given = {_number(m) for q in queries for m in _NUMBER.finditer(q)}
        stated = [any(_number(m) not in given for m in _NUMBER.finditer(text[u])) for u in everything]
        order = [u for u in order if stated[u]] + [u for u in order if not stated[u]]
    chosen = [EvidenceSentence(" ".join(pool[k].sentence for k in span), pool[span[0]].passage, pool[span[0]].rank,
                               pool[span[0]].row, page=pool[span[0]].page) for span in _quotes(order, spans, pool)]
    return chosen, max(lexical) < 2
