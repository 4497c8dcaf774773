"""The on-disk cache of values taken from datasketch (dedup.cache)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from dedup import cache
from dedup.candidates import lsh_params
from dedup.sketch import _permutations


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEDUP_CACHE_DIR", str(tmp_path / "cache"))
    _permutations.cache_clear()
    lsh_params.cache_clear()
    yield tmp_path / "cache"
    _permutations.cache_clear()
    lsh_params.cache_clear()


def test_values_are_computed_once_then_read(folder: Path) -> None:
    calls = []

    def compute() -> dict[str, list[int]]:
        calls.append(1)
        return {"a": [1, 2]}

    assert cache.cached("k-1", compute) == {"a": [1, 2]}
    assert cache.cached("k-1", compute) == {"a": [1, 2]}
    assert len(calls) == 1
    assert json.loads((folder / "k-1.json").read_text())["value"] == {"a": [1, 2]}


def test_a_damaged_entry_is_computed_again(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "k.json").write_text("{not json", encoding="utf-8")
    assert cache.cached("k", lambda: [3]) == [3]
    assert cache.cached("k", lambda: [4]) == [3], "rewritten"


def test_an_unwritable_cache_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DEDUP_CACHE_DIR", str(blocker / "cache"))  # under a file
    assert cache.cached("k", lambda: 7) == 7


def test_keys_are_file_names(folder: Path) -> None:
    with pytest.raises(ValueError, match="file names"):
        cache.cached("../escape", lambda: 1)


def test_where_the_cache_lives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DEDUP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "dedup"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "dedup"


def test_cached_datasketch_values_equal_datasketchs(folder: Path) -> None:
    for _ in range(2):  # computed, then read back
        a, b = _permutations(32, 7)
        expected_a, expected_b = MinHash(num_perm=32, seed=7, scheme="affine32").permutations
        assert a.tolist() == np.asarray(expected_a).tolist()
        assert b.tolist() == np.asarray(expected_b).tolist()
        lsh = MinHashLSH(threshold=0.3, num_perm=32)
        assert lsh_params(0.3, 32) == (lsh.b, lsh.r)
        _permutations.cache_clear()
        lsh_params.cache_clear()
    assert len(list(folder.glob("datasketch-*.json"))) == 2


def test_a_warm_cache_spares_importing_datasketch(folder: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    probe = ("import sys; from dedup import Config; from dedup.pipeline import run; "
             f"run([{str(seeds)!r}], Config(jobs=1)); "
             "print('datasketch' in sys.modules)")
    env = {"DEDUP_CACHE_DIR": str(folder), "PATH": "/usr/bin:/bin"}
    cold = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, check=True)
    warm = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, check=True)
    assert cold.stdout.strip() == "True"
    assert warm.stdout.strip() == "False"
