"""Find the passages that answer a question: dense e5 + BM25, fused by reciprocal rank, scoped, de-duplicated.

Dense search carries meaning across languages (a Japanese question reaches English passages); BM25
carries exact names and numbers ("CISPO", "93.3%") that e5 blurs. Reciprocal rank fusion needs no
score calibration between the two (e5 cosines bunch in 0.75-0.90). Scoping: explicit papers, or
automatically the papers a question names ("...of MoBA?", an arXiv id, a model only that paper holds),
or, when the two best passages of an unscoped search come from one paper, that paper searched again on its
own (its passages then compete only with each other; e5 and BM25 then rank them on the question without a
lead-in that describes the paper, which they all fit; BM25 also without the paper's name, which all of them
share and which otherwise pulls up the passages that repeat it, and weighs the asker's own words by how rare
they are in that paper, not in the library; a question asking for limitations or future work favours its
Limitations / Discussion / Conclusion sections, one about the hardware or time a run took its implementation and
setup sections: section_priors.py; its candidates are ranked by their best sentence pair too: sentences.py); a
search over several papers (no more than places in the answer) ranks each apart and takes their best passages
in turn. Reference-list and caption chunks are left out unless asked for, so they never crowd out body text.
BM25's first two passages keep a place among the passages an answer reads (five by default): its exact match on
a number or a name is outvoted otherwise when the dense wordings (three for a rewritten Japanese question)
agree on something else.
What each part is worth: `bench/retrieval.py`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from index.library import Library
from index.registry import PaperRecord
from index.schema import ANSWER_KINDS, Passage
from ingest.text import arxiv_ids_in, language_of, tokenize

from ..llm.config import ANSWER_PASSAGES
from .names import papers_by_their_names
from .section_priors import PRIORS, favoured_sections
from .sentences import by_best_sentences

POOL = 60  # candidates taken from each retriever before fusion (30 found one question fewer of the dev set)
RRF_K = 60  # the usual reciprocal-rank-fusion constant


def short_name(title: str) -> str:
    """The name a paper goes by: 'MoBA: Mixture of ...' -> 'MoBA', 'Qwen3 Technical Report' -> 'Qwen3'."""
    head = title.split(":")[0] if ":" in title[:60] else re.split(r"\s+(?:technical report|is|:)\b", title, 1,
                                                                   flags=re.I)[0]
    return head.strip()


def papers_named_in(question: str, papers: list[PaperRecord]) -> list[str]:
    """Ids of papers the question names by arXiv id or short name; the longest name wins overlaps.

    Boundaries are ASCII: in "DeepSeek-V2は" the Japanese particle is a word character to Unicode."""
    found = set(arxiv_ids_in(question)) & {p.arxiv_id for p in papers}
    named = [(short_name(p.title), p.paper_id) for p in papers]
    hits = [(name, pid) for name, pid in named if len(name) >= 3 and _name_pattern(name).search(question)]
    for name, pid in hits:
        if not any(other != name and name.casefold() in other.casefold() for other, _ in hits):
            found.add(pid)
    return sorted(found)


def _name_pattern(name: str, longer: str = "") -> re.Pattern[str]:
    """A paper's name as a word of its own, or the last part of a hyphenated one ("Llama-8B-1M-MoBA" is MoBA's
    model); `longer`: what else after it makes it part of another name."""
    return re.compile(rf"(?<![a-z0-9_]){re.escape(name)}(?![a-z0-9_]|\.\d{longer})", re.I)


def without_names(text: str, names: list[str]) -> str:
    """The text without the given paper names (every passage of a scoped search is of that paper); a longer
    name that starts with one stays ("DeepSeek-R1-Zero" inside DeepSeek-R1 is what is asked about)."""
    left = text
    for name in names:
        if len(name) >= 3:
            left = _name_pattern(name, r"|-\w").sub(" ", left)
    return re.sub(r"\s+", " ", left).strip() or text


# "In the paper that scales a fine-grained MoE from 2B to 145B parameters, ..." / 「...を提案した論文では、...」:
# a lead-in that says which paper is meant, not what is asked of it
_DESCRIPTION_EN = re.compile(r"^(?:In|For|Within|According to)\s+(?:the|a|this)\b[^,?]{10,}?,\s+")
_DESCRIPTION_JA = re.compile(r"^[^、。？?]{6,}?(?:論文|レポート|報告書?|研究|モデル|手法|実験)"
                             r"(?:では|で|において|の中で|によると)、\s*")


def without_description(text: str) -> str:
    """The question without a lead-in that describes its paper: inside that paper every passage fits the
    description, and the abstract, introduction and conclusion, which restate it, outranked the passage that
    answers ("...how much SFT data was used to build its 16B chat model?")."""
    match = _DESCRIPTION_EN.match(text) or _DESCRIPTION_JA.match(text)
    if not match:
        return text
    rest = text[match.end():]
    return rest[:1].upper() + rest[1:]


def with_own_terms(rewrite: str, question: str) -> str:
    """The English rewrite plus the Latin words and numbers of the Japanese question that it lost ("DUCB",
    "VSR", "BeyondAIME"): the papers' own terms, which the 1.5B model's rewrite drops or respells."""
    kept = set(tokenize(rewrite))
    lost = [word for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9.\-]*", question) if not set(tokenize(word)) <= kept]
    return " ".join([rewrite, *lost])


def similar(a: str, b: str, threshold: float = 0.85) -> bool:
    """Near-duplicate passages (a table repeated in an appendix, a caption echoed in the text)."""
    words_a, words_b = set(a.lower().split()), set(b.lower().split())
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) > threshold


def fuse(rankings: list[list[str]], k: int = RRF_K, weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of several ranked id lists (each weighted), best first."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def kept_in_top(fused: list[tuple[str, float]], wanted: list[str], top: int) -> list[tuple[str, float]]:
    """The fused ranking with the `wanted` ids that fusion left below `top` moved up into its last places."""
    ids = [chunk_id for chunk_id, _ in fused]
    late = [chunk_id for chunk_id in wanted if chunk_id in ids[top:]]
    first = ids[:top - len(late)] + late
    scores = dict(fused)
    return [(chunk_id, scores[chunk_id]) for chunk_id in first + [c for c in ids if c not in first]]


def interleave(rankings: list[list[Passage]], k: int) -> list[Passage]:
    """The first of each ranking, then the second of each, ...; the ranking with the best first passage
    leads. A comparison question needs passages of every paper it names, and one paper's passages would
    otherwise fill the list."""
    rankings = sorted((r for r in rankings if r), key=lambda r: -r[0].score)
    merged = [ranking[i] for i in range(max(map(len, rankings), default=0)) for ranking in rankings if i < len(ranking)]
    return merged[:k]


@dataclass(frozen=True)
class RetrievalOptions:
    """Switches for the benchmark's ablations; the defaults are what the app uses."""

    dense: bool = True
    lexical: bool = True
    pool: int = POOL
    lexical_weight_ja: float = 0.0  # BM25's weight for a Japanese question searched as written
    rewrite: bool = True  # search the English rewrite too, when one is given
    follow_paper: int = 2  # when the first n passages of an unscoped search share a paper, search it alone
    drop_names: bool = True  # BM25 inside a scoped paper ranks on the question without the paper's name
    per_paper: bool = True  # a search over several papers takes each one's best passages in turn
    own_terms: bool = True  # a rewritten Japanese question's Latin terms the rewrite lost are searched too
    lexical_heads: int = 2  # BM25's first n passages are kept among the first `read`, whatever the fusion says
    rarity_in_scope: bool = True  # BM25 inside the one paper asked about weighs the asker's words by rarity there
    held_names: bool = True  # a name the question uses that only one paper holds makes it a paper asked about
    drop_description: bool = True  # one paper's search ranks on the question without its lead-in describing it
    sentences: bool = True  # inside one paper, its candidates ranked by their best sentence pair too (BM25's terms)
    section_priors: tuple[str, ...] = tuple(PRIORS)  # inside one paper, a limitations question favours its
    # Limitations / Conclusion sections, a hardware or training-time question its implementation / setup / cost ones
    read: int = ANSWER_PASSAGES  # the passages an answer reads (the Asker sets its own)


class Retriever:
    def __init__(self, library: Library, options: RetrievalOptions = RetrievalOptions()):
        self.library = library
        self.options = options
        # a search embeds each wording once, though it may run dense search twice (the paper follow-up)
        self._query_vector = lru_cache(maxsize=64)(lambda text: self.library.embedder.embed_queries([text])[0])
        self._held: tuple[tuple, list[str]] = ((), [])  # the last held-name lookup: the Asker asks twice

    def scope(self, question: str, paper_keys: list[str] | None = None) -> list[str]:
        if paper_keys:
            return [self.library.resolve(key).paper_id for key in paper_keys]
        return papers_named_in(question, self.library.papers())

    def asked_scope(self, question: str, paper_keys: list[str] | None = None, paper_ids: list[str] | None = None,
                    rewrite: str | None = None) -> list[str]:
        """The papers a search is about: given, or named by the question or by its English rewrite, and those
        the question names by a name only that paper holds ("VisualThinker-R1-Zero", its model)."""
        if paper_ids or paper_keys:
            return paper_ids or self.scope(question, paper_keys)
        named = self.scope(question) or (rewrite and self.scope(rewrite)) or []
        if not self.options.held_names:
            return named
        key, held = (self.library.fingerprint(), question, tuple(named)), self._held  # one read: threads share it
        if held[0] != key:
            held = self._held = key, papers_by_their_names(question, self.library.lexical(), self.library.store.get,
                                                           named, self.names_of(named))
        return named + [paper for paper in held[1] if paper not in named]

    def names_of(self, paper_ids: list[str]) -> list[str]:
        """The short names of the given papers ("MoBA")."""
        return [short_name(p.title) for p in self.library.papers() if p.paper_id in paper_ids]

    def dense(self, question: str, k: int, paper_ids: list[str] | None = None,
              kinds: Iterable[str] = ANSWER_KINDS) -> list[Passage]:
        """The k nearest chunks of the given kinds (and papers). Unscoped, chroma gets no `where`: its
        filtered search first collects every matching id (at 100k chunks that alone took ~300 ms). The nearest
        ids come without their rows, their kinds from the BM25 index, and four times as many again while fewer
        than k are kept (e5 puts reference lists nearest to some questions: with twice k neighbours, 33 of the
        230 dev questions kept as few as 23 of 60); then only the k kept are read."""
        wanted = {str(kind) for kind in kinds}
        vector = self._query_vector(question)
        if paper_ids:
            where = {"$and": [{"kind": {"$in": sorted(wanted)}}, {"paper_id": {"$in": paper_ids}}]}
            return self.library.store.query(vector, k, where)
        lexical, fetch = self.library.lexical(), 2 * k
        while True:
            nearest = self.library.store.nearest(vector, fetch)
            score = dict([hit for hit, kind in zip(nearest, lexical.kinds_of([i for i, _ in nearest]))
                          if kind in wanted][:k])
            if len(score) == k or len(nearest) < fetch:
                return [p.scored(score[p.chunk_id]) for p in self.library.store.get(list(score))]
            fetch *= 4

    def lexical(self, question: str, k: int, paper_ids: list[str] | None = None,
                kinds: Iterable[str] = ANSWER_KINDS, rarity_in_scope: bool = False) -> list[tuple[str, float]]:
        return self.library.lexical().search(question, k, paper_ids, kinds, rarity_in_scope)

    def search(self, question: str, k: int = 6, paper_keys: list[str] | None = None,
               kinds: Iterable[str] = ANSWER_KINDS, paper_ids: list[str] | None = None,
               rewrite: str | None = None) -> list[Passage]:
        """The k best passages; `paper_keys` (ids or title fragments) or `paper_ids` narrow the search,
        else the papers the question names do.

        `rewrite` is the question in English (the LLM's translation of a Japanese question): e5 then
        searches both wordings and BM25 the English one, whose terms are the papers' own; the Latin terms of
        the question that the rewrite lost are added to the English wording (e5 searches it too). A Japanese
        question without one is searched by e5 alone: BM25 sees only its few Latin terms, and on the dev
        set it then pulls the wrong passages up more often than the right ones."""
        options = self.options
        rewrite = rewrite if options.rewrite and rewrite and rewrite != question else None
        scope = self.asked_scope(question, paper_keys, paper_ids, rewrite) or None
        listed = self.library.ready_ids()  # chunks of no listed paper (orphans of a lost registry) never answer
        if scope and 1 < len(scope) <= k and options.per_paper:  # more papers than places: ranked together
            return interleave([self._ranked(question, rewrite, [paper], kinds, k, listed) for paper in scope], k)
        # inside the one paper asked about, BM25 weighs the asker's own words by their rarity there (not an LLM's
        # rewording, whose filler words are rare in a paper too; not a question about several papers, whose
        # words about one are rare in the other)
        rarity = options.rarity_in_scope and not rewrite and (not scope or len(scope) == 1)
        passages = self._ranked(question, rewrite, scope, kinds, k, listed, rarity)
        top = {p.paper_id for p in passages[:options.follow_paper]}
        if not scope and options.follow_paper and len(passages) >= options.follow_paper and len(top) == 1:
            passages = self._ranked(question, rewrite, list(top), kinds, k, listed, rarity)
        return passages

    def _ranked(self, question: str, rewrite: str | None, scope: list[str] | None, kinds: Iterable[str],
                k: int, listed: set[str], rarity_in_scope: bool = False) -> list[Passage]:
        options = self.options
        one_paper = bool(scope) and len(scope) == 1
        if one_paper and options.drop_description:
            question, rewrite = without_description(question), rewrite and without_description(rewrite)
        english = rewrite
        if rewrite and options.own_terms and language_of(question) == "ja":
            english = with_own_terms(rewrite, question)
        rankings: list[list[Passage]] = []
        if options.dense:
            wordings = dict.fromkeys(filter(None, [question, rewrite, english]))  # the terms' wording, if any lost
            rankings += [self.dense(text, options.pool, scope, kinds) for text in wordings]
        hits = {h.chunk_id: h for ranking in rankings for h in ranking}
        order = [[h.chunk_id for h in ranking] for ranking in rankings]
        weights = [1.0] * len(order)
        lexical_query = english or question
        lexical_weight = options.lexical_weight_ja if language_of(lexical_query) == "ja" else 1.0
        if scope and options.drop_names:  # every passage is of the named paper: its name tells them not apart
            lexical_query = without_names(lexical_query, self.names_of(scope))
        lexical: list[str] = []
        if options.lexical and lexical_weight:
            found = self.lexical(lexical_query, options.pool, scope, kinds, rarity_in_scope)
            lexical = [chunk_id for chunk_id, _ in found]
            order.append(lexical)
            weights.append(lexical_weight)
        fused = fuse(order, weights=weights)
        missing = [chunk_id for chunk_id, _ in fused if chunk_id not in hits]
        hits.update({h.chunk_id: h for h in self.library.store.get(missing)} if missing else {})
        extra = [by_best_sentences(lexical_query, [hits[c] for c, _ in fused if c in hits])] \
            if one_paper and options.sentences and lexical_weight else []
        favoured = favoured_sections(question, rewrite, priors=options.section_priors) if one_paper else []
        for sections in favoured:  # e.g. the paper states its limitations in its Limitations / Conclusion
            extra.append([c for c, _ in fused if c in hits and sections.search(hits[c].meta.section_path)])
        if extra:
            fused = fuse(order + extra, weights=weights + [1.0] * len(extra))
        fused = kept_in_top(fused, lexical[:options.lexical_heads], options.read)
        passages: list[Passage] = []
        for chunk_id, score in fused:
            hit = hits.get(chunk_id)
            if hit is None or hit.paper_id not in listed:
                continue
            if any(p.paper_id == hit.paper_id and similar(p.text, hit.text) for p in passages):
                continue
            passages.append(hit.scored(score))
            if len(passages) == k:
                break
        return passages
