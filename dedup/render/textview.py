"""A document's text as paragraphs, lines and runs, ready for the HTML templates.

Text is shown exactly as dedup read it, character for character, so that every offset in
the JSON points at the same character on the page: :func:`visible` replaces control
characters one-for-one with visible stand-ins (they could move or hide text otherwise),
and :func:`layout` only cuts the text into pieces, it never drops or adds a character
other than line terminators (shown as line or paragraph breaks).

>>> paras = layout("一、总体\\n坚持以人民为中心。", [(0, 4, 0)], [(7, 9, "chg")], {5})
>>> for p in paras:
...     print([[(r.key, [(x.text, x.mark, x.ids) for x in r.parts]) for r in ln] for ln in p.lines])
[[(0, [('一、总体', None, ())])]]
[[(-1, [('坚持', None, ('o-5',)), ('以人', 'chg', ()), ('民为中心。', None, ())])]]
>>> paras[0].heading
True
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Line", "Para", "Part", "Run", "layout", "name", "visible"]

#: Line terminators (those of ``str.splitlines``); ``\r\n`` counts as one.
_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

#: A line that looks like a heading in Chinese reports or Markdown (display only: the
#: pipeline's own heading detection is not part of the scan result).
_HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+、|（[一二三四五六七八九十]+）|第[一二三四五六七八九十百\d]+[章节部分篇]"
    r"|#{1,6}\s|\d+(?:\.\d+)*\s+\S)"
)
_HEADING_CHARS = 40
_TITLE_CHARS = 60

#: In texts with blank lines whose lines are shorter than this (median), the lines are
#: hard-wrapped and a paragraph is a block between blank lines; otherwise every line is
#: a paragraph (Chinese reports put one paragraph of 100-400 characters on each line).
_WRAPPED_LINE_CHARS = 100


def _visible_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for c in range(0x20):
        if chr(c) not in "\t\n\r\x0b\x0c\x1c\x1d\x1e":
            table[c] = chr(0x2400 + c)  # Control Pictures: ␀ ␁ … ␛ …
    table[0x7F] = "\u2421"  # ␡
    for c in range(0x80, 0xA0):
        if c != 0x85:
            table[c] = "\ufffd"
    for c in range(0xD800, 0xE000):  # lone surrogates cannot be written as UTF-8
        table[c] = "\ufffd"
    table[0xFFFE] = table[0xFFFF] = "\ufffd"
    return table


_VISIBLE = _visible_table()
_NEEDS_VISIBLE = re.compile("[" + "".join(
    re.escape(chr(c)) for c in sorted(_VISIBLE) if not 0xD800 <= c < 0xE000) + "\ud800-\udfff]")
_NAME = {
    **_VISIBLE,
    **dict.fromkeys((0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029), " "),
    # Direction overrides and isolates in a name could make it read as another name.
    **dict.fromkeys((0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)),
                    "\ufffd"),
}


def visible(text: str) -> str:
    """``text`` with control characters replaced one-for-one by visible stand-ins.

    Offsets stay valid: the result has the same length.

    >>> visible("a\\x1b[31mb\\tc")
    'a␛[31mb\\tc'
    """
    # translate() looks up every character; most text has nothing to replace.
    return text.translate(_VISIBLE) if _NEEDS_VISIBLE.search(text) else text


def name(text: str) -> str:
    """A document id or path for display on one line, with no direction tricks.

    >>> name("evil\\u202etxt.exe\\nx")
    'evil\\ufffdtxt.exe x'
    """
    return text.translate(_NAME)


@dataclass(frozen=True, slots=True)
class Part:
    """Characters with one edit mark (``None``: not inside an edit) and maybe an anchor."""

    text: str
    mark: str | None = None
    #: Ids of link targets at the first character (``o-N``: text offset N).
    ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive parts of one span (``key`` -1: between spans) on one line."""

    key: int
    first: bool
    start: int
    parts: tuple[Part, ...]


Line = tuple[Run, ...]


@dataclass(frozen=True, slots=True)
class Para:
    lines: tuple[Line, ...]
    heading: bool = False


def _lines(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each line of ``text[lo:hi]``, without terminators."""
    out: list[tuple[int, int]] = []
    pos = lo
    for m in _BREAK.finditer(text, lo, hi):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, hi))
    return out


def _paragraphs(text: str, lines: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    blank = [not text[s:e].strip() for s, e in lines]
    filled = [e - s for (s, e), b in zip(lines, blank, strict=True) if not b]
    wrapped = any(blank) and bool(filled) and statistics.median(filled) < _WRAPPED_LINE_CHARS
    paras: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for line, is_blank in zip(lines, blank, strict=True):
        if is_blank:
            if current:
                paras.append(current)
                current = []
            continue
        if not wrapped and current:
            paras.append(current)
            current = []
        current.append(line)
    if current:
        paras.append(current)
    return paras


def _is_heading(text: str, para: list[tuple[int, int]], first: bool, many: bool) -> bool:
    if len(para) != 1:
        return False
    s, e = para[0]
    line = text[s:e].strip()
    if not line or line[-1] in "。.;；，,":
        return False
    if first and many and len(line) <= _TITLE_CHARS:
        return True
    return len(line) <= _HEADING_CHARS and bool(_HEADING.match(line))


class _Cursor:
    """Walks sorted, disjoint ``(start, end, value)`` ranges as positions increase."""

    def __init__(self, ranges: Sequence[tuple[int, int, object]]) -> None:
        self.ranges = ranges
        self.i = 0

    def at(self, pos: int) -> tuple[object | None, int]:
        """The value covering ``pos`` (None) and the next position where that may change."""
        rs = self.ranges
        while self.i < len(rs) and rs[self.i][1] <= pos:
            self.i += 1
        if self.i == len(rs):
            return None, 1 << 62
        s, e, value = rs[self.i]
        if s <= pos:
            return value, e
        return None, s


def _runs(text: str, lo: int, hi: int, spans: _Cursor, marks: _Cursor,
          anchors: list[int], ids: Mapping[int, tuple[str, ...]], started: set[int]) -> Line:
    runs: list[Run] = []
    parts: list[Part] = []
    key = -2
    run_start = lo
    pos = lo
    a = bisect.bisect_left(anchors, lo)
    while pos < hi:
        span_value, span_next = spans.at(pos)
        mark_value, mark_next = marks.at(pos)
        anchor_next = anchors[a] if a < len(anchors) else 1 << 62
        here: tuple[str, ...] = ()
        if anchor_next == pos:
            here = ids[pos]
            a += 1
            anchor_next = anchors[a] if a < len(anchors) else 1 << 62
        end = min(hi, span_next, mark_next, anchor_next)
        span_key = span_value if isinstance(span_value, int) else -1
        if span_key != key:
            if parts:
                runs.append(_run(key, run_start, parts, started))
            parts = []
            key = span_key
            run_start = pos
        mark = mark_value if isinstance(mark_value, str) else None
        parts.append(Part(visible(text[pos:end]), mark, here))
        pos = end
    if parts:
        runs.append(_run(key, run_start, parts, started))
    return tuple(runs)


def _run(key: int, start: int, parts: list[Part], started: set[int]) -> Run:
    first = key >= 0 and key not in started
    if first:
        started.add(key)
    return Run(key, first, start, tuple(parts))


def layout(
    text: str,
    spans: Sequence[tuple[int, int, int]],
    marks: Sequence[tuple[int, int, str]] = (),
    anchors: Collection[int] | Mapping[int, tuple[str, ...]] = (),
    *,
    lo: int = 0,
    hi: int | None = None,
    paragraphs: bool = True,
) -> list[Para]:
    """``text[lo:hi]`` as paragraphs of lines of runs.

    ``spans`` are sorted, disjoint ``(start, end, key)`` ranges (a run never crosses a
    span boundary; ``Run.first`` is set on the first run of each key); ``marks`` are
    sorted, disjoint ``(start, end, css_class)`` ranges inside which parts carry the
    mark; ``anchors`` are offsets where a part starts so a link can point at it (ids
    ``o-N``, or the ids a mapping gives for the offset). With
    ``paragraphs=False`` every line is kept, blank ones included, in one paragraph.
    """
    hi = len(text) if hi is None else hi
    lines = _lines(text, lo, hi)
    groups = _paragraphs(text, lines) if paragraphs else [lines]
    span_cursor = _Cursor(spans)
    mark_cursor = _Cursor(marks)
    ids: Mapping[int, tuple[str, ...]] = (
        anchors if isinstance(anchors, Mapping) else {a: (f"o-{a}",) for a in anchors})
    sorted_anchors = sorted(a for a in ids if lo <= a < hi)
    started: set[int] = set()
    many = len(groups) > 2
    out: list[Para] = []
    for n, group in enumerate(groups):
        lines_out = tuple(
            _runs(text, s, e, span_cursor, mark_cursor, sorted_anchors, ids, started)
            for s, e in group
        )
        heading = paragraphs and _is_heading(text, group, n == 0, many)
        out.append(Para(lines_out, heading))
    return out
