"""The "what is new in this report" view (dedup.render.newview).

A hand-made corpus (this year's report, last year's, two other units') is built as a
``ScanResult`` directly, so its golden files depend on the view alone. The seeds golden
runs the real pipeline: when its output changes on purpose, regenerate with
``DEDUP_UPDATE_GOLDEN=1 pytest tests/test_newview.py``.
"""

from __future__ import annotations

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from dedup.config import Config
from dedup.model import Document, DocumentReport, Edit, Label, Match, Pair, ScanResult, Span
from dedup.render.newview import (
    _marker,
    changed_ranges,
    new_data,
    render_new,
    source_shares,
)

GOLDEN = Path(__file__).parent / "golden"
SEEDS = Path(__file__).parent.parent / "seeds"


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


def render(result: ScanResult, index: int, width: int, color: str | None = None) -> str:
    console = Console(file=StringIO(), width=width, color_system=color,  # type: ignore[arg-type]
                      force_terminal=color is not None, legacy_windows=False)
    render_new(result, index, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    for line in out.splitlines():
        assert cell_len(Text.from_ansi(line).plain) <= width, line
    return out


# --- a hand-made corpus -----------------------------------------------------------------

TITLE = "2023年工作报告"
STOCK = "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。"
GDP = "全年地区生产总值增长6.1%，"
INVEST = "完成固定资产投资150亿元。"
OWN = "新建口袋公园12个，[red]这是今年的新工作[/red]。"
BUS = "We also launched a new bus line along the river."

REPORT = f"{TITLE}\n{STOCK}\n{GDP}{INVEST}\n{OWN}\n{BUS}\n"
LAST = f"2022年工作报告\n{STOCK}\n全年地区生产总值增长5.2%，完成固定资产投资120亿元。\n"
OTHER = f"某区报告\n{STOCK}\n今年{INVEST}\n{BUS}\n"
THIRD = f"另一报告\n{STOCK}\n"


def _at(text: str, sub: str) -> tuple[int, int]:
    i = text.index(sub)
    return i, i + len(sub)


def _ink(text: str) -> int:
    return sum(not c.isspace() for c in text)


def _doc(ident: str, text: str, spans: list[tuple[str, Label, tuple[int, ...]]]
         ) -> DocumentReport:
    out: list[Span] = []
    pos = 0
    for sub, label, sources in spans:
        lo, hi = _at(text, sub)
        if text[pos:lo].strip():
            out.append(Span(pos, lo, "unique"))
        out.append(Span(lo, hi, label, sources, len(sources)))
        pos = hi
    if text[pos:].strip():
        out.append(Span(pos, len(text.rstrip()), "unique"))
    ink = _ink(text)
    share = {lab: sum(_ink(text[s.start:s.end]) for s in out if s.label == lab) / ink
             for lab in ("unique", "shared", "boilerplate")}
    return DocumentReport(Document(ident, f"docs/{ident}.txt", text, "utf-8", ident * 8),
                          tuple(out), ink, round(share["unique"], 4),
                          round(share["shared"], 4), round(share["boilerplate"], 4))


def handmade() -> ScanResult:
    """Report 0 against last year's (1), another unit's (2) and a third (3).

    The figures 2023 and 6.1 are new; 150 is new against last year's report but found
    verbatim in the other unit's, so it is not new.
    """
    report = _doc("r2023", REPORT, [
        (TITLE, "shared", (1,)), (STOCK, "boilerplate", (1, 2, 3)), (GDP, "shared", (1,)),
        (INVEST, "shared", (1, 2)), (BUS, "shared", (2,)),
    ])
    docs = [report, _doc("last2022", LAST, []), _doc("other", OTHER, []),
            _doc("third", THIRD, [])]

    def m(a: str, b_text: str, b: str, edits: list[tuple[str, str, str]]) -> Match:
        a_lo, a_hi = _at(REPORT, a)
        b_lo, b_hi = _at(b_text, b)
        es = []
        for op, ea, eb in edits:
            ea_lo = REPORT.index(ea, a_lo)
            eb_lo = b_text.index(eb, b_lo)
            es.append(Edit(op, ea_lo, ea_lo + len(ea), eb_lo, eb_lo + len(eb)))  # type: ignore[arg-type]
        return Match(a_lo, a_hi, b_lo, b_hi, 0.9, tuple(es))

    pairs = [
        Pair(0, 1, 0.6, 0.55, 0.9, (
            m(TITLE, LAST, "2022年工作报告", [("replace", "2023", "2022")]),
            m(STOCK, LAST, STOCK, []),
            m(GDP + INVEST, LAST, "全年地区生产总值增长5.2%，完成固定资产投资120亿元。",
              [("replace", "6.1", "5.2"), ("replace", "150", "120")]),
        )),
        Pair(0, 2, 0.5, 0.45, 0.8, (m(STOCK, OTHER, STOCK, []), m(INVEST, OTHER, INVEST, []),
                                    m(BUS, OTHER, BUS, []))),
        Pair(0, 3, 0.3, 0.25, 0.9, (m(STOCK, THIRD, STOCK, []),)),
    ]
    return ScanResult(config={"boilerplate_docs": 3}, documents=docs, pairs=pairs, phrases=[])


@pytest.fixture(scope="module")
def seeds_new() -> tuple[ScanResult, int]:
    from dedup.pipeline import check_new

    cwd = Path.cwd()
    os.chdir(SEEDS.parent)  # relative paths, so the output reads the same on every machine
    try:
        return check_new("seeds/004_0bd15ad5f070fb40.txt", ["seeds"], Config())
    finally:
        os.chdir(cwd)


# --- golden outputs ---------------------------------------------------------------------


def test_handmade_golden_plain() -> None:
    check_golden("new_handmade_80.txt", render(handmade(), 0, 80))


def test_handmade_golden_truecolor() -> None:
    check_golden("new_handmade_100_truecolor.txt", render(handmade(), 0, 100, "truecolor"))


def test_seeds_golden(seeds_new: tuple[ScanResult, int]) -> None:
    result, index = seeds_new
    assert result.documents[index].document.id == "004_0bd15ad5f070fb40"
    check_golden("new_seeds_004_80.txt", render(result, index, 80))


# --- what the view shows ----------------------------------------------------------------


def test_changed_figures_inside_reused_text() -> None:
    result = handmade()
    changed = [REPORT[lo:hi] for lo, hi in changed_ranges(result, 0)]
    assert changed == ["2023", "6.1"]  # 150 is verbatim in the other unit's report


def test_changed_ranges_when_the_report_is_side_b() -> None:
    a_text, b_text = "去年增长5%，今年继续。", "今年增长7%，今年继续。"
    docs = [DocumentReport(Document(i, i, t, "utf-8", i), (Span(0, len(t), "shared", (1 - n,), 1),),
                           len(t), 0.0, 1.0, 0.0) for n, (i, t) in enumerate([("a", a_text),
                                                                              ("b", b_text)])]
    match = Match(0, len(a_text), 0, len(b_text), 0.8,
                  (Edit("replace", 0, 2, 0, 2), Edit("replace", 4, 5, 4, 5)))
    result = ScanResult({}, docs, [Pair(0, 1, 0.8, 0.8, 0.8, (match,))], [])
    assert [b_text[lo:hi] for lo, hi in changed_ranges(result, 1)] == ["今年", "7"]
    assert [a_text[lo:hi] for lo, hi in changed_ranges(result, 0)] == ["去年", "5"]


def test_view_brackets_reuse_stock_and_changes() -> None:
    out = render(handmade(), 0, 200)
    assert "⟨{+2023+}年工作报告⟩[2]" in out
    assert f"⟪{STOCK}⟫" in out
    assert "⟨全年地区生产总值增长{+6.1+}%，⟩[2]⟨完成固定资产投资150亿元。⟩[1,2]" in out
    assert f"⟨{BUS}⟩[1]" in out
    assert "新建口袋公园12个，[red]这是今年的新工作[/red]。" in out  # markup shown, not applied


def test_sources_ranked_by_coverage() -> None:
    result = handmade()
    shares = source_shares(result, 0)
    # The other unit's report covers the long English sentence too: it comes first.
    assert [(s.doc, s.marker) for s in shares] == [(2, 1), (1, 2), (3, 3)]
    total = result.documents[0].chars
    assert shares[0].covers == round(_ink(STOCK + INVEST + BUS) / total, 4)
    assert shares[0].reused == round(_ink(INVEST + BUS) / total, 4)
    assert shares[2].reused == 0 and shares[2].passages == 1
    out = render(result, 0, 100)
    table = out[out.index("Sources"):]
    assert table.index("other") < table.index("last2022") < table.index("third")


def test_marker_lists_at_most_three_sources() -> None:
    numbers = {d: d + 1 for d in range(10)}
    assert _marker(Span(0, 1, "shared", (4, 0, 2), 3), numbers) == "[1,3,5]"
    assert _marker(Span(0, 1, "shared", (0, 1, 2, 3, 4), 7), numbers) == "[1,2,3+4]"


def test_new_data_is_the_reports_entry_sources_and_pairs() -> None:
    data = json.loads(json.dumps(new_data(handmade(), 0), ensure_ascii=False))
    assert data["schema"] == "dedup.new/1"
    assert data["report"]["id"] == "r2023"
    assert {"start", "end", "label"} <= set(data["report"]["spans"][0])
    assert [s["id"] for s in data["sources"]] == ["other", "last2022", "third"]
    assert [REPORT[lo:hi] for lo, hi in data["changes"]] == ["2023", "6.1"]
    assert len(data["pairs"]) == 3 and all("r2023" in (p["a"], p["b"]) for p in data["pairs"])


def test_seeds_view_fits_narrow_widths(seeds_new: tuple[ScanResult, int]) -> None:
    result, index = seeds_new
    for width in (40, 63):
        render(result, index, width)
