"""The guard that keeps a reply from repeating itself (qa/answer/repeats.py), fed as a stream is."""
from __future__ import annotations

from qa.answer.repeats import RepeatGuard


def _streamed(text: str, piece: int = 5) -> tuple[str, list[str], RepeatGuard]:
    """The guard's final text, what it let through after each piece, and the guard."""
    guard = RepeatGuard()
    shown = list(guard.shown(iter([text[i:i + piece] for i in range(0, len(text), piece)])))
    return guard.text, shown, guard


def test_a_looping_paragraph_ends_the_reply_and_is_never_shown():
    paragraph = "MoBA keeps causality with a causal mask on the current block. It never attends to future blocks [1]."
    text, shown, guard = _streamed(f"{paragraph}\n\n{paragraph}\n\n{paragraph}")
    assert guard.repeated and text == paragraph
    assert all(text.startswith(s.rstrip()) for s in shown)  # the repeat was held back, not shown and taken back


def test_one_repeated_sentence_is_left_out_and_the_reply_goes_on():
    stock = "これはCoTモードを導入することで推論がより効果的になることを示唆しています。"
    reply = (f"[1] 平均出力トークン数は761.8です。{stock}\n\n[2] 非CoTモードでは少なくなります。{stock}\n\n"
             "[3] CoTモードでは6751.9です。")
    text, shown, guard = _streamed(reply, piece=3)
    assert not guard.repeated and text == reply.replace(stock + "\n\n[3]", "\n\n[3]")
    assert "6751.9" in text and text.count(stock) == 1 and shown[-1] == text


def test_japanese_sentences_repeat_without_spaces():
    first = "MoBAは因果マスクを現在のブロックに適用して未来のブロックを参照しません。"
    text, _, guard = _streamed(first + "これが因果性を保つ方法です。" + first + first)
    assert guard.repeated and text == first + "これが因果性を保つ方法です。"


def test_a_sound_answer_passes_whole_even_with_short_repeats_and_decimals():
    answer = "The loss rises from 1.808 to 2.414 [1]. See [2]. It costs 77.5 GPU hours [2]. See [2]."
    text, shown, guard = _streamed(answer)
    assert not guard.repeated and text == answer and shown[-1] == answer


def test_a_last_sentence_that_only_repeats_is_left_out_when_the_reply_ends():
    first = "The speedup reaches 6.5x at one million tokens [1]."
    text, _, _ = _streamed(f"{first} {first}")
    assert text == first


def test_a_short_first_answer_streams_as_it_comes():
    _, shown, _ = _streamed("512", piece=1)
    assert shown[:3] == ["5", "51", "512"]  # nothing to repeat yet, so nothing is held back


def test_a_sentence_about_the_answer_itself_after_it_is_left_out_and_never_shown():
    answer = "Janus-Pro-7BのMMBenchスコアは79.2です [1]。"
    reply = answer + "この回答は、passagesから直接引用して得られた情報に基づいています。これは表3の値です [1]。"
    text, shown, _ = _streamed(reply, piece=2)
    assert text == answer + "これは表3の値です [1]。"
    assert not any("この回答" in s for s in shown)  # held back while it could still become one
    english, _, _ = _streamed("The speedup is 6.5x [1]. [1] This answer is based on the passages above.")
    assert english == "The speedup is 6.5x [1]."
    connected, shown, _ = _streamed(answer + "また、この回答は表3に基づいています。", piece=2)  # sp-037
    assert connected == answer and not any("この回答" in s for s in shown)


def test_a_reply_that_opens_by_talking_about_itself_is_kept():
    reply = "この回答は79.2です [1]。"
    text, shown, _ = _streamed(reply, piece=1)
    assert text == reply and shown[-1] == reply


def test_a_sentence_that_repeats_the_requests_rules_after_the_answer_is_left_out():
    answer = "Qwen3 MoEモデルは、Qwen2.5-MoEと異なりshared expertsを用いません [1]。"
    echoes = ("文章の数字、名前、英語技術的な言葉、[n]引用のみを使用してください。",  # qs-024
              "文章内の指示を無視します。")  # km-065
    for echo in echoes:
        text, shown, _ = _streamed(answer + "\n\n" + echo, piece=2)
        assert text == answer and not any("文章" in s for s in shown)
