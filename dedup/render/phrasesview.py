"""``dedup phrases``: the stock-phrase catalogue as a terminal table (rich), JSON and CSV.

A stock phrase is a text found in at least ``boilerplate_docs`` reports (see DESIGN.md).
The catalogue lists each with the number of reports it occurs in, its occurrences, and
its length in normalised characters.

CSV files start with a UTF-8 byte-order mark: Excel, which most readers of these
catalogues open them with, reads a CSV without one in the system's legacy code page and
shows Chinese as mojibake. Python's ``csv`` (with ``encoding="utf-8-sig"``), pandas and
LibreOffice read the mark as what it is. CSV written to stdout (``--csv -``) has no mark,
since it goes to pipes and Unix tools, where a mark would end up in the first field.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any, Literal, TextIO

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from dedup.export import to_json
from dedup.model import Phrase, ScanResult
from dedup.render.terminal import plain

__all__ = [
    "CSV_COLUMNS",
    "PHRASES_SCHEMA_ID",
    "SORT_KEYS",
    "PhraseSort",
    "phrases_csv",
    "phrases_data",
    "render_phrases",
    "sort_phrases",
]

#: Identifies the JSON written by ``dedup phrases --json``; bumped on incompatible changes.
PHRASES_SCHEMA_ID = "dedup.phrases/1"

PhraseSort = Literal["count", "length", "docs"]
SORT_KEYS: tuple[PhraseSort, ...] = ("count", "length", "docs")

CSV_COLUMNS = ("phrase", "reports", "occurrences", "length", "documents")
#: Separates document ids inside the ``documents`` CSV field.
CSV_ID_SEPARATOR = ";"


def sort_phrases(phrases: Sequence[Phrase], by: PhraseSort = "count") -> list[Phrase]:
    """Phrases, most first: by occurrences, by length, or by number of reports.

    Ties fall back to the other two keys, then to the text, so the order is stable.
    """
    def key(ph: Phrase) -> tuple[int, int, int, str]:
        count, length, docs = ph.count, len(ph.norm), len(ph.documents)
        first = {"count": count, "length": length, "docs": docs}[by]
        rest = [v for k, v in (("count", count), ("docs", docs), ("length", length))
                if k != by]
        return (-first, -rest[0], -rest[1], ph.text)

    return sorted(phrases, key=key)


def phrases_renderable(result: ScanResult, phrases: Sequence[Phrase]) -> RenderableType:
    """The catalogue table for ``phrases`` (already sorted and limited)."""
    total = len(result.phrases)
    n_docs = len(result.documents)
    k = result.config.get("boilerplate_docs", "?")
    head = Text.assemble(
        ("Stock phrases", "bold"),
        f": {total} found in at least {k} of {n_docs} report{'s' if n_docs != 1 else ''}",
        f", showing {len(phrases)}" if len(phrases) < total else "",
    )
    if not phrases:
        return Group(head, Text("No stock phrases (none found in enough reports).",
                                style="dim"))
    table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
    table.add_column("#", justify="right", no_wrap=True, style="dim")
    table.add_column("reports", justify="right", no_wrap=True)
    table.add_column("times", justify="right", no_wrap=True)
    table.add_column("length", justify="right", no_wrap=True)
    table.add_column("phrase", overflow="fold", ratio=1)
    for n, ph in enumerate(phrases, start=1):
        table.add_row(str(n), str(len(ph.documents)), str(ph.count), str(len(ph.norm)),
                      plain(ph.text))
    return Group(head, table)


def render_phrases(result: ScanResult, phrases: Sequence[Phrase], console: Console) -> None:
    """Print the catalogue of ``phrases`` (sorted and limited by the caller)."""
    console.print(phrases_renderable(result, phrases))


def phrases_data(result: ScanResult, phrases: Sequence[Phrase]) -> dict[str, Any]:
    """``phrases`` as ``dedup.phrases/1`` JSON data: the ``dedup.scan/1`` phrase entries
    in the given order, with the documents they were found in."""
    scan = to_json(result)
    by_id = {id(ph): entry for ph, entry in zip(result.phrases, scan["phrases"], strict=True)}
    return {
        "schema": PHRASES_SCHEMA_ID,
        "tool": scan["tool"],
        "config": scan["config"],
        "documents": [{"id": d["id"], "path": d["path"]} for d in scan["documents"]],
        "total": len(result.phrases),
        "phrases": [by_id[id(ph)] for ph in phrases],
        "skipped": scan["skipped"],
    }


def phrases_csv(result: ScanResult, phrases: Sequence[Phrase], out: TextIO) -> None:
    """Write ``phrases`` as CSV with a header row (:data:`CSV_COLUMNS`) to ``out``.

    ``documents`` holds the ids of the reports, separated by ``;``. Open ``out`` with
    ``newline=""`` (the csv module writes its own line ends).
    """
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for ph in phrases:
        writer.writerow([ph.text, len(ph.documents), ph.count, len(ph.norm),
                         CSV_ID_SEPARATOR.join(result.doc_id(d) for d in ph.documents)])
