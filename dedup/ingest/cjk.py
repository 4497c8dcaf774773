"""Tell GB18030/GBK, Big5, Shift-JIS/EUC-JP and EUC-KR apart by what the text says.

Byte patterns cannot separate them: every Big5 byte pair is also a valid GBK pair, so
Big5 text decodes "successfully" as GB18030 into nonsense, and short GBK text often
decodes as Big5. What does separate them is the characters that come out: real Chinese
text is overwhelmingly made of the few thousand common characters, while a wrong decoding
scatters into rare ideographs, private-use code points, kana and symbols.

"Common" is taken from the encodings' own frequency tiers, so no table is shipped: the
3,755 characters of GB2312 level 1 (rows 0xB0-0xD7) and the 5,401 "frequently used"
characters of Big5 (0xA440-0xC67E). On the seed reports every correctly decoded window
of 1-40 characters has at most one rare character, and the wrong decoding has about half
its characters rare (measured with random windows; see tests/test_ingest_decode.py).

Japanese and Korean double-byte text can also read as "common" Chinese (EUC-KR Hangul sits
where GB2312 level 1 is), so each language has its own plausibility test: Japanese has
kana and no half-width katakana; Korean is Hangul with spaces between words, which
Chinese does not have. When more than one language reads plausibly the data is refused
as ambiguous, never guessed.
"""

from __future__ import annotations

import codecs
import functools
from dataclasses import dataclass

CHINESE_ENCODINGS = ("gb18030", "big5")
#: Chinese in UTF-16 without a BOM and without ASCII has no NUL bytes to give it away; it is
#: told apart by the same test (its GB/Big5 readings are nonsense, and vice versa).
UTF16_ENCODINGS = ("utf-16-le", "utf-16-be")
#: ... but only from this many characters on: two UTF-16 code units made of ASCII bytes
#: read just as well as two ASCII letters, and a short cp1252 word can read as UTF-16.
MIN_UTF16_CHARS = 8
JAPANESE_ENCODINGS = ("shift_jis", "euc_jp")
KOREAN_ENCODINGS = ("euc_kr",)

#: Chinese text rarely puts a space between two non-ASCII characters; Korean does so
#: every few syllables. Share of non-ASCII characters followed by " " + non-ASCII.
MAX_CHINESE_SPACED = 0.05
#: Korean: Hangul must be this share of the non-ASCII letters, and from this many
#: syllables on there must be a space per KOREAN_WORD syllables (words are 2-4 long).
MIN_HANGUL_SHARE = 0.9
KOREAN_SPACED_FROM = 6
KOREAN_WORD = 12
#: Only the first this many bytes are examined (the chosen codec then decodes the whole
#: file); 64 KiB is some 30,000 CJK characters, far more than the tests need.
SAMPLE_BYTES = 64 * 1024
#: Japanese: kana at least this share of the non-ASCII characters (running text is ~40%
#: hiragana), half-width katakana (what GBK bytes become in Shift-JIS) at most the other.
MIN_KANA_SHARE = 0.15
MAX_HALFWIDTH_KANA_SHARE = 0.05

#: A decoding is plausible Chinese when at most this share of its non-ASCII characters
#: is rare. Generous, because names and classical quotations use level-2 characters.
MAX_RARE_SHARE = 0.15

#: The runner-up must have at least this many more rare characters than the winner (and
#: MIN_MARGIN_SHARE of its non-ASCII characters more) before the winner is trusted.
#: With 3, a wrong decoding of the seed texts never won on 1,600 random windows; windows of
#: 1-3 Chinese characters are refused instead (the user is asked to convert them).
MIN_MARGIN = 3
MIN_MARGIN_SHARE = 0.2
#: ... and it needs this many non-ASCII characters even when the other encodings fail
#: outright: one or two Shift-JIS kanji are valid GBK too (様 reads as 條).
MIN_EVIDENCE = 3


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """The common characters of simplified (GB2312 level 1) and traditional (Big5 level 1)."""
    common: set[str] = set()
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        try:
            gb = ch.encode("gb2312")
            if 0xB0 <= gb[0] <= 0xD7:
                common.add(ch)
        except UnicodeEncodeError:
            pass
        try:
            b5 = ch.encode("big5")
            if 0xA440 <= (b5[0] << 8 | b5[1]) <= 0xC67E:
                common.add(ch)
        except UnicodeEncodeError:
            pass
    return frozenset(common)


def _is_common(ch: str) -> bool:
    o = ord(ch)
    return (
        ch in _common_hanzi()
        or 0x3000 <= o <= 0x303F  # CJK punctuation 、。〈〉《》「」【】
        or 0xFF01 <= o <= 0xFF5E  # full-width ASCII ，：；！？（）
        or 0x2010 <= o <= 0x2027  # dashes, quotes “”‘’, ellipsis …
        or o in (0x00B7, 0x00D7, 0x2030, 0x2103, 0x25CB, 0x25CF, 0x2605, 0x3007)  # ·×‰℃○●★〇
    )


@dataclass(frozen=True, slots=True)
class Reading:
    """One candidate decoding and how Chinese it looks."""

    encoding: str
    text: str
    non_ascii: int
    rare: int

    @property
    def plausible(self) -> bool:
        """Plausible Chinese: few rare characters and no spaces between words."""
        return (
            self.non_ascii > 0
            and self.rare <= MAX_RARE_SHARE * self.non_ascii
            and _spaced(self.text) <= MAX_CHINESE_SPACED * self.non_ascii
        )


def read_as(data: bytes, encoding: str) -> Reading | None:
    """Decode strictly with ``encoding`` and count rare characters; None if it fails.

    A character cut off at the end of ``data`` is not an error (``data`` may be a sample).
    """
    text = _decode(data, encoding)
    if text is None:
        return None
    non_ascii = [ch for ch in text if ord(ch) >= 0x80]
    rare = sum(1 for ch in non_ascii if not _is_common(ch))
    return Reading(encoding, text, len(non_ascii), rare)


def common_share(text: str) -> float:
    """Share of ``text`` that is printable ASCII, whitespace or common Chinese.

    >>> common_share("Hello 世界"), common_share("䠀氀")
    (1.0, 0.0)
    """
    if not text:
        return 0.0
    good = sum(1 for ch in text if (" " <= ch < "\x7f") or ch in "\t\n\r" or _is_common(ch))
    return good / len(text)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of :func:`guess_cjk`.

    ``reading`` is set when one decoding clearly wins; ``ambiguous`` when the data reads
    plausibly in some CJK encoding but the evidence is too thin to choose.
    """

    encoding: str | None
    text: str
    ambiguous: bool


def guess_cjk(data: bytes) -> Verdict:
    """Decide which CJK double-byte encoding ``data`` is in; never guess on thin evidence.

    >>> guess_cjk("各位代表：现在，我代表市人民政府向大会报告工作。".encode("gbk")).encoding
    'gb18030'
    >>> guess_cjk("各位代表：現在，我代表市人民政府向大會報告工作。".encode("big5")).encoding
    'big5'
    >>> guess_cjk("本日は晴天なり。政府は成長率を見込んでいます。".encode("sjis")).encoding
    'shift_jis'
    >>> guess_cjk("오늘은 날씨가 좋습니다. 정부는 성장률을 전망했습니다.".encode("euc_kr")).encoding
    'euc_kr'
    >>> guess_cjk("中文".encode("gbk"))
    Verdict(encoding=None, text='', ambiguous=True)
    """
    data = data[:SAMPLE_BYTES]
    chinese, chinese_ambiguous = _guess_chinese(data)
    others = [
        (enc, text)
        for enc in JAPANESE_ENCODINGS + KOREAN_ENCODINGS
        if (text := _decode(data, enc)) is not None
        and (_japanese(text) if enc in JAPANESE_ENCODINGS else _korean(text))
    ]
    if len(others) > 1 and len({t for _, t in others}) == 1:
        others = others[:1]  # Shift-JIS and EUC-JP agree (e.g. only ASCII and kana)
    found = len(others) + (chinese is not None)
    # Kanji-only Japanese (a title, a name) has no kana to show it is Japanese.
    kanji_only = any(
        (text := _decode(data, enc)) is not None and _kanji_only(text)
        for enc in JAPANESE_ENCODINGS
    )
    if found == 1 and not chinese_ambiguous and not kanji_only:
        if chinese is not None:
            return Verdict(chinese.encoding, chinese.text, ambiguous=False)
        return Verdict(others[0][0], others[0][1], ambiguous=False)
    return Verdict(None, "", ambiguous=found > 0 or chinese_ambiguous or kanji_only)


def _guess_chinese(data: bytes) -> tuple[Reading | None, bool]:
    """The one clearly right Chinese reading, or (None, whether some reading was plausible)."""
    utf16 = len(data) % 2 == 0 and len(data) >= 2 * MIN_UTF16_CHARS
    candidates = CHINESE_ENCODINGS + (UTF16_ENCODINGS if utf16 else ())
    readings = [r for enc in candidates if (r := read_as(data, enc)) is not None]
    plausible = sorted((r for r in readings if r.plausible), key=lambda r: r.rare)
    if not plausible:
        return None, False
    best = plausible[0]
    if best.non_ascii < MIN_EVIDENCE:
        return None, True
    for other in readings:
        if other is best:
            continue
        margin = other.rare - best.rare
        if margin < MIN_MARGIN or margin < MIN_MARGIN_SHARE * other.non_ascii:
            return None, True
    return best, False


def _decode(data: bytes, encoding: str) -> str | None:
    """Strict decoding, except that a character cut off at the end is dropped."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return None


def _kanji_only(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) >= 0x80]
    return bool(non_ascii) and all(_is_common(ch) for ch in non_ascii)


def _spaced(text: str) -> int:
    """How many times a space separates two non-ASCII characters."""
    return sum(
        1
        for i in range(1, len(text) - 1)
        if text[i] == " " and ord(text[i - 1]) >= 0x80 and ord(text[i + 1]) >= 0x80
    )


def _japanese(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) >= 0x80]
    if not non_ascii:
        return False
    kana = sum(1 for ch in non_ascii if "\u3040" <= ch <= "\u30ff")
    halfwidth = sum(1 for ch in non_ascii if "\uff61" <= ch <= "\uff9f")
    n = len(non_ascii)
    return kana >= MIN_KANA_SHARE * n and halfwidth <= MAX_HALFWIDTH_KANA_SHARE * n


def _korean(text: str) -> bool:
    letters = [ch for ch in text if ord(ch) >= 0x80 and ch.isalpha()]
    hangul = sum(1 for ch in letters if "\uac00" <= ch <= "\ud7a3")
    if not letters or hangul < MIN_HANGUL_SHARE * len(letters):
        return False
    return hangul < KOREAN_SPACED_FROM or text.count(" ") * KOREAN_WORD >= hangul
