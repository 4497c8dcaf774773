"""The pair page's view model: the side-by-side rows of :func:`pair_rows` with each
side's text, edit marks and folds."""

from __future__ import annotations

from dataclasses import dataclass

from dedup.model import Pair
from dedup.render.pages import Corpus, PairLine, lines_of, pair_line, side_marks
from dedup.render.pairview import pair_rows
from dedup.render.textview import Line

__all__ = ["PairView", "RowView", "SideCell", "pair_view"]

#: Unmatched text longer than this is folded after its first lines or sentences.
FOLD_CHARS = 480
FOLD_HEAD = 160
FOLD_LINES = 4

_SENTENCE_END = "。！？!?；;\n"


@dataclass(frozen=True, slots=True)
class SideCell:
    """One side of a row of the side-by-side view."""

    start: int
    end: int
    head: tuple[Line, ...]
    fold: tuple[Line, ...] = ()
    fold_chars: int = 0
    href: str | None = None


@dataclass(frozen=True, slots=True)
class RowView:
    kind: str
    moved: bool
    score: float
    a: SideCell | None
    b: SideCell | None
    edits: int


@dataclass(frozen=True, slots=True)
class PairView:
    line: PairLine
    rows: list[RowView]
    moved: int
    edits: int
    only_a: int
    only_b: int


def _fold_at(text: str, lo: int, hi: int) -> int | None:
    """Where to fold a long unmatched stretch: after FOLD_LINES lines or the sentence
    that ends after FOLD_HEAD characters, whichever comes first."""
    if hi - lo <= FOLD_CHARS:
        return None
    lines = 0
    for i in range(lo, min(hi, lo + 2 * FOLD_HEAD)):
        c = text[i]
        if c == "\n":
            lines += 1
            if lines >= FOLD_LINES:
                return i + 1
        elif i >= lo + FOLD_HEAD and c in _SENTENCE_END:
            return i + 1
    return lo + FOLD_HEAD


def _side(corpus: Corpus, doc: int, rng: tuple[int, int], marks: list[tuple[int, int, str]],
          *, fold: bool, link: bool) -> SideCell:
    text = corpus.text(doc)
    lo, hi = rng
    cut = _fold_at(text, lo, hi) if fold else None
    href = corpus.site.report(doc, lo) if link else None
    if cut is None:
        return SideCell(lo, hi, lines_of(text, lo, hi, marks), href=href)
    folded = len("".join(text[cut:hi].split()))
    return SideCell(lo, hi, lines_of(text, lo, cut, marks), lines_of(text, cut, hi, marks),
                    folded, href)


def pair_view(corpus: Corpus, pair: Pair) -> PairView:
    """The side-by-side rows of a pair, from :func:`pair_rows`."""
    ta, tb = corpus.text(pair.a), corpus.text(pair.b)
    rows: list[RowView] = []
    moved = edits = only_a = only_b = 0
    for r in pair_rows(ta, tb, pair.matches):
        if r.kind == "same":
            assert r.a is not None and r.b is not None
            a = _side(corpus, pair.a, r.a, side_marks(r.edits, "a"), fold=False, link=True)
            b = _side(corpus, pair.b, r.b, side_marks(r.edits, "b"), fold=False, link=True)
            rows.append(RowView("same", r.moved, r.score, a, b, len(r.edits)))
            moved += r.moved
            edits += len(r.edits)
        elif r.kind == "a":
            assert r.a is not None
            rows.append(RowView("a", False, 0.0, _side(corpus, pair.a, r.a, [], fold=True,
                                                       link=False), None, 0))
            only_a += 1
        else:
            assert r.b is not None
            rows.append(RowView("b", False, 0.0, None, _side(corpus, pair.b, r.b, [], fold=True,
                                                             link=False), 0))
            only_b += 1
    return PairView(pair_line(corpus, pair), rows, moved, edits, only_a, only_b)
