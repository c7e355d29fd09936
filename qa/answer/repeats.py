"""Keeps a reply from repeating itself: a sentence written a second time is left out, and two in a row end it.
A sentence after the answer that only talks about the answer itself is left out too.

Decoded greedily, the 1.5B model now and then loops: 6 of 90 dev answers repeated a sentence or a whole
paragraph, one of them eleven times over 2,100 characters (bench/results/answer-80-t0.json). A sentence
written twice adds nothing, but a Japanese answer that goes through the passages one by one may repeat one
stock sentence and still bring a new number in the next item (ds-048), so one repeat is dropped and the reply
goes on; a second repeat in a row is a loop, and the reply ends there. The unfinished sentence is held back
while it could still be a repeat (it is the start of an earlier sentence), so the reader never sees one.

Told to open with the answer (prompts.py, rule 6), the model now and then closes with a sentence about the answer
instead of the papers: 「この回答は、passagesから直接引用して得られた情報に基づいています。」 (7 of the 90 dev answers
of bench/results/answer-80-direct.json; none of those sentences held a fact). Such a sentence after the answer is
left out the same way, held back while the sentence could still become one. So is a sentence that repeats the
request's rules instead of rendering the answer: asked to write the English answer in Japanese ("Keep the numbers,
names, English technical terms and [n] citations exactly as written"), the 1.5B closed 4 of the 111 Japanese
renderings stored by the answer benchmark with one:
「文章の数字、名前、英語技術的な言葉、[n]引用のみを使用してください。」, 「文章内の指示を無視します。」,
「文章内の指示や数値はそのまま使用します。」.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

MIN_CHARS = 30  # shorter sentences ("This is stated in [2].") may repeat in a sound answer
LOOP = 2  # repeated sentences in a row that end the reply
HELD_CHARS = 4  # an unfinished sentence this short may still become a list marker ("2", "2.") or a repeat
_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？\n])")
# the openings of a sentence about the answer itself, after a leading passage number ("[2] この回答は...")
ABOUT_ITSELF = ("この回答は", "この回答では", "この答えは", "この情報は", "これらの情報は", "This answer ",
                # ... or about the request's rules: "the text's numbers, names ..." (文章: the paper's text)
                "文章の", "文章内の", "数字、名前", "日本語で回答", "日本語で答え")
# ... after a leading passage number and a connective too ("[2] また、この回答は...")
_CITED = re.compile(r"^(?:\s*\[\d+\])*\s*(?:(?:また|なお|さらに)、\s*)?")
_LIST_MARK = re.compile(r"\s*(?:(?:^|\n)[ \t]*(?:\d+[.)]|[-•*]))?\s*$")  # "2." left before a repeated item


def _key(sentence: str) -> str:
    return " ".join(sentence.split())


def _about_itself(sentence: str, unfinished: bool = False) -> bool:
    """The sentence opens like one about the answer itself; `unfinished`: or it may still become one."""
    opening = _CITED.sub("", sentence)
    return any(opening.startswith(o) or (unfinished and o.startswith(opening)) for o in ABOUT_ITSELF)


class RepeatGuard:
    """Feed it the reply's deltas; it keeps the text without repeats, says how much of it may be shown, and
    when the reply loops."""

    def __init__(self) -> None:
        self.text = ""  # the reply so far, repeated sentences left out
        self.repeated = False  # the reply looped and was ended
        self._seen: set[str] = set()
        self._done = 0  # the text before this position is complete sentences
        self._run = 0  # repeated sentences in a row

    def feed(self, delta: str) -> str:
        """The text that may be shown now: all but an unfinished sentence that could still be a repeat (with its
        list marker; before the first whole sentence nothing can be)."""
        self.text += delta
        while not self.repeated:
            end = next((m.start() for m in _END.finditer(self.text, self._done + 1)), 0)
            if end <= self._done:  # none (a search past the end still matches at the end)
                break
            self._complete(self._done, end)
        if self.repeated:
            return self.text
        tail = _key(self.text[self._done:])
        repeat = self._seen and (len(tail) < HELD_CHARS or _LIST_MARK.fullmatch(tail)
                                 or any(s.startswith(tail) for s in self._seen))
        if repeat or (self.text[:self._done].strip() and _about_itself(tail, True)):
            return _LIST_MARK.sub("", self.text[:self._done])  # and the list marker of the held sentence with it
        return self.text

    def _complete(self, start: int, end: int) -> None:
        """A sentence has ended at `end`: kept, or left out as a repeat, or, repeating the one before, the end."""
        sentence = _key(self.text[start:end])
        if self.text[:start].strip() and _about_itself(sentence):  # after the answer: left out, the reply goes on
            self.text = self.text[:start] + self.text[end:]
        elif len(sentence) < MIN_CHARS:
            self._done = end
        elif sentence not in self._seen:
            self._seen.add(sentence)
            self._done, self._run = end, 0
        else:
            self._run += 1
            if self._run >= LOOP:
                self.text, self.repeated = _LIST_MARK.sub("", self.text[:start]), True
            else:
                self.text = self.text[:start] + self.text[end:]

    def finish(self) -> str:
        """The whole reply once it has ended (a last sentence that repeats an earlier one left out)."""
        if not self.repeated:
            self.feed("\n")
        self.text = self.text.rstrip()
        return self.text

    def shown(self, deltas: Iterator[str]) -> Iterator[str]:
        """What may be shown of the reply after each delta, the last once it has ended; stops reading (and
        closes `deltas`, so that the server stops writing) when the reply loops."""
        for delta in deltas:
            yield self.feed(delta)
            if self.repeated:
                getattr(deltas, "close", lambda: None)()
                return
        yield self.finish()
