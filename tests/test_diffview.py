"""The side-by-side diff view (dedup.render.diffview).

A hand-made Chinese/English pair with edited, moved and one-sided passages is built as a
``ScanResult`` directly, so its golden files depend on the view alone. The seeds 003/004
golden files run the real pipeline: when the pipeline's output changes on purpose,
regenerate them with ``DEDUP_UPDATE_GOLDEN=1 pytest tests/test_diffview.py``.
"""

from __future__ import annotations

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from dedup.config import Config
from dedup.model import Document, DocumentReport, Edit, Match, Pair, ScanResult, Span
from dedup.render.diffview import (
    NO_LINE_END,
    NO_LINE_START,
    diff_data,
    diff_rows,
    fold,
    render_diff,
    show_text,
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


def render(result: ScanResult, width: int, color: str | None = None, **kw: int | None) -> str:
    console = Console(file=StringIO(), width=width, color_system=color,  # type: ignore[arg-type]
                      force_terminal=color is not None, legacy_windows=False)
    render_diff(result, console, **kw)  # type: ignore[arg-type]
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def assert_fits(out: str, width: int) -> None:
    """Every line, without its colour codes, is at most ``width`` cells wide."""
    for line in out.splitlines():
        visible = Text.from_ansi(line).plain
        assert cell_len(visible) <= width, visible


# --- a hand-made pair -------------------------------------------------------------------

TEXT_A = (
    "2022年工作报告\n"
    "一、经济运行稳中有进。全年地区生产总值增长5.2%，完成固定资产投资120亿元。\n"
    "二、坚持以人民为中心的发展思想，民生保障持续加强，新增就业岗位1.2万个。\n"
    "The city opened 3 new schools and 2 hospitals, and it repaired every old bridge.\n"
    "三、生态环境明显改善，空气质量优良天数比例达到85%。\n"
)
TEXT_B = (
    "2023年工作报告\n"
    "二、坚持以人民为中心的发展思想，民生保障持续加强，新增就业岗位1.2万个。\n"
    "一、经济运行稳中有进。全年地区生产总值同比增长6.1%，完成固定资产投资150亿元。\n"
    "The city opened 5 new schools and 2 hospitals, and it repaired every old bridge.\n"
    "四、营商环境持续优化。注：[bold]这不是标记[/bold]\x1b[2J\n"
)


def _at(text: str, sub: str, start: int = 0) -> tuple[int, int]:
    i = text.index(sub, start)
    return i, i + len(sub)


def _match(a_sub: str, b_sub: str, edits: list[tuple[str, str, str]]) -> Match:
    """A match of ``a_sub`` with ``b_sub``; edits as (op, A text, B text), each text
    located inside its passage (an empty text: at the position of the other's text)."""
    a_lo, a_hi = _at(TEXT_A, a_sub)
    b_lo, b_hi = _at(TEXT_B, b_sub)
    out = []
    for op, ea, eb in edits:
        if op == "insert":  # B has eb where A continues with ea
            a_pos = TEXT_A.index(ea, a_lo)
            b_s, b_e = _at(TEXT_B, eb, b_lo)
            out.append(Edit("insert", a_pos, a_pos, b_s, b_e))
            continue
        a_s, a_e = _at(TEXT_A, ea, a_lo)
        b_s, b_e = _at(TEXT_B, eb, b_lo)
        out.append(Edit(op, a_s, a_e, b_s, b_e))  # type: ignore[arg-type]
    return Match(a_lo, a_hi, b_lo, b_hi, 0.9, tuple(out))


def _report(ident: str, text: str) -> DocumentReport:
    doc = Document(ident, f"docs/{ident}.txt", text, "utf-8", ident * 4)
    ink = sum(not c.isspace() for c in text)
    return DocumentReport(doc, (Span(0, len(text.rstrip()), "unique"),), ink, 1.0, 0.0, 0.0)


def handmade_pair() -> ScanResult:
    matches = (
        _match("2022年工作报告", "2023年工作报告", [("replace", "2022", "2023")]),
        _match("一、经济运行稳中有进。全年地区生产总值增长5.2%，完成固定资产投资120亿元。",
               "一、经济运行稳中有进。全年地区生产总值同比增长6.1%，完成固定资产投资150亿元。",
               [("insert", "增长", "同比"), ("replace", "5.2", "6.1"),
                ("replace", "120", "150")]),
        _match("二、坚持以人民为中心的发展思想，民生保障持续加强，新增就业岗位1.2万个。",
               "二、坚持以人民为中心的发展思想，民生保障持续加强，新增就业岗位1.2万个。", []),
        _match("The city opened 3 new schools and 2 hospitals, and it repaired every old bridge.",
               "The city opened 5 new schools and 2 hospitals, and it repaired every old bridge.",
               [("replace", "3", "5")]),
    )
    return ScanResult(config={"boilerplate_docs": 3}, documents=[_report("a2022", TEXT_A),
                                                                _report("b2023", TEXT_B)],
                      pairs=[Pair(0, 1, 0.8, 0.8, 0.75, matches)], phrases=[])


@pytest.fixture(scope="module")
def seeds_pair() -> ScanResult:
    from dedup.pipeline import compare

    cwd = Path.cwd()
    os.chdir(SEEDS.parent)  # relative paths, so the header reads the same on every machine
    try:
        return compare("seeds/003_192769ebee80c113.txt", "seeds/004_0bd15ad5f070fb40.txt",
                       Config())
    finally:
        os.chdir(cwd)


# --- golden outputs ---------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 120])
def test_handmade_golden_plain(width: int) -> None:
    out = render(handmade_pair(), width)
    assert_fits(out, width)
    check_golden(f"diff_handmade_{width}.txt", out)


def test_handmade_golden_truecolor() -> None:
    out = render(handmade_pair(), 100, "truecolor")
    assert_fits(out, 100)
    check_golden("diff_handmade_100_truecolor.txt", out)


def test_handmade_context_golden() -> None:
    out = render(handmade_pair(), 80, context=4)
    check_golden("diff_handmade_80_context4.txt", out)


@pytest.mark.parametrize("width", [80, 120])
def test_seeds_golden(seeds_pair: ScanResult, width: int) -> None:
    out = render(seeds_pair, width)
    assert_fits(out, width)
    check_golden(f"diff_seeds_003_004_{width}.txt", out)


# --- what the view shows ----------------------------------------------------------------


def test_view_marks_edits_moves_and_own_text() -> None:
    out = render(handmade_pair(), 200)
    assert "[-5.2-]" in out and "{+6.1+}" in out  # a changed figure, both sides
    assert "{+同比+}" in out  # an insertion shows on B's side only
    assert "[-3-]" in out and "{+5+}" in out
    assert "↕ moved: in B at line 2" in out
    lines = out.splitlines()
    own_a = next(line for line in lines if "三、生态环境" in line)
    own_b = next(line for line in lines if "四、营商环境" in line)
    assert " < " in own_a and own_a.index("三") < own_a.index("<")
    assert " > " in own_b and own_b.index(">") < own_b.index("四")
    header = "\n".join(lines[:4])
    assert "docs/a2022.txt" in header and "docs/b2023.txt" in header
    assert "similarity 80%" in header and "A in B 80%" in header and "B in A 75%" in header
    assert "4 shared passages (1 moved)" in header


def test_untrusted_text_cannot_style_or_move_the_terminal() -> None:
    out = render(handmade_pair(), 120, "truecolor")
    assert "[bold]这不是标记[/bold]" in out  # shown as text, not applied as markup
    assert "\x1b[2J" not in out and "␛[2J" in out


def test_rows_show_every_character_of_both_sides() -> None:
    rows = diff_rows(handmade_pair())
    seen_a = "".join(TEXT_A[slice(*r.a)] for r in rows if r.a)
    assert [c for c in seen_a if not c.isspace()] == [c for c in TEXT_A if not c.isspace()]
    covered_b = {i for r in rows if r.b for i in range(*r.b)}
    assert all(i in covered_b for i, c in enumerate(TEXT_B) if not c.isspace())


def test_context_shortens_only_one_sided_stretches() -> None:
    result = handmade_pair()
    full = render(result, 200)
    short = render(result, 200, context=3)
    assert "characters …" not in full
    # "三、生态环境明显改善，空气质量优良天数比例达到85%。" is 27 characters: 3 + 21 + 3.
    assert "三、生 … 21 characters … 5%。" in short.replace("\u00a0", " ")
    assert "{+6.1+}" in short  # shared passages are never shortened


def test_sides_can_be_swapped() -> None:
    result = handmade_pair()
    out = render(result, 200, a=1, b=0)
    assert out.splitlines()[0].startswith("A  docs/b2023.txt")
    assert "[-同比-]" in out and "{+5.2+}" in out  # B's insertion is now A's own text
    data = diff_data(result, a=1, b=0)
    assert data["pair"]["a"] == "b2023" and data["pair"]["a_in_b"] == 0.75
    edits = [e for m in data["pair"]["matches"] for e in m["edits"]]
    assert {"op": "delete", "a_start": TEXT_B.index("同比"), "a_end": TEXT_B.index("同比") + 2,
            "b_start": TEXT_A.index("增长"), "b_end": TEXT_A.index("增长")} in edits


def test_no_shared_passage() -> None:
    result = handmade_pair()
    result.pairs = []
    out = render(result, 100)
    assert "similarity 0%" in out and "0 shared passages" in out
    assert "一、经济运行" in out and "四、营商环境" in out


def test_diff_data_is_json_with_rows_and_texts() -> None:
    data = diff_data(handmade_pair())
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again["schema"] == "dedup.diff/1"
    assert [d["id"] for d in again["documents"]] == ["a2022", "b2023"]
    assert again["documents"][1]["text"] == TEXT_B
    assert again["pair"]["similarity"] == 0.8 and len(again["pair"]["matches"]) == 4
    kinds = [r["kind"] for r in again["rows"]]
    assert kinds.count("same") == 4 and "a" in kinds and "b" in kinds
    moved = [r for r in again["rows"] if r["moved"]]
    assert len(moved) == 1 and TEXT_B[slice(*moved[0]["b"])].startswith("二、")


def test_seeds_view_wraps_cjk_within_every_width(seeds_pair: ScanResult) -> None:
    for width in (40, 57, 81):
        out = render(seeds_pair, width, context=10)
        assert_fits(out, width)


# --- folding ------------------------------------------------------------------------------


def test_fold_breaks_cjk_anywhere_and_english_at_spaces() -> None:
    lines = fold(Text("领导班子坚持以习近平新时代，hello world"), 12).plain.split("\n")
    assert lines == ["领导班子坚持", "以习近平新时", "代，hello", "world"]


def test_fold_keeps_punctuation_with_its_neighbour() -> None:
    text = "做到“两个维护”，不断提高政治判断力、政治领悟力、政治执行力。"
    for width in range(6, 30):  # narrower, "护”，" (5 cells) is cut like a long word
        for line in fold(Text(text), width).plain.split("\n"):
            assert line[0] not in NO_LINE_START
            assert line[-1] not in NO_LINE_END


def test_fold_keeps_styles_and_existing_breaks() -> None:
    text = Text("ab\ncd 中文")
    text.stylize("bold", 3, 4)
    folded = fold(text, 4)
    assert folded.plain == "ab\ncd\n中文"
    assert [(s.start, s.end, s.style) for s in folded.spans] == [(3, 4, "bold")]


def test_fold_cuts_words_longer_than_a_line() -> None:
    assert fold(Text("x supercalifragilistic y"), 8).plain.split("\n") == \
        ["x", "supercal", "ifragili", "stic y"]


def test_show_text_for_display() -> None:
    assert show_text("一\r\n\r\n\u3000\u3000二\x1b[31m\tx") == "一\n二␛[31m x"


def test_tabs_do_not_widen_a_column() -> None:
    console = Console(file=StringIO(), width=40, color_system=None)
    console.print(fold(Text(show_text("a\tb\t" * 10)), 40))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert all(cell_len(line) <= 40 for line in out.splitlines())


_ALPHABET = st.sampled_from(list("中文字，。、“”（）《》abcXYZ 12%.-\n\t\u3000"))


@settings(max_examples=200, deadline=None)
@given(st.text(_ALPHABET, max_size=80), st.integers(2, 30))
def test_fold_fits_and_loses_no_visible_character(s: str, width: int) -> None:
    s = show_text(s)  # as the views call it: no tabs, no control characters
    folded = fold(Text(s), width).plain
    for line in folded.split("\n"):
        assert cell_len(line) <= width
    assert [c for c in folded if not c.isspace()] == [c for c in s if not c.isspace()]
