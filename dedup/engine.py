"""Where the parallel stages run: in this process, in worker processes, or on Dask.

A stage is a function ``fn(context, chunk) -> list[result]`` applied to chunks of work;
``context`` is read-only data every chunk needs (the prepared documents, say). Each
engine ships the context once per worker, not once per chunk:

- ``SerialEngine``: calls ``fn`` here (small corpora, ``--jobs 1``, tests);
- ``ProcessEngine``: worker processes forked after the context is set, so they inherit
  it without copying (copy-on-write); falls back to sending it once per worker where
  fork is unavailable;
- ``DaskEngine``: ``dask.distributed`` -- a LocalCluster by default or an existing
  scheduler; the context is scattered to every worker once.

Results come back in chunk order, so every engine produces the same output.
"""

from __future__ import annotations

import gc
import importlib
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from dedup.config import Config
from dedup.errors import ConfigError

__all__ = ["DaskEngine", "Engine", "ProcessEngine", "SerialEngine", "chunked", "open_engine"]

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

Stage = Callable[[Any, Sequence[Any]], list[Any]]

#: Below this many work items a stage runs in this process: starting workers costs more
#: than it saves (measured: ~0.1 s per pool on this 2-core machine).
MIN_PARALLEL_ITEMS = 64


def chunked(items: Sequence[T], n_chunks: int) -> list[Sequence[T]]:
    """``items`` cut into about ``n_chunks`` contiguous chunks of equal size.

    >>> [list(c) for c in chunked(list(range(7)), 3)]
    [[0, 1, 2], [3, 4, 5], [6]]
    """
    if not items:
        return []
    size = max(1, math.ceil(len(items) / max(1, n_chunks)))
    return [items[i : i + size] for i in range(0, len(items), size)]


class Engine(Protocol):
    """Runs a stage over chunks of work."""

    name: str
    workers: int

    def map(self, fn: Stage, context: Any, items: Sequence[Any]) -> list[Any]:
        """``fn(context, chunk)`` for chunks of ``items``; results concatenated in order."""
        ...


class SerialEngine:
    """Everything in this process."""

    name = "local"
    workers = 1

    def map(self, fn: Stage, context: Any, items: Sequence[Any]) -> list[Any]:
        return fn(context, items) if items else []


_CONTEXT: Any = None


def _with_inherited(fn: Stage, chunk: Sequence[Any]) -> list[Any]:
    return fn(_CONTEXT, chunk)


def _set_context(context: Any) -> None:
    global _CONTEXT
    _CONTEXT = context


class ProcessEngine:
    """Worker processes on this machine (``--jobs N``)."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, fn: Stage, context: Any, items: Sequence[Any]) -> list[Any]:
        if len(items) < MIN_PARALLEL_ITEMS or self.workers <= 1:
            return SerialEngine().map(fn, context, items)
        # Several chunks per worker balance uneven chunks without much overhead.
        chunks = chunked(items, self.workers * 4)
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods:
            _set_context(context)
            # Objects that exist now are left alone by the workers' garbage collector:
            # its traversal would otherwise write to (and so copy) every page it visits.
            gc.freeze()
            try:
                with ProcessPoolExecutor(self.workers,
                                         mp_context=multiprocessing.get_context("fork")) as pool:
                    parts = list(pool.map(_with_inherited, [fn] * len(chunks), chunks))
            finally:
                gc.unfreeze()
                _set_context(None)
        else:  # pragma: no cover - platforms without fork
            with ProcessPoolExecutor(self.workers, initializer=_set_context,
                                     initargs=(context,)) as pool:
                parts = list(pool.map(_with_inherited, [fn] * len(chunks), chunks))
        return [r for part in parts for r in part]


class DaskEngine:
    """Stages as ``dask.distributed`` tasks (``--engine dask``)."""

    name = "dask"

    def __init__(self, client: Any) -> None:
        self.client = client
        info = client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def map(self, fn: Stage, context: Any, items: Sequence[Any]) -> list[Any]:
        if not items:
            return []
        chunks = chunked(items, self.workers * 4)
        shared = self.client.scatter(context, broadcast=True, hash=False)
        futures = self.client.map(fn, [shared] * len(chunks), chunks, pure=False)
        parts = self.client.gather(futures)
        return [r for part in parts for r in part]


@contextmanager
def open_engine(config: Config) -> Iterator[Engine]:
    """The engine ``config`` asks for, shut down when the block ends."""
    if config.engine == "dask":
        try:
            # distributed ships no type information; Any keeps mypy --strict honest.
            dist: Any = importlib.import_module("distributed")
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigError(
                "--engine dask needs Dask: pip install 'dedup[dask]'"
            ) from exc
        if config.scheduler:
            with dist.Client(config.scheduler) as client:
                yield DaskEngine(client)
        else:
            with dist.LocalCluster(n_workers=config.effective_jobs, threads_per_worker=1,
                                   processes=True, dashboard_address=None) as cluster, \
                    dist.Client(cluster) as client:
                yield DaskEngine(client)
        return
    jobs = config.effective_jobs
    yield ProcessEngine(jobs) if jobs > 1 else SerialEngine()


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
