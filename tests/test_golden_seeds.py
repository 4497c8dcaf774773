"""Golden summary of ``run(["seeds/"])``, and determinism of the whole pipeline.

The golden file holds what a reader of the report would notice changing: the documents
and their shares, the pairs with their similarity, the most common stock phrases. When
the pipeline changes on purpose, regenerate it and review the diff:

    DEDUP_UPDATE_GOLDEN=1 pytest tests/test_golden_seeds.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dedup import engine
from dedup.config import Config
from dedup.export import dumps, to_json
from dedup.model import ScanResult
from dedup.pipeline import run

GOLDEN = Path(__file__).parent / "golden" / "seeds_scan.json"
TOP_PHRASES = 12


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> ScanResult:
    return run([str(seeds_dir)], Config(jobs=1))


def summary(result: ScanResult) -> dict[str, Any]:
    data = to_json(result)
    return {
        "config": {k: data["config"][k] for k in ("lang", "boilerplate_docs", "kgram",
                                                  "min_passage", "threshold")},
        "documents": [
            {"id": d["id"], "chars": d["chars"], "novelty": round(d["novelty"], 2),
             "shared": round(d["shared"], 2), "boilerplate": round(d["boilerplate"], 2)}
            for d in data["documents"]
        ],
        "pairs": [
            {"a": p["a"], "b": p["b"], "similarity": round(p["similarity"], 3),
             "matches": len(p["matches"])}
            for p in data["pairs"]
        ],
        "phrases": [
            {"text": ph["text"], "documents": ph["documents"], "count": ph["count"]}
            for ph in data["phrases"][:TOP_PHRASES]
        ],
    }


def test_seeds_golden_summary(seeds: ScanResult) -> None:
    got = dumps(summary(seeds))
    if os.environ.get("DEDUP_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
        return
    assert GOLDEN.exists(), f"{GOLDEN} is missing; create it with DEDUP_UPDATE_GOLDEN=1"
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert json.loads(got) == expected, (
        "the seeds scan changed; if on purpose, regenerate with DEDUP_UPDATE_GOLDEN=1")


def test_golden_file_is_sane() -> None:
    """The stored summary itself says what DESIGN.md promises about the seeds."""
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    ids = [d["id"] for d in data["documents"]]
    assert ids == sorted(ids) and len(ids) == 5 and ids[0] == "000_f350a27f9ad2a090"
    for d in data["documents"]:
        assert abs(d["novelty"] + d["shared"] + d["boilerplate"] - 1) <= 0.02
    assert data["phrases"] and all(ph["count"] >= 3 for ph in data["phrases"])


def without_timings(result: ScanResult) -> str:
    data = to_json(result)
    data.pop("timings")
    return dumps(data)


def test_runs_are_deterministic(seeds: ScanResult, seeds_dir: Path) -> None:
    again = run([str(seeds_dir)], Config(jobs=1))
    assert without_timings(again) == without_timings(seeds)


def test_worker_processes_give_the_same_result(seeds: ScanResult, seeds_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The seeds are too small to be worth workers: lower the bar so that they are used.
    monkeypatch.setattr(engine, "MIN_PARALLEL_ITEMS", 1)
    parallel = run([str(seeds_dir)], Config(jobs=2))
    a, b = to_json(parallel), to_json(seeds)
    for data in (a, b):
        data.pop("timings")
        data["config"].pop("jobs")
    assert dumps(a) == dumps(b)
