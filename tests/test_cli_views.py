"""``dedup diff``, ``dedup new`` and ``dedup phrases``, run in-process with CliRunner.

Checked: exit codes (0 ok, 1 inputs skipped or unreadable, 2 usage), ``--json -`` is
valid JSON and the only thing on stdout, errors are one stderr line naming the input,
``--width`` bounds every line, ``--quiet`` with a file output prints nothing.
"""

from __future__ import annotations

import csv
import importlib
import json
from io import StringIO
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from dedup.cli import app

SEEDS = Path(__file__).parent.parent / "seeds"
A = str(SEEDS / "003_192769ebee80c113.txt")
B = str(SEEDS / "004_0bd15ad5f070fb40.txt")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("dedup: ")
    return lines[0]


def html_available(name: str) -> bool:
    try:
        module = importlib.import_module("dedup.render.html")
    except ImportError:
        return False
    return callable(getattr(module, name, None))


@pytest.fixture
def mixed(tmp_path: Path) -> tuple[str, str]:
    """Two small Chinese/English reports; B moves, edits and adds, and holds markup."""
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text(
        "一、经济运行稳中有进。全年地区生产总值增长5.2%，完成固定资产投资120亿元。\n"
        "二、坚持以人民为中心的发展思想，民生保障持续加强，新增就业岗位1.2万个。\n"
        "The city opened 3 new schools and 2 hospitals, and it repaired every old bridge.\n",
        encoding="utf-8")
    b.write_text(
        "二、坚持以人民为中心的发展思想，民生保障持续加强，新增就业岗位1.2万个。\n"
        "一、经济运行稳中有进。全年地区生产总值增长6.1%，完成固定资产投资150亿元。\n"
        "The city opened 5 new schools and 2 hospitals, and it repaired every old bridge.\n"
        "[bold red]注意[/bold red]\x1b[2J\x1b[31m这一段是新的。\n",
        encoding="utf-8")
    return str(a), str(b)


# --- dedup diff -------------------------------------------------------------------------


def test_diff_prints_the_side_by_side_view_within_width() -> None:
    code, out, err = invoke("diff", A, B, "--width", "90", "--jobs", "1")
    assert code == 0, err
    assert "similarity" in out and "003_192769ebee80c113" in out
    assert all(cell_len(line) <= 90 for line in out.splitlines())


def test_diff_json_to_stdout_is_the_only_output() -> None:
    code, out, err = invoke("diff", A, B, "--json", "-", "--jobs", "1")
    assert code == 0, err
    data = json.loads(out)
    assert data["schema"] == "dedup.diff/1"
    assert data["pair"]["a"] == "003_192769ebee80c113"
    assert data["rows"] and data["documents"][1]["text"].startswith("区局")
    assert err == ""


def test_diff_json_file_and_quiet(tmp_path: Path) -> None:
    target = tmp_path / "out" / "diff.json"
    code, out, err = invoke("diff", A, B, "--json", str(target), "--quiet", "--jobs", "1")
    assert code == 0, err
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["schema"] == "dedup.diff/1"


def test_diff_missing_file_exits_1_naming_it() -> None:
    code, out, err = invoke("diff", A, "no-such-report.txt")
    assert code == 1
    assert "no-such-report.txt" in one_error_line(err)
    assert out == ""


def test_diff_context_shortens_one_sided_text() -> None:
    code, out, _ = invoke("diff", A, B, "--context", "5", "--width", "100", "--jobs", "1")
    assert code == 0
    assert "characters\u00a0…" in out


def test_diff_mixed_text_is_shown_safely(mixed: tuple[str, str]) -> None:
    code, out, err = invoke("diff", *mixed, "--width", "80", "--jobs", "1")
    assert code == 0, err
    assert "[bold red]注意[/bold red]" in out
    assert "\x1b" not in out and "␛[2J" in out
    assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_diff_two_outputs_on_stdout_is_a_usage_error() -> None:
    code, out, err = invoke("diff", A, B, "--json", "-", "--html", "-")
    assert code == 2
    assert "--json and --html" in one_error_line(err)
    assert out == ""


def test_diff_html(tmp_path: Path) -> None:
    page = tmp_path / "pair.html"
    code, out, err = invoke("diff", A, B, "--html", str(page), "--quiet", "--jobs", "1")
    assert out == ""
    if html_available("render_pair_page"):
        assert code == 0, err
        assert "<html" in page.read_text(encoding="utf-8").lower()
    else:
        assert code == 2
        assert "--html" in one_error_line(err)
        assert not page.exists()


# --- dedup new --------------------------------------------------------------------------


def test_new_shows_the_report_and_its_sources() -> None:
    code, out, err = invoke("new", B, "--against", str(SEEDS), "--width", "80", "--jobs", "1")
    assert code == 0, err
    assert out.startswith("new in ")
    assert "Sources" in out and "003_192769ebee80c113" in out
    # The report itself, found under seeds/ too, is left out.
    assert "against 4 reports" in " ".join(out.split())
    assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_new_json_to_stdout() -> None:
    code, out, err = invoke("new", B, "--against", str(SEEDS), "--json", "-", "--jobs", "1")
    assert code == 0, err
    data = json.loads(out)
    assert data["schema"] == "dedup.new/1"
    assert data["report"]["id"] == "004_0bd15ad5f070fb40"
    assert abs(data["report"]["novelty"] + data["report"]["shared"]
               + data["report"]["boilerplate"] - 1) < 0.01
    assert all(data["report"]["id"] in (p["a"], p["b"]) for p in data["pairs"])
    assert err == ""


def test_new_takes_more_paths_after_against() -> None:
    code, out, err = invoke("new", B, "--against", A, str(SEEDS / "000_f350a27f9ad2a090.txt"),
                            "--json", "-", "--jobs", "1")
    assert code == 0, err
    assert len(json.loads(out)["sources"]) <= 2
    out = invoke("new", B, "--against", A, str(SEEDS / "000_f350a27f9ad2a090.txt"))[1]
    assert "against 2 reports" in " ".join(out.split())


def test_new_without_against_is_a_usage_error() -> None:
    code, _, err = invoke("new", B)
    assert code == 2
    assert "--against" in one_error_line(err)


def test_new_names_skipped_inputs_and_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    code, out, err = invoke("new", B, "--against", A, str(missing), "--jobs", "1")
    assert code == 1
    assert "missing.txt" in err
    assert "new in " in out  # the rest was still compared


def test_new_with_nothing_readable_to_compare_with(tmp_path: Path) -> None:
    code, _, err = invoke("new", B, "--against", str(tmp_path / "missing.txt"))
    assert code == 1
    assert "missing.txt" in err


def test_new_missing_report_exits_1_naming_it() -> None:
    code, out, err = invoke("new", "no-such-report.txt", "--against", A)
    assert code == 1
    assert "no-such-report.txt" in one_error_line(err)
    assert out == ""


def test_new_html(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    code, _, err = invoke("new", B, "--against", A, "--html", str(page), "-q", "--jobs", "1")
    if html_available("render_report_page"):
        assert code == 0, err
        assert "<html" in page.read_text(encoding="utf-8").lower()
    else:
        assert code == 2
        assert "--html" in one_error_line(err)


# --- dedup phrases ----------------------------------------------------------------------


def test_phrases_table() -> None:
    code, out, err = invoke("phrases", str(SEEDS), "--limit", "5", "--width", "80", "--jobs", "1")
    assert code == 0, err
    assert "Stock phrases" in out and "全面从严治党" in out
    assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_phrases_csv_file_has_bom_and_header(tmp_path: Path) -> None:
    target = tmp_path / "phrases.csv"
    code, out, err = invoke("phrases", str(SEEDS), "--limit", "3", "--csv", str(target),
                            "--quiet", "--jobs", "1")
    assert code == 0, err
    assert out == ""
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfphrase,")
    rows = list(csv.reader(StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["phrase", "reports", "occurrences", "length", "documents"]
    assert len(rows) == 4


def test_phrases_csv_to_stdout_has_no_bom() -> None:
    code, out, err = invoke("phrases", str(SEEDS), "--csv", "-", "--sort", "length",
                            "--jobs", "1")
    assert code == 0, err
    rows = list(csv.reader(StringIO(out, newline="")))
    assert rows[0][0] == "phrase"
    lengths = [int(r[3]) for r in rows[1:]]
    assert lengths == sorted(lengths, reverse=True)


def test_phrases_min_docs_and_json() -> None:
    code, out, err = invoke("phrases", str(SEEDS), "--min-docs", "5", "--json", "-",
                            "--jobs", "1")
    assert code == 0, err
    data = json.loads(out)
    assert data["schema"] == "dedup.phrases/1"
    assert data["config"]["boilerplate_docs"] == 5
    assert data["phrases"] and all(len(p["documents"]) == 5 for p in data["phrases"])


@pytest.mark.parametrize("args", [
    ["--sort", "alphabet"],
    ["--min-docs", "1"],
    ["--json", "-", "--csv", "-"],
])
def test_phrases_usage_errors(args: list[str]) -> None:
    code, out, _ = invoke("phrases", str(SEEDS), *args)
    assert code == 2
    assert out == ""


def test_phrases_missing_path_exits_1() -> None:
    code, out, err = invoke("phrases", "no-such-folder")
    assert code == 1
    assert "no-such-folder" in err
    assert out == ""
