"""``add_paths``: put files into an index, incrementally.

Inputs are found and named as ``dedup scan`` finds and names them. A file already in the
index (same resolved path) with the same sha256 is skipped without being decoded; one
whose content changed replaces the old document under the same name. Unreadable inputs
are returned as :class:`~dedup.model.Skipped`, as in a scan.

Documents are read here, their keys computed on the engine (worker processes with
``jobs``), and stored in batches, each batch one transaction: a process killed during an
``add`` leaves every document either fully stored or absent, and running the same
``add`` again resumes where it stopped (stored files are then unchanged). The batch
grows with the index (a tenth of it, between MIN_BATCH and MAX_BATCH documents): keys
are inserted in sorted order, and one large sorted batch rewrites the key tables' pages
once where many small ones would rewrite them again and again.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dedup.config import Config
from dedup.engine import Engine, open_engine
from dedup.errors import ConfigError, NoInputError
from dedup.index.features import Features, Params, features
from dedup.index.store import CorpusIndex, Entry
from dedup.ingest.discover import STDIN, discover
from dedup.ingest.discover import Entry as FileEntry
from dedup.ingest.failure import Unreadable
from dedup.ingest.ids import assign_ids
from dedup.ingest.pdf_text import PdfExtractor
from dedup.ingest.reader import read_bytes, read_entry
from dedup.model import Document, Skipped

__all__ = ["MAX_BATCH", "MIN_BATCH", "AddReport", "add_paths"]

Progress = Callable[[str, int, int], None]

#: Documents per transaction: at least MIN_BATCH (an ``add`` of a few files is one
#: transaction), at most MAX_BATCH (bounds memory, ~40 MB of text and keys, and how long
#: a concurrent writer waits for the lock).
MIN_BATCH = 256
MAX_BATCH = 2048


@dataclass(slots=True)
class AddReport:
    """What ``add_paths`` did, by document name (skipped inputs by path)."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0


def add_paths(db: str | Path, paths: Sequence[str], config: Config, *,
              progress: Progress | None = None) -> AddReport:
    """Add the documents under ``paths`` to the index ``db`` (created if missing).

    ``config`` supplies the reading limits (``max_file_size``, ``pdf_timeout``), ``jobs``
    and ``lang`` (``auto``: each document's own dominant script).
    """
    if STDIN in paths:
        raise ConfigError("dedup index add reads files, not standard input; save it to a "
                          "file and add that")
    started = time.perf_counter()
    report = AddReport()
    items = discover(paths)
    entries = [item for item in items if isinstance(item, FileEntry)]
    report.skipped.extend(item for item in items if isinstance(item, Skipped))
    if not entries:
        why = "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:3])
        raise NoInputError(f"no documents to add in {', '.join(paths) or '(no paths)'}"
                           + (f" ({why})" if why else ""))
    ids = dict(zip(entries, assign_ids(entries), strict=True))
    total = len(entries)
    with CorpusIndex.open(db, write=True, create=True) as index, \
            PdfExtractor(timeout=config.pdf_timeout) as pdf, open_engine(config) as engine:
        known = index.by_path(e.path for e in entries)
        pending: list[tuple[Document, int]] = []
        if progress is not None:
            progress("index", 0, total)
        for done, entry in enumerate(entries, start=1):
            old = known.get(entry.path)
            result = _read(entry, ids[entry], config, pdf,
                           known_sha=None if old is None else old.sha256)
            if result is None and old is not None:
                report.unchanged.append(old.name)
            elif isinstance(result, Skipped):
                report.skipped.append(result)
            elif result is not None:
                pending.append(result)
            if len(pending) >= _batch_size(index):
                _store(index, engine, pending, config, report)
                pending = []
            if progress is not None:
                progress("index", done, total)
        _store(index, engine, pending, config, report)
        index.checkpoint()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _batch_size(index: CorpusIndex) -> int:
    return min(MAX_BATCH, max(MIN_BATCH, index.stats().documents // 10))


def _read(entry: FileEntry, doc_id: str, config: Config, pdf: PdfExtractor, *,
          known_sha: str | None) -> tuple[Document, int] | Skipped | None:
    """The document and its file size; None when its bytes hash to ``known_sha``."""
    try:
        if known_sha is not None:
            data = read_bytes(entry, config.max_file_size)
            if hashlib.sha256(data).hexdigest() == known_sha:
                return None
        doc = read_entry(entry, doc_id, config, pdf)
    except Unreadable as exc:
        return Skipped(entry.path, exc.reason)
    except MemoryError:
        return Skipped(entry.path, "not enough memory to read this file")
    except Exception as exc:  # one bad file must never stop an add
        reason = f"unexpected error while reading ({type(exc).__name__}: {exc})"
        return Skipped(entry.path, reason + "; please report it")
    try:
        size = os.path.getsize(entry.path)  # noqa: PTH202 - the path as the user typed it
    except OSError:
        size = len(doc.text.encode("utf-8", "surrogatepass"))
    return doc, size


def _features_chunk(context: tuple[Params, Literal["auto", "zh", "en"]],
                    docs: Sequence[Document]) -> list[Features]:
    params, lang = context
    return [features(doc, params, lang) for doc in docs]


def _store(index: CorpusIndex, engine: Engine, pending: list[tuple[Document, int]],
           config: Config, report: AddReport) -> None:
    if not pending:
        return
    docs = [doc for doc, _ in pending]
    keys: list[Features] = engine.map(_features_chunk, (index.params, config.lang), docs)
    stored = index.insert([Entry(doc, f, size)
                           for (doc, size), f in zip(pending, keys, strict=True)])
    lists = {"added": report.added, "replaced": report.replaced,
             "unchanged": report.unchanged}
    for name, what in stored:
        lists[what].append(name)
