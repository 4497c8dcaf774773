"""Split a document into headings, sentences and clauses with exact offsets.

Sentences end at 。！？；!?; (a closing quote or bracket stays with its sentence), at a
full stop followed by white space (abbreviations and initials excepted), and at line
breaks that end a paragraph. A line break inside a sentence -- the hard wrap of text
extracted from PDF or e-mail -- does not split it. Clauses are the pieces of a sentence
between ，、：,: and are produced only for sentences with more than one clause. A very long
stretch without punctuation is cut into pieces of at most ``MAX_SEGMENT_CHARS``.

Every segment satisfies ``text[start:end] == text[start:end].strip()`` and owns the
tokens whose start lies inside it.

>>> from dedup.normalize import normalize
>>> text = "一、总体情况\\n我们增强“四个意识”，坚定“四个自信”。下一步！"
>>> [(s.kind, text[s.start:s.end]) for s in segment(text, normalize(text))]
... # doctest: +NORMALIZE_WHITESPACE
[('heading', '一、总体情况'), ('sentence', '我们增强“四个意识”，坚定“四个自信”。'),
 ('clause', '我们增强“四个意识”，'), ('clause', '坚定“四个自信”。'), ('sentence', '下一步！')]
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from dedup.model import Segment, SegmentKind
from dedup.normalize import Tokens

__all__ = ["CLAUSE", "HEADING", "MAX_SEGMENT_CHARS", "SENTENCE", "segment", "segment_arrays"]

#: Longest segment; longer runs without punctuation are cut (bounded work per segment).
#: 2,000 characters is ten times the longest sentence in the provincial reports.
MAX_SEGMENT_CHARS = 2000

_CLOSERS = "”’」』）)】》\"'〕］]｝}"
_TERMINATORS = "。！？；!?;｡"
_SENT_END = re.compile(
    rf"(?:[{re.escape(_TERMINATORS)}]+|\.(?=[{re.escape(_CLOSERS)}]*(?:\s|$)))"
    rf"[{re.escape(_CLOSERS)}]*"
)
_CLAUSE_END = re.compile(rf"[，、：,:﹐﹑︰][{re.escape(_CLOSERS)}]*")
_ABBREVIATIONS = frozenset((
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "eg", "ie",
    "no", "fig", "figs", "inc", "ltd", "co", "corp", "dept", "est", "approx", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
))
_HEADING = re.compile(  # used with .match(text, pos): anchored where matching starts
    r"""\s*(?:
        [一二三四五六七八九十百零〇]+[、.．]            # 一、
      | [（(][一二三四五六七八九十百零〇\d]+[）)]       # （一） (1)
      | 第[一二三四五六七八九十百零〇\d]+[章节条部分篇编]  # 第一章
      | [一二三四五六七八九十]+是                      # 一是
      | \d+(?:[.．]\d+)*[、.．]?\s                     # 1. 1.2
      | \#{1,6}\s                                     # Markdown
    )""",
    re.VERBOSE,
)
#: A line shorter than this that does not end a sentence is a title or heading.
_HEADING_MAX_CHARS = 40


def segment(text: str, tokens: Tokens, doc: int = 0) -> list[Segment]:
    """Headings, sentences and clauses of ``text`` in document order."""
    starts, ends, kinds, tok_lo, tok_hi = segment_arrays(text, tokens)
    names: tuple[SegmentKind, ...] = ("heading", "sentence", "clause")
    return [
        Segment(doc, s, e, names[k], lo, hi)
        for s, e, k, lo, hi in zip(starts.tolist(), ends.tolist(), kinds.tolist(),
                                   tok_lo.tolist(), tok_hi.tolist(), strict=True)
    ]


#: Kind codes of :func:`segment_arrays`.
HEADING, SENTENCE, CLAUSE = 0, 1, 2


def segment_arrays(text: str, tokens: Tokens) -> tuple[npt.NDArray[np.int32], ...]:
    """Segments as arrays ``(start, end, kind, tok_start, tok_end)`` in document order.

    ``kind`` is HEADING, SENTENCE or CLAUSE. Segments without tokens are left out.
    """
    spans: list[tuple[int, int, int]] = []
    for start, end, is_heading in _sentences(text):
        spans.append((start, end, HEADING if is_heading else SENTENCE))
        clauses = _clauses(text, start, end)
        if len(clauses) > 1:
            spans.extend((c_start, c_end, CLAUSE) for c_start, c_end in clauses)
    if not spans:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, empty, empty, empty
    arr = np.array(spans, dtype=np.int32)
    tok_lo = np.searchsorted(tokens.starts, arr[:, 0])
    tok_hi = np.searchsorted(tokens.starts, arr[:, 1])
    keep = tok_lo < tok_hi  # only punctuation or symbols: nothing to match
    # A sentence without tokens takes its clauses with it (they have none either).
    return (arr[keep, 0], arr[keep, 1], arr[keep, 2], tok_lo[keep].astype(np.int32),
            tok_hi[keep].astype(np.int32))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _lines(text: str) -> list[tuple[int, int]]:
    """Logical lines: physical lines joined across soft wraps."""
    physical: list[tuple[int, int]] = []
    pos = 0
    for m in re.finditer(r"\r\n|\r|\n|\u2028|\u2029", text):
        physical.append((pos, m.start()))
        pos = m.end()
    physical.append((pos, len(text)))
    logical: list[tuple[int, int]] = []
    for start, end in physical:
        s, e = _strip(text, start, end)
        if s == e:
            logical.append((start, end))  # blank line: a paragraph break
            continue
        if logical and _soft_wrap(text, logical[-1], (s, e)):
            logical[-1] = (logical[-1][0], end)
        else:
            logical.append((start, end))
    return logical


def _soft_wrap(text: str, prev: tuple[int, int], nxt: tuple[int, int]) -> bool:
    """Whether the break between two non-blank lines is inside a sentence."""
    p_start, p_end = _strip(text, *prev)
    if p_start == p_end:
        return False
    last = text[p_end - 1]
    first = text[nxt[0]]
    if last in _TERMINATORS or last in _CLOSERS or last in ":：" or last == ".":
        return False
    line = text[p_start:p_end]
    if _HEADING.match(line):
        return False
    if first.isalpha() and first.islower() and first.isascii():
        return True
    if last.isascii() and (last.isalnum() or last in ",-;") and first.isalpha():
        return True
    # Unspaced scripts: a long line that stops mid-sentence continues on the next one.
    return ord(last) > 0x2E80 and ord(first) > 0x2E80 and p_end - p_start >= _HEADING_MAX_CHARS


def _sentences(text: str) -> list[tuple[int, int, bool]]:
    out: list[tuple[int, int, bool]] = []
    for line_start, line_end in _lines(text):
        ls, le = _strip(text, line_start, line_end)
        if ls == le:
            continue
        pieces: list[tuple[int, int]] = []
        pos = ls
        for m in _SENT_END.finditer(text, ls, le):
            if text[m.start()] == "." and _is_abbreviation(text, ls, m.start()):
                continue
            pieces.append((pos, m.end()))
            pos = m.end()
        if pos < le:
            pieces.append((pos, le))
        heading_line = bool(_HEADING.match(text, ls)) or (
            le - ls <= _HEADING_MAX_CHARS and text[le - 1] not in _TERMINATORS
            and text[le - 1] not in _CLOSERS and text[le - 1] != "."
        )
        for i, (s, e) in enumerate(pieces):
            s, e = _strip(text, s, e)
            if s == e:
                continue
            is_heading = heading_line and (i == 0) and (
                len(pieces) == 1 or bool(_HEADING.match(text, s))
            )
            for cs, ce in _bounded(text, s, e):
                out.append((cs, ce, is_heading))
    return out


def _is_abbreviation(text: str, line_start: int, dot: int) -> bool:
    """Whether the full stop at ``dot`` ends an abbreviation or an initial."""
    i = dot
    while i > line_start and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot].lower()
    if not word:
        # "1. Introduction", "2.3. Scope": a list or section number at the start of a line.
        j = dot
        while j > line_start and (text[j - 1].isdigit() or text[j - 1] == "."):
            j -= 1
        return j < dot and not text[line_start:j].strip()
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith", "U.S."
    return word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut ``[start, end)`` into pieces of at most MAX_SEGMENT_CHARS, at spaces if any."""
    if end - start <= MAX_SEGMENT_CHARS:
        return [(start, end)]
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        cut = min(pos + MAX_SEGMENT_CHARS, end)
        if cut < end:
            space = text.rfind(" ", pos + MAX_SEGMENT_CHARS // 2, cut)
            if space > pos:
                cut = space
        s, e = _strip(text, pos, cut)
        if s < e:
            out.append((s, e))
        pos = cut
    return out


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = start
    for m in _CLAUSE_END.finditer(text, start, end):
        if m.end() >= end:
            break
        if text[m.start()] in ",:" and m.start() + 1 < end and text[m.start() + 1].isdigit():
            continue  # 1,000 or 10:30
        s, e = _strip(text, pos, m.end())
        if e - s <= 2:
            continue  # "一、" or "1," belongs with the clause it numbers
        out.append((s, e))
        pos = m.end()
    s, e = _strip(text, pos, end)
    if s < e:
        out.append((s, e))
    return out
