"""The engines run the same stages: serial, forked workers and Dask give identical JSON."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest

from dedup import Config, scan
from dedup.engine import ProcessEngine, SerialEngine, chunked
from dedup.export import to_json

ROOT = Path(__file__).resolve().parents[1]
SEEDS = str(ROOT / "seeds")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> str:
    """80 documents mixed from the seeds' sentences: enough work items that the
    parallel engines really split it (MIN_PARALLEL_ITEMS), with reuse across documents."""
    rng = random.Random(7)
    sentences = [s + "。" for f in sorted(Path(SEEDS).glob("*.txt"))
                 for s in f.read_text(encoding="utf-8").split("。") if len(s) > 8]
    folder = tmp_path_factory.mktemp("engine-corpus")
    for i in range(80):
        text = "".join(rng.sample(sentences, 25))
        (folder / f"doc{i:03d}.txt").write_text(text, encoding="utf-8")
    return str(folder)


def _comparable(config: Config, path: str = SEEDS) -> dict[str, Any]:
    data = to_json(scan([path], config))
    data.pop("timings")
    for key in ("engine", "jobs", "scheduler"):
        data["config"].pop(key, None)
    return data


def _square(context: int, chunk: list[int]) -> list[int]:
    return [context * x * x for x in chunk]


def test_chunked_keeps_order_and_items() -> None:
    items = list(range(103))
    parts = chunked(items, 7)
    assert [x for p in parts for x in p] == items
    assert len(parts) <= 7


def test_process_engine_matches_serial() -> None:
    items = list(range(500))  # above MIN_PARALLEL_ITEMS, so workers are really used
    assert ProcessEngine(2).map(_square, 3, items) == SerialEngine().map(_square, 3, items)


def test_jobs_do_not_change_the_result(corpus: str) -> None:
    serial = _comparable(Config(jobs=1), corpus)
    forked = _comparable(Config(jobs=2), corpus)
    assert serial["pairs"], "the corpus should have reuse to compare"
    assert json.dumps(serial, sort_keys=True) == json.dumps(forked, sort_keys=True)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason="dask.distributed not installed (pip install 'dedup[dask]')")
def test_dask_engine_gives_the_same_json_as_local(corpus: str) -> None:
    local = _comparable(Config(jobs=1), corpus)
    dask = _comparable(Config(engine="dask", jobs=2), corpus)
    assert json.dumps(local, sort_keys=True) == json.dumps(dask, sort_keys=True)
