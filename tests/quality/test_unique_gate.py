"""Quality gate: how well dedup's ``unique`` label finds the new text in edited copies.

The cases (``cases.py``) are edited copies B of a report A: figures changed, 5-10% of the
characters changed or filler words inserted, clauses swapped, sentences moved, dropped
and added; the added sentences are the only truly new text. Precision, recall and F1 of
``unique`` over non-whitespace characters of B must stay at or above the floors pinned in
``unique_baseline.json`` (overall and per language; the provincial-report cases only when
``../shared/corpora`` is present). ``python bench/quality.py`` prints the full table,
per edit type, to raise the floors from. Runs the "dev" split; the "test" split is for
checking tuning on reports it was not tuned on (``bench/quality.py --split test``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

try:
    from quality import cases as qc
except ModuleNotFoundError:  # tests/ itself is a package
    from tests.quality import cases as qc  # type: ignore[no-redef]  # same module

BASELINE_FILE = Path(__file__).with_name("unique_baseline.json")
BASELINE: dict[str, Any] = json.loads(BASELINE_FILE.read_text(encoding="utf-8"))
GENERATION: dict[str, Any] = BASELINE["cases"]
METRICS = ("precision", "recall", "f1")


def _scan_cases(cases: Sequence[qc.Case], folder: Path) -> list[qc.CaseScore]:
    try:
        importlib.import_module("dedup.pipeline")
    except ImportError as exc:
        pytest.fail(f"the unique gate needs dedup's pipeline, which does not import: {exc}",
                    pytrace=False)
    from dedup import Config, scan

    # jobs=1: every case is two to five short documents, and CI machines are shared.
    config = Config(jobs=1)
    return [qc.run_case(c, folder, lambda p: scan(p, config), baselines=("sentence",))
            for c in cases]


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> list[qc.CaseScore]:
    """dedup on the seed-based Chinese cases and the English cases, once for all checks."""
    opts = {"split": GENERATION["split"], "per_kind": GENERATION["per_kind"],
            "seed": GENERATION["seed"]}
    cases = qc.seed_cases(**opts) + qc.english_cases(**opts)
    return _scan_cases(cases, tmp_path_factory.mktemp("unique-gate"))


@pytest.fixture(scope="module")
def provincial_scores(tmp_path_factory: pytest.TempPathFactory) -> list[qc.CaseScore]:
    if not qc.provincial_dir().is_dir():
        pytest.skip(f"provincial reports not found at {qc.provincial_dir()}; set DEDUP_CORPORA "
                    "to the folder holding zh-provincial-2026 to run these cases")
    cases = qc.provincial_cases(split=GENERATION["split"],
                             per_kind=GENERATION["provincial_per_kind"],
                             seed=GENERATION["seed"])
    return _scan_cases(cases, tmp_path_factory.mktemp("unique-gate-prov"))


def _table(scores: Sequence[qc.CaseScore]) -> str:
    lines = [f"{'lang':4} {'kind':9} {'cases':>5} {'P':>6} {'R':>6} {'F1':>6} {'difflib':>7}"]
    for (lang, kind), t in sorted(qc.aggregate(scores, lambda s: (s.lang, s.kind)).items(),
                                  key=lambda kv: (kv[0][0], qc.KINDS.index(kv[0][1]))):
        c, d = t.counts, t.baselines.get("sentence")
        lines.append(f"{lang:4} {kind:9} {t.cases:5d} {c.precision:6.3f} {c.recall:6.3f} "
                     f"{c.f1:6.3f} {d.f1 if d else float('nan'):7.3f}")
    return "\n".join(lines)


def _check(tot: qc.Total, group: str, scores: Sequence[qc.CaseScore]) -> None:
    floors = BASELINE["floors"][group]
    c = tot.counts
    got = {"precision": c.precision, "recall": c.recall, "f1": c.f1}
    low = [f"{m} {got[m]:.3f} < floor {floors[m]}" for m in METRICS if got[m] < floors[m]]
    assert not low, (f"{group}: " + "; ".join(low) + f"\n{_table(scores)}\n"
                     f"floors: {BASELINE_FILE}; full table: python bench/quality.py")


def test_baseline_file_is_well_formed() -> None:
    assert set(BASELINE["floors"]) == {"overall", "zh", "en", "zh-prov"}
    for group, floors in BASELINE["floors"].items():
        assert set(floors) == set(METRICS), group
        assert all(0.0 <= v <= 1.0 for v in floors.values()), group
    assert GENERATION["split"] == "dev", "the gate runs the dev split; test is held out"


def test_overall_floors(scores: list[qc.CaseScore]) -> None:
    _check(qc.total(scores), "overall", scores)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_language_floors(scores: list[qc.CaseScore], lang: str) -> None:
    mine = [s for s in scores if s.lang == lang]
    assert {s.kind for s in mine} == set(qc.KINDS)
    _check(qc.total(mine), lang, mine)


@pytest.mark.corpora
def test_provincial_floors(provincial_scores: list[qc.CaseScore]) -> None:
    _check(qc.total(provincial_scores), "zh-prov", provincial_scores)
