"""The side-by-side view of two documents, shared by the terminal and HTML renderers.

Rows follow document A. Matched passages that keep their relative order in both
documents (the longest chain increasing in both) sit opposite each other; a matched
passage out of that order is *moved*: it is shown opposite its A text and marked, with
its offset in B. Text of either side that matches nothing gets rows of its own, in its
document's order, so every character of both documents appears exactly once.

>>> from dedup.model import Match
>>> rows = pair_rows("Alpha. Beta. Gamma.", "Gamma. Alpha. New.",
...                  [Match(0, 6, 7, 13, 1.0), Match(13, 19, 0, 6, 1.0)])
>>> for r in rows:
...     print(r.kind, r.a, r.b, r.moved)
same (0, 6) (7, 13) False
a (7, 12) None False
same (13, 19) (0, 6) True
b None (14, 18) False
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dedup.model import Edit, Match

__all__ = ["Row", "moved_flags", "pair_rows"]

RowKind = Literal["same", "a", "b"]


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the side-by-side view; ranges are ``(start, end)`` text offsets."""

    kind: RowKind
    a: tuple[int, int] | None
    b: tuple[int, int] | None
    moved: bool = False
    score: float = 1.0
    edits: tuple[Edit, ...] = ()


def moved_flags(matches: Sequence[Match]) -> list[bool]:
    """For matches sorted by ``a_start``: True for those outside the longest chain that
    is increasing in ``b_start`` too (weighted by passage length)."""
    n = len(matches)
    if n == 0:
        return []
    weight = [m.a_end - m.a_start for m in matches]
    best = weight[:]  # best chain weight ending at i
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if matches[j].b_end <= matches[i].b_start and best[j] + weight[i] > best[i]:
                best[i] = best[j] + weight[i]
                prev[i] = j
    i = max(range(n), key=lambda k: best[k])
    chain: set[int] = set()
    while i >= 0:
        chain.add(i)
        i = prev[i]
    return [k not in chain for k in range(n)]


def _visible(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """``[lo, hi)`` without surrounding whitespace; None when nothing is left."""
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return (lo, hi) if lo < hi else None


def _uncovered(
    text: str, lo: int, hi: int, covered: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Pieces of ``[lo, hi)`` outside the sorted, disjoint ``covered`` ranges."""
    out: list[tuple[int, int]] = []
    i = bisect.bisect_left(covered, (lo, lo))
    if i > 0 and covered[i - 1][1] > lo:
        i -= 1
    pos = lo
    while i < len(covered) and covered[i][0] < hi:
        c_lo, c_hi = covered[i]
        if c_lo > pos and (piece := _visible(text, pos, min(c_lo, hi))):
            out.append(piece)
        pos = max(pos, c_hi)
        i += 1
    if pos < hi and (piece := _visible(text, pos, hi)):
        out.append(piece)
    return out


def _union(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def pair_rows(text_a: str, text_b: str, matches: Sequence[Match]) -> list[Row]:
    """Rows of the side-by-side view of A and B (see the module docstring)."""
    ordered = sorted(matches, key=lambda m: (m.a_start, m.b_start))
    moved = moved_flags(ordered)
    covered_a = _union([(m.a_start, m.a_end) for m in ordered])
    covered_b = _union([(m.b_start, m.b_end) for m in ordered])
    rows: list[Row] = []
    pos_a = 0
    pos_b = 0
    for m, is_moved in zip(ordered, moved, strict=True):
        if m.a_start > pos_a:
            rows.extend(Row("a", r, None) for r in _uncovered(text_a, pos_a, m.a_start, covered_a))
        if not is_moved and m.b_start > pos_b:
            rows.extend(Row("b", None, r) for r in _uncovered(text_b, pos_b, m.b_start, covered_b))
        rows.append(Row("same", (m.a_start, m.a_end), (m.b_start, m.b_end), is_moved, m.score,
                        m.edits))
        pos_a = max(pos_a, m.a_end)
        if not is_moved:
            pos_b = max(pos_b, m.b_end)
    rows.extend(Row("a", r, None) for r in _uncovered(text_a, pos_a, len(text_a), covered_a))
    rows.extend(Row("b", None, r) for r in _uncovered(text_b, pos_b, len(text_b), covered_b))
    return rows
