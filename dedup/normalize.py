"""Matching-only normalisation: text -> tokens with exact offsets back into the text.

A *token* is one CJK (or other unspaced-script) character, one word of a spaced script,
or one run of figures. Every token is stored as a single code point so that a document's
tokens form a plain ``str`` that rapidfuzz and hashing handle at C speed:

- CJK characters: NFKC-folded (full-width forms, compatibility ideographs);
- words: casefolded, stemmed (Snowball English, harmless elsewhere) and mapped to a code
  point in the unassigned planes 4-13 by a stable hash, so the same word gets the same
  code point in every run and every process;
- figures: every run of digits, decimal separators and masks (``*``, ``×``, ``□``, and
  ``X`` outside words) becomes one FIGURE token (U+E000, a private-use character that
  normalises to itself, so "2022-2023" stays two figures when normalised again), so
  "2022年增长5%" and "2023年增长**%" match;
- punctuation, symbols and whitespace are dropped.

Display never uses tokens: ``starts``/``ends`` map each token back to the original text.

>>> t = normalize("2022年增长5.2%")
>>> t.text.replace(FIGURE, "#")
'#年增长#'
>>> [(int(s), int(e)) for s, e in zip(t.starts, t.ends)]
[(0, 4), (4, 5), (5, 6), (6, 7), (7, 10)]
>>> normalize("2023年增长**%").text == t.text
True
>>> normalize("ＡＢＣ  abc").text == normalize("abc ABC").text
True
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import snowballstemmer

__all__ = ["FIGURE", "Tokens", "fold_char", "normalize", "token_weight"]

#: The token every run of figures and masks becomes (private use: never in real text).
FIGURE = "\ue000"

# Character classes, before and after resolving context-dependent ones.
_OTHER, _CHAR, _LETTER, _DIGIT, _MASK, _XMASK, _SEP = 0, 1, 2, 3, 4, 5, 6
_FIG = _DIGIT  # after resolution every figure/mask position carries _DIGIT

# Words become code points in planes 4-13, which Unicode leaves unassigned; text never
# contains them, and normalising a token string maps them to themselves.
_WORD_BASE = 0x40000
_WORD_SPAN = 0xA0000
_FIRST_WORD = chr(_WORD_BASE)
_WORD_TOKEN = re.compile(f"[{chr(_WORD_BASE)}-{chr(_WORD_BASE + _WORD_SPAN - 1)}]")

# Scripts written without spaces between words: each character is a token.
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x318F),  # Bopomofo, Hangul compatibility Jamo
    (0x31A0, 0x31FF),
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xE000, 0xE000),  # FIGURE
    (0x20000, 0x3FFFF),  # CJK Extensions B-H
    (_WORD_BASE, _WORD_BASE + _WORD_SPAN - 1),  # tokens of words, see above
)
_MASK_CHARS = frozenset("*×□■○◯＊✕✱")
_XMASK_CHARS = frozenset("Xx")
_SEP_CHARS = frozenset(".,．")


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text's tokens: ``text[i]`` is token i, found at ``source[starts[i]:ends[i]]``.

    Invariants: ``starts`` is strictly increasing, ``starts[i] < ends[i] <= starts[i+1]``.
    """

    text: str
    starts: npt.NDArray[np.int32]
    ends: npt.NDArray[np.int32]
    is_word: npt.NDArray[np.bool_]
    #: ``word_prefix[i]`` = number of word tokens among the first ``i`` (length n + 1).
    word_prefix: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.text)

    def weight(self, lo: int = 0, hi: int | None = None) -> int:
        """Weight of tokens ``[lo, hi)``: a word counts 2, anything else 1."""
        hi = len(self.text) if hi is None else hi
        if hi <= lo:
            return 0
        return (hi - lo) + int(self.word_prefix[hi] - self.word_prefix[lo])


def token_weight(tokens: str) -> int:
    """Weight of a token string: a word counts 2, anything else 1.

    >>> token_weight(normalize("two words").text), token_weight("四个意识")
    (4, 4)
    """
    if not tokens or max(tokens) < _FIRST_WORD:
        return len(tokens)  # no word tokens (all of Chinese text): one pass in C
    return len(tokens) + len(_WORD_TOKEN.findall(tokens))


_UNSPACED_STARTS = [lo for lo, _ in sorted(_UNSPACED_RANGES)]
_UNSPACED_ENDS = [hi for _, hi in sorted(_UNSPACED_RANGES)]


def _in_unspaced(cp: int) -> bool:
    """Whether ``cp`` lies in one of _UNSPACED_RANGES (a binary search: the table of the
    whole BMP asks 65,536 times)."""
    i = bisect.bisect_right(_UNSPACED_STARTS, cp) - 1
    return i >= 0 and cp <= _UNSPACED_ENDS[i]


def _classify(ch: str) -> tuple[int, int]:
    """(class, folded code point) of one original character."""
    if ch == FIGURE:
        return _CHAR, ord(FIGURE)  # a token text being normalised again
    if ch in _SEP_CHARS:
        return _SEP, ord(ch)
    if ch in _MASK_CHARS:
        return _MASK, ord(FIGURE)
    folded = unicodedata.normalize("NFKC", ch)
    if not folded:
        return _OTHER, ord(ch)
    head = folded[0]
    if head in _MASK_CHARS:
        return _MASK, ord(FIGURE)
    if head in _XMASK_CHARS:
        return _XMASK, ord(head.lower())
    cat = unicodedata.category(head)
    cp = ord(head)
    if cat == "Nd":
        return _DIGIT, ord(FIGURE)
    if _in_unspaced(cp):
        if cat[0] in "LMN":
            return _CHAR, cp
        return _OTHER, cp
    if cat[0] in "LM":
        low = head.lower()
        return _LETTER, ord(low) if len(low) == 1 else cp
    if cat == "No" and head.isdigit():
        return _DIGIT, ord(FIGURE)
    return _OTHER, cp


@lru_cache(maxsize=1)
def _bmp_tables() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint32]]:
    classes = np.zeros(0x10000, dtype=np.uint8)
    folded = np.arange(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue  # lone surrogates are never tokens
        cls, fold = _classify(chr(cp))
        classes[cp] = cls
        folded[cp] = fold
    return classes, folded


@lru_cache(maxsize=4096)
def _astral(cp: int) -> tuple[int, int]:
    if _in_unspaced(cp):
        return _CHAR, cp
    return _classify(chr(cp))


def fold_char(ch: str) -> str:
    """The token a single character becomes ('' when it is dropped).

    >>> fold_char("，"), fold_char("７") == FIGURE, fold_char("Ａ") == fold_char("a")
    ('', True, True)
    >>> fold_char("\uf900") == "\u8c48"  # a compatibility ideograph
    True
    """
    tokens = normalize(ch)
    return tokens.text


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=1 << 18)
def _word_code(word: str) -> str:
    stem = _STEMMER.stemWord(word) if word.isascii() else word
    return chr(_WORD_BASE + zlib.crc32(stem.encode("utf-8")) % _WORD_SPAN)


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(
        np.uint32
    )


def normalize(text: str) -> Tokens:
    """Tokenise ``text`` for matching; see the module docstring for the rules."""
    cps = _code_points(text)
    n = len(cps)
    empty = np.zeros(0, dtype=np.int32)
    if n == 0:
        no_words = np.zeros(0, dtype=np.bool_)
        return Tokens("", empty, empty, no_words, np.zeros(1, dtype=np.int32))
    classes_bmp, folded_bmp = _bmp_tables()
    bmp = cps < 0x10000
    idx = np.where(bmp, cps, 0)
    cls = classes_bmp[idx]
    fold = folded_bmp[idx]
    if not bmp.all():
        for pos in np.flatnonzero(~bmp).tolist():
            c, f = _astral(int(cps[pos]))
            cls[pos] = c
            fold[pos] = f
    cls = _resolve_context(cls)

    # A token starts at every CHAR, and at the first position of a word or figure run.
    prev = np.empty_like(cls)
    prev[0] = _OTHER
    prev[1:] = cls[:-1]
    run_start = (cls != prev) | (cls == _CHAR)
    starts = np.flatnonzero(run_start & (cls != _OTHER))
    # A run ends where the next position starts a new run (or at the end of the text).
    boundary = np.flatnonzero(run_start)
    next_boundary = np.append(boundary[1:], n)
    ends = next_boundary[np.searchsorted(boundary, starts)]
    tok_cls = cls[starts]

    codes = fold[starts].copy()
    codes[tok_cls == _FIG] = ord(FIGURE)
    is_word = tok_cls == _LETTER
    if is_word.any():
        folded_text = fold.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
        word_idx = np.flatnonzero(is_word)
        for i, s, e in zip(word_idx.tolist(), starts[word_idx].tolist(),
                           ends[word_idx].tolist(), strict=True):
            codes[i] = ord(_word_code(folded_text[s:e]))
    token_text = codes.astype("<u4").tobytes().decode("utf-32-le")
    # 32-bit offsets: files are limited far below 2^31 characters (max_file_size), and
    # the per-token arrays are the bulk of a prepared document's memory.
    word_prefix = np.zeros(len(starts) + 1, dtype=np.int32)
    np.cumsum(is_word, out=word_prefix[1:])
    return Tokens(token_text, starts.astype(np.int32), ends.astype(np.int32), is_word, word_prefix)


def _resolve_context(cls: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Decide the context-dependent classes: X masks and decimal separators.

    An ``X`` run is a mask unless it touches a letter (then it is part of a word); a
    separator is part of a figure only between two figure characters.
    """
    out = cls.copy()
    n = len(cls)
    # Runs of X: find each run's neighbours.
    is_x = cls == _XMASK
    if is_x.any():
        edges = np.diff(np.concatenate(([0], is_x.view(np.int8), [0])))
        run_lo = np.flatnonzero(edges == 1)
        run_hi = np.flatnonzero(edges == -1)
        for lo, hi in zip(run_lo.tolist(), run_hi.tolist(), strict=True):
            left = cls[lo - 1] if lo > 0 else _OTHER
            right = cls[hi] if hi < n else _OTHER
            out[lo:hi] = _LETTER if _LETTER in (left, right) else _FIG
    out[out == _MASK] = _FIG
    is_sep = cls == _SEP
    if is_sep.any():
        left = np.empty_like(out)
        right = np.empty_like(out)
        left[0] = _OTHER
        left[1:] = out[:-1]
        right[-1] = _OTHER
        right[:-1] = out[1:]
        between = is_sep & (left == _FIG) & (right == _FIG)
        out[is_sep] = _OTHER
        out[between] = _FIG
    return out
