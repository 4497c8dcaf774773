"""dedup.normalize: matching tokens with exact offsets back into the text.

Examples pin the folding rules (figures and masks, width, case, stems, punctuation); the
property tests check the offsets on arbitrary text and compare the tokeniser with a slow,
obvious reference on a small alphabet where every rule applies.
"""

from __future__ import annotations

import itertools
import unicodedata

import numpy as np
import pytest
import snowballstemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import FIGURE, Tokens, fold_char, normalize, token_weight


def pieces(text: str) -> list[str]:
    """The original text of every token."""
    t = normalize(text)
    return [text[s:e] for s, e in zip(t.starts.tolist(), t.ends.tolist(), strict=True)]


def check_offsets(text: str, t: Tokens) -> None:
    n = len(t.text)
    assert len(t.starts) == len(t.ends) == len(t.is_word) == n
    assert len(t.word_prefix) == n + 1
    assert t.starts.dtype == np.int32 and t.ends.dtype == np.int32  # compact offsets
    if n:
        assert t.starts[0] >= 0 and t.ends[-1] <= len(text)
        assert (t.starts < t.ends).all()
        assert (np.diff(t.starts) > 0).all(), "starts strictly increasing"
        assert (t.ends[:-1] <= t.starts[1:]).all(), "tokens do not overlap"
    assert t.word_prefix[0] == 0
    assert (np.diff(t.word_prefix) == t.is_word.astype(np.int64)).all()
    assert t.weight() == token_weight(t.text) == n + int(t.is_word.sum())


# --- figures and masks --------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("2022年增长5%", "2023年增长**%"),
    ("增长5.2%", "增长12%"),
    ("投资1,234亿元", "投资5亿元"),
    ("投资××亿元", "投资3亿元"),
    ("XX县", "12县"),
    ("Ｘ县", "*县"),
    ("增长１２％", "增长12%"),
    ("第3章", "第X章"),
    ("□□万元", "99万元"),
])
def test_figures_and_masks_fold_to_one_token(a: str, b: str) -> None:
    assert normalize(a).text == normalize(b).text
    assert FIGURE in normalize(a).text


@pytest.mark.parametrize(("text", "expected"), [
    ("5.2%", ["5.2"]),
    ("1,234", ["1,234"]),
    ("××", ["××"]),
    ("2022年", ["2022", "年"]),
    ("3.", ["3"]),          # a trailing full stop is punctuation, not a decimal point
    (".5", ["5"]),
    ("1..2", ["1", "2"]),   # two separators: not one figure
])
def test_figure_token_boundaries(text: str, expected: list[str]) -> None:
    assert pieces(text) == expected
    assert set(normalize(text).text) - set("年") == {FIGURE}


def test_x_inside_a_word_is_a_letter_not_a_mask() -> None:
    xbox = normalize("Xbox")
    assert len(xbox) == 1 and bool(xbox.is_word[0]) and xbox.text != FIGURE
    assert normalize("XXL").text != FIGURE
    assert normalize("XX县").text == FIGURE + "县"
    assert normalize("Xbox").text != normalize("12box").text


# --- width, case, stems, punctuation ------------------------------------------------------


def test_width_and_case_folding() -> None:
    assert normalize("ＡＢＣ").text == normalize("abc").text == normalize("ABC").text
    assert normalize("１２３").text == normalize("123").text == FIGURE
    assert normalize("ＡＢＣ  abc").text == normalize("abc ABC").text
    assert fold_char("\uf900") == "\u8c48"  # compatibility ideograph -> unified


def test_words_are_stemmed() -> None:
    assert normalize("runs").text == normalize("running").text == normalize("Run").text
    assert normalize("policies").text == normalize("policy").text
    assert normalize("run").text != normalize("walk").text


PUNCTUATION = "，。、；：？！“”‘’《》（）【】—…·,.;:?!\"'()[] \t\n\r\u3000\u00a0"


@pytest.mark.parametrize("ch", list(PUNCTUATION))
def test_punctuation_and_whitespace_are_dropped(ch: str) -> None:
    assert fold_char(ch) == ""
    assert normalize(f"增长{ch}发展").text == normalize("增长发展").text


def test_mixed_chinese_and_english() -> None:
    text = "中国China发展，GDP增长5%。"
    t = normalize(text)
    assert pieces(text) == ["中", "国", "China", "发", "展", "GDP", "增", "长", "5"]
    assert t.is_word.tolist() == [False, False, True, False, False, True, False, False, False]
    assert t.text[:2] == "中国" and t.text[-1] == FIGURE
    assert t.weight() == 9 + 2


def test_empty_and_punctuation_only() -> None:
    for text in ("", "  \n", "，。！"):
        t = normalize(text)
        assert t.text == "" and len(t.word_prefix) == 1
        check_offsets(text, t)


def test_offsets_map_back_to_the_original_token() -> None:
    text = "２０２２年，Ｗe run\u3000Runs! 增长5.2%"
    t = normalize(text)
    check_offsets(text, t)
    assert pieces(text) == ["２０２２", "年", "Ｗe", "run", "Runs", "增", "长", "5.2"]
    assert t.text[3] == t.text[4]  # run / Runs share a stem


def test_weight_counts_words_twice() -> None:
    t = normalize("two words 四个")
    assert t.weight() == 6
    assert t.weight(0, 1) == 2 and t.weight(2, 4) == 2 and t.weight(3, 3) == 0
    assert token_weight(t.text) == 6


# --- properties ---------------------------------------------------------------------------


def _not_reserved(c: str) -> bool:
    """Planes 4-13 are unassigned; normalize reserves them for word tokens."""
    return not 0x40000 <= ord(c) < 0xE0000


#: Any code point, lone surrogates included (text decoded with surrogateescape has them).
ARBITRARY = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()).filter(_not_reserved),
            max_size=60),
    st.text(alphabet=st.characters().filter(_not_reserved), max_size=60),
)
SMALL = st.text(alphabet="中国发展年增长ab XxRr*×.,，。１２3Ａ-", max_size=40)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(ARBITRARY, SMALL))
def test_offsets_invariants_on_any_text(text: str) -> None:
    t = normalize(text)
    check_offsets(text, t)
    for i, (s, e) in enumerate(zip(t.starts.tolist(), t.ends.tolist(), strict=True)):
        piece = text[s:e]
        assert piece and not piece[0].isspace() and not piece[-1].isspace()
        # A token re-read on its own is the same token.
        assert normalize(piece).text == t.text[i], (piece, t.text[i])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(ARBITRARY, SMALL))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text).text
    twice = normalize(once)
    assert twice.text == once
    # Word tokens re-read are single characters, but weigh the same.
    assert token_weight(once) == normalize(text).weight()


def test_normalize_is_idempotent_on_adjacent_figures() -> None:
    once = normalize("2022-2023年").text
    assert once == FIGURE * 2 + "年"
    assert normalize(once).text == once


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
SEPARATORS = st.text(alphabet=" \t\n\r\u3000，。、；：？！“”《》（）—…,.;:!?\"'", max_size=3)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(CJK, SEPARATORS), max_size=30))
def test_whitespace_and_punctuation_do_not_change_cjk_tokens(parts: list[tuple[str, str]]) -> None:
    plain = "".join(c for c, _ in parts)
    spaced = "".join(c + sep for c, sep in parts)
    assert normalize(spaced).text == normalize(plain).text == plain
    assert pieces(spaced) == list(plain)


# A slow, obvious tokeniser for a small alphabet, written from the module docstring.
_REF_ALPHABET = "中国年县ab XxRr*×.,，。１２3Ａ"
_STEM = snowballstemmer.stemmer("english")


def _ref_class(ch: str) -> str:
    f = unicodedata.normalize("NFKC", ch)
    if ch in ".,":
        return "sep"
    if f in "*×":
        return "fig"
    if f in "Xx":
        return "x"
    if f.isdigit():
        return "fig"
    if "\u4e00" <= f <= "\u9fff":
        return "cjk"
    if f.isalpha():
        return "letter"
    return "other"


def reference_tokens(text: str) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, key) per token; key is what equal tokens share."""
    cls = [_ref_class(c) for c in text]
    resolved = list(cls)
    i = 0
    while i < len(text):  # an X run touching a letter is part of a word, else a mask
        if cls[i] == "x":
            j = i
            while j < len(text) and cls[j] == "x":
                j += 1
            touch = (i > 0 and cls[i - 1] == "letter") or (j < len(text) and cls[j] == "letter")
            for m in range(i, j):
                resolved[m] = "letter" if touch else "fig"
            i = j
        else:
            i += 1
    final = list(resolved)
    for i, c in enumerate(cls):
        if c == "sep":
            between = 0 < i < len(text) - 1 and resolved[i - 1] == "fig" == resolved[i + 1]
            final[i] = "fig" if between else "other"
    out: list[tuple[str, int, int, str]] = []
    i = 0
    while i < len(text):
        c = final[i]
        if c == "other":
            i += 1
        elif c == "cjk":
            out.append(("cjk", i, i + 1, text[i]))
            i += 1
        else:
            j = i
            while j < len(text) and final[j] == c:
                j += 1
            word = unicodedata.normalize("NFKC", text[i:j]).lower()
            out.append((c, i, j, _STEM.stemWord(word) if c == "letter" else FIGURE))
            i = j
    return out


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(alphabet=_REF_ALPHABET, max_size=30), st.text(alphabet=_REF_ALPHABET, max_size=30))
def test_normalize_agrees_with_the_reference(x: str, y: str) -> None:
    tx, ty = normalize(x), normalize(y)
    rx, ry = reference_tokens(x), reference_tokens(y)
    for text, t, ref in ((x, tx, rx), (y, ty, ry)):
        assert [(s, e) for _, s, e, _ in ref] == list(
            zip(t.starts.tolist(), t.ends.tolist(), strict=True)), text
        assert [k == "letter" for k, *_ in ref] == t.is_word.tolist()
        for (kind, _, _, key), tok in zip(ref, t.text, strict=True):
            if kind != "letter":
                assert tok == key
    # Two words get the same token exactly when their stems agree (across texts too).
    words_x = [(key, tok) for (k, _, _, key), tok in zip(rx, tx.text, strict=True) if k == "letter"]
    words_y = [(key, tok) for (k, _, _, key), tok in zip(ry, ty.text, strict=True) if k == "letter"]
    for kx, ox in words_x:
        for ky, oy in words_y:
            assert (kx == ky) == (ox == oy), (kx, ky)


def test_unspaced_ranges_do_not_overlap() -> None:
    """_in_unspaced binary-searches them."""
    from dedup.normalize import _UNSPACED_RANGES, _in_unspaced

    ranges = sorted(_UNSPACED_RANGES)
    assert all(lo <= hi for lo, hi in ranges)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))
    for lo, hi in ranges:
        assert _in_unspaced(lo) and _in_unspaced(hi)
        assert not _in_unspaced(lo - 1) or any(x <= lo - 1 <= y for x, y in ranges)
