"""Bytes of a plain-text file -> str, detecting the encoding and never guessing silently.

The order of tests, each one decisive when it applies:

1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE): honoured and stripped;
2. a well-known binary signature (PNG, ELF, zip...): refused as binary;
3. UTF-16 without BOM, from NUL bytes falling on one parity (ASCII in UTF-16);
4. strict UTF-8; then "mostly UTF-8" (a few invalid bytes among many valid multi-byte
   characters, or a character cut off at the end), decoded with U+FFFD and a note;
5. a file that is mostly control bytes: refused as binary;
6. double-byte CJK encodings (GB18030, Big5, Shift-JIS, EUC-JP, EUC-KR, BOM-less UTF-16)
   by :mod:`.cjk`; single-byte ones by charset-normalizer restricted to
   :data:`SINGLE_BYTE_CANDIDATES`. When none is confident the file is refused with a
   reason that asks for UTF-8.

No newline translation is done anywhere: ``\\r\\n`` stays two characters.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from dedup.ingest.cjk import common_share, guess_cjk
from dedup.ingest.failure import CONVERT_HINT, BinaryContent, Unreadable
from dedup.ingest.sniff import binary_kind

#: Encodings charset-normalizer may choose from once the CJK ones are ruled out. Its
#: guesses between CJK encodings were wrong on ~5-10% of short Chinese texts (it read GBK
#: as EUC-KR or Shift-JIS), hence :mod:`.cjk`.
SINGLE_BYTE_CANDIDATES = ("cp1252", "latin_1")

#: charset-normalizer's "chaos" (0 = clean text, 1 = noise) above which its guess is not
#: trusted. Its own default cut-off is 0.2; real text in the right encoding scores ~0.
MAX_CHAOS = 0.1

#: A text is binary when more than this share of it is control characters (other than
#: tab, newlines, form feed and escape). Text with a handful of NULs stays text.
MAX_CONTROL_SHARE = 0.1
#: The same test on raw bytes, before legacy decoding: looser, because UTF-16 Chinese
#: without BOM has ~12% bytes below 0x20 (U+4E00 一 is 00 4E).
MAX_RAW_CONTROL_SHARE = 0.3

#: UTF-16 without BOM: NULs on one byte parity must be at least this share of the byte
#: pairs before the file is tried as UTF-16 both ways.
MIN_UTF16_NUL_SHARE = 0.02

#: When no encoding fits, data with more than this share of control bytes is called
#: binary rather than "of unknown encoding" (random bytes have ~10%; text has none).
MIN_BINARY_CONTROL_SHARE = 0.01

#: A single-byte (cp1252/latin-1) reading is trusted only when at least this share of the
#: bytes is ASCII: Western text is >90% ASCII, while CJK or UTF-16 bytes read as cp1252
#: make short strings of accented letters and symbols ("ŠF—l") that the mess detector
#: lets through.
MIN_SINGLE_BYTE_ASCII = 0.75

#: ... and the better of the two readings (little/big endian) must be at least this share
#: ASCII or common Chinese, and beat the other by this much.
MIN_UTF16_COMMON_SHARE = 0.5

#: "Mostly UTF-8": at least this many valid non-ASCII characters per invalid byte. A
#: GB18030 or cp1252 file read as UTF-8 has far more invalid bytes than valid sequences.
MIN_VALID_PER_INVALID = 8

#: A valid-UTF-8 file with at most this many non-ASCII characters, all 2-byte, and no
#: ASCII letters could just as well be one or two GBK/Big5 characters (D7 A5 is both
#: U+05E5 and GBK 抓); it is refused when it also reads as plausible CJK.
SHORT_UTF8_AMBIGUOUS = 2

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # (BOM, codec that strips it, name reported); UTF-32 first: its LE BOM starts UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
#: Control characters that do not occur in text (tab, newlines, form feed, ESC do).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_CONTROL_BYTES = bytes([*range(0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text, the codec name that produced it, and what had to be repaired."""

    text: str
    encoding: str
    notes: tuple[str, ...] = ()


def decode_text(data: bytes) -> Decoded:
    """Decode the bytes of a text file; raises :class:`Unreadable` when it cannot be trusted.

    >>> decode_text("第一行\\r\\n".encode("utf-16"))
    Decoded(text='第一行\\r\\n', encoding='utf-16', notes=())
    >>> decode_text(b"caf\\xe9 cr\\xe8me, d\\xe9j\\xe0 vu").encoding
    'cp1252'
    """
    if not data:
        raise Unreadable("empty file")
    decoded = _by_bom(data) or _detect(data)
    return _finish(decoded)


def _by_bom(data: bytes) -> Decoded | None:
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            if codec == "utf-32" and len(data) % 4:
                continue  # FF FE 00 00 with a ragged length: UTF-16 LE text starting with NUL
            try:
                return Decoded(data.decode(codec), name)
            except UnicodeDecodeError:
                text = data.decode(codec, errors="replace")
                return Decoded(text, name, (f"invalid {name.upper()} data replaced with U+FFFD",))
    return None


def _detect(data: bytes) -> Decoded:
    kind = binary_kind(data, strong_only=True)
    if kind is not None:
        raise BinaryContent(kind)
    utf16 = _utf16_by_nuls(data)
    if utf16 is not None:
        return utf16
    utf8 = _utf8(data)
    if utf8 is not None:
        return utf8
    if len(data) - len(data.translate(None, _CONTROL_BYTES)) > MAX_RAW_CONTROL_SHARE * len(data):
        raise BinaryContent(binary_kind(data) or "binary data")
    return _legacy(data)


def _utf16_by_nuls(data: bytes) -> Decoded | None:
    if len(data) < 4 or len(data) % 2:
        return None
    pairs = len(data) // 2
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if max(even, odd) < max(2, MIN_UTF16_NUL_SHARE * pairs):
        return None
    # NULs on odd bytes are ASCII in little endian, but also U+xx00 (一 is U+4E00) in big
    # endian: read both ways and keep the one that reads as text.
    scored = sorted(
        ((common_share(text), codec, text) for codec in ("utf-16-le", "utf-16-be")
         if (text := _strict(data, codec)) is not None),
        reverse=True,
    )
    if not scored or scored[0][0] < MIN_UTF16_COMMON_SHARE:
        return None
    if len(scored) == 2 and scored[0][0] - scored[1][0] < MIN_UTF16_COMMON_SHARE / 2:
        return None
    _, codec, text = scored[0]
    if _control_share(text) > MAX_CONTROL_SHARE:
        return None
    return Decoded(text, codec)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _utf8(data: bytes) -> Decoded | None:
    text = _strict(data, "utf-8")
    if text is not None:
        if _short_and_ambiguous(data, text):
            raise Unreadable(
                "too short to tell UTF-8 from a legacy Chinese encoding; " + CONVERT_HINT
            )
        return Decoded(text, "utf-8")
    escaped = data.decode("utf-8", errors="surrogateescape")  # one U+DCxx per invalid byte
    invalid = len(data) - len(escaped.encode("utf-8", errors="ignore"))
    ascii_chars = len(data.translate(None, _HIGH_BYTES))
    valid = len(escaped) - invalid - ascii_chars
    if valid < MIN_VALID_PER_INVALID * invalid:
        return None
    text = data.decode("utf-8", errors="replace")
    plural = "s" if invalid > 1 else ""
    return Decoded(text, "utf-8", (f"{invalid} invalid UTF-8 byte{plural} replaced with U+FFFD",))


def _short_and_ambiguous(data: bytes, text: str) -> bool:
    high_bytes = len(data) - len(data.translate(None, _HIGH_BYTES))
    if not high_bytes or high_bytes > 4 * SHORT_UTF8_AMBIGUOUS:
        return False  # cheap exit for ASCII and for every real document
    non_ascii = [ch for ch in text if ord(ch) >= 0x80]
    if not non_ascii or len(non_ascii) > SHORT_UTF8_AMBIGUOUS:
        return False
    if any(ord(ch) >= 0x800 for ch in non_ascii):
        return False
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return False
    verdict = guess_cjk(data)
    return verdict.ambiguous or verdict.encoding is not None


def _legacy(data: bytes) -> Decoded:
    verdict = guess_cjk(data)
    if verdict.encoding is not None:
        name = _name(verdict.encoding)
        try:
            return Decoded(data.decode(verdict.encoding), name)
        except UnicodeDecodeError:  # invalid bytes after the sample that was examined
            text = data.decode(verdict.encoding, errors="replace")
            return Decoded(text, name, (f"invalid {name} bytes replaced with U+FFFD",))
    if verdict.ambiguous:
        raise Unreadable(
            "looks like Chinese, Japanese or Korean text but there is too little of it to "
            f"tell which encoding (GB18030, Big5, Shift-JIS, EUC-KR...); {CONVERT_HINT}"
        )
    matches = from_bytes(data, cp_isolation=list(SINGLE_BYTE_CANDIDATES))
    best = matches.best()
    ascii_share = len(data.translate(None, _HIGH_BYTES)) / len(data)
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if (
        best is not None
        and best.chaos <= MAX_CHAOS
        and ascii_share >= MIN_SINGLE_BYTE_ASCII
        and not controls  # single-byte text has none; UTF-16 read as cp1252 does
    ):
        return Decoded(str(best), _name(best.encoding))
    if controls > MIN_BINARY_CONTROL_SHARE * len(data):
        raise BinaryContent("binary data")  # no text encoding fits, and it has control bytes
    guess = f" (best guess {_name(best.encoding)}, not confident)" if best is not None else ""
    raise Unreadable(f"could not tell the text encoding{guess}; {CONVERT_HINT}")


def _name(encoding: str) -> str:
    """Python's canonical codec name (``latin_1`` -> ``iso8859-1``)."""
    return codecs.lookup(encoding).name


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    return len(_CONTROLS.findall(text)) / len(text)


def _finish(decoded: Decoded) -> Decoded:
    """Refuse binary, and replace NULs (which break downstream tools) with U+FFFD."""
    text = decoded.text
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise BinaryContent("binary data")
    nuls = text.count("\x00")
    if not nuls:
        return decoded
    plural = "s" if nuls > 1 else ""
    note = f"{nuls} NUL character{plural} replaced with U+FFFD"
    return Decoded(text.replace("\x00", "\ufffd"), decoded.encoding, (*decoded.notes, note))
