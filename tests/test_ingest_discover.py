"""Paths -> files (folders, globs, stdin, symlinks, hidden files) and ids."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from ingest_fixtures import ENGLISH, ZH_SIMPLIFIED

from dedup.config import Config
from dedup.ingest import load, read_document
from dedup.ingest.discover import Entry, discover
from dedup.ingest.ids import assign_ids
from dedup.model import Skipped


def _write(root: Path, rel: str, text: str = ENGLISH) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def _ids(paths: list[str]) -> list[str]:
    docs, skipped = load(paths, Config())
    assert not skipped, skipped
    return [d.id for d in docs]


def test_folder_is_recursive_sorted_and_ids_are_relative(tmp_path: Path) -> None:
    for rel in ("b.txt", "a/z.md", "a/b/c.txt", "000_x.txt", "A.txt"):
        _write(tmp_path / "seeds", rel)
    docs, _ = load([str(tmp_path / "seeds")], Config())
    assert [d.id for d in docs] == ["000_x", "A", "a/b/c", "a/z", "b"]
    assert docs[0].path == str(tmp_path / "seeds" / "000_x.txt")


def test_path_is_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "seeds/000_x.txt")
    monkeypatch.chdir(tmp_path)
    docs, _ = load(["seeds/"], Config())
    assert (docs[0].id, docs[0].path) == ("000_x", "seeds/000_x.txt")
    docs, _ = load(["./seeds/000_x.txt"], Config())
    assert (docs[0].id, docs[0].path) == ("000_x", "./seeds/000_x.txt")


def test_several_paths_and_the_same_file_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "d/a.txt")
    _write(tmp_path, "e.txt")
    monkeypatch.chdir(tmp_path)
    docs, skipped = load(["d", "e.txt", "d/a.txt", "./d/../d/a.txt", "d"], Config())
    assert [d.path for d in docs] == ["d/a.txt", "e.txt"]
    assert not skipped


def test_glob_not_expanded_by_the_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rels = ("seeds/000_x.txt", "seeds/001_y.txt", "seeds/notes.md", "r/2022/a.txt", "r/2023/a.txt")
    for rel in rels:
        _write(tmp_path, rel)
    monkeypatch.chdir(tmp_path)
    assert _ids(["seeds/*.txt"]) == ["000_x", "001_y"]
    assert _ids(["r/*/a.txt"]) == ["2022/a", "2023/a"]
    assert _ids(["r/**/*.txt"]) == ["2022/a", "2023/a"]
    _, skipped = load(["nothing/*.txt"], Config())
    assert skipped == [Skipped("nothing/*.txt", "no files match this pattern")]


def test_a_file_whose_name_looks_like_a_glob_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "report[1].txt")
    monkeypatch.chdir(tmp_path)
    assert _ids(["report[1].txt"]) == ["report[1]"]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = ZH_SIMPLIFIED.encode("gb18030")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    docs, skipped = load(["-", "-"], Config())
    assert not skipped
    assert [(d.id, d.path, d.encoding, d.text) for d in docs] == [
        ("stdin", "<stdin>", "gb18030", ZH_SIMPLIFIED)
    ]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"<!DOCTYPE html><p>hi</p>")))
    assert read_document("-", Config()).format == "html"


def test_hidden_files_and_folders_are_ignored(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt")
    _write(tmp_path, ".hidden.txt")
    _write(tmp_path, ".git/objects/x.txt")
    _write(tmp_path, "sub/.DS_Store")
    assert _ids([str(tmp_path)]) == ["a"]
    # ... but a hidden file or folder named explicitly is read
    assert _ids([str(tmp_path / ".hidden.txt")]) == [".hidden"]
    assert _ids([str(tmp_path / ".git")]) == ["objects/x"]


def test_folder_named_like_a_file_is_descended_into(tmp_path: Path) -> None:
    _write(tmp_path, "x.txt/inner.txt")
    assert _ids([str(tmp_path)]) == ["x.txt/inner"]
    assert _ids([str(tmp_path / "x.txt")]) == ["inner"]


def test_symlinks_are_followed_once_and_loops_stop(tmp_path: Path) -> None:
    _write(tmp_path, "real/a.txt")
    (tmp_path / "real" / "loop").symlink_to(".")
    (tmp_path / "real" / "self").symlink_to("self")
    (tmp_path / "real" / "broken.txt").symlink_to("missing.txt")
    (tmp_path / "real" / "z.txt").symlink_to("a.txt")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "far.txt").write_text("far away")
    (tmp_path / "real" / "far").symlink_to(tmp_path / "other")
    docs, skipped = load([str(tmp_path / "real")], Config())
    assert [d.id for d in docs] == ["a", "far/far"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert reasons == {
        "loop": "symbolic link loop (it points back to a folder that contains it)",
        "self": "symbolic link loop",
        "broken.txt": "broken symbolic link (its target does not exist)",
    }


def test_mutual_symlink_folders_terminate(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(tmp_path, "a/x.txt")
    (tmp_path / "a" / "to_b").symlink_to(tmp_path / "b")
    (tmp_path / "b" / "to_a").symlink_to(tmp_path / "a")
    docs, skipped = load([str(tmp_path)], Config())
    assert [d.id for d in docs] == ["a/x"]
    assert len(skipped) == 1 and "loop" in skipped[0].reason


def test_explicit_dangling_link_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "d.txt").symlink_to("nowhere")
    _, skipped = load([str(tmp_path / "d.txt"), str(tmp_path / "none.txt")], Config())
    assert [s.reason for s in skipped] == [
        "broken symbolic link (its target does not exist)", "no such file or folder"
    ]


def test_special_files_in_folders_are_named(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt")
    os.mkfifo(tmp_path / "pipe")
    docs, skipped = load([str(tmp_path)], Config())
    assert [d.id for d in docs] == ["a"]
    assert skipped == [Skipped(str(tmp_path / "pipe"), "not a regular file (named pipe)")]


def test_odd_file_names(tmp_path: Path) -> None:
    names = ["with space.txt", "new\nline.txt", "<img src=x onerror=alert(1)>.txt",
             "报告 (终稿).txt", "emoji 📄.md", "-dash.txt"]
    for name in names:
        _write(tmp_path, name)
    docs, skipped = load([str(tmp_path)], Config())
    assert not skipped
    assert sorted(d.id for d in docs) == sorted(n.rsplit(".", 1)[0] for n in names)


def test_undecodable_file_name_gets_a_printable_id(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:  # noqa: PTH123 - pathlib cannot take a bytes path
        f.write(b"hello world")
    docs, _ = load([str(tmp_path)], Config())
    assert docs[0].id == "caf\ufffd"
    docs[0].id.encode("utf-8")  # printable and JSON-safe


# --- ids ---------------------------------------------------------------------------------

def _entry(rel: str, root: str = "root") -> Entry:
    return Entry(rel, rel, root, explicit=False)


@pytest.mark.parametrize(
    ("rels", "expected"),
    [
        (["a.txt", "b.txt"], ["a", "b"]),
        (["a.txt", "a.md"], ["a.txt", "a.md"]),
        (["a", "a.txt"], ["a", "a.txt"]),
        (["sub/a.txt", "sub/a.html", "a.txt"], ["sub/a.txt", "sub/a.html", "a"]),
        (["report.final.txt", "v1.05"], ["report.final", "v1.05"]),
        (["a.txt", "a.txt~2", "a.txt"], ["root/a.txt", "a.txt~2", "root/a.txt~2"]),
    ],
)
def test_ids(rels: list[str], expected: list[str]) -> None:
    ids = assign_ids([_entry(r) for r in rels])
    assert ids == expected
    assert len(set(ids)) == len(ids)


def test_numbering_never_takes_another_files_id() -> None:
    entries = [_entry("a.txt"), _entry("a.txt"), Entry("x", "root/a.txt~2", "", explicit=False)]
    assert assign_ids(entries) == ["root/a.txt", "root/a.txt~3", "root/a.txt~2"]


def test_same_name_under_two_roots_is_prefixed(tmp_path: Path) -> None:
    _write(tmp_path, "2022/report.txt")
    _write(tmp_path, "2023/report.txt")
    _write(tmp_path, "2023/other.txt")
    assert _ids([str(tmp_path / "2022"), str(tmp_path / "2023")]) == [
        "2022/report.txt", "other", "2023/report.txt"
    ]


def test_ids_do_not_depend_on_which_files_are_readable(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt")
    (tmp_path / "a.md").write_bytes(b"")
    docs, skipped = load([str(tmp_path)], Config())
    assert [d.id for d in docs] == ["a.txt"]
    assert [s.reason for s in skipped] == ["empty file"]


def test_discover_keeps_skips_in_order(tmp_path: Path) -> None:
    _write(tmp_path, "b.txt")
    items = discover([str(tmp_path / "a.txt"), str(tmp_path)])
    assert isinstance(items[0], Skipped) and isinstance(items[1], Entry)
