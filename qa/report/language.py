"""Is a line of a report written in the report's language?

The 1.5B model drifts: asked in Japanese, it writes whole sections in Chinese ("我们提出了一个…") or English, or
slips Chinese words into Japanese ("指标", "风格不匹配"). Three signs, none needing a model:
- a simplified-only glyph: a Han character that GB2312 has and Japanese (cp932, JIS X 0208 with vendor
  extensions) has not (们, 这, 标, 风, 识); none of the user's seed notes contains one;
- a Han run with no kana around it: Japanese prose needs particles, Chinese has none;
- an English sentence: four or more Latin words and no Japanese at all.
Quotes from the paper (“…”), bold labels and page citations are left out of the check: they are meant to be
English.
"""
from __future__ import annotations

import re

from ingest.text import HAN, simplified_glyphs

# a quote is greedy: it may quote a quote (“As shown, the sequence “How can I”, with …”)
_QUOTED = re.compile(r"“.*”|\"[^\"]*\"|`[^`]*`|\(p\.\d+(?:, p\.\d+)*\)|\[\d+\]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
MIN_CHINESE_HAN = 8  # a kana-less Han run this long is a Chinese sentence, not a Japanese term list
MIN_ENGLISH_WORDS = 4


def checked_part(line: str) -> str:
    """The words of a line that must be in the report's language: quotes, code and citations removed."""
    return _QUOTED.sub(" ", line)


def language_problem(line: str, lang: str) -> str | None:
    """Why `line` is not in `lang` ("chinese", "english", "japanese"), or None when it is."""
    text = checked_part(line)
    if lang == "en":
        return "japanese" if HAN.search(text) or _KANA.search(text) else None
    if simplified_glyphs(text):
        return "chinese"
    japanese = HAN.search(text) or _KANA.search(text)
    if japanese and not _KANA.search(text) and len(HAN.findall(text)) >= MIN_CHINESE_HAN:
        return "chinese"
    if not japanese and len(_LATIN_WORD.findall(text)) >= MIN_ENGLISH_WORDS:
        return "english"
    return None


def japanese_share(text: str) -> float:
    """Japanese characters per Latin letter, hashtags, quotes and citations left out (inf without Latin).
    The user's seed tweets have at least 0.34; "タイトル: ConsisLoRA: Enhancing Content and … 内容: Style transfer
    involves …" has 0.05."""
    text = checked_part(re.sub(r"#\S+", " ", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return (len(HAN.findall(text)) + len(_KANA.findall(text))) / latin if latin else float("inf")


def split_by_language(lines: list[str], lang: str) -> tuple[list[str], list[str]]:
    """(lines in `lang`, lines not)."""
    kept, wrong = [], []
    for line in lines:
        (wrong if language_problem(line, lang) else kept).append(line)
    return kept, wrong
