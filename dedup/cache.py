"""A small on-disk cache of values dedup takes from its dependencies.

datasketch's MinHash permutations and LSH parameters depend only on (num_perm, seed) and
(threshold, num_perm), but importing datasketch pulls in scipy: about a second that every
``dedup new --db`` check or small scan would spend again. They are kept here as JSON,
keyed by the installed library's version, so an upgrade computes them anew.

Files live in ``$DEDUP_CACHE_DIR``, else ``$XDG_CACHE_HOME/dedup``, else
``~/.cache/dedup``. A missing, unreadable or damaged entry is computed again; a cache that
cannot be written is not used (nothing fails because of it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from dedup.export import atomic_write_text

__all__ = ["cache_dir", "cached", "library_version"]

T = TypeVar("T")

_SAFE_KEY = re.compile(r"[A-Za-z0-9._-]+")


def cache_dir() -> Path:
    """Where cached values live (not created here)."""
    explicit = os.environ.get("DEDUP_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "dedup"


def library_version(name: str) -> str:
    """The installed version of distribution ``name`` ("unknown" when not found)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def cached(key: str, compute: Callable[[], T],
           valid: Callable[[T], bool] = lambda _: True) -> T:
    """The value stored under ``key``, or ``compute()`` (then stored). Values must be
    JSON data that survive a round trip unchanged (dicts of lists of ints, say); a stored
    value that is not ``valid`` is treated as damaged and computed again."""
    if not _SAFE_KEY.fullmatch(key):
        raise ValueError(f"cache keys are file names: {key!r}")
    path = cache_dir() / f"{key}.json"
    try:
        value: T = json.loads(path.read_text(encoding="utf-8"))["value"]
        if valid(value):
            return value
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not there yet, or damaged: computed again below
    value = compute()
    with contextlib.suppress(OSError):  # a read-only home: just not cached
        atomic_write_text(path, json.dumps({"key": key, "value": value}))
    return value
