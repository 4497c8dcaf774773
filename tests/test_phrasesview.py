"""The stock-phrase catalogue (dedup.render.phrasesview): table, sort orders, JSON, CSV."""

from __future__ import annotations

import csv
import json
import os
from io import StringIO
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from dedup.model import Document, DocumentReport, Phrase, PhraseOccurrence, ScanResult, Span
from dedup.render.phrasesview import (
    CSV_COLUMNS,
    phrases_csv,
    phrases_data,
    render_phrases,
    sort_phrases,
)

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare with ``tests/golden/<name>``; DEDUP_UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    if os.environ.get("DEDUP_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(text)
        return
    assert path.exists(), f"{path} is missing; create it with DEDUP_UPDATE_GOLDEN=1"
    with path.open(encoding="utf-8", newline="") as f:
        assert text == f.read(), f"output differs from {path}"


def _phrase(text: str, docs: tuple[int, ...], count: int) -> Phrase:
    norm = "".join(c for c in text.lower() if c.isalnum())
    occ = tuple(PhraseOccurrence(d, 0, len(text)) for d in docs)
    return Phrase(text, norm, docs, count, occ)


PHRASES = [
    _phrase("全面从严治党", (0, 1, 2, 3), 9),
    _phrase("坚持以习近平新时代中国特色社会主义思想为指导", (0, 1, 2), 3),
    _phrase("增强“四个意识”、坚定“四个自信”、做到“两个维护”", (0, 1, 2, 3), 4),
    _phrase('[bold]stock, "quoted" phrase[/bold]', (1, 2, 3), 9),
]


def corpus() -> ScanResult:
    docs = [DocumentReport(Document(f"d{i}", f"docs/d{i}.txt", "x", "utf-8", str(i)),
                           (Span(0, 1, "unique"),), 1, 1.0, 0.0, 0.0) for i in range(4)]
    return ScanResult({"boilerplate_docs": 3}, docs, [], list(PHRASES))


def render(phrases: list[Phrase], width: int, color: str | None = None) -> str:
    console = Console(file=StringIO(), width=width, color_system=color,  # type: ignore[arg-type]
                      force_terminal=color is not None, legacy_windows=False)
    render_phrases(corpus(), phrases, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    for line in out.splitlines():
        assert cell_len(Text.from_ansi(line).plain) <= width, line
    return out


# Lengths are of the normalised text: the markup phrase is 25 ("boldstockquoted…").
@pytest.mark.parametrize(("by", "first"), [("count", 0), ("length", 3), ("docs", 0)])
def test_sort_orders(by: str, first: int) -> None:
    ordered = sort_phrases(PHRASES, by)  # type: ignore[arg-type]
    assert ordered[0] is PHRASES[first]
    assert len(ordered) == len(PHRASES)


def test_sort_ties_fall_back_to_the_other_keys() -> None:
    # count 9 twice: the phrase in more reports comes first.
    assert sort_phrases(PHRASES, "count")[:2] == [PHRASES[0], PHRASES[3]]


def test_golden_table() -> None:
    check_golden("phrases_60.txt", render(sort_phrases(PHRASES, "count"), 60))
    check_golden("phrases_100_truecolor.txt",
                 render(sort_phrases(PHRASES, "length"), 100, "truecolor"))


def test_table_shows_markup_as_text_and_the_selection() -> None:
    out = render(PHRASES[:2], 120)
    assert "4 found in at least 3 of 4 reports, showing 2" in out
    out = render(PHRASES, 120, "truecolor")
    assert '[bold]stock, "quoted" phrase[/bold]' in out


def test_empty_catalogue() -> None:
    assert "No stock phrases" in render([], 80)


def test_csv_round_trips_through_the_csv_module() -> None:
    buffer = StringIO(newline="")
    phrases_csv(corpus(), sort_phrases(PHRASES, "docs"), buffer)
    rows = list(csv.reader(StringIO(buffer.getvalue(), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + len(PHRASES)
    by_text = {r[0]: r for r in rows[1:]}
    assert by_text['[bold]stock, "quoted" phrase[/bold]'][1:4] == ["3", "9", "25"]
    assert by_text["全面从严治党"][4] == "d0;d1;d2;d3"


def test_json_keeps_the_chosen_order() -> None:
    chosen = sort_phrases(PHRASES, "length")[:2]
    data = json.loads(json.dumps(phrases_data(corpus(), chosen), ensure_ascii=False))
    assert data["schema"] == "dedup.phrases/1"
    assert data["total"] == 4
    assert [p["text"] for p in data["phrases"]] == [p.text for p in chosen]
    assert data["phrases"][1]["documents"] == ["d0", "d1", "d2"]
    assert [d["id"] for d in data["documents"]] == ["d0", "d1", "d2", "d3"]
