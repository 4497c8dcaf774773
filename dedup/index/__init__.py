"""A persistent corpus index: check new reports against many without rescanning them.

An index is one SQLite file (see :mod:`dedup.index.db` for its tables) holding every
added document's text (zlib-compressed, so the index is self-contained: a check aligns
against exactly the text that was indexed, even if the file has since moved or changed)
and two kinds of keys (:mod:`dedup.index.features`): winnowed k-gram fingerprints for
exact reuse and sentence MinHash band keys for edited reuse. Checking a report looks its
keys up, takes the best-ranked candidates and runs the normal pipeline on the report and
their texts (:mod:`dedup.index.check`).

- :func:`add_paths` -- add files (incremental: unchanged files skipped by sha256);
- :func:`check_against_index` -- what is new in one report (``dedup new --db``);
- :func:`scan_with_index` -- scan reports with each other and the index (``scan --db``);
- :class:`CorpusIndex` -- the file itself: ``stats``, ``find``, ``remove``, ...
"""

from __future__ import annotations

from dedup.index.add import AddReport, add_paths
from dedup.index.check import check_against_index, scan_with_index
from dedup.index.store import CorpusIndex, IndexStats

__all__ = ["AddReport", "CorpusIndex", "IndexStats", "add_paths", "check_against_index",
           "scan_with_index"]
