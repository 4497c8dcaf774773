"""load / read_document end to end: the hostile corpus, odd inputs, progress, properties."""

from __future__ import annotations

import hashlib
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_fixtures import ENGLISH, ZH_SIMPLIFIED, hostile_corpus

import dedup.ingest.reader as reader
from dedup.config import Config
from dedup.errors import InputError
from dedup.ingest import load, read_document
from dedup.model import Document, Skipped


def test_hostile_corpus(tmp_path: Path) -> None:
    corpus = hostile_corpus(tmp_path)
    files = [p for p in corpus.root.rglob("*") if p.is_file() and not p.is_symlink()]
    before = {p: p.read_bytes() for p in files}
    calls: list[tuple[str, int, int]] = []
    docs, skipped = load([str(corpus.root)], Config(), progress=lambda *a: calls.append(a))
    assert {d.id for d in docs} == corpus.good_ids
    assert {s.path for s in skipped} == corpus.bad_paths
    assert all(s.reason for s in skipped)
    by_id = {d.id: d for d in docs}
    assert by_id["gbk"].text == by_id["utf8"].text.rstrip("\n") == ZH_SIMPLIFIED
    assert by_id["big5"].encoding == "big5"
    assert "\r\n" in by_id["bom_crlf"].text and by_id["bom_crlf"].encoding == "utf-8-sig"
    assert "alert" not in by_id["page"].text
    assert by_id["utf8"].sha256 == by_id["copy of utf8"].sha256  # duplicates both read
    # inputs are never modified
    assert {p: p.read_bytes() for p in before} == before
    # progress: 0 first, then one call per file read, ending at the total
    assert calls[0] == ("read", 0, calls[-1][2])
    assert [c[1] for c in calls] == list(range(len(calls)))
    # 3 unreadable and the ignored non-documents are skipped in discovery, before reading
    found_early = 3 + sum(s.ignored for s in skipped)
    assert calls[-1][1] == calls[-1][2] == len(docs) + len(skipped) - found_early
    assert {Path(s.path).name for s in skipped if s.ignored} == {"image.png"}


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty file"), (b" \r\n\t\n", "contains only whitespace"),
     ("\u3000\n".encode(), "contains only whitespace")],
)
def test_empty_and_blank(tmp_path: Path, data: bytes, reason: str) -> None:
    (tmp_path / "a.txt").write_bytes(data)
    with pytest.raises(InputError) as info:
        read_document(str(tmp_path / "a.txt"), Config())
    assert info.value.reason == reason and info.value.path == str(tmp_path / "a.txt")


def test_too_large_names_the_size_and_the_option(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(ENGLISH * 100)
    with pytest.raises(InputError) as info:
        read_document(str(tmp_path / "big.txt"), Config(max_file_size=1000))
    assert "14.7 KiB" in info.value.reason and "--max-file-size" in info.value.reason


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(ENGLISH)

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(reader, "open", denied, raising=False)
    _, skipped = load([str(tmp_path)], Config())
    reason = "permission denied (cannot read the file)"
    assert skipped == [Skipped(str(tmp_path / "a.txt"), reason)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file without read permission")
def test_unreadable_file_for_real(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text(ENGLISH)
    p.chmod(0)
    _, skipped = load([str(tmp_path)], Config())
    assert "permission denied" in skipped[0].reason


def test_file_vanishes_or_changes_after_discovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gone.txt").write_text(ENGLISH)
    (tmp_path / "changed.txt").write_text(ENGLISH)
    original = reader.read_bytes

    def racing(entry: reader.Entry, limit: int) -> bytes:
        if entry.path.endswith("gone.txt"):
            Path(entry.path).unlink()
        else:
            Path(entry.path).write_text("changed " + ENGLISH)
        return original(entry, limit)

    monkeypatch.setattr(reader, "read_bytes", racing)
    docs, skipped = load([str(tmp_path)], Config())
    reason = "file disappeared before it could be read"
    assert skipped == [Skipped(str(tmp_path / "gone.txt"), reason)]
    assert docs[0].text == "changed " + ENGLISH
    assert docs[0].sha256 == hashlib.sha256(docs[0].text.encode()).hexdigest()


def test_unknown_extensions_ignored_in_folders_explicit_files_attempted(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    (tmp_path / "report.txt").write_text(ZH_SIMPLIFIED)
    docs, skipped = load([str(tmp_path)], Config())
    # Found in a folder: only document types are read; the rest is ignored, not an error.
    assert [d.id for d in docs] == ["report"]
    assert [(Path(s.path).name, s.ignored) for s in skipped] == [
        ("notes.csv", True), ("old.doc", True), ("photo.jpg", True)]
    assert all("name the file to read it as text" in s.reason for s in skipped)
    # Named on the command line: always attempted.
    assert read_document(str(tmp_path / "notes.csv"), Config()).text == "a,b\n1,2\n"
    with pytest.raises(InputError, match=r"binary content \(JPEG image\)"):
        read_document(str(tmp_path / "photo.jpg"), Config())


def test_binary_with_text_extension_says_binary(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(50))
    _, skipped = load([str(tmp_path)], Config())
    assert skipped[0].reason == "binary content (PNG image), not text"


def test_notes_reach_the_document(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(ZH_SIMPLIFIED.encode() + b"\x00\xff" + b"end")
    doc = read_document(str(tmp_path / "a.txt"), Config())
    assert doc.notes == ("1 invalid UTF-8 byte replaced with U+FFFD",
                         "1 NUL character replaced with U+FFFD")
    assert doc.text == ZH_SIMPLIFIED + "\ufffd\ufffdend"


def test_markdown_is_plain_text(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# 标题\n\n* 一是\n")
    doc = read_document(str(tmp_path / "a.md"), Config())
    assert (doc.text, doc.format) == ("# 标题\n\n* 一是\n", "text")


def test_read_document_refuses_folders_and_missing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ENGLISH)
    (tmp_path / "b.txt").write_text(ENGLISH)
    with pytest.raises(InputError, match="name a single file"):
        read_document(str(tmp_path), Config())
    with pytest.raises(InputError, match="no such file"):
        read_document(str(tmp_path / "c.txt"), Config())
    assert read_document(str(tmp_path / "a.txt"), Config()).id == "a"


# --- properties -------------------------------------------------------------------------

_NAME = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
    min_size=1, max_size=20,
).filter(lambda n: n not in (".", "..") and len(n.encode()) < 200)
_EXT = st.sampled_from(["", ".txt", ".md", ".html", ".docx", ".pdf", ".dat", ".TXT"])


_FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # each example makes its own folder


@settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(st.dictionaries(st.tuples(_NAME, _EXT).map("".join), st.binary(max_size=300), max_size=6))
def test_load_never_raises_and_accounts_for_every_file(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]
) -> None:
    root = tmp_path_factory.mktemp("any")
    for name, data in files.items():
        (root / name).write_bytes(data)
    docs, skipped = load([str(root)], Config())
    visible = {str(root / n) for n in files if not n.startswith(".")}
    assert {d.path for d in docs} | {s.path for s in skipped} == visible
    assert len(docs) + len(skipped) == len(visible)
    assert len({d.id for d in docs}) == len(docs)
    for doc in docs:
        assert isinstance(doc, Document) and doc.text.strip()
        assert "\x00" not in doc.text
        assert doc.sha256 == hashlib.sha256(files[Path(doc.path).name]).hexdigest()


@settings(max_examples=30, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(st.lists(st.text(string.ascii_letters + "中文报告", min_size=1, max_size=8), min_size=1,
                max_size=5, unique=True))
def test_ids_are_unique_across_roots(
    tmp_path_factory: pytest.TempPathFactory, names: list[str]
) -> None:
    base = tmp_path_factory.mktemp("roots")
    for root in ("r1", "r2"):
        for name in names:
            for ext in (".txt", ".md"):
                p = base / root / (name + ext)
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(ENGLISH)
    docs, skipped = load([str(base / "r1"), str(base / "r2")], Config())
    assert not skipped
    assert len({d.id for d in docs}) == len(docs) == 4 * len(names)
