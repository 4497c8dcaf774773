"""PAN's plagiarism-detection measures: recall, precision, granularity and plagdet.

Implemented from their definition in Potthast, Stein, Barrón-Cedeño and Rosso, "An
Evaluation Framework for Plagiarism Detection" (COLING 2010). A *case* (the truth) and a
*detection* (what a tool reported) are both an :class:`Annotation`: a range of a suspicious
document and a range of a source document. A detection *detects* a case when both concern
the same document pair and overlap on the suspicious side and on the source side.

- macro recall: mean over cases s of |⋃_{r detects s} (s ⊓ r)| / |s|, where s ⊓ r is the
  characters of s (both sides) that r covers and |s| counts both sides;
- macro precision: mean over detections r of |⋃_{s detected by r} (s ⊓ r)| / |r|;
- granularity: mean over detected cases of how many detections detect each; 1 when no
  case is detected;
- plagdet: F1(recall, precision) / log2(1 + granularity).

Two identical detections are one detection (cases and detections are *sets*, as in the
paper and PAN's script). Empty sets follow PAN's reference script
(``pan09-plagiarism-detection-performance-measures.py``) so figures stay comparable:

- no cases and no detections: recall = precision = 1 (nothing to find, nothing wrong);
- cases but no detections: recall = precision = 0;
- detections but no cases: recall = precision = 0, so detections on negative pairs
  always lower precision, and a negatives-only set scores plagdet 1 exactly when it
  has no detections.

Micro-averaged variants weigh characters instead of cases: micro recall is
|⋃ (s ⊓ r)| / |⋃ s| and micro precision |⋃ (s ⊓ r)| / |⋃ r|, over all detecting
(s, r). Unions are taken per document pair and side (PAN's script unions the suspicious
side over all sources of a document; the two differ only when one passage of a
document is annotated against two different partners).

>>> case = Annotation("susp.txt", 100, 200, "src.txt", 0, 100)
>>> half = Annotation("susp.txt", 100, 150, "src.txt", 0, 50)
>>> other = Annotation("susp.txt", 150, 200, "src.txt", 50, 100)
>>> s = evaluate([case], [half])
>>> s.recall, s.precision, s.granularity, round(s.plagdet, 4)
(0.5, 1.0, 1.0, 0.6667)
>>> s = evaluate([case], [half, other])     # all found, but in two pieces
>>> s.recall, s.precision, s.granularity, round(s.plagdet, 4)
(1.0, 1.0, 2.0, 0.6309)
>>> evaluate([], []).plagdet                # a negative pair, nothing reported
1.0
>>> evaluate([], [half]).precision          # a negative pair, something reported
0.0
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "Annotation",
    "Scores",
    "detects",
    "evaluate",
    "granularity",
    "macro_precision",
    "macro_recall",
    "micro_precision",
    "micro_recall",
    "plagdet_score",
]

#: (suspicious document, source document)
DocPair = tuple[str, str]
Interval = tuple[int, int]


@dataclass(frozen=True, slots=True, order=True)
class Annotation:
    """A passage of ``susp`` reused from a passage of ``src`` (a case or a detection).

    ``[susp_start, susp_end)`` and ``[src_start, src_end)`` are half-open code-point
    offsets and must not be empty. PAN's XML gives offset and length; :meth:`from_pan`
    converts.

    >>> Annotation.from_pan("s.txt", 10, 5, "r.txt", 0, 5)
    Annotation(susp='s.txt', susp_start=10, susp_end=15, src='r.txt', src_start=0, src_end=5)
    >>> Annotation("s.txt", 3, 3, "r.txt", 0, 5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: empty or reversed suspicious range [3, 3) in s.txt; an annotation needs ...
    """

    susp: str
    susp_start: int
    susp_end: int
    src: str
    src_start: int
    src_end: int

    def __post_init__(self) -> None:
        for side, name, start, end in (
            ("suspicious", self.susp, self.susp_start, self.susp_end),
            ("source", self.src, self.src_start, self.src_end),
        ):
            if not 0 <= start < end:
                raise ValueError(
                    f"empty or reversed {side} range [{start}, {end}) in {name}; an annotation "
                    "needs at least one character on each side"
                )

    @classmethod
    def from_pan(
        cls,
        susp: str,
        this_offset: int,
        this_length: int,
        src: str,
        source_offset: int,
        source_length: int,
    ) -> Annotation:
        """Build from PAN's offset/length attributes."""
        return cls(
            susp, this_offset, this_offset + this_length,
            src, source_offset, source_offset + source_length,
        )

    @property
    def pair(self) -> DocPair:
        return (self.susp, self.src)

    def __len__(self) -> int:
        """Characters on both sides: |s| in the paper."""
        return (self.susp_end - self.susp_start) + (self.src_end - self.src_start)


@dataclass(frozen=True, slots=True)
class Scores:
    """PAN's measures for one set of cases and detections (macro-averaged, as PAN ranks).

    ``micro_plagdet`` combines the micro-averaged recall and precision with the same
    granularity. ``detected_cases`` counts cases that at least one detection detects.
    """

    plagdet: float
    recall: float
    precision: float
    granularity: float
    micro_plagdet: float
    micro_recall: float
    micro_precision: float
    cases: int
    detections: int
    detected_cases: int


def detects(case: Annotation, detection: Annotation) -> bool:
    """Whether ``detection`` detects ``case``: same pair, overlapping on both sides.

    The relation is symmetric.

    >>> a = Annotation("s", 0, 10, "r", 0, 10)
    >>> detects(a, Annotation("s", 9, 20, "r", 5, 6))
    True
    >>> detects(a, Annotation("s", 10, 20, "r", 5, 6))   # touching is not overlapping
    False
    >>> detects(a, Annotation("s", 0, 10, "other", 0, 10))
    False
    """
    return (
        case.susp == detection.susp
        and case.src == detection.src
        and detection.susp_start < case.susp_end
        and case.susp_start < detection.susp_end
        and detection.src_start < case.src_end
        and case.src_start < detection.src_end
    )


def macro_recall(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    """Mean over cases of the share of each case covered by the detections that detect it."""
    return _macro(_as_set(cases), _as_set(detections))


def macro_precision(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    """Mean over detections of the share of each detection covered by the cases it detects."""
    return _macro(_as_set(detections), _as_set(cases))


def micro_recall(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    """Characters of cases covered by detections that detect them / characters of cases."""
    return _micro(_as_set(cases), _as_set(detections))


def micro_precision(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    """Characters of detections covered by cases they detect / characters of detections."""
    return _micro(_as_set(detections), _as_set(cases))


def granularity(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    """Mean number of detections per detected case; 1 when no case is detected.

    >>> c = Annotation("s", 0, 100, "r", 0, 100)
    >>> halves = [Annotation("s", 0, 50, "r", 0, 50), Annotation("s", 50, 100, "r", 50, 100)]
    >>> granularity([c], halves)
    2.0
    """
    counts = [n for n in _detection_counts(_as_set(cases), _as_set(detections)) if n]
    return sum(counts) / len(counts) if counts else 1.0


def plagdet_score(recall: float, precision: float, granularity: float) -> float:
    """F1 of recall and precision, divided by log2(1 + granularity).

    >>> plagdet_score(1.0, 1.0, 1.0)
    1.0
    >>> round(plagdet_score(0.25, 0.75, 2.0), 6)
    0.236599
    >>> plagdet_score(0.0, 0.0, 1.0)
    0.0
    """
    if not (0.0 <= recall <= 1.0 and 0.0 <= precision <= 1.0):
        raise ValueError(
            f"recall and precision must be between 0 and 1 (got {recall}, {precision})"
        )
    if granularity < 1.0:
        raise ValueError(f"granularity is at least 1 (got {granularity})")
    if recall + precision == 0.0:
        return 0.0
    f1 = 2.0 * recall * precision / (recall + precision)
    return f1 / math.log2(1.0 + granularity)


def evaluate(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> Scores:
    """Every measure at once for ``cases`` (the truth) and ``detections``."""
    case_set, det_set = _as_set(cases), _as_set(detections)
    rec, prec = _macro(case_set, det_set), _macro(det_set, case_set)
    counts = [n for n in _detection_counts(case_set, det_set) if n]
    gran = sum(counts) / len(counts) if counts else 1.0
    mrec, mprec = _micro(case_set, det_set), _micro(det_set, case_set)
    return Scores(
        plagdet=plagdet_score(rec, prec, gran),
        recall=rec,
        precision=prec,
        granularity=gran,
        micro_plagdet=plagdet_score(mrec, mprec, gran),
        micro_recall=mrec,
        micro_precision=mprec,
        cases=len(case_set),
        detections=len(det_set),
        detected_cases=len(counts),
    )


# --- Implementation ----------------------------------------------------------------------
# Annotations are grouped by document pair: only annotations of the same pair can detect
# each other, so the quadratic work stays inside a pair.


def _as_set(annotations: Iterable[Annotation]) -> list[Annotation]:
    """Distinct annotations, sorted so that sums are taken in a reproducible order."""
    return sorted(set(annotations))


def _by_pair(annotations: Sequence[Annotation]) -> dict[DocPair, list[Annotation]]:
    index: dict[DocPair, list[Annotation]] = defaultdict(list)
    for ann in annotations:
        index[ann.pair].append(ann)
    return index


def _empty_convention(xs: Sequence[Annotation], ys: Sequence[Annotation]) -> float | None:
    """PAN's values when either set is empty (see the module docstring), else None."""
    if not xs and not ys:
        return 1.0
    if not xs or not ys:
        return 0.0
    return None


def _macro(xs: Sequence[Annotation], ys: Sequence[Annotation]) -> float:
    """Mean over x in xs of |x covered by the ys that overlap x| / |x| (macro recall/precision)."""
    fixed = _empty_convention(xs, ys)
    if fixed is not None:
        return fixed
    ys_by_pair = _by_pair(ys)
    total = 0.0
    for x in xs:
        hits = [y for y in ys_by_pair.get(x.pair, ()) if detects(x, y)]
        if not hits:
            continue
        covered = _covered(x.susp_start, x.susp_end, [(y.susp_start, y.susp_end) for y in hits])
        covered += _covered(x.src_start, x.src_end, [(y.src_start, y.src_end) for y in hits])
        total += covered / len(x)
    return total / len(xs)


def _micro(xs: Sequence[Annotation], ys: Sequence[Annotation]) -> float:
    """|⋃ (x ⊓ y) over detecting (x, y)| / |⋃ xs|, unions per document pair and side."""
    fixed = _empty_convention(xs, ys)
    if fixed is not None:
        return fixed
    ys_by_pair = _by_pair(ys)
    found = 0
    size = 0
    for pair, group in _by_pair(xs).items():
        susp_hits: list[Interval] = []
        src_hits: list[Interval] = []
        for x in group:
            for y in ys_by_pair.get(pair, ()):
                if detects(x, y):
                    susp_hits.append((max(x.susp_start, y.susp_start), min(x.susp_end, y.susp_end)))
                    src_hits.append((max(x.src_start, y.src_start), min(x.src_end, y.src_end)))
        found += _union_length(susp_hits) + _union_length(src_hits)
        size += _union_length([(x.susp_start, x.susp_end) for x in group])
        size += _union_length([(x.src_start, x.src_end) for x in group])
    return found / size


def _detection_counts(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> list[int]:
    """For each case, how many detections detect it (0 for a missed case)."""
    dets_by_pair = _by_pair(detections)
    return [sum(detects(s, r) for r in dets_by_pair.get(s.pair, ())) for s in cases]


def _covered(start: int, end: int, intervals: Iterable[Interval]) -> int:
    """How many characters of ``[start, end)`` the union of ``intervals`` covers."""
    return _union_length((max(start, lo), min(end, hi)) for lo, hi in intervals)


def _union_length(intervals: Iterable[Interval]) -> int:
    """Characters in the union of half-open intervals (empty ones ignored).

    >>> _union_length([(0, 10), (5, 15), (20, 25), (30, 30)])
    20
    """
    total = 0
    reach = -1  # end of the merged run so far; runs are disjoint before it
    for lo, hi in sorted(iv for iv in intervals if iv[0] < iv[1]):
        if lo >= reach:
            total += hi - lo
            reach = hi
        elif hi > reach:
            total += hi - reach
            reach = hi
    return total
