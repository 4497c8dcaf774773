"""Run a detector on a PAN text-alignment corpus and score it with plagdet.

A PAN corpus folder holds ``susp/``, ``src/`` and one folder per category (e.g.
``02-no-obfuscation``) with a ``pairs`` file (one "susp src" pair a line) and, per pair,
``<susp stem>-<src stem>.xml`` whose ``<feature name="plagiarism" .../>`` elements are the
true cases. Offsets are code points into the files decoded as UTF-8 with no newline
translation, the convention of dedup's own offsets.

A *detector* maps (suspicious path, source path) to detections. :func:`dedup_detector`
runs dedup's library API on the two files and turns every match between them into a
detection; :func:`difflib_detector` is a plain difflib baseline. :func:`run_corpus` runs
one on every pair, optionally writes PAN-format detection XML, and scores the result
overall and per category (each category scored on its own cases and detections).

>>> corpus = read_corpus(default_corpora_dir() / "pan13-mini")        # doctest: +SKIP
>>> report = run_corpus(corpus, dedup_detector(), name="dedup")         # doctest: +SKIP
>>> print(format_table(report))                                        # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import os
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dedup.config import Config
from dedup.errors import DedupError
from dedup.eval.plagdet import Annotation, Scores, evaluate
from dedup.model import ScanResult

__all__ = [
    "CORPORA_ENV",
    "Detections",
    "Detector",
    "PairRun",
    "PanCorpus",
    "PanCorpusError",
    "PanPair",
    "PanReport",
    "Scanner",
    "dedup_detector",
    "default_corpora_dir",
    "default_pan_dir",
    "detections_from_scan",
    "difflib_detector",
    "format_table",
    "merge_detections",
    "read_corpus",
    "read_features",
    "run_corpus",
    "score_runs",
    "write_detections",
]

#: Environment variable naming the folder that holds the shared corpora (pan13-mini, …).
CORPORA_ENV = "DEDUP_CORPORA"

#: Feature names of PAN's truth and detection files.
CASE_FEATURE = "plagiarism"
DETECTION_FEATURE = "detected-plagiarism"

# --- difflib baseline parameters -----------------------------------------------------------
# A plain baseline, not tuned to win. The values were picked before measuring; on
# pan13-mini they give 0.57 overall plagdet, and nearby values (3-6 words, gaps of
# 100-400 characters, 50-200 characters minimum) give 0.49-0.64.

#: Shortest run of identical words that counts as a matching block (shorter runs are
#: ordinary phrases such as "in the United States").
DIFFLIB_MIN_WORDS = 4

#: Matching blocks closer than this many characters on both sides merge into one
#: detection (obfuscation breaks a reused passage into several blocks).
DIFFLIB_GAP = 200

#: Merged detections shorter than this many characters on the suspicious side are dropped.
DIFFLIB_MIN_CHARS = 150

_WORD = re.compile(r"\w+")
_OFFSET_ATTRS = ("this_offset", "this_length", "source_offset", "source_length")

class PanCorpusError(DedupError):
    """A PAN corpus folder is missing or malformed, or a scan cannot be mapped onto it."""


@dataclass(frozen=True, slots=True)
class Detections:
    """What a detector found for one pair, with notes (e.g. a file dedup skipped)."""

    annotations: tuple[Annotation, ...]
    notes: tuple[str, ...] = ()


Scanner = Callable[[list[str], Config], ScanResult]
"""What :func:`dedup.scan` looks like: paths and a config in, a :class:`ScanResult` out."""

Detector = Callable[[Path, Path], Detections]
"""(suspicious path, source path) -> detections, and notes on anything that went wrong."""

Progress = Callable[[int, int, "PanPair"], None]
"""Called before each pair as (index, number of pairs, pair)."""



@dataclass(frozen=True, slots=True)
class PanPair:
    """One suspicious/source pair of a category, with its true cases."""

    category: str
    susp: str
    src: str
    cases: tuple[Annotation, ...]


@dataclass(frozen=True, slots=True)
class PanCorpus:
    """A PAN text-alignment corpus: its folder and every pair, in category order."""

    root: Path
    pairs: tuple[PanPair, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.category for p in self.pairs))

    def susp_path(self, pair: PanPair) -> Path:
        return self.root / "susp" / pair.susp

    def src_path(self, pair: PanPair) -> Path:
        return self.root / "src" / pair.src


@dataclass(frozen=True, slots=True)
class PairRun:
    """A detector's output on one pair and the time it took."""

    pair: PanPair
    detections: tuple[Annotation, ...]
    seconds: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PanReport:
    """Scores of one detector on a corpus: overall, per category, and per pair."""

    detector: str
    corpus: Path
    runs: tuple[PairRun, ...]
    overall: Scores
    categories: dict[str, Scores] = field(default_factory=dict)
    seconds: float = 0.0

    def category_seconds(self, category: str) -> float:
        return sum(r.seconds for r in self.runs if r.pair.category == category)

    def category_pairs(self, category: str) -> int:
        return sum(1 for r in self.runs if r.pair.category == category)

    @property
    def notes(self) -> list[str]:
        return [f"{r.pair.susp} {r.pair.src}: {n}" for r in self.runs for n in r.notes]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: the figures to pin in a quality gate."""

        def scores(s: Scores, seconds: float, pairs: int) -> dict[str, Any]:
            return {
                "pairs": pairs,
                "cases": s.cases,
                "detections": s.detections,
                "detected_cases": s.detected_cases,
                "plagdet": s.plagdet,
                "recall": s.recall,
                "precision": s.precision,
                "granularity": s.granularity,
                "micro_plagdet": s.micro_plagdet,
                "micro_recall": s.micro_recall,
                "micro_precision": s.micro_precision,
                "seconds": seconds,
            }

        return {
            "detector": self.detector,
            "corpus": str(self.corpus),
            "overall": scores(self.overall, self.seconds, len(self.runs)),
            "categories": {
                name: scores(s, self.category_seconds(name), self.category_pairs(name))
                for name, s in self.categories.items()
            },
            "notes": self.notes,
        }


# --- Reading a corpus ----------------------------------------------------------------------


def default_corpora_dir() -> Path:
    """``$DEDUP_CORPORA``, else ``../shared/corpora`` next to the checkout.

    The checkout is found from this file (an editable install) or, when dedup was
    installed into a virtual environment, from the current folder (run from the checkout).
    """
    env = os.environ.get(CORPORA_ENV)
    if env:
        return Path(env)
    candidates = [Path(__file__).resolve().parents[3] / "shared" / "corpora",
                  Path.cwd().resolve().parent / "shared" / "corpora"]
    return next((c for c in candidates if c.is_dir()), candidates[-1])


def default_pan_dir() -> Path:
    """Where pan13-mini is expected."""
    return default_corpora_dir() / "pan13-mini"


def read_corpus(root: Path | str, *, categories: Sequence[str] | None = None) -> PanCorpus:
    """Read the pairs and true cases of every category (or of ``categories``) under ``root``.

    A category is a sub-folder with a ``pairs`` file; categories come in name order and
    pairs in file order.
    """
    root = Path(root)
    if not (root / "susp").is_dir() or not (root / "src").is_dir():
        raise PanCorpusError(
            f"no PAN corpus at {root}: expected susp/, src/ and category folders with a "
            f"pairs file; pass the corpus folder or set {CORPORA_ENV} to the folder that "
            "holds pan13-mini"
        )
    found = sorted(p.parent.name for p in root.glob("*/pairs"))
    if categories is not None:
        unknown = [c for c in categories if c not in found]
        if unknown:
            raise PanCorpusError(
                f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)} "
                f"in {root}; choose from {', '.join(found)}"
            )
        found = [c for c in found if c in categories]
    if not found:
        raise PanCorpusError(f"no category folder with a pairs file in {root}")
    pairs: list[PanPair] = []
    for category in found:
        folder = root / category
        for number, line in enumerate((folder / "pairs").read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            names = line.split()
            if len(names) != 2:
                raise PanCorpusError(
                    f"{folder / 'pairs'} line {number}: expected 'susp src', got {line!r}"
                )
            susp, src = names
            truth = folder / f"{Path(susp).stem}-{Path(src).stem}.xml"
            if not truth.is_file():
                raise PanCorpusError(f"{truth} is missing: every pair needs a truth file")
            cases = tuple(c for c in read_features(truth, CASE_FEATURE) if c.src == src)
            pairs.append(PanPair(category, susp, src, cases))
    return PanCorpus(root, tuple(pairs))


def read_features(path: Path | str, name: str = CASE_FEATURE) -> list[Annotation]:
    """The annotations of a PAN XML file: every ``<feature name=name>`` with offsets.

    Features without source offsets (intrinsic annotations) are not text alignment and are
    left out. Use ``name="detected-plagiarism"`` to read detections back.
    """
    try:
        document = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise PanCorpusError(f"{path}: cannot read PAN XML ({exc})") from exc
    susp = document.get("reference")
    if document.tag != "document" or not susp:
        raise PanCorpusError(f"{path}: expected a <document reference=...> root element")
    annotations = []
    for feature in document.iter("feature"):
        if feature.get("name") != name:
            continue
        src = feature.get("source_reference")
        numbers = [feature.get(a) for a in _OFFSET_ATTRS]
        if src is None or None in numbers:
            continue
        try:
            t_off, t_len, s_off, s_len = (int(str(v)) for v in numbers)
            annotations.append(Annotation.from_pan(susp, t_off, t_len, src, s_off, s_len))
        except ValueError as exc:
            raise PanCorpusError(f"{path}: bad feature {feature.attrib}: {exc}") from exc
    return annotations


def write_detections(
    out: Path | str, pair: PanPair, detections: Iterable[Annotation]
) -> Path:
    """Write ``detections`` as PAN XML to ``out/<category>/<susp stem>-<src stem>.xml``.

    The folder mirrors the corpus, so PAN's own script can score it against the truth.
    """
    path = Path(out) / pair.category / f"{Path(pair.susp).stem}-{Path(pair.src).stem}.xml"
    document = ET.Element("document", reference=pair.susp)
    for d in sorted(detections):
        ET.SubElement(
            document,
            "feature",
            name=DETECTION_FEATURE,
            this_offset=str(d.susp_start),
            this_length=str(d.susp_end - d.susp_start),
            source_reference=d.src,
            source_offset=str(d.src_start),
            source_length=str(d.src_end - d.src_start),
        )
    ET.indent(document)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ET.ElementTree(document).write(path, encoding="utf-8", xml_declaration=True)
    except OSError as exc:
        raise PanCorpusError(f"cannot write detections to {path}: {exc}") from exc
    return path


# --- Detectors -----------------------------------------------------------------------------


def _scan_with_dedup(paths: list[str], config: Config) -> ScanResult:
    # Imported here: the pipeline is heavy, and the harness must import without it.
    from dedup import scan

    return scan(paths, config)


def dedup_detector(config: Config | None = None, *, scanner: Scanner | None = None) -> Detector:
    """A detector that scans the two files with dedup and reports every match between them.

    ``scanner`` replaces :func:`dedup.scan` (tests pass a fake one). Each match is one
    detection, exactly as dedup reports it: nothing is merged, so granularity measures
    dedup's own fragmentation.
    """
    cfg = config if config is not None else Config()
    run = scanner if scanner is not None else _scan_with_dedup

    def detect(susp: Path, src: Path) -> Detections:
        return detections_from_scan(run([str(susp), str(src)], cfg), susp, src)

    return detect


def detections_from_scan(result: ScanResult, susp: Path, src: Path) -> Detections:
    """The matches between ``susp`` and ``src`` in ``result``, as (susp, src) detections.

    Documents are recognised by path (resolved), else by file name; a match found in
    either order (``a`` the suspicious or the source document) is mapped onto PAN's
    suspicious/source sides.
    """
    roles: dict[int, Literal["susp", "src"]] = {}
    for index, report in enumerate(result.documents):
        role = _role(report.document.path, susp, src)
        if role is None:
            raise PanCorpusError(
                f"the scan returned {report.document.path!r}, which is neither {susp} nor "
                f"{src}; the scanner must scan exactly the two files it is given"
            )
        roles[index] = role
    notes = [f"dedup skipped {s.path}: {s.reason}" for s in result.skipped]
    found: list[Annotation] = []
    for pair in result.pairs:
        sides = (roles.get(pair.a), roles.get(pair.b))
        if sides not in (("susp", "src"), ("src", "susp")):
            continue
        for m in pair.matches:
            if sides == ("susp", "src"):
                spans = (m.a_start, m.a_end, m.b_start, m.b_end)
            else:
                spans = (m.b_start, m.b_end, m.a_start, m.a_end)
            try:
                found.append(Annotation(susp.name, spans[0], spans[1], src.name, *spans[2:]))
            except ValueError as exc:
                notes.append(f"match {m} ignored: {exc}")
    return Detections(tuple(found), tuple(notes))


def _role(path: str, susp: Path, src: Path) -> Literal["susp", "src"] | None:
    resolved = Path(path).resolve()
    if resolved == susp.resolve():
        return "susp"
    if resolved == src.resolve():
        return "src"
    name = Path(path).name
    if name == susp.name and name != src.name:
        return "susp"
    if name == src.name and name != susp.name:
        return "src"
    return None


def difflib_detector(
    *,
    min_words: int = DIFFLIB_MIN_WORDS,
    gap: int = DIFFLIB_GAP,
    min_chars: int = DIFFLIB_MIN_CHARS,
) -> Detector:
    """A plain baseline: difflib's matching blocks of lower-cased words, merged.

    ``SequenceMatcher`` (with its default junk heuristic) aligns the two word sequences;
    blocks of at least ``min_words`` words become character ranges, blocks within ``gap``
    characters of each other on both sides merge, and merged detections shorter than
    ``min_chars`` suspicious characters are dropped. difflib finds one monotone alignment,
    so passages reused out of order are partly missed; that is part of the baseline.
    """

    def detect(susp: Path, src: Path) -> Detections:
        a, b = _read_text(susp), _read_text(src)
        wa = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(a)]
        wb = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(b)]
        matcher = difflib.SequenceMatcher(None, [w[2] for w in wa], [w[2] for w in wb])
        blocks = [
            Annotation(
                susp.name, wa[m.a][0], wa[m.a + m.size - 1][1],
                src.name, wb[m.b][0], wb[m.b + m.size - 1][1],
            )
            for m in matcher.get_matching_blocks()
            if m.size >= min_words
        ]
        merged = merge_detections(blocks, gap=gap)
        return Detections(tuple(d for d in merged if d.susp_end - d.susp_start >= min_chars))

    return detect


def _read_text(path: Path) -> str:
    """The file as PAN's offsets index it: UTF-8, no newline translation."""
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return f.read()


def merge_detections(detections: Iterable[Annotation], *, gap: int) -> list[Annotation]:
    """Merge detections of the same pair lying within ``gap`` characters on both sides.

    Merged detections span from the first to the last character of their parts on each
    side. Merging repeats until no two detections are close, so the result does not
    depend on the input order.

    >>> a = Annotation("s", 0, 10, "r", 0, 10)
    >>> b = Annotation("s", 15, 20, "r", 12, 20)
    >>> merge_detections([a, b], gap=5)
    [Annotation(susp='s', susp_start=0, susp_end=20, src='r', src_start=0, src_end=20)]
    >>> len(merge_detections([a, b], gap=4))
    2
    """
    if gap < 0:
        raise ValueError(f"gap must be 0 or more characters (got {gap})")
    boxes = sorted(set(detections))
    changed = True
    while changed:
        changed = False
        out: list[Annotation] = []
        for box in boxes:
            for i, kept in enumerate(out):
                if _close(kept, box, gap):
                    out[i] = Annotation(
                        box.susp,
                        min(kept.susp_start, box.susp_start), max(kept.susp_end, box.susp_end),
                        box.src,
                        min(kept.src_start, box.src_start), max(kept.src_end, box.src_end),
                    )
                    changed = True
                    break
            else:
                out.append(box)
        boxes = sorted(out)
    return boxes


def _close(a: Annotation, b: Annotation, gap: int) -> bool:
    return (
        a.pair == b.pair
        and a.susp_start <= b.susp_end + gap
        and b.susp_start <= a.susp_end + gap
        and a.src_start <= b.src_end + gap
        and b.src_start <= a.src_end + gap
    )


# --- Running and scoring -------------------------------------------------------------------


def run_corpus(
    corpus: PanCorpus,
    detector: Detector,
    *,
    name: str = "dedup",
    out: Path | str | None = None,
    progress: Progress | None = None,
) -> PanReport:
    """Run ``detector`` on every pair of ``corpus`` and score it; write XML to ``out`` if given.

    Times are the detector's own (reading truth and scoring are not counted).
    """
    runs: list[PairRun] = []
    for index, pair in enumerate(corpus.pairs):
        if progress is not None:
            progress(index, len(corpus.pairs), pair)
        started = time.perf_counter()
        found = detector(corpus.susp_path(pair), corpus.src_path(pair))
        seconds = time.perf_counter() - started
        runs.append(PairRun(pair, found.annotations, seconds, found.notes))
        if out is not None:
            write_detections(out, pair, found.annotations)
    return score_runs(runs, name=name, corpus=corpus.root)


def score_runs(runs: Sequence[PairRun], *, name: str, corpus: Path) -> PanReport:
    """Score ``runs`` overall and per category."""

    def score(selected: Iterable[PairRun]) -> Scores:
        chosen = list(selected)
        return evaluate(
            (c for r in chosen for c in r.pair.cases),
            (d for r in chosen for d in r.detections),
        )

    categories = list(dict.fromkeys(r.pair.category for r in runs))
    return PanReport(
        detector=name,
        corpus=corpus,
        runs=tuple(runs),
        overall=score(runs),
        categories={c: score(r for r in runs if r.pair.category == c) for c in categories},
        seconds=sum(r.seconds for r in runs),
    )


def format_table(report: PanReport) -> str:
    """The scores as a fixed-width plain-text table, one row per category and overall."""
    header = (
        f"{'category':<28}{'pairs':>6}{'cases':>6}{'plagdet':>9}{'recall':>8}"
        f"{'prec':>8}{'gran':>7}{'dets':>6}{'secs':>8}"
    )

    def row(label: str, s: Scores, pairs: int, seconds: float) -> str:
        return (
            f"{label:<28}{pairs:>6}{s.cases:>6}{s.plagdet:>9.3f}{s.recall:>8.3f}"
            f"{s.precision:>8.3f}{s.granularity:>7.2f}{s.detections:>6}{seconds:>8.1f}"
        )

    lines = [f"{report.detector} on {report.corpus.name}", header, "-" * len(header)]
    for category, scores in report.categories.items():
        lines.append(
            row(category, scores, report.category_pairs(category),
                report.category_seconds(category))
        )
    lines.append("-" * len(header))
    lines.append(row("overall", report.overall, len(report.runs), report.seconds))
    notes = report.notes
    if notes:
        lines.append(f"{len(notes)} note(s):")
        lines.extend(f"  {n}" for n in notes)
    return "\n".join(lines)
