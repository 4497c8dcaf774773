"""Static checks run as part of the suite: ruff and ``mypy --strict`` on the package.

They run from the repository root with the configuration in pyproject.toml, so the
README's one test command also enforces typing and lint.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff not installed")
def test_ruff_clean() -> None:
    result = _run("ruff", "check", "dedup", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy not installed")
def test_mypy_strict_clean() -> None:
    result = _run("mypy", "dedup")
    assert result.returncode == 0, result.stdout + result.stderr
