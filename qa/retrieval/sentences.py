"""Rank a paper's candidate passages by their best sentence pair: the question's terms found together.

BM25 scores a chunk by all the terms it holds anywhere, so a long chunk that mentions each of the question's
words in a different paragraph ties with the one whose single sentence answers it ("Table 3 provides
statistics on the number of tokens generated ... under different reasoning modes"). Matching on smaller units
and handing back the chunk is the small-to-big the retrieval issue asks for; here the units are two sentences
in a row (a fact is often set up in one and stated in the next) and a table as a whole (its caption, header and
rows answer together). Terms weigh by how rare they are among the units of the candidates, so the words every
passage of the paper shares say little.
"""
from __future__ import annotations

import math
from collections import Counter

from index.schema import Passage
from ingest.chunking import ChunkKind
from ingest.text import split_sentences, tokenize

PAIR = 2  # sentences matched together


def _units(passage: Passage) -> list[set[str]]:
    if passage.kind == ChunkKind.TABLE:
        return [set(tokenize(passage.text))]
    sentences = [s for s in split_sentences(passage.text) if len(s) >= 20] or [passage.text]
    return [set(tokenize(" ".join(sentences[i:i + PAIR]))) for i in range(max(1, len(sentences) - PAIR + 1))]


def rarity(units: list[set[str]]) -> dict[str, float]:
    """Each term's weight by how few of the units hold it (a term in all of them says little)."""
    holding = Counter(term for terms in units for term in terms)
    return {term: math.log(1 + len(units) / n) for term, n in holding.items()}


def by_best_sentences(query: str, passages: list[Passage]) -> list[str]:
    """Chunk ids of the passages that share a term with `query`, best sentence pair first."""
    units = [(p.chunk_id, terms) for p in passages for terms in _units(p)]
    weight = rarity([terms for _, terms in units])
    asked = set(tokenize(query))
    best: dict[str, float] = {}
    for chunk_id, terms in units:
        best[chunk_id] = max(best.get(chunk_id, 0.0), sum(weight[t] for t in asked & terms))
    return [chunk_id for chunk_id in sorted(best, key=lambda c: -best[c]) if best[chunk_id] > 0]
