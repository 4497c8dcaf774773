"""Quality gate: dedup's plagdet on pan13-mini must not fall below the pinned floors.

Floors live in ``pan_baseline.json`` next to this file (with the targets the project aims
for); ``python bench/pan.py`` prints the table to raise them from. The corpus is read from
``$DEDUP_CORPORA/pan13-mini`` or ``<repo>/../shared/corpora/pan13-mini``; the gate skips
when it is absent and fails, naming the cause, when the pipeline cannot be imported.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from dedup.config import Config
from dedup.eval.pan import (
    PanReport,
    dedup_detector,
    default_pan_dir,
    format_table,
    read_corpus,
    run_corpus,
)

BASELINE_FILE = Path(__file__).with_name("pan_baseline.json")


def load_baseline() -> dict[str, Any]:
    baseline: dict[str, Any] = json.loads(BASELINE_FILE.read_text(encoding="utf-8"))
    return baseline


BASELINE = load_baseline()
GATED_CATEGORIES = sorted(BASELINE["floors"]["categories"])


@pytest.fixture(scope="module")
def report() -> PanReport:
    """dedup on every pair of pan13-mini, once for all the checks below."""
    root = default_pan_dir()
    if not root.is_dir():
        pytest.skip(
            f"PAN corpus not found at {root}; set DEDUP_CORPORA to the folder holding "
            "pan13-mini to run the PAN quality gate"
        )
    try:
        importlib.import_module("dedup.pipeline")
    except ImportError as exc:
        pytest.fail(f"the PAN gate needs dedup's pipeline, which does not import: {exc}",
                    pytrace=False)
    # jobs=1: every scan is only two documents, and CI machines are shared.
    return run_corpus(read_corpus(root), dedup_detector(Config(jobs=1)), name="dedup")


def _explain(report: PanReport) -> str:
    return f"\n{format_table(report)}\nfloors: {BASELINE_FILE}"


def test_baseline_file_is_well_formed() -> None:
    floors = BASELINE["floors"]
    for value in [floors["overall"], *floors["categories"].values()]:
        assert 0.0 <= value <= 1.0
    assert isinstance(BASELINE["max_negative_detections"], int)
    assert set(floors["categories"]) <= set(BASELINE["targets"]["categories"])


@pytest.mark.corpora
@pytest.mark.slow
def test_overall_plagdet(report: PanReport) -> None:
    floor = BASELINE["floors"]["overall"]
    assert report.overall.plagdet >= floor, (
        f"overall plagdet {report.overall.plagdet:.3f} < floor {floor}" + _explain(report)
    )


@pytest.mark.corpora
@pytest.mark.slow
@pytest.mark.parametrize("category", GATED_CATEGORIES)
def test_category_plagdet(report: PanReport, category: str) -> None:
    floor = BASELINE["floors"]["categories"][category]
    scores = report.categories[category]
    assert scores.plagdet >= floor, (
        f"{category} plagdet {scores.plagdet:.3f} < floor {floor}" + _explain(report)
    )


@pytest.mark.corpora
@pytest.mark.slow
def test_no_detections_on_negative_pairs(report: PanReport) -> None:
    category = BASELINE["negative_category"]
    allowed = BASELINE["max_negative_detections"]
    stray = [
        f"{r.pair.susp} {r.pair.src}: {d.susp_start}-{d.susp_end} ~ {d.src_start}-{d.src_end}"
        for r in report.runs
        if r.pair.category == category
        for d in r.detections
    ]
    assert len(stray) <= allowed, (
        f"{len(stray)} detection(s) on {category} pairs (at most {allowed} allowed):\n  "
        + "\n  ".join(stray[:20])
        + _explain(report)
    )
