"""``dedup index``: what an ``add`` did and what an index holds, in the terminal and as JSON.

>>> from io import StringIO
>>> from rich.console import Console
>>> from dedup.index import AddReport
>>> console = Console(file=StringIO(), width=100)
>>> render_add(AddReport(added=["a", "b"], unchanged=["c"], seconds=0.52), console)
>>> print(console.file.getvalue().rstrip())
indexed 3 files in 0.5 s: 2 added, 0 replaced, 1 unchanged
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dedup.index import AddReport, IndexStats
from dedup.ingest.failure import human_size
from dedup.render.terminal import plain

__all__ = ["render_add", "render_removed", "render_stats", "stats_data"]


def _files(n: int) -> str:
    return f"{n:,} file" + ("" if n == 1 else "s")


def _documents(n: int) -> str:
    return f"{n:,} document" + ("" if n == 1 else "s")


def render_add(report: AddReport, console: Console, stats: IndexStats | None = None) -> None:
    """One line: how many files were added, replaced, left unchanged; then the index."""
    done = len(report.added) + len(report.replaced) + len(report.unchanged)
    console.print(f"indexed {_files(done)} in {report.seconds:.1f} s: "
                  f"{len(report.added):,} added, {len(report.replaced):,} replaced, "
                  f"{len(report.unchanged):,} unchanged", markup=False, highlight=False,
                  soft_wrap=True)
    if stats is not None:
        _holds(stats, console)


def render_removed(removed: list[str], stats: IndexStats, console: Console) -> None:
    """One line per removed document, then what the index holds."""
    for name in removed:
        console.print(plain(f"removed {name}"), soft_wrap=True)
    _holds(stats, console)


def _holds(stats: IndexStats, console: Console) -> None:
    line = plain(f"{stats.path} holds {_documents(stats.documents)} "
                 f"({stats.chars:,} characters), {human_size(stats.file_bytes)} on disk")
    console.print(line, highlight=False, soft_wrap=True)


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def render_stats(stats: IndexStats, console: Console) -> None:
    """The index's contents, sizes, schema and parameters as a two-column table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    langs = ", ".join(f"{lang} {n:,}" for lang, n in sorted(stats.langs.items()))
    params = ", ".join(f"{k}={v}" for k, v in stats.params.items())
    rows: list[tuple[str, str | Text]] = [
        ("index", plain(stats.path)),
        ("documents", f"{stats.documents:,}" + (f" ({langs})" if langs else "")),
        ("characters", f"{stats.chars:,}"),
        ("files", f"{human_size(stats.bytes)} as read"),
        ("on disk", f"{human_size(stats.file_bytes)}"),
        ("fingerprints", f"{stats.kgrams:,} k-gram fingerprints, "
                         f"{stats.bands:,} sentence band keys"),
        ("schema", f"{stats.schema} (created by dedup {stats.dedup_version})"),
        ("parameters", params),
        ("created", _when(stats.created)),
        ("updated", _when(stats.updated)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table, highlight=False)


def stats_data(stats: IndexStats) -> dict[str, Any]:
    """``dedup index stats --json``: every field, times in ISO 8601 (UTC) and seconds."""
    return {
        "schema": "dedup.index-stats/1",
        "path": stats.path,
        "documents": stats.documents,
        "languages": stats.langs,
        "characters": stats.chars,
        "file_bytes": stats.bytes,
        "disk_bytes": stats.file_bytes,
        "kgram_fingerprints": stats.kgrams,
        "band_keys": stats.bands,
        "index_schema": stats.schema,
        "dedup_version": stats.dedup_version,
        "params": stats.params,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stats.created)),
        "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stats.updated)),
    }
