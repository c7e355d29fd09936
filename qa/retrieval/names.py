"""The names a question uses ("VisualThinker-R1-Zero", "GPT-4", "Silent Branding Attack") and the papers that
hold them as written. A name only one paper of the library holds (its model, its benchmark) says which paper a
question is about as surely as the paper's title does; a name no paper holds is one the papers do not mention."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from index.lexical import LexicalIndex
from index.schema import ANSWER_KINDS, Passage

MAX_CHECKED = 200  # chunks read to tell which papers hold a name; a name in more is too common to tell

_QUESTION_WORDS = {"what", "which", "how", "why", "when", "where", "who", "does", "did", "do", "is", "are", "can",
                   "compare", "list", "summarize", "explain", "describe", "the", "in", "and", "of", "a", "an", "for",
                   "under", "with", "without", "on", "at", "by", "from", "to", "after", "before", "during", "across",
                   "between", "besides", "unlike", "like", "given", "using", "according", "within", "over", "as",
                   "if", "while", "apart", "beyond", "among", "against", "about"}
# "Silent Branding Attack": two or more capitalized words in a row
_PHRASE = re.compile(r"(?<![A-Za-z0-9])[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+(?![A-Za-z0-9])")
# "AnyAnomaly", "TMRoPE", "GPT-4", "Qwen3": a capital inside the word, or letters and digits mixed
# (ASCII boundaries: in "GPT-4の" the Japanese particle is a word character to Unicode)
_TOKEN = re.compile(r"(?<![A-Za-z0-9.-])(?:[A-Za-z]+[A-Z][A-Za-z0-9-]*|[A-Za-z]+-?\d[A-Za-z0-9.-]*)(?<![.-])")
# a tail that describes, not names: "SDXL-based", "ZeRO-1-style" ("SWE-bench", "GPT-4o-mini" stay)
_DESCRIBING = re.compile(r"(?<=[A-Za-z0-9])-(?:based|style|like|level|free|aware|scale|sized?|specific|only|wise|"
                         r"centric|driven|guided|tuned|trained|distilled|generated|initiali[sz]ed)$")
_GLOSS = re.compile(r"[(（][^()（）]*[)）]")  # "(SFT)", "（GPU 時間）"
# a phrase quoted after a non-letter (the "'s" of a possessive opens no quote)
_QUOTED = re.compile(r"(?<![A-Za-z0-9])['\"“‘「『]([^'\"“”‘’「」『』]{3,80}?)['\"”’」』](?![A-Za-z0-9])")


def candidate_names(question: str) -> list[str]:
    """Names as a question writes them; a gloss in brackets ("Stage III (SFT)", 「GPU hours（GPU 時間）」) is
    not one of them: the paper may spell out what the question abbreviates."""
    question = _GLOSS.sub(" ", question)
    names = []
    for match in _PHRASE.finditer(question):
        phrase = match.group(0)
        while (first := re.split(r"[ -]", phrase, 1))[0].lower() in _QUESTION_WORDS and len(first) > 1:
            phrase = first[1]
        if re.search(r"[ -]", phrase):
            names.append(phrase)
    names += [_DESCRIBING.sub("", m.group(0)) for m in _TOKEN.finditer(question)]
    return list(dict.fromkeys(names))


def quoted_phrases(question: str) -> list[str]:
    """The Latin-script phrases a question quotes ("the 7B model 'born for reasoning'", 「aha moment」): words the
    asker took from a paper, so they may say which paper it is; not names, so a quote that no paper holds as
    written (a paraphrase) is no reason to answer "not mentioned"."""
    return [quoted.strip() for quoted in _QUOTED.findall(question) if re.search(r"[A-Za-z]", quoted)]


def as_written(name: str) -> re.Pattern[str]:
    """The name as written, case, hyphens, spaces and a plural "s" aside ("Qwen2-VL-2B" in "Qwen2 VL 2B")."""
    return re.compile(r"(?<![A-Za-z0-9])" + r"(?:[\s_-]|<br>)*".join(rf"{re.escape(word)}s?"
                      for word in re.split(r"[\s_-]+", name) if word) + r"(?![A-Za-z0-9])", re.I)


def papers_holding(name: str, lexical: LexicalIndex, texts: Callable[[list[str]], list[Passage]],
                   among: Iterable[str] | None = None, limit: int | None = MAX_CHECKED) -> set[str] | None:
    """Ids of the papers (`among` those given, or any) with a chunk that holds the name as written; None when
    more than `limit` chunks hold its terms (`texts`: the chunks by id)."""
    wanted = set(among) if among is not None else None
    chunks = [chunk for chunk, paper in lexical.chunks_mentioning(name, ANSWER_KINDS)
              if wanted is None or paper in wanted]
    if limit is not None and len(chunks) > limit:
        return None
    written = as_written(name)
    return {p.paper_id for p in texts(chunks) if written.search(p.text)} if chunks else set()


def papers_by_their_names(question: str, lexical: LexicalIndex, texts: Callable[[list[str]], list[Passage]],
                          named: list[str], names: list[str]) -> list[str]:
    """Papers the question is about by a name or a quoted phrase only that paper holds and the papers it names
    (`named`, with their short `names`) do not: "Phantom-Data and VisualThinker-R1-Zero" names one paper by its
    title and the other by its model."""
    own = {name.casefold() for name in names}
    found: set[str] = set()
    for name in dict.fromkeys(candidate_names(question) + quoted_phrases(question)):
        if len(name) < 3 or name.casefold() in own:
            continue
        holding = papers_holding(name, lexical, texts)
        if holding is not None and len(holding) == 1 and not holding & set(named):
            found |= holding
    return sorted(found)
