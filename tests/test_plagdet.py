"""PAN's plagdet measures (dedup.eval.plagdet) and the PAN harness (dedup.eval.pan).

The measures are checked three ways: hand-computed cases (including those of PAN's own
unit tests, restricted to external annotations), the empty-set conventions of PAN's
script, and hypothesis against a slow reference that works on explicit character sets.
The harness is checked on a tiny PAN-shaped corpus built in tmp_path, with a fake
scanner, so it runs without the real pipeline or the shared corpora.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.eval.plagdet import (
    Annotation,
    detects,
    evaluate,
    granularity,
    macro_precision,
    macro_recall,
    micro_precision,
    micro_recall,
    plagdet_score,
)

A = Annotation

# The annotations of PAN's reference unit tests (perfmeasures.py), external ones only.
ANN1 = A("t1", 0, 100, "s1", 0, 100)
ANN3 = A("t1", 100, 200, "s1", 100, 200)
ANN4 = A("t1", 0, 200, "s1", 0, 200)
ANN5 = A("t1", 0, 1, "s1", 0, 1)
ANN6 = A("t1", 99, 100, "s1", 99, 100)
ANN7 = A("t2", 0, 100, "s2", 0, 100)
ANN9 = A("t2", 50, 150, "s2", 50, 150)
ANN10 = A("t2", 25, 100, "s2", 25, 100)


# --- Hand-computed values ----------------------------------------------------------------


def test_detects_needs_overlap_on_both_sides_of_the_same_pair() -> None:
    assert detects(ANN1, ANN4)
    assert detects(ANN1, ANN5)
    assert detects(ANN1, ANN6)
    assert not detects(ANN1, ANN3)  # adjacent, not overlapping
    assert not detects(ANN1, ANN7)  # other pair
    assert not detects(ANN1, A("t1", 0, 100, "s1", 100, 200))  # suspicious side only
    assert not detects(ANN1, A("t1", 100, 200, "s1", 0, 100))  # source side only
    assert not detects(ANN1, A("t1", 0, 100, "s2", 0, 100))  # same suspicious, other source


def test_empty_sets_follow_pan() -> None:
    assert macro_recall([], []) == 1
    assert macro_precision([], []) == 1
    assert macro_recall([ANN1], []) == 0
    assert macro_precision([ANN1], []) == 0
    assert macro_recall([], [ANN1]) == 0
    assert macro_precision([], [ANN1]) == 0
    assert granularity([], []) == 1
    assert granularity([ANN1], []) == 1
    assert micro_recall([], []) == 1
    assert micro_precision([ANN1], []) == 0


def test_macro_recall_by_hand() -> None:
    assert macro_recall([ANN1], [ANN1]) == 1
    assert macro_recall([ANN1, ANN7], [ANN1]) == 0.5
    assert macro_recall([ANN1], [ANN7]) == 0
    assert macro_recall([ANN1], [ANN3]) == 0
    assert macro_recall([ANN1], [ANN4]) == 1
    assert macro_recall([ANN1], [ANN4, ANN7]) == 1
    assert macro_recall([ANN7], [ANN9]) == 0.5
    assert macro_recall([ANN7], [ANN10]) == 0.75
    assert macro_recall([ANN7], [ANN9, ANN10]) == 0.75  # overlapping detections count once


def test_macro_precision_by_hand() -> None:
    assert macro_precision([ANN1], [ANN1]) == 1
    assert macro_precision([ANN1, ANN7], [ANN1]) == 1
    assert macro_precision([ANN1], [ANN4]) == 0.5
    assert macro_precision([ANN7], [ANN10]) == 1
    assert macro_precision([ANN7], [ANN9, ANN10]) == 0.75
    assert macro_precision([ANN1], [ANN3, ANN4]) == 0.25


def test_granularity_by_hand() -> None:
    assert granularity([ANN1], [ANN4]) == 1
    assert granularity([ANN1], [ANN5, ANN6, ANN4]) == 3
    assert granularity([ANN1, ANN3], [ANN4]) == 1  # one detection spanning two cases
    assert granularity([ANN1, ANN3], [ANN5, ANN4]) == 1.5
    assert granularity([ANN1, ANN7], [ANN5, ANN6]) == 2  # the missed case does not count


def test_plagdet_score_by_hand() -> None:
    assert plagdet_score(1, 1, 1) == 1
    assert plagdet_score(0, 0, 1) == 0
    assert plagdet_score(0, 1, 1) == 0
    assert plagdet_score(0.5, 1, 1) == pytest.approx(2 / 3)
    assert plagdet_score(1, 0.5, 1) == pytest.approx(2 / 3)
    assert plagdet_score(1, 1, 2) == pytest.approx(0.63092975)
    assert plagdet_score(0.25, 0.75, 2) == pytest.approx(0.23659866)


def test_plagdet_score_rejects_out_of_range_values() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        plagdet_score(1.5, 1, 1)
    with pytest.raises(ValueError, match="at least 1"):
        plagdet_score(1, 1, 0.5)


def test_sides_of_different_lengths_weigh_by_characters() -> None:
    # A summary-like case: 100 characters in the suspicious document, 300 in the source.
    case = A("s", 1000, 1100, "r", 0, 300)
    det = A("s", 1000, 1100, "r", 0, 100)
    scores = evaluate([case], [det])
    assert scores.recall == (100 + 100) / 400
    assert scores.precision == 1
    assert scores.plagdet == pytest.approx(2 * 0.5 / 1.5)


def test_micro_weighs_characters_macro_weighs_cases() -> None:
    big = A("s", 0, 100, "r", 0, 100)
    small = A("s", 200, 250, "r", 200, 250)
    scores = evaluate([big, small], [big])
    assert scores.recall == 0.5
    assert scores.micro_recall == pytest.approx(200 / 300)
    assert scores.precision == scores.micro_precision == 1


def test_detections_on_negative_pairs_lower_precision() -> None:
    stray = A("neg-susp", 0, 50, "neg-src", 0, 50)
    clean = evaluate([ANN1], [ANN1])
    noisy = evaluate([ANN1], [ANN1, stray])
    assert clean.plagdet == 1
    assert noisy.recall == 1
    assert noisy.precision == 0.5
    assert noisy.plagdet == pytest.approx(2 / 3)


def test_negatives_only() -> None:
    assert evaluate([], []).plagdet == 1
    assert evaluate([], []).detections == 0
    reported = evaluate([], [A("s", 0, 10, "r", 0, 10)])
    assert reported.precision == 0
    assert reported.plagdet == 0
    assert reported.detections == 1


def test_duplicate_detections_count_once() -> None:
    assert evaluate([ANN1], [ANN5, ANN5]) == evaluate([ANN1], [ANN5])


def test_evaluate_counts() -> None:
    scores = evaluate([ANN1, ANN3, ANN7], [ANN5, ANN6, ANN3])
    assert (scores.cases, scores.detections, scores.detected_cases) == (3, 3, 2)
    assert scores.granularity == 1.5
    # ANN5 and ANN6 each cover one character per side of ANN1.
    assert scores.recall == pytest.approx((4 / 200 + 1 + 0) / 3)
    assert scores.precision == 1


def test_annotation_validates_and_converts() -> None:
    assert A.from_pan("s", 5, 10, "r", 0, 3) == A("s", 5, 15, "r", 0, 3)
    assert len(A("s", 5, 15, "r", 0, 3)) == 13
    with pytest.raises(ValueError, match="source range"):
        A("s", 0, 1, "r", 4, 2)
    with pytest.raises(ValueError, match="suspicious range"):
        A("s", -1, 1, "r", 0, 2)


# --- Property tests against a character-set reference ------------------------------------

Char = tuple[str, str, str, int]


def chars(a: Annotation) -> set[Char]:
    """Every character of ``a`` as (pair, side, position): |s| in the paper, literally."""
    return {(a.susp, a.src, "susp", i) for i in range(a.susp_start, a.susp_end)} | {
        (a.susp, a.src, "src", i) for i in range(a.src_start, a.src_end)
    }


def ref_detects(s: Annotation, r: Annotation) -> bool:
    common = chars(s) & chars(r)
    return any(c[2] == "susp" for c in common) and any(c[2] == "src" for c in common)


def ref_macro(xs: Iterable[Annotation], ys: Iterable[Annotation]) -> float:
    xset, yset = set(xs), set(ys)
    if not xset and not yset:
        return 1.0
    if not xset or not yset:
        return 0.0
    shares = []
    for x in xset:
        covered: set[Char] = set()
        for y in yset:
            if ref_detects(x, y):
                covered |= chars(x) & chars(y)
        shares.append(len(covered) / len(chars(x)))
    return sum(shares) / len(shares)


def ref_micro(xs: Iterable[Annotation], ys: Iterable[Annotation]) -> float:
    xset, yset = set(xs), set(ys)
    if not xset and not yset:
        return 1.0
    if not xset or not yset:
        return 0.0
    found: set[Char] = set()
    for x in xset:
        for y in yset:
            if ref_detects(x, y):
                found |= chars(x) & chars(y)
    return len(found) / len(set().union(*(chars(x) for x in xset)))


def ref_granularity(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    counts = [sum(ref_detects(s, r) for r in set(detections)) for s in set(cases)]
    detected = [n for n in counts if n]
    return sum(detected) / len(detected) if detected else 1.0


annotations = st.builds(
    lambda susp, src, s0, slen, r0, rlen: A(susp, s0, s0 + slen, src, r0, r0 + rlen),
    st.sampled_from(["s1", "s2"]),
    st.sampled_from(["r1", "r2"]),
    st.integers(0, 60),
    st.integers(1, 30),
    st.integers(0, 60),
    st.integers(1, 30),
)
annotation_lists = st.lists(annotations, max_size=6)


@settings(max_examples=300, deadline=None)
@given(annotation_lists, annotation_lists)
def test_measures_match_the_character_set_reference(
    cases: list[Annotation], detections: list[Annotation]
) -> None:
    scores = evaluate(cases, detections)
    assert scores.recall == pytest.approx(ref_macro(cases, detections), abs=1e-12)
    assert scores.precision == pytest.approx(ref_macro(detections, cases), abs=1e-12)
    assert scores.micro_recall == pytest.approx(ref_micro(cases, detections), abs=1e-12)
    assert scores.micro_precision == pytest.approx(ref_micro(detections, cases), abs=1e-12)
    assert scores.granularity == pytest.approx(ref_granularity(cases, detections), abs=1e-12)
    rec, prec, gran = scores.recall, scores.precision, scores.granularity
    expected = 0.0 if rec + prec == 0 else 2 * rec * prec / (rec + prec) / math.log2(1 + gran)
    assert scores.plagdet == pytest.approx(expected, abs=1e-12)
    assert 0 <= scores.plagdet <= 1
    assert scores.cases == len(set(cases))
    assert scores.detections == len(set(detections))


@settings(max_examples=200, deadline=None)
@given(annotation_lists, annotation_lists)
def test_each_pair_is_detected_independently(
    cases: list[Annotation], detections: list[Annotation]
) -> None:
    """Whether r detects s agrees with the reference, and is symmetric."""
    for s in cases:
        for r in detections:
            assert detects(s, r) == ref_detects(s, r) == detects(r, s)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from("abc"), st.sampled_from("xyz")), annotations))
def test_detecting_exactly_the_cases_scores_one(pairs: dict[tuple[str, str], Annotation]) -> None:
    # One case per document pair, detected exactly.
    cases = [
        A(susp, a.susp_start, a.susp_end, src, a.src_start, a.src_end)
        for (susp, src), a in pairs.items()
    ]
    scores = evaluate(cases, cases)
    assert (scores.plagdet, scores.micro_plagdet, scores.granularity) == (1.0, 1.0, 1.0)
