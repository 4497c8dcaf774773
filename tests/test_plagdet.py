"""PAN's plagdet measures (dedup.eval.plagdet) and the PAN harness (dedup.eval.pan).

The measures are checked three ways: hand-computed cases (including those of PAN's own
unit tests, restricted to external annotations), the empty-set conventions of PAN's
script, and hypothesis against a slow reference that works on explicit character sets.
The harness is checked on a tiny PAN-shaped corpus built in tmp_path, with a fake
scanner, so it runs without the real pipeline or the shared corpora.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import Config
from dedup.eval import pan
from dedup.eval.pan import (
    PanCorpus,
    PanCorpusError,
    dedup_detector,
    default_corpora_dir,
    default_pan_dir,
    detections_from_scan,
    difflib_detector,
    format_table,
    merge_detections,
    read_corpus,
    read_features,
    run_corpus,
)
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
from dedup.model import Document, DocumentReport, Match, Pair, ScanResult, Skipped

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


annotation_st = st.builds(
    lambda susp, src, s0, slen, r0, rlen: A(susp, s0, s0 + slen, src, r0, r0 + rlen),
    st.sampled_from(["s1", "s2"]),
    st.sampled_from(["r1", "r2"]),
    st.integers(0, 60),
    st.integers(1, 30),
    st.integers(0, 60),
    st.integers(1, 30),
)
annotation_lists = st.lists(annotation_st, max_size=6)


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
@given(st.dictionaries(st.tuples(st.sampled_from("abc"), st.sampled_from("xyz")), annotation_st))
def test_detecting_exactly_the_cases_scores_one(pairs: dict[tuple[str, str], Annotation]) -> None:
    # One case per document pair, detected exactly.
    cases = [
        A(susp, a.susp_start, a.susp_end, src, a.src_start, a.src_end)
        for (susp, src), a in pairs.items()
    ]
    scores = evaluate(cases, cases)
    assert (scores.plagdet, scores.micro_plagdet, scores.granularity) == (1.0, 1.0, 1.0)


# --- The PAN harness, on a tiny corpus and a fake scanner ----------------------------------

PASSAGE = "The committee approved the new budget after a long and heated debate. "
SUSP_TEXT = "Opening words.\r\n" + PASSAGE + "Closing words that are only here."
SRC_TEXT = "A different start. " + PASSAGE
OTHER_TEXT = "Nothing in common with anything else, apart from ordinary words."
SUSP_AT = SUSP_TEXT.index(PASSAGE)  # 16: "\r\n" counts as two characters
SRC_AT = SRC_TEXT.index(PASSAGE)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(text)


@pytest.fixture
def corpus(tmp_path: Path) -> PanCorpus:
    """Two categories: a negative pair (s1, r2) and a verbatim pair (s1, r1)."""
    root = tmp_path / "pan"
    _write(root / "susp" / "s1.txt", SUSP_TEXT)
    _write(root / "src" / "r1.txt", SRC_TEXT)
    _write(root / "src" / "r2.txt", OTHER_TEXT)
    _write(root / "01-neg" / "pairs", "s1.txt r2.txt\n")
    _write(root / "01-neg" / "s1-r2.xml", '<document reference="s1.txt">\n</document>\n')
    _write(root / "02-pos" / "pairs", "s1.txt r1.txt\n")
    _write(
        root / "02-pos" / "s1-r1.xml",
        '<document reference="s1.txt">\n'
        '<feature name="about" authors="x" />\n'
        f'<feature name="plagiarism" this_offset="{SUSP_AT}" this_length="{len(PASSAGE)}" '
        f'source_reference="r1.txt" source_offset="{SRC_AT}" '
        f'source_length="{len(PASSAGE)}" type="artificial" />\n'
        '<feature name="plagiarism" this_offset="0" this_length="5" '
        'source_reference="elsewhere.txt" source_offset="0" source_length="5" />\n'
        "</document>\n",
    )
    return read_corpus(root)


TRUE_CASE = A("s1.txt", SUSP_AT, SUSP_AT + len(PASSAGE), "r1.txt", SRC_AT, SRC_AT + len(PASSAGE))


def _report(path: Path) -> DocumentReport:
    doc = Document(id=path.stem, path=str(path), text="", encoding="utf-8", sha256="")
    return DocumentReport(doc, (), 0, 1.0, 0.0, 0.0)


def _result(
    paths: list[Path], pairs: list[Pair], skipped: list[Skipped] | None = None
) -> ScanResult:
    return ScanResult({}, [_report(p) for p in paths], pairs, [], skipped or [])


class FakeScanner:
    """Reports the true passage between s1 and r1 (document order reversed, to test the
    mapping), and ``stray`` matches on any other pair. Records the configs it gets."""

    def __init__(self, stray: bool = False) -> None:
        self.stray = stray
        self.configs: list[Config] = []

    def __call__(self, paths: list[str], config: Config) -> ScanResult:
        self.configs.append(config)
        susp, src = (Path(p) for p in paths)
        if src.name == "r1.txt":
            # Documents listed source first: a is the source, b the suspicious document.
            n = len(PASSAGE)
            match = Match(SRC_AT, SRC_AT + n, SUSP_AT, SUSP_AT + n, 1.0)
            return _result([src, susp], [Pair(0, 1, 0.5, 0.9, 0.5, (match,))])
        if self.stray:
            return _result([susp, src], [Pair(0, 1, 0.1, 0.1, 0.1, (Match(0, 8, 0, 8, 0.9),))])
        return _result([susp, src], [])


def test_read_corpus(corpus: PanCorpus) -> None:
    assert corpus.categories == ("01-neg", "02-pos")
    neg, pos = corpus.pairs
    assert (neg.category, neg.susp, neg.src, neg.cases) == ("01-neg", "s1.txt", "r2.txt", ())
    # Features other than name="plagiarism", and cases of another source, are left out.
    assert pos.cases == (TRUE_CASE,)
    text = corpus.susp_path(pos).read_bytes().decode("utf-8")
    assert text[TRUE_CASE.susp_start : TRUE_CASE.susp_end] == PASSAGE


def test_read_corpus_only_some_categories(corpus: PanCorpus) -> None:
    assert read_corpus(corpus.root, categories=["02-pos"]).categories == ("02-pos",)
    with pytest.raises(PanCorpusError, match="unknown category 03-x"):
        read_corpus(corpus.root, categories=["03-x"])


def test_missing_corpus_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PanCorpusError, match="DEDUP_CORPORA"):
        read_corpus(tmp_path / "nowhere")


def test_missing_truth_file(corpus: PanCorpus) -> None:
    (corpus.root / "02-pos" / "s1-r1.xml").unlink()
    with pytest.raises(PanCorpusError, match=r"s1-r1\.xml is missing"):
        read_corpus(corpus.root)


def test_corpora_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEDUP_CORPORA", str(tmp_path))
    assert default_pan_dir() == tmp_path / "pan13-mini"
    monkeypatch.delenv("DEDUP_CORPORA")
    # Found next to the folder dedup runs from (an installed, not editable, dedup)...
    (tmp_path / "shared" / "corpora").mkdir(parents=True)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    found = default_corpora_dir()
    # ... unless the checkout holding this dedup has one.
    beside_package = Path(pan.__file__).resolve().parents[3] / "shared" / "corpora"
    assert found == (beside_package if beside_package.is_dir() else
                     tmp_path / "shared" / "corpora")


def test_run_corpus_with_a_fake_scanner(corpus: PanCorpus, tmp_path: Path) -> None:
    scanner = FakeScanner()
    config = Config(threshold=0.7)
    out = tmp_path / "detections"
    report = run_corpus(corpus, dedup_detector(config, scanner=scanner), name="fake", out=out)
    assert scanner.configs == [config, config]
    assert report.runs[1].detections == (TRUE_CASE,)
    assert report.overall.plagdet == 1
    assert report.categories["01-neg"].detections == 0
    assert report.categories["01-neg"].plagdet == 1
    assert report.categories["02-pos"].plagdet == 1
    # PAN XML mirrors the corpus layout and reads back to the same detections.
    written = out / "02-pos" / "s1-r1.xml"
    assert read_features(written, "detected-plagiarism") == [TRUE_CASE]
    assert read_features(out / "01-neg" / "s1-r2.xml", "detected-plagiarism") == []
    assert 'name="detected-plagiarism"' in written.read_text("utf-8")
    table = format_table(report)
    assert table.splitlines()[0] == "fake on pan"
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[3:]}
    # pairs, cases, plagdet, recall, precision, granularity, detections, seconds
    assert rows["01-neg"][:7] == ["1", "0", "1.000", "1.000", "1.000", "1.00", "0"]
    assert rows["overall"][:7] == ["2", "1", "1.000", "1.000", "1.000", "1.00", "1"]


def test_detections_on_negative_pairs_count(corpus: PanCorpus) -> None:
    report = run_corpus(corpus, dedup_detector(scanner=FakeScanner(stray=True)))
    assert report.categories["01-neg"].detections == 1
    assert report.categories["01-neg"].plagdet == 0
    assert report.overall.recall == 1
    assert report.overall.precision == 0.5
    assert report.as_dict()["categories"]["01-neg"]["detections"] == 1


def test_scan_of_other_documents_is_an_error(tmp_path: Path) -> None:
    result = _result([tmp_path / "x.txt", tmp_path / "s1.txt"], [])
    with pytest.raises(PanCorpusError, match="neither"):
        detections_from_scan(result, tmp_path / "s1.txt", tmp_path / "r1.txt")


def test_skipped_documents_become_notes(tmp_path: Path) -> None:
    susp, src = tmp_path / "s1.txt", tmp_path / "r1.txt"
    result = _result([susp], [], [Skipped(str(src), "cannot decode")])
    found = detections_from_scan(result, susp, src)
    assert found.annotations == ()
    assert found.notes == (f"dedup skipped {src}: cannot decode",)


def test_importing_the_harness_does_not_import_the_pipeline() -> None:
    code = "import sys, dedup.eval.pan; assert 'dedup.pipeline' not in sys.modules"
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_difflib_baseline_finds_a_verbatim_passage(corpus: PanCorpus) -> None:
    report = run_corpus(corpus, difflib_detector(min_words=4, gap=10, min_chars=20))
    (detection,) = report.runs[1].detections
    assert detects(TRUE_CASE, detection)
    assert report.categories["02-pos"].recall > 0.9
    assert report.categories["01-neg"].detections == 0


boxes = st.lists(
    st.builds(
        lambda s0, slen, r0, rlen: A("s", s0, s0 + slen, "r", r0, r0 + rlen),
        st.integers(0, 200), st.integers(1, 40), st.integers(0, 200), st.integers(1, 40),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(boxes, st.integers(0, 30))
def test_merge_detections(detections: list[Annotation], gap: int) -> None:
    merged = merge_detections(detections, gap=gap)
    assert merged == merge_detections(list(reversed(detections)), gap=gap)
    for d in detections:  # every input lies inside one output
        assert any(
            m.susp_start <= d.susp_start and d.susp_end <= m.susp_end
            and m.src_start <= d.src_start and d.src_end <= m.src_end
            for m in merged
        )
    for i, a in enumerate(merged):  # no two outputs are still close on both sides
        for b in merged[i + 1 :]:
            assert (
                a.susp_start > b.susp_end + gap or b.susp_start > a.susp_end + gap
                or a.src_start > b.src_end + gap or b.src_start > a.src_end + gap
            )
