"""Text decoding: BOMs, UTF-8, UTF-16, GB18030/GBK vs Big5, other CJK, cp1252, binary."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_fixtures import ELF_BYTES, ENGLISH, PNG_BYTES, ZH_SIMPLIFIED, ZH_TRADITIONAL

from dedup.ingest.cjk import guess_cjk
from dedup.ingest.decode import decode_text
from dedup.ingest.failure import BinaryContent, Unreadable

SEEDS = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
SEED_TEXT = "".join(p.read_text(encoding="utf-8") for p in SEEDS) or ZH_SIMPLIFIED * 20
JAPANESE = (
    "本日は晴天なり。政府は今年の経済成長率を三パーセントと見込んでいます。"
    "国民の皆様に感謝申し上げます。"
)
KOREAN = (
    "안녕하세요. 오늘은 날씨가 좋습니다. 정부는 올해 경제 성장률을 3퍼센트로 전망했습니다. "
    "감사합니다."
)
FRENCH = (
    "Le gouvernement a présenté son rapport annuel : les dépenses ont augmenté de 5 %, "
    "« modérée »."
)


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (ZH_SIMPLIFIED.encode(), ZH_SIMPLIFIED, "utf-8"),
        (codecs.BOM_UTF8 + ZH_SIMPLIFIED.encode(), ZH_SIMPLIFIED, "utf-8-sig"),
        (ZH_SIMPLIFIED.encode("utf-16"), ZH_SIMPLIFIED, "utf-16"),
        (codecs.BOM_UTF16_BE + ZH_SIMPLIFIED.encode("utf-16-be"), ZH_SIMPLIFIED, "utf-16"),
        (codecs.BOM_UTF16_LE + ENGLISH.encode("utf-16-le"), ENGLISH, "utf-16"),
        (ZH_SIMPLIFIED.encode("utf-32"), ZH_SIMPLIFIED, "utf-32"),
        (codecs.BOM_UTF32_BE + ENGLISH.encode("utf-32-be"), ENGLISH, "utf-32"),
        (("第一行\n" + ZH_SIMPLIFIED).encode("utf-16-le"), "第一行\n" + ZH_SIMPLIFIED, "utf-16-le"),
        (("第一行\n" + ZH_SIMPLIFIED).encode("utf-16-be"), "第一行\n" + ZH_SIMPLIFIED, "utf-16-be"),
        (ENGLISH.encode("utf-16-le"), ENGLISH, "utf-16-le"),
        (ZH_SIMPLIFIED.encode("gb18030"), ZH_SIMPLIFIED, "gb18030"),
        (ZH_SIMPLIFIED.encode("gbk"), ZH_SIMPLIFIED, "gb18030"),
        (ZH_TRADITIONAL.encode("big5"), ZH_TRADITIONAL, "big5"),
        (JAPANESE.encode("shift_jis"), JAPANESE, "shift_jis"),
        (JAPANESE.encode("euc_jp"), JAPANESE, "euc_jp"),
        (KOREAN.encode("euc_kr"), KOREAN, "euc_kr"),
        (FRENCH.encode("cp1252"), FRENCH, "cp1252"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 12 else "",
)
def test_round_trip(data: bytes, text: str, encoding: str) -> None:
    decoded = decode_text(data)
    assert (decoded.text, decoded.encoding, decoded.notes) == (text, encoding, ())


@pytest.mark.parametrize("codec", ["utf-8", "utf-16", "gb18030", "big5"])
def test_crlf_is_not_translated(codec: str) -> None:
    text = "一、总体要求\r\n二、主要任务\r\n三、保障措施\r\n坚持稳中求进\r\n"
    if codec == "big5":
        text = "一、總體要求\r\n二、主要任務\r\n三、保障措施\r\n堅持穩中求進\r\n"
    decoded = decode_text(text.encode(codec))
    assert decoded.text == text
    assert decoded.text.count("\r\n") == 4


def _windows(text: str, length: int, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        start = rng.randrange(len(text) - length)
        window = text[start : start + length]
        if any(ord(ch) > 0x7F for ch in window):
            out.append(window)
    return out


@pytest.mark.parametrize("length", [1, 2, 3, 4, 6, 8, 12, 20, 40, 200])
@pytest.mark.parametrize(
    ("source", "codec", "expected"),
    [("simplified", "gbk", "gb18030"), ("simplified", "gb18030", "gb18030"),
     ("traditional", "big5", "big5")],
)
def test_chinese_windows_are_right_or_refused(
    source: str, codec: str, expected: str, length: int
) -> None:
    """Short Chinese texts are decoded correctly or refused, never decoded wrongly."""
    text = SEED_TEXT if source == "simplified" else ZH_TRADITIONAL * 3
    right = refused = 0
    for window in _windows(text, length, 60, seed=length):
        try:
            data = window.encode(codec)
        except UnicodeEncodeError:
            continue
        try:
            decoded = decode_text(data)
        except Unreadable as exc:
            assert "UTF-8" in exc.reason
            refused += 1
            continue
        assert decoded.text == window, (window, decoded)
        assert decoded.encoding in (expected, "utf-8")  # utf-8 only for ASCII-only windows
        right += 1
    if length >= 20:
        assert refused <= 3  # a real paragraph is always recognised
    if length >= 8 and codec == "big5":
        assert refused == 0


def test_gbk_and_big5_of_the_same_sentence_are_told_apart() -> None:
    simplified = "过去一年，全市经济运行稳中有进。"
    traditional = "過去一年，全市經濟運行穩中有進。"
    assert decode_text(simplified.encode("gbk")).encoding == "gb18030"
    assert decode_text(traditional.encode("big5")).encoding == "big5"
    assert decode_text(traditional.encode("gb18030")).text == traditional


@pytest.mark.parametrize("text", ["中文", "报告", "總結", "様"])
def test_too_short_to_tell_is_refused_with_a_hint(text: str) -> None:
    for codec in ("gbk", "big5", "shift_jis"):
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            continue
        with pytest.raises(Unreadable, match="convert the file to UTF-8"):
            decode_text(data)


def test_other_languages_are_not_read_as_chinese() -> None:
    assert guess_cjk(JAPANESE.encode("shift_jis")).encoding == "shift_jis"
    assert guess_cjk(KOREAN.encode("euc_kr")).encoding == "euc_kr"
    assert guess_cjk(FRENCH.encode("cp1252")).encoding is None


def test_invalid_utf8_bytes_are_replaced_and_noted() -> None:
    data = ZH_SIMPLIFIED.encode() + b"\xff\xfe\xfa" + ENGLISH.encode()
    decoded = decode_text(data)
    assert decoded.encoding == "utf-8"
    assert decoded.text == ZH_SIMPLIFIED + "\ufffd" * 3 + ENGLISH
    assert decoded.notes == ("3 invalid UTF-8 bytes replaced with U+FFFD",)


def test_utf8_cut_off_mid_character_is_still_utf8() -> None:
    decoded = decode_text(ZH_SIMPLIFIED.encode()[:-1])
    assert decoded.encoding == "utf-8"
    assert decoded.text.endswith("\ufffd")
    assert decoded.notes


def test_nul_bytes_in_text_are_replaced_and_noted() -> None:
    decoded = decode_text(ZH_SIMPLIFIED.encode() + b"\x00\x00" + ENGLISH.encode())
    assert decoded.text == ZH_SIMPLIFIED + "\ufffd\ufffd" + ENGLISH
    assert decoded.notes == ("2 NUL characters replaced with U+FFFD",)


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PNG_BYTES, "PNG image"), (ELF_BYTES, "ELF executable"),
     (random.Random(1).randbytes(4000), "binary data"),
     (b"\x00\x01\x02\x03" * 100, "binary data"), (b"%PDF-1.4\n%\xe2\xe3", "PDF document")],
)
def test_binary_is_refused(data: bytes, kind: str) -> None:
    with pytest.raises(BinaryContent) as info:
        decode_text(data)
    assert info.value.kind == kind
    assert "binary" in info.value.reason


def test_empty_is_refused() -> None:
    with pytest.raises(Unreadable, match="empty file"):
        decode_text(b"")


def test_long_legacy_file_is_sampled_but_fully_decoded() -> None:
    text = (SEED_TEXT + "\n") * 12  # > the 64 KiB sample
    data = text.encode("gb18030")
    assert len(data) > 64 * 1024
    assert decode_text(data).text == text


# Each alphabet is what the encoding can hold, so every drawn text can be encoded.
_GB = st.text(st.characters(codec="gb18030", exclude_categories=("Cs",)), min_size=1)
_UTF = st.text(st.characters(exclude_categories=("Cs",)), min_size=1)


@settings(max_examples=150, deadline=None)
@given(_UTF)
def test_any_text_round_trips_through_utf8_and_utf16_bom(text: str) -> None:
    for codec, name in (("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")):
        if codec == "utf-16" and text.startswith("\x00"):
            continue  # FF FE 00 00 is the UTF-32 BOM: genuinely ambiguous, read as UTF-32
        try:
            decoded = decode_text(text.encode(codec))
        except Unreadable as exc:
            assert "binary" in exc.reason  # text made mostly of control characters
            continue
        assert decoded.encoding == name
        assert decoded.text == text.replace("\x00", "\ufffd")


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1))
def test_any_text_round_trips_through_plain_utf8(text: str) -> None:
    try:
        decoded = decode_text(text.encode("utf-8", errors="surrogatepass"))
    except Unreadable:
        return  # binary-looking, or a lone surrogate (invalid UTF-8) too short to call
    if decoded.encoding == "utf-8" and not decoded.notes:
        assert decoded.text == text


@settings(max_examples=150, deadline=None)
@given(_GB)
def test_gb18030_is_decoded_right_or_refused(text: str) -> None:
    """Arbitrary GB18030 text is never silently decoded into something else."""
    data = text.encode("gb18030")
    try:
        decoded = decode_text(data)
    except Unreadable:
        return
    if decoded.notes:
        return  # U+FFFD marks what was not understood
    assert decoded.text.encode(decoded.encoding) == data or decoded.text == text
