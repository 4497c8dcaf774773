"""``dedup scan`` and ``dedup text``, run in-process with CliRunner.

Checked: exit codes (0 ok, 1 inputs skipped or nothing readable, 2 usage), files
written, ``--json -`` is valid JSON and the only thing on stdout, errors are one stderr
line naming the input, ``--quiet`` keeps stdout empty, ``text`` prints the exact text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app

Write = Callable[[dict[str, str | bytes]], Path]


def invoke(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def error_lines(stderr: str) -> list[str]:
    lines = stderr.strip().splitlines()
    assert all(line.startswith("dedup: ") for line in lines), stderr
    return lines


@pytest.fixture
def corpus(write_corpus: Write, zh: tuple[str, ...]) -> Path:
    return write_corpus({"a.txt": zh[0] + zh[1] + zh[2], "b.txt": zh[3] + zh[1] + zh[4],
                         "c.txt": zh[5]})


def test_scan_seeds_writes_scan_json(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, stdout, stderr = invoke("scan", str(seeds_dir), "--no-html", "--out", str(out),
                                  "--jobs", "1")
    assert code == 0, stderr
    data = json.loads((out / "scan.json").read_text(encoding="utf-8"))
    assert data["schema"] == "dedup.scan/1" and len(data["documents"]) == 5
    assert not (out / "index.html").exists()
    assert "000_f350a27f9ad2a090" in stdout, "the summary names the reports"
    assert stderr == ""


def test_scan_with_html(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _, stderr = invoke("scan", str(corpus), "--out", str(out), "--quiet")
    assert code == 0, stderr
    assert (out / "index.html").is_file() and (out / "scan.json").is_file()


def test_json_to_stdout_is_the_only_output(corpus: Path, tmp_path: Path) -> None:
    code, stdout, stderr = invoke("scan", str(corpus), "--no-html", "--out",
                                  str(tmp_path / "r"), "--json", "-", "--jobs", "1")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert [d["id"] for d in data["documents"]] == ["a", "b", "c"]
    assert len(data["pairs"]) == 1
    assert (tmp_path / "r" / "scan.json").is_file()


def test_json_to_a_file_too(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy" / "scan.json"
    code, _, stderr = invoke("scan", str(corpus), "--no-html", "--out", str(tmp_path / "r"),
                             "--json", str(target), "--quiet")
    assert code == 0, stderr
    first = json.loads(target.read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "r" / "scan.json").read_text(encoding="utf-8"))
    first.pop("timings"), second.pop("timings")
    assert first == second


def test_quiet_prints_nothing(corpus: Path, tmp_path: Path) -> None:
    code, stdout, stderr = invoke("scan", str(corpus), "--no-html", "--out",
                                  str(tmp_path / "r"), "--quiet")
    assert code == 0, stderr
    assert stdout == "" and stderr == ""


def test_missing_path_among_others(corpus: Path, tmp_path: Path) -> None:
    missing = str(corpus / "nowhere.txt")
    code, stdout, stderr = invoke("scan", str(corpus / "a.txt"), missing, str(corpus / "b.txt"),
                                  "--no-html", "--out", str(tmp_path / "r"), "--json", "-")
    assert code == 1
    (line,) = error_lines(stderr)
    assert "nowhere.txt" in line
    data = json.loads(stdout)
    assert [d["id"] for d in data["documents"]] == ["a", "b"]
    assert (tmp_path / "r" / "scan.json").is_file(), "the rest is still processed"


def test_files_that_are_not_documents_are_ignored_in_one_line(
        write_corpus: Write, zh: tuple[str, ...], tmp_path: Path) -> None:
    root = write_corpus({"a.txt": zh[0], "b.txt": zh[1], "logo.png": b"\x89PNG\r\n\x1a\n",
                         "data.json": "{}", "broken.pdf": b"%PDF-1.4 broken"})
    code, _, stderr = invoke("scan", str(root), "--no-html", "--out", str(tmp_path / "r"),
                             "--quiet")
    assert code == 1, "the broken PDF is an input that could not be read"
    lines = error_lines(stderr)
    assert len(lines) == 2
    assert any("broken.pdf" in line for line in lines)
    ignored = next(line for line in lines if "logo.png" in line)
    assert "data.json" in ignored
    code, _, stderr = invoke("scan", str(root / "a.txt"), str(root / "b.txt"),
                             str(root / "logo.png"), "--no-html", "--out",
                             str(tmp_path / "r2"), "--quiet")
    assert code == 1, "a file named on the command line that cannot be read is an error"
    (line,) = error_lines(stderr)
    assert "logo.png" in line


def test_nothing_readable(tmp_path: Path) -> None:
    code, stdout, stderr = invoke("scan", str(tmp_path / "nowhere"), "--no-html", "--out",
                                  str(tmp_path / "r"))
    assert code == 1 and stdout == ""
    (line,) = error_lines(stderr)
    assert "nowhere" in line
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("args", [
    ["--lang", "fr"],
    ["--engine", "spark"],
    ["--threshold", "1.5"],
    ["--boilerplate-docs", "1"],
    ["--jobs", "-1"],
    ["--no-such-option"],
])
def test_usage_errors_exit_2(corpus: Path, tmp_path: Path, args: list[str]) -> None:
    code, stdout, stderr = invoke("scan", str(corpus), "--no-html", "--out",
                                  str(tmp_path / "r"), *args)
    assert code == 2
    assert stdout == ""
    assert stderr.strip()
    assert not (tmp_path / "r").exists()


def test_bad_lang_is_one_line(corpus: Path, tmp_path: Path) -> None:
    _, _, stderr = invoke("scan", str(corpus), "--out", str(tmp_path / "r"), "--lang", "fr")
    (line,) = error_lines(stderr)
    assert "--lang" in line and "'fr'" in line


def test_no_paths_is_a_usage_error() -> None:
    code, _, _ = invoke("scan")
    assert code == 2


def test_foreign_out_folder_is_refused(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, stderr = invoke("scan", str(corpus), "--no-html", "--out", str(out), "--quiet")
    assert code == 1
    (line,) = error_lines(stderr)
    assert "--force" in line
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    code, _, _ = invoke("scan", str(corpus), "--no-html", "--out", str(out), "--quiet",
                        "--force")
    assert code == 0 and (out / "scan.json").is_file()


# --- dedup text ---------------------------------------------------------------------------


def test_text_prints_the_exact_text(write_corpus: Write) -> None:
    text = "\ufeff第一行。\r\n第二行 with  spaces\r\n\r\n  最后一行\t结束"
    root = write_corpus({"crlf.txt": text.encode("utf-8")})
    result = CliRunner().invoke(app, ["text", str(root / "crlf.txt")], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout_bytes.decode("utf-8") == text.lstrip("\ufeff")
    assert b"\r\n" in result.stdout_bytes


def test_text_decodes_legacy_encodings(write_corpus: Write, zh: tuple[str, ...]) -> None:
    text = zh[0] + "\n" + zh[1] + "\n"
    root = write_corpus({"gbk.txt": text.encode("gb18030")})
    code, stdout, stderr = invoke("text", str(root / "gbk.txt"))
    assert code == 0, stderr
    assert stdout == text


def test_text_offsets_agree_with_scan(corpus: Path, tmp_path: Path) -> None:
    """Offsets in scan.json index into what ``dedup text`` prints."""
    code, stdout, _ = invoke("scan", str(corpus), "--no-html", "--out", str(tmp_path / "r"),
                             "--json", "-")
    assert code == 0
    data = json.loads(stdout)
    texts = {d["id"]: invoke("text", str(corpus / f"{d['id']}.txt"))[1]
             for d in data["documents"]}
    (pair,) = data["pairs"]
    m = pair["matches"][0]
    in_a = texts[pair["a"]][m["a_start"] : m["a_end"]]
    assert in_a == texts[pair["b"]][m["b_start"] : m["b_end"]]
    assert in_a.endswith("。")


def test_text_from_stdin() -> None:
    code, stdout, _ = invoke("text", "-", stdin="来自标准输入的文字。\n")
    assert code == 0 and stdout == "来自标准输入的文字。\n"


def test_text_missing_file(tmp_path: Path) -> None:
    code, stdout, stderr = invoke("text", str(tmp_path / "gone.txt"))
    assert code == 1 and stdout == ""
    (line,) = error_lines(stderr)
    assert "gone.txt" in line


def test_report_folder_inside_the_corpus_is_not_scanned(corpus: Path) -> None:
    out = corpus / "reports"
    code, _, stderr = invoke("scan", str(corpus), "--out", str(out), "--quiet", "--jobs", "1")
    assert code == 0, stderr
    code, stdout, stderr = invoke("scan", str(corpus), "--out", str(out), "--json", "-",
                                  "--jobs", "1")
    assert code == 0, stderr
    assert [d["id"] for d in json.loads(stdout)["documents"]] == ["a", "b", "c"]
