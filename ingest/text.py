"""Text helpers every stage shares: arXiv ids, numbers, sentences, folding, BM25 tokens, language.

One implementation each, so the parser, the retriever, the answer checks and the report checks
agree on what a number, a sentence or an arXiv id is. Boundaries are ASCII on purpose: in
"精度は93.3%で" or "DeepSeek-V2は" the Japanese characters are word characters to Unicode, and a
`\\b` or `\\w` look-around would miss the number or the name next to them.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# ---- arXiv ids (new style, 2007+: YYMM.NNNNN, optional version) -------------------------------------
ARXIV_ID = r"(\d{4}\.\d{4,5})(?:v\d+)?"
_ARXIV_ANYWHERE = re.compile(r"(?<![\d.])" + ARXIV_ID + r"(?![\d])")


def arxiv_ids_in(text: str) -> list[str]:
    """arXiv ids (without version) in order of appearance, each once."""
    return list(dict.fromkeys(m.group(1) for m in _ARXIV_ANYWHERE.finditer(text)))


def arxiv_id_in(text: str) -> str | None:
    ids = arxiv_ids_in(text)
    return ids[0] if ids else None


# ---- numbers ----------------------------------------------------------------------------------------
NUMBER = re.compile(r"(?<![A-Za-z0-9.])\d+(?:[.,]\d+)*")


def number_list(text: str) -> list[str]:
    """The numbers a text states, in order, thousands separators removed ("534,700" -> "534700"); full-width
    digits and numbers written against Japanese text ("精度は９３．３%で") count alike. The one number
    reader of answers, reports and their checks."""
    return [n.replace(",", "") for n in NUMBER.findall(unicodedata.normalize("NFKC", text))]


def numbers_in(text: str) -> set[str]:
    return set(number_list(text))


# Units by kind: a number supports a claim only with a unit of the same kind ("200 samples" is no support for
# "200MB", a "32B" model no support for "32GB"). Single letters are case-sensitive (B, M, K, T: magnitudes).
_UNIT_KINDS = {
    "percent": "% percent pct pp point points パーセント ポイント",
    "memory": "kb mb gb tb pb kib mib gib tib byte bytes バイト",
    "magnitude": "B M K T bn billion billions million millions thousand trillion trillions 億 万 兆 千",
    "hours": "h hr hrs hour hours 時間", "days": "day days 日 日間", "weeks": "week weeks 週 週間",
    "months": "month months ヶ月 か月 カ月", "minutes": "min mins minute minutes 分 分間",
    "seconds": "s sec secs second seconds 秒", "milliseconds": "ms ミリ秒",
    "times": "x × times fold 倍", "devices": "gpu gpus tpu tpus npu npus accelerators nodes",
    "tokens": "token tokens トークン",
    "items": "samples sample examples images videos pairs instances problems questions prompts documents "
             "件 サンプル 個 問 枚",
}
_UNIT_KIND = {unit: kind for kind, units in _UNIT_KINDS.items() for unit in units.split()}
_JA_UNITS = sorted((u for u in _UNIT_KIND if not u.isascii()), key=len, reverse=True)
_QUANTITY = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:[.,]\d+)*)\s?(" + "|".join(map(re.escape, _JA_UNITS))
                       + r"|[%×]|[A-Za-z]+)?")
BARE = ""  # no unit after the number, or a word that is no unit ("88.9 on MiniF2F"): compatible with any


def _unit_kind(unit: str | None) -> str:
    if not unit:
        return BARE
    return _UNIT_KIND.get(unit) or _UNIT_KIND.get(unit.lower() if len(unit) > 1 else unit) or BARE


def quantity_list(text: str) -> list[tuple[str, str]]:
    """(number, unit kind) pairs a text states, in order: the kind of the unit right after each number
    ("32GB" memory, "32B" magnitude, "200 samples" items), BARE for none."""
    text = unicodedata.normalize("NFKC", text)
    return [(m.group(1).replace(",", ""), _unit_kind(m.group(2))) for m in _QUANTITY.finditer(text)]


_UNITS_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty").split()
_NUMBER_WORD = {word: str(n) for n, word in enumerate(_UNITS_WORDS)} | \
    {word: str(10 * n) for n, word in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), start=3)}
_SPELLED = re.compile(r"\b(" + "|".join(_NUMBER_WORD) + r")\b(?!-(?:one|two|three|four|five|six|seven|eight|nine)\b)"
                      r"(?:[\s-]([A-Za-z]+))?", re.I)  # "ten times", "three-fold"; not the forty of "forty-two"


# a thousands comma followed by a space ("222, 066 code files", "200, 000 hours"): PyMuPDF's text of a thin space
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:, \d{3})+(?!\d|\.\d)")


class Quantities:
    """What a source text can support: its numbers, each with the unit kinds it is written with; a number the
    source spells out supports its digits ("ten times" supports 「10 回」), one printed with a space after its
    thousands comma ("222, 066") supports the number ("222,066": the value check had called it the model's own)."""

    def __init__(self, text: str):
        self.kinds: dict[str, set[str]] = {}
        spelled = [(_NUMBER_WORD[m.group(1).lower()], _unit_kind(m.group(2))) for m in _SPELLED.finditer(text)]
        spaced = [(m.group(0).replace(", ", ""), BARE)
                  for m in _SPACED_THOUSANDS.finditer(unicodedata.normalize("NFKC", text))]
        for number, kind in quantity_list(text) + spelled + spaced:
            self.kinds.setdefault(number, set()).add(kind)

    def supports(self, number: str, kind: str) -> bool:
        """The source states the number with no unit or the same kind of unit (any, for a claim with none)."""
        kinds = self.kinds.get(number)
        return kinds is not None and (kind == BARE or BARE in kinds or kind in kinds)

    def unsupported(self, claim: str) -> list[str]:
        """The numbers of `claim` the source does not state with that unit, in order ("200MB", "8")."""
        text = unicodedata.normalize("NFKC", claim)
        missing = [m.group(0).strip() if _unit_kind(m.group(2)) != BARE else m.group(1)  # "0.2", not "0.2 and"
                   for m in _QUANTITY.finditer(text)
                   if not self.supports(m.group(1).replace(",", ""), _unit_kind(m.group(2)))]
        return list(dict.fromkeys(missing))


# ---- sentences --------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")
_ABBREVIATION = re.compile(r"(?:\bet al|\be\.g|\bi\.e|\bFig|\bFigs|\bEq|\bSec|\bTab|\bvs|\bcf|\bapprox|\bNo)\.$")


def split_sentences(text: str) -> list[str]:
    """Sentences, not split after "et al.", "e.g.", "Fig." and the like (citations stay whole)."""
    sentences: list[str] = []
    for piece in (s.strip() for s in _SENTENCE_END.split(text)):
        if not piece:
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def clip(text: str, limit: int, ellipsis: str = " …") -> str:
    """One line of at most about `limit` characters, cut at a space where there is one."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut) + ellipsis


# ---- comparison forms -------------------------------------------------------------------------------
def fold(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: how facts are matched in answers and passages."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def normalized(text: str) -> str:
    """Letters and digits only, case-folded: survives line breaks, hyphenation and spacing (quote checks)."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


# ---- BM25 tokens ------------------------------------------------------------------------------------
_LATIN = re.compile(r"\d+(?:\.\d+)+|[a-z0-9]+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_STOP = frozenset(STOPWORDS_EN)
_stemmer = Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """NFKC-lowercased Latin words (English stopwords out, Snowball-stemmed), decimals kept whole
    ("93.3"), CJK runs as character bigrams so Japanese is searchable too."""
    text = unicodedata.normalize("NFKC", text).lower()
    tokens = _stemmer.stemWords([t for t in _LATIN.findall(text) if t not in _STOP])
    for run in CJK.findall(text):
        tokens.extend([run[i : i + 2] for i in range(len(run) - 1)] or [run])
    return tokens


# ---- prompt injection ------------------------------------------------------------------------------
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:(?:all|any|the|your|of|everything|my)\s+){0,3}"
    r"(?:(?:previous|prior|above|earlier|preceding|former|system)\s+){0,2}"
    r"(?:instructions?|prompts?|rules|directions|guidelines|messages)\b"
    r"|\b(?:print|reveal|show|repeat|output)\s+(?:\w+\s+){0,2}(?:system|hidden) prompt\b"
    r"|\bsystem override\b|\byou are now (?:a|an|in)\b|\b(?:reply|respond|answer)\s+(?:\w+\s+){0,2}only with\b"
    r"|(?:以前|これまで|上記|前|全て|すべて)の指示を(?:すべて|全て)?(?:無視|忘れ)|指示を(?:すべて|全て)?無視し"
    r"|システムプロンプトを(?:表示|出力|教え)", re.I)


def looks_like_instruction(text: str) -> bool:
    """Text worded as a command to an AI assistant (a prompt injection), in English or Japanese."""
    return bool(_INSTRUCTION.search(text))


# ---- language ---------------------------------------------------------------------------------------
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def language_of(text: str) -> str:
    """'ja' for text with any kana or kanji, else 'en' (the two languages the app answers in)."""
    return "ja" if _JAPANESE.search(text) else "en"


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # Han characters (kanji, hanzi)


@lru_cache(maxsize=4096)
def _simplified_only(char: str) -> bool:
    try:
        char.encode("cp932")
        return False
    except UnicodeEncodeError:
        pass
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def simplified_glyphs(text: str) -> list[str]:
    """The simplified-Chinese-only characters of `text` (a Han character that GB2312 has and Japanese cp932 has
    not: 们, 这, 选), in order, repeats kept: Chinese slipped into Japanese."""
    return [c for c in HAN.findall(text) if _simplified_only(c)]
