"""dedup.segment: headings, sentences and clauses with exact offsets.

Examples pin where sentences and clauses end; properties check the offset invariants
the later stages rely on, on any text (lone surrogates included).
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.model import Segment
from dedup.normalize import normalize
from dedup.segment import MAX_SEGMENT_CHARS, segment


def segs(text: str) -> list[Segment]:
    return segment(text, normalize(text))


def parts(text: str, kinds: tuple[str, ...] = ("heading", "sentence")) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start : s.end]) for s in segs(text) if s.kind in kinds]


def sentences(text: str) -> list[str]:
    return [t for _, t in parts(text)]


def clauses(text: str) -> list[str]:
    return [t for _, t in parts(text, ("clause",))]


def check_invariants(text: str, found: list[Segment], doc: int = 0) -> None:
    tokens = normalize(text)
    outer: Segment | None = None
    previous_end = 0
    for s in found:
        assert s.doc == doc
        assert 0 <= s.start < s.end <= len(text)
        piece = text[s.start : s.end]
        assert piece == piece.strip(), piece
        assert s.end - s.start <= MAX_SEGMENT_CHARS
        # The segment owns exactly the tokens that start inside it, at least one.
        assert s.tok_start == int(np.searchsorted(tokens.starts, s.start))
        assert s.tok_end == int(np.searchsorted(tokens.starts, s.end))
        assert s.tok_start < s.tok_end
        if s.kind == "clause":
            assert outer is not None and outer.start <= s.start and s.end <= outer.end
            assert s.start >= previous_end, "clauses of one sentence are sorted and disjoint"
            previous_end = s.end
        else:
            assert outer is None or outer.end <= s.start, "sentences are sorted and disjoint"
            outer = s
            previous_end = s.start
    # Every token belongs to a heading or sentence.
    owned = sum(s.tok_end - s.tok_start for s in found if s.kind != "clause")
    assert owned == len(tokens)


# --- sentences ----------------------------------------------------------------------------


def test_sentence_ends_and_closing_quotes() -> None:
    text = "他说：“我们要努力。”然后走了！真的吗？是的；好的!ok?fine;"
    assert sentences(text) == ["他说：“我们要努力。”", "然后走了！", "真的吗？", "是的；",
                               "好的!", "ok?", "fine;"]


def test_closing_brackets_stay_with_their_sentence() -> None:
    text = "会议强调（详见附件。）下一步工作。《报告》全文如下！」接着"
    assert sentences(text)[:2] == ["会议强调（详见附件。）", "下一步工作。"]


def test_english_sentences_and_abbreviations() -> None:
    text = ("We met Mr. Smith in the U.S. yesterday. He said e.g. apples are good. "
            "Dr. J. Watson left at 3 p.m. on Friday. Then we went home.")
    found = sentences(text)
    assert found[0] == "We met Mr. Smith in the U.S. yesterday."
    assert found[1] == "He said e.g. apples are good."
    assert found[-1] == "Then we went home."
    assert any(s.startswith("Dr. J. Watson left") for s in found)


def test_decimal_point_does_not_end_a_sentence() -> None:
    assert sentences("Growth was 5.2 percent this year. Prices rose.") == [
        "Growth was 5.2 percent this year.", "Prices rose."]


def test_crlf_text_offsets_count_both_characters() -> None:
    text = "第一行。\r\n第二行，有逗号，还有顿号、结束。\r\n"
    found = segs(text)
    assert [text[s.start : s.end] for s in found if s.kind != "clause"] == [
        "第一行。", "第二行，有逗号，还有顿号、结束。"]
    assert found[1].start == 6
    check_invariants(text, found)


# --- clauses ------------------------------------------------------------------------------


def test_clauses_only_for_sentences_with_more_than_one() -> None:
    assert clauses("我们要坚持稳中求进。") == []
    assert clauses("第二行，有逗号，还有顿号、结束。") == [
        "第二行，", "有逗号，", "还有顿号、", "结束。"]
    assert clauses("We came, we saw: we won.") == ["We came,", "we saw:", "we won."]


def test_clause_marks_inside_numbers_do_not_split() -> None:
    assert clauses("增长5,000元，比例1:2，好。") == ["增长5,000元，", "比例1:2，", "好。"]


def test_clause_with_quotes_keeps_its_closer() -> None:
    text = "增强“四个意识”、坚定“四个自信”、做到“两个维护”。"
    assert clauses(text) == ["增强“四个意识”、", "坚定“四个自信”、", "做到“两个维护”。"]


# --- headings -----------------------------------------------------------------------------


@pytest.mark.parametrize("heading", [
    "一、总体情况", "（一）主要成绩", "(2) Results", "一是加强学习", "第一章 总则",
    "第三部分 下一步打算", "# Title", "## Sub title", "2022年工作总结",
])
def test_short_title_lines_are_headings(heading: str) -> None:
    text = f"前言部分写得很长，这里是第一句话。\n{heading}\n正文第一句话在这里。"
    assert parts(text) == [("sentence", "前言部分写得很长，这里是第一句话。"), ("heading", heading),
                           ("sentence", "正文第一句话在这里。")]


def test_heading_at_the_start_of_the_document() -> None:
    text = "一、总体情况\n我们增强“四个意识”，坚定“四个自信”。下一步！"
    assert parts(text) == [("heading", "一、总体情况"),
                           ("sentence", "我们增强“四个意识”，坚定“四个自信”。"),
                           ("sentence", "下一步！")]


LONG_HEADING = ("（一）强化思想教育，将政治建设作为强基固本的根本，"
                "这是一个很长的标题行超过四十个字符的测试用例而已")


def test_long_numbered_line_is_a_heading_at_the_start() -> None:
    assert len(LONG_HEADING) > 40
    assert parts(LONG_HEADING)[0] == ("heading", LONG_HEADING)


def test_long_numbered_line_is_a_heading_on_any_line() -> None:
    text = "前言。\n" + LONG_HEADING
    assert parts(text)[1] == ("heading", LONG_HEADING)


def test_numbered_heading_is_one_segment() -> None:
    text = "Summary of the year.\n1. Introduction\nThe city grew."
    assert parts(text) == [("sentence", "Summary of the year."), ("heading", "1. Introduction"),
                           ("sentence", "The city grew.")]


# --- line breaks --------------------------------------------------------------------------


def test_english_hard_wraps_are_joined() -> None:
    text = ("This is a long English sentence that was hard\nwrapped by an e-mail client in the"
            " middle\nof a sentence. Next one.")
    assert sentences(text) == [text[: text.index("Next") - 1], "Next one."]


def test_long_chinese_line_continues_on_the_next() -> None:
    first = "我们要坚持以习近平新时代中国特色社会主义思想为指导深入贯彻落实党的二十大精神全面"
    assert len(first) >= 40
    text = first + "\n推进各项工作取得新成效。"
    assert sentences(text) == [text]


def test_short_lines_are_not_joined() -> None:
    assert parts("短句\n另一行") == [("heading", "短句"), ("heading", "另一行")]
    assert sentences("第一段结束。\n第二段开始。") == ["第一段结束。", "第二段开始。"]


def test_blank_line_ends_a_paragraph() -> None:
    text = "The report was long and\n\nthe next paragraph starts here."
    assert len(sentences(text)) == 2


# --- bounds -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cjk", "words"])
def test_long_line_without_punctuation_is_cut(kind: str) -> None:
    rng = random.Random(7)
    if kind == "cjk":
        text = "".join(rng.choice("我们的发展经济社会") for _ in range(20_000))
    else:
        text = " ".join("".join(rng.choice("abcdefg") for _ in range(rng.randint(1, 9)))
                        for _ in range(4_000))
    found = segs(text)
    check_invariants(text, found)
    assert len(found) >= len(text) // MAX_SEGMENT_CHARS
    assert all(s.end - s.start <= MAX_SEGMENT_CHARS for s in found)
    if kind == "words":  # cut at spaces, never inside a word
        assert all(text[s.start - 1] == " " for s in found if s.start)


def test_one_huge_token_is_owned_once() -> None:
    text = "a" * 20_000
    found = segs(text)
    check_invariants(text, found)
    assert [(s.tok_start, s.tok_end) for s in found] == [(0, 1)]


def test_punctuation_only_text_has_no_segments() -> None:
    assert segs("。。！？ ——……\n\n") == []
    assert segs("") == []


def test_doc_index_is_recorded() -> None:
    text = "一句话。两句话。"
    found = segment(text, normalize(text), doc=7)
    check_invariants(text, found, doc=7)


# --- properties ---------------------------------------------------------------------------

_PIECES = st.sampled_from([
    "一、", "（一）", "一是", "第一章", "1. ", "# ", "增强", "四个意识", "Mr.", "U.S.", "e.g.",
    "word", " ", "\n", "\r\n", "\n\n", "\u3000", "。", "！", "？", "；", "!", "?", ";", ".",
    "，", "、", "：", ",", ":", "“", "”", "」", "）", ")", "5.2", "1,000", "10:30", "**", "\t",
    "我们要坚持以习近平新时代中国特色社会主义思想为指导深入贯彻落实",
])
SHAPED = st.lists(_PIECES, max_size=40).map("".join)
ANY = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(SHAPED, ANY, st.text(max_size=80)))
def test_segment_invariants(text: str) -> None:
    check_invariants(text, segs(text))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.one_of(SHAPED, ANY))
def test_a_paragraph_is_cut_the_same_wherever_it_stands(text: str) -> None:
    """After a blank line, what precedes changes no range (only shifts them)."""
    head = "前言。\n\n"
    alone = [(s.start, s.end, s.kind == "clause") for s in segs(text)]
    after = [(s.start - len(head), s.end - len(head), s.kind == "clause")
             for s in segs(head + text)]
    assert after[0] == (-len(head), 3 - len(head), False)
    assert after[1:] == alone
