"""The evidence shown before the model's prose: up to three quotes from the retrieved passages that
answer the question, verbatim, chosen without the LLM.

A small model picks a neighbouring number or stays vague; the reader should still see the paper's own
words. The candidates are the sentences of the top passages, each quoted with the sentence after it (a
fact is often set up in one sentence and stated in the next: on the dev set pairs hold the fact twice as
often at rank 1 as single sentences), and table rows under their header row. Each candidate is ranked by
e5 similarity to the question's wordings and by the question terms it shares (weighted by rarity among the
candidates; numbers count triple; the names of the passages' papers do not count: in a paper every sentence
may repeat them, and they pulled the abstract's and introduction's sentences up); the rankings and the
passage order are fused by reciprocal rank, and a question asking for a quantity ("how many", "what rate",
「何%」) prefers candidates holding a number. When the best candidate shares hardly any term with the
question the evidence is marked weak.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from index.embedder import Embedder
from index.schema import Passage
from ingest.chunking import ChunkKind
from ingest.text import looks_like_instruction, split_sentences, tokenize

from ..retrieval.search import fuse, short_name, without_names

MAX_QUOTES = 3
PASSAGES = 5  # the sentences of the top passages compete
WEAK_EVIDENCE = "weak: these quotes share few of the question's terms"
_QUANTITY = re.compile(r"\bhow (?:many|much|long|large|fast)\b|\bwhat (?:\w+ )?(?:rate|score|accuracy|number|size|"
                       r"percentage|ratio|cost|budget)\b|何(?:%|パーセント|個|件|回|倍|時間|日|人|枚|層|億|万)|"
                       r"いくつ|どれ(?:だけ|くらい|ほど)|スコア|精度|割合|数", re.I)
_DIGIT = re.compile(r"\d")


@dataclass
class EvidenceSentence:
    sentence: str  # verbatim from the passage (a table row under its header row)
    passage: Passage
    rank: int  # 1 = the passage retrieval ranked first
    row: bool = False  # a table row: quoted alone


def candidates(passages: list[Passage]) -> list[EvidenceSentence]:
    """The sentences and table rows of the top passages, in passage order."""
    found: list[EvidenceSentence] = []
    for rank, passage in enumerate(passages[:PASSAGES], start=1):
        if passage.kind == ChunkKind.TABLE:
            lines = [line for line in passage.text.splitlines() if line.startswith("|")]
            header = lines[0] if lines else ""
            units = [f"{header}\n{line}" for line in lines[2:] if _DIGIT.search(line)]  # [1] is the |---| rule
        else:
            units = [s for s in split_sentences(passage.text) if 20 <= len(s) <= 600]
        found += [EvidenceSentence(unit, passage, rank, passage.kind == ChunkKind.TABLE) for unit in units
                  if not looks_like_instruction(unit)]
    return found


def _term_weights(pool: list[EvidenceSentence]) -> tuple[list[set[str]], dict[str, float]]:
    """Each candidate's terms, and each term's rarity among the candidates (a term in all of them says little)."""
    terms = [set(tokenize(c.sentence)) for c in pool]
    counts: dict[str, int] = {}
    for found in terms:
        for term in found:
            counts[term] = counts.get(term, 0) + 1
    return terms, {t: math.log(1 + len(pool) / n) * (3 if any(ch.isdigit() for ch in t) else 1)
                   for t, n in counts.items()}


def select_evidence(question: str, passages: list[Passage], embedder: Embedder,
                    wordings: list[str] | None = None) -> tuple[list[EvidenceSentence], bool]:
    """Up to three quotes, best first, and whether the evidence is weak. `wordings`: the question's other
    wordings (its English rewrite), whose terms are the papers' own."""
    pool = candidates(passages)
    if not pool:
        return [], True
    queries = list(dict.fromkeys([question, *(wordings or [])]))
    names = sorted({short_name(c.passage.title) for c in pool})
    asked = {t for q in queries for t in tokenize(without_names(q, names))}
    terms, weight = _term_weights(pool)
    lexical = [sum(weight[t] for t in asked & found) for found in terms]
    dense = (embedder.embed_passages([c.sentence for c in pool]) @ embedder.embed_queries(queries).T).max(axis=1)
    following = [i + 1 if i + 1 < len(pool) and not c.row and pool[i + 1].passage is c.passage else None
                 for i, c in enumerate(pool)]
    quotes = [(i, n) for i, n in enumerate(following)]  # a sentence and the one after it, scored together
    unit_dense = [max(dense[i], dense[n]) if n is not None else dense[i] for i, n in quotes]
    unit_lexical = [lexical[i] + (lexical[n] if n is not None else 0.0) for i, n in quotes]
    everything = range(len(quotes))
    rankings = [sorted(everything, key=lambda u: -unit_dense[u]),
                sorted(everything, key=lambda u: (-unit_lexical[u], pool[u].rank)),
                sorted(everything, key=lambda u: pool[u].rank)]
    order = [int(u) for u, _ in fuse([[str(u) for u in r] for r in rankings], weights=[1.0, 1.0, 0.5])]
    text = [pool[i].sentence + (" " + pool[n].sentence if n is not None else "") for i, n in quotes]
    if any(_QUANTITY.search(q) for q in queries):
        order = [u for u in order if _DIGIT.search(text[u])] + [u for u in order if not _DIGIT.search(text[u])]
    chosen: list[EvidenceSentence] = []
    used: set[int] = set()
    for u in order:
        span = {quotes[u][0], quotes[u][1]} - {None}
        if span & used or any(c.sentence == text[u] for c in chosen):  # a sentence repeated in an appendix
            continue
        used |= span
        chosen.append(EvidenceSentence(text[u], pool[u].passage, pool[u].rank, pool[u].row))
        if len(chosen) == MAX_QUOTES:
            break
    return chosen, max(lexical) < 2
