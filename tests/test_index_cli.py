"""``dedup index add|stats|rm``, ``dedup new --db`` and ``dedup scan --db`` in-process.

Checked: exit codes (0 ok, 1 inputs skipped or an unusable index, 2 usage), one stderr
line per problem, stdout clean for ``--json -``, files named as in a scan.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app

SEEDS = ("000_f350a27f9ad2a090", "001_dc5a1a356b9ddbb3", "002_37493a43f7160687",
         "003_192769ebee80c113", "004_0bd15ad5f070fb40")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def error_lines(stderr: str) -> list[str]:
    lines = stderr.strip().splitlines()
    assert lines and all(line.startswith("dedup: ") for line in lines), stderr
    return lines


@pytest.fixture
def db(tmp_path: Path, seeds_dir: Path) -> Path:
    path = tmp_path / "seeds.db"
    code, stdout, stderr = invoke("index", "add", str(seeds_dir), "--db", str(path),
                                  "--jobs", "1")
    assert code == 0, stderr
    assert stdout.startswith("indexed 5 files in ") and "5 added, 0 replaced, 0 unchanged" \
        in stdout
    assert "holds 5 documents" in stdout and stderr == ""
    return path


def test_add_again_skips_unchanged_files(db: Path, seeds_dir: Path) -> None:
    code, stdout, _ = invoke("index", "add", str(seeds_dir), "--db", str(db))
    assert code == 0 and "0 added, 0 replaced, 5 unchanged" in stdout


def test_add_names_skipped_inputs_and_exits_1(tmp_path: Path, seeds_dir: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(seeds_dir / f"{SEEDS[0]}.txt", folder)
    (folder / "empty.txt").write_text("")
    code, stdout, stderr = invoke("index", "add", str(folder), "--db",
                                  str(tmp_path / "i.db"), "--quiet")
    assert code == 1 and stdout == ""
    [line] = error_lines(stderr)
    assert "empty.txt" in line and "empty file" in line


def test_add_refuses_stdin(tmp_path: Path) -> None:
    code, _, stderr = invoke("index", "add", "-", "--db", str(tmp_path / "i.db"))
    assert code == 2 and "standard input" in error_lines(stderr)[0]


def test_stats(db: Path) -> None:
    code, stdout, _ = invoke("index", "stats", "--db", str(db))
    assert code == 0
    for word in ("documents", "5 (zh 5)", "on disk", "k-gram fingerprints", "schema",
                 "updated"):
        assert word in stdout
    code, stdout, _ = invoke("index", "stats", "--db", str(db), "--json")
    data = json.loads(stdout)
    assert code == 0 and data["schema"] == "dedup.index-stats/1"
    assert data["documents"] == 5 and data["index_schema"] == 1 and data["disk_bytes"] > 0


def test_rm_by_id_and_by_path(db: Path, seeds_dir: Path) -> None:
    code, stdout, stderr = invoke("index", "rm", SEEDS[0], str(seeds_dir / f"{SEEDS[1]}.txt"),
                                  "--db", str(db))
    assert code == 0, stderr
    assert f"removed {SEEDS[0]}" in stdout and f"removed {SEEDS[1]}" in stdout
    assert "holds 3 documents" in stdout
    code, stdout, stderr = invoke("index", "rm", SEEDS[0], SEEDS[2], "--db", str(db))
    assert code == 1 and f"removed {SEEDS[2]}" in stdout
    assert error_lines(stderr) == [f"dedup: not in the index: {SEEDS[0]!r}"]


def test_new_with_db(db: Path, seeds_dir: Path) -> None:
    code, stdout, stderr = invoke("new", str(seeds_dir / f"{SEEDS[4]}.txt"), "--db", str(db),
                                  "--json", "-", "--quiet")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert data["report"]["id"] == SEEDS[4]
    assert data["sources"][0]["id"] == SEEDS[3], "the report 004 reuses a passage of 003"
    assert SEEDS[4] not in [s["id"] for s in data["sources"]], "not its own source"
    assert all(s["indexed"] is True for s in data["sources"]), "every source is from the index"
    code, stdout, _ = invoke("new", str(seeds_dir / f"{SEEDS[4]}.txt"), "--db", str(db),
                             "--width", "100")
    assert code == 0 and "Sources" in stdout


def test_new_needs_against_or_db(seeds_dir: Path) -> None:
    code, _, stderr = invoke("new", str(seeds_dir / f"{SEEDS[0]}.txt"))
    assert code == 2 and "--db INDEX" in error_lines(stderr)[0]


def test_scan_with_db_marks_indexed_documents(db: Path, seeds_dir: Path,
                                              tmp_path: Path) -> None:
    code, stdout, stderr = invoke("scan", str(seeds_dir / f"{SEEDS[3]}.txt"), "--db", str(db),
                                  "--json", "-", "--no-html", "--out", str(tmp_path / "r"))
    assert code == 0, stderr
    data = json.loads(stdout)
    docs = {d["id"]: d.get("indexed") for d in data["documents"]}
    assert docs[SEEDS[3]] is None, "the scanned report has no indexed field"
    assert set(docs) - {SEEDS[3]} <= set(SEEDS) and all(
        v is True for k, v in docs.items() if k != SEEDS[3])
    assert data["config"]["db"] == str(db)


@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 10])
def test_foreign_file_is_one_clear_line(tmp_path: Path, seeds_dir: Path,
                                        content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    for args in (("index", "stats"), ("index", "add", str(seeds_dir)), ("index", "rm", "x"),
                 ("new", str(seeds_dir / f"{SEEDS[0]}.txt"))):
        code, stdout, stderr = invoke(*args, "--db", str(path))
        assert code == 1 and stdout == ""
        [line] = error_lines(stderr)
        assert "is not a dedup index" in line
    assert path.read_bytes() == content


def test_missing_index(tmp_path: Path) -> None:
    code, _, stderr = invoke("index", "stats", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "dedup index add" in error_lines(stderr)[0]
