"""The corpus index (``dedup.index``): keys, incremental adds, checks, and robustness.

Robustness is tested the hard way: foreign, empty, random, truncated and newer files are
refused and left byte-for-byte unchanged; two processes add at once; a process killed in
the middle of a transaction leaves a consistent index that a second ``add`` completes.
"""

from __future__ import annotations

import json
import random
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import Config
from dedup.errors import CorpusIndexError, NoInputError
from dedup.export import load_schema, to_json
from dedup.index import CorpusIndex, add_paths, check_against_index, scan_with_index, store
from dedup.index import db as index_db
from dedup.index.features import Params, features, winnow
from dedup.model import Document, ScanResult
from dedup.pipeline import check_new
from dedup.sketch import kgram_hashes

CONFIG = Config(jobs=1)
ROOT = Path(__file__).resolve().parents[1]

# Characters for made-up Chinese text: random strings of these share no 6-gram by chance.
_HANZI = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 2000))


def hanzi(rng: random.Random, sentences: int) -> str:
    """Random Chinese-looking sentences (no two documents share a passage by chance)."""
    return "".join("".join(rng.choice(_HANZI) for _ in range(rng.randint(18, 40))) + "。"
                   for _ in range(sentences))


def make_document(ident: str, text: str) -> Document:
    return Document(ident, f"{ident}.txt", text, "utf-8", "0" * 64)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def assert_consistent(path: Path) -> int:
    """Every invariant of a healthy index; returns the number of documents."""
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        n, chars, size, kgrams, bands = con.execute(
            "SELECT count(*), total(chars), total(bytes), total(kgrams), total(bands) "
            "FROM documents").fetchone()
        assert (meta["documents"], meta["chars"], meta["bytes"], meta["kgrams"],
                meta["bands"]) == (n, chars, size, kgrams, bands)
        assert con.execute("SELECT count(*) FROM kgrams").fetchone()[0] == kgrams
        assert con.execute("SELECT count(*) FROM bands").fetchone()[0] == bands
        assert con.execute("SELECT count(*) FROM texts").fetchone()[0] == n
        for table in ("kgrams", "bands", "texts"):
            orphans = con.execute(f"SELECT count(*) FROM {table} WHERE doc NOT IN "
                                  "(SELECT doc FROM documents)").fetchone()[0]
            assert orphans == 0, table
        return int(n)
    finally:
        con.close()


@pytest.fixture
def seeds_index(tmp_path: Path, seeds_dir: Path) -> Path:
    db = tmp_path / "seeds.db"
    report = add_paths(db, [str(seeds_dir)], CONFIG)
    assert len(report.added) == 5
    return db


# --- keys -------------------------------------------------------------------------------


@given(st.lists(st.integers(0, 50), max_size=60), st.integers(1, 8))
def test_winnow_is_the_set_of_window_minima(values: list[int], window: int) -> None:
    hashes = np.array(values, dtype=np.int64)
    expected = {min(values[i:i + window]) for i in range(max(1, len(values) - window + 1))
                if values[i:i + window]}
    assert set(winnow(hashes, window).tolist()) == expected


@settings(max_examples=60, deadline=None)
@given(st.text("甲乙丙丁戊己庚辛壬癸子丑寅卯", min_size=0, max_size=30),
       st.text("甲乙丙丁戊己庚辛壬癸子丑寅卯", min_size=0, max_size=30),
       st.text("甲乙丙丁戊己庚辛壬癸子丑寅卯", min_size=9, max_size=40),
       st.text("甲乙丙丁戊己庚辛壬癸子丑寅卯", min_size=0, max_size=30))
def test_a_shared_run_of_window_plus_k_tokens_shares_a_fingerprint(
        before: str, after: str, shared: str, other: str) -> None:
    """The winnowing guarantee, with a small window: runs of window + k - 1 tokens."""
    k, window = 3, 7
    assert len(shared) >= window + k - 1

    def prints(text: str) -> set[int]:
        h = (kgram_hashes(text, k) >> np.uint64(16)).astype(np.int64)
        return set(winnow(h, window).tolist())

    assert prints(before + shared + after) & prints(other + shared)


def test_features_are_deterministic_and_language_aware(seeds_dir: Path, en: tuple[str, ...]
                                                       ) -> None:
    text = (seeds_dir / "000_f350a27f9ad2a090.txt").read_text(encoding="utf-8")
    doc = make_document("a", text)
    first, again = features(doc, Params()), features(doc, Params())
    assert first.lang == "zh"
    assert np.array_equal(first.kgrams, again.kgrams) and np.array_equal(first.bands,
                                                                          again.bands)
    assert list(first.kgrams) == sorted(set(first.kgrams.tolist()))
    # Winnowing keeps about 2 / (window + 1) of the k-grams.
    assert 0.05 < len(first.kgrams) / len(text) < 0.2
    assert features(make_document("e", " ".join(en)), Params()).lang == "en"


# --- add, stats, rm ---------------------------------------------------------------------


def test_add_is_incremental(tmp_path: Path) -> None:
    rng = random.Random(1)
    folder = write(tmp_path / "docs", {f"{i}.txt": hanzi(rng, 20) for i in range(4)})
    db = tmp_path / "i.db"
    first = add_paths(db, [str(folder)], CONFIG)
    assert sorted(first.added) == ["0", "1", "2", "3"] and not first.skipped
    again = add_paths(db, [str(folder)], CONFIG)
    assert sorted(again.unchanged) == ["0", "1", "2", "3"] and not again.added
    (folder / "2.txt").write_text(hanzi(rng, 10), encoding="utf-8")
    (folder / "4.txt").write_text(hanzi(rng, 10), encoding="utf-8")
    third = add_paths(db, [str(folder)], CONFIG)
    assert third.replaced == ["2"] and third.added == ["4"] and len(third.unchanged) == 3
    assert assert_consistent(db) == 5
    with CorpusIndex.open(db) as index:
        found = index.find("2")
        assert found is not None and found.path == str((folder / "2.txt").resolve())
        assert index.find(str(folder / "2.txt")) == found, "found by path too"
        [doc] = index.documents([found.doc])
        assert doc.text == (folder / "2.txt").read_text(encoding="utf-8") and doc.indexed


def test_stats_count_what_is_stored(seeds_index: Path, seeds_dir: Path) -> None:
    with CorpusIndex.open(seeds_index) as index:
        stats = index.stats()
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    assert stats.documents == 5 and stats.langs == {"zh": 5}
    assert stats.chars == sum(len(t) for t in texts)
    assert stats.bytes == sum(p.stat().st_size for p in seeds_dir.glob("*.txt"))
    assert stats.schema == index_db.SCHEMA_VERSION
    assert stats.kgrams > 0 and stats.bands > 0 and stats.file_bytes > 0
    assert stats.created <= stats.updated <= time.time()
    assert assert_consistent(seeds_index) == 5


def test_remove_leaves_no_rows_behind(seeds_index: Path) -> None:
    with CorpusIndex.open(seeds_index, write=True) as index:
        found = [index.find(n) for n in ("000_f350a27f9ad2a090", "003_192769ebee80c113")]
        assert index.remove([f.doc for f in found if f is not None]) == 2
        assert index.find("000_f350a27f9ad2a090") is None
    assert assert_consistent(seeds_index) == 3
    with CorpusIndex.open(seeds_index, write=True) as index:
        rest = [index.find(n) for n in ("001_dc5a1a356b9ddbb3", "002_37493a43f7160687",
                                        "004_0bd15ad5f070fb40")]
        index.remove([f.doc for f in rest if f is not None])
        assert index.stats().kgrams == 0
    assert assert_consistent(seeds_index) == 0


def test_names_collide_across_adds(tmp_path: Path) -> None:
    rng = random.Random(2)
    a = write(tmp_path / "2022", {"report.txt": hanzi(rng, 5)})
    b = write(tmp_path / "2023", {"report.txt": hanzi(rng, 5)})
    db = tmp_path / "i.db"
    assert add_paths(db, [str(a)], CONFIG).added == ["report"]
    assert add_paths(db, [str(b)], CONFIG).added == ["report~2"]


def test_unreadable_inputs_are_skipped_by_name(tmp_path: Path) -> None:
    rng = random.Random(3)
    folder = write(tmp_path / "docs", {"ok.txt": hanzi(rng, 5), "empty.txt": ""})
    report = add_paths(tmp_path / "i.db", [str(folder), str(tmp_path / "missing.txt")], CONFIG)
    assert report.added == ["ok"]
    assert {Path(s.path).name for s in report.skipped} == {"empty.txt", "missing.txt"}
    with pytest.raises(NoInputError):
        add_paths(tmp_path / "j.db", [str(tmp_path / "nothing-here")], CONFIG)
    assert not (tmp_path / "j.db").exists(), "no index made for nothing"


# --- checking reports -------------------------------------------------------------------


def _norm_spans(result: ScanResult, index: int) -> list[tuple[int, int, str, list[str]]]:
    ids = [d.document.id for d in result.documents]
    return [(s.start, s.end, s.label, sorted(ids[i] for i in s.sources))
            for s in result.documents[index].spans]


@pytest.mark.parametrize("name", ["000_f350a27f9ad2a090", "004_0bd15ad5f070fb40"])
def test_check_equals_new_against_the_same_reports(seeds_index: Path, seeds_dir: Path,
                                                   name: str,
                                                   invariants: Callable[[ScanResult], None]
                                                   ) -> None:
    """The seeds are few enough for every one to be a candidate: the result must be what
    ``dedup new --against seeds/`` finds, and the report is never its own candidate."""
    report = str(seeds_dir / f"{name}.txt")
    result, i = check_against_index(report, seeds_index, CONFIG)
    expected, j = check_new(report, [str(seeds_dir)], CONFIG)
    assert _norm_spans(result, i) == _norm_spans(expected, j)
    assert [d.document.indexed for d in result.documents] == [False, True, True, True, True]
    assert name not in [d.document.id for d in result.documents[1:]]
    assert result.config["indexed_documents"] == 4 and "index" in result.timings
    invariants(result)


def test_check_finds_the_source_of_lifted_and_edited_passages(tmp_path: Path) -> None:
    rng = random.Random(4)
    texts = {f"{i:03}.txt": hanzi(rng, 30) for i in range(60)}
    source = texts["017.txt"]
    sentences = source.split("。")
    lifted = sentences[5] + "。" + sentences[6] + "。"
    edited = sentences[12][:10] + "变" + sentences[12][11:] + "。"  # one character changed
    report = write(tmp_path / "new", {"report.txt": hanzi(rng, 8) + lifted + hanzi(rng, 8)
                                      + edited + hanzi(rng, 5)})
    db = tmp_path / "i.db"
    add_paths(db, [str(write(tmp_path / "docs", texts))], CONFIG)
    result, _ = check_against_index(str(report / "report.txt"), db, CONFIG)
    ids = [d.document.id for d in result.documents]
    assert ids[1] == "017", "the source ranks first"
    spans = _norm_spans(result, 0)
    text = result.documents[0].document.text
    shared = "".join(text[lo:hi] for lo, hi, label, _ in spans if label != "unique")
    assert lifted.rstrip("。") in shared and sentences[12][11:] in shared


def test_stock_phrasing_found_through_witnesses(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A phrase in more indexed documents than MAX_KEY_DOCS ranks no source, but the
    documents holding it come along as witnesses, so it is labelled boilerplate."""
    monkeypatch.setattr(store, "MAX_KEY_DOCS", 4)
    rng = random.Random(5)
    stock = "坚持以习近平新时代中国特色社会主义思想为指导全面贯彻落实党的二十大精神。"
    texts = {f"{i:02}.txt": hanzi(rng, 6) + stock + hanzi(rng, 6) for i in range(12)}
    db = tmp_path / "i.db"
    add_paths(db, [str(write(tmp_path / "docs", texts))], CONFIG)
    report = write(tmp_path / "new", {"r.txt": hanzi(rng, 4) + stock + hanzi(rng, 4)})
    result, _ = check_against_index(str(report / "r.txt"), db, CONFIG)
    assert len(result.documents) > 2
    labels = {label for lo, hi, label, _ in _norm_spans(result, 0)
              if stock[:20] in result.documents[0].document.text[lo:hi]}
    assert labels == {"boilerplate"}


def test_scan_with_index_marks_indexed_documents(seeds_index: Path, seeds_dir: Path,
                                                 tmp_path: Path) -> None:
    import jsonschema

    paths = [str(seeds_dir / "003_192769ebee80c113.txt"),
             str(seeds_dir / "004_0bd15ad5f070fb40.txt")]
    result = scan_with_index(paths, seeds_index, CONFIG)
    data = to_json(result)
    jsonschema.validate(data, load_schema())
    marks = {d["id"]: d.get("indexed", False) for d in data["documents"]}
    assert marks["003_192769ebee80c113"] is False and marks["004_0bd15ad5f070fb40"] is False
    assert sum(marks.values()) == 3, "the three other seeds come from the index"
    scanned = {0, 1}
    assert all({p.a, p.b} & scanned for p in result.pairs), "no pair of two indexed documents"
    assert any({p.a, p.b} == scanned for p in result.pairs), "the scanned reports' pair"


def test_an_empty_index_gives_an_all_new_report(tmp_path: Path, seeds_dir: Path) -> None:
    db = tmp_path / "i.db"
    CorpusIndex.open(db, create=True).close()
    result, _ = check_against_index(str(seeds_dir / "000_f350a27f9ad2a090.txt"), db, CONFIG)
    assert len(result.documents) == 1 and result.documents[0].novelty == 1.0


# --- files that are not indexes ---------------------------------------------------------


def _foreign_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE people (name TEXT)")
    con.execute("INSERT INTO people VALUES ('x')")
    con.commit()
    con.close()


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_bytes(b""), "not a dedup index (it is empty)"),
    (lambda p: p.write_bytes(random.Random(6).randbytes(5000)), "not an SQLite database"),
    (lambda p: p.write_text("name,value\na,1\n"), "not an SQLite database"),
    (_foreign_sqlite, "another application"),
])
def test_files_that_are_not_indexes_are_refused_untouched(
        tmp_path: Path, make: Callable[[Path], None], message: str) -> None:
    path = tmp_path / "thing.db"
    make(path)
    before = path.read_bytes()
    for call in (lambda: CorpusIndex.open(path),
                 lambda: CorpusIndex.open(path, write=True, create=True),
                 lambda: add_paths(path, [str(ROOT / "seeds")], CONFIG)):
        with pytest.raises(CorpusIndexError, match=re.escape(message)):
            call()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thing.db"], "no side files"


def test_missing_index_says_how_to_create_one(tmp_path: Path, seeds_dir: Path) -> None:
    with pytest.raises(CorpusIndexError, match="dedup index add"):
        check_against_index(str(seeds_dir / "000_f350a27f9ad2a090.txt"), tmp_path / "no.db",
                            CONFIG)
    assert not (tmp_path / "no.db").exists()


def test_newer_schema_is_refused(seeds_index: Path) -> None:
    con = sqlite3.connect(seeds_index)
    con.execute(f"PRAGMA user_version = {index_db.SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(CorpusIndexError, match=r"newer dedup.*upgrade"):
        CorpusIndex.open(seeds_index)


def test_index_from_a_different_tokeniser_is_refused(seeds_index: Path) -> None:
    con = sqlite3.connect(seeds_index)
    con.execute("UPDATE meta SET value = 'something else' WHERE key = 'probe'")
    con.commit()
    con.close()
    with pytest.raises(CorpusIndexError, match="reads text differently"):
        CorpusIndex.open(seeds_index)


def test_truncated_index_is_reported_as_damaged(seeds_index: Path, seeds_dir: Path) -> None:
    data = seeds_index.read_bytes()
    seeds_index.write_bytes(data[: len(data) // 2])
    text = (seeds_dir / "000_f350a27f9ad2a090.txt").read_text(encoding="utf-8")
    with pytest.raises(CorpusIndexError, match=r"truncated|damaged"), \
            CorpusIndex.open(seeds_index) as index:
        index.candidates([features(make_document("x", text), index.params)], limit=10)


def test_a_damaged_page_is_reported_not_ignored(seeds_index: Path, seeds_dir: Path) -> None:
    data = bytearray(seeds_index.read_bytes())
    for i in range(8192, len(data), 4096):  # scribble over every page after the first two
        data[i + 8 : i + 200] = random.Random(i).randbytes(192)
    seeds_index.write_bytes(bytes(data))
    report = str(seeds_dir / "000_f350a27f9ad2a090.txt")
    with pytest.raises(CorpusIndexError, match=r"damaged|truncated"):
        check_against_index(report, seeds_index, CONFIG)


# --- concurrency and interruption -------------------------------------------------------


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def _adder(db: Path, folder: Path, *, batch: int = 4, extra: str = "") -> list[str]:
    return _python(f"""
        import dedup.index.add as add
        add.MIN_BATCH = {batch}
        {extra}
        from dedup.config import Config
        report = add.add_paths({str(db)!r}, [{str(folder)!r}], Config(jobs=1))
        print(len(report.added), len(report.unchanged))
    """)


def _corpus(folder: Path, n: int, seed: int, sentences: int = 15) -> Path:
    rng = random.Random(seed)
    return write(folder, {f"{seed}-{i:03}.txt": hanzi(rng, sentences) for i in range(n)})


def test_two_adds_at_once_both_succeed(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    a = _corpus(tmp_path / "a", 16, 1)
    b = _corpus(tmp_path / "b", 16, 2)
    procs = [subprocess.Popen(_adder(db, f), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT) for f in (a, b, a)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1] for o in outs]
    assert assert_consistent(db) == 32
    # The two adds of folder a together stored each of its files once.
    first, third = (tuple(map(int, outs[i][0].split())) for i in (0, 2))
    assert first[0] + third[0] == 16


def test_readers_work_while_a_writer_holds_the_lock(seeds_index: Path, seeds_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    writer = sqlite3.connect(seeds_index, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE meta SET value = value WHERE key = 'documents'")
    try:
        report = str(seeds_dir / "000_f350a27f9ad2a090.txt")
        result, _ = check_against_index(report, seeds_index, CONFIG)
        assert len(result.documents) == 5
        monkeypatch.setattr(index_db, "BUSY_TIMEOUT", 0.2)
        with pytest.raises(CorpusIndexError, match="busy"), \
                CorpusIndex.open(seeds_index, write=True) as index:
            index.remove([1])
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_killed_inside_a_transaction_the_index_is_as_before(tmp_path: Path) -> None:
    """SIGKILL after the second batch's documents and half its keys are written, before
    its COMMIT: the first batch stays, the second vanishes whole, and adding again
    completes the index."""
    db = tmp_path / "i.db"
    folder = _corpus(tmp_path / "docs", 12, 3)
    kill = """
        import os, signal
        from dedup.index.store import CorpusIndex
        original = CorpusIndex._insert_keys
        calls = []
        def dying(self, table, column, parts):
            calls.append(table)
            if len(calls) == 3:  # kgrams of the second batch
                original(self, table, column, parts[: len(parts) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            original(self, table, column, parts)
        CorpusIndex._insert_keys = dying
    """
    proc = subprocess.run(_adder(db, folder, batch=5, extra=textwrap.dedent(kill).replace(
        "\n", "\n        ")), capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert assert_consistent(db) == 5, "the first batch, nothing of the second"
    report = add_paths(db, [str(folder)], CONFIG)
    assert (len(report.unchanged), len(report.added)) == (5, 7)
    assert assert_consistent(db) == 12


def test_killed_at_any_moment_the_index_is_consistent(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    folder = _corpus(tmp_path / "docs", 120, 4, sentences=40)
    proc = subprocess.Popen(_adder(db, folder, batch=8), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with CorpusIndex.open(db) as index:
                    stored = index.stats().documents
            except CorpusIndexError:
                stored = 0
        if stored >= 16:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL, "killed before it finished"
    n = assert_consistent(db)
    assert n >= 16
    assert len(add_paths(db, [str(folder)], CONFIG).unchanged) == n
    assert assert_consistent(db) == 120


def test_index_json_written_by_stats_is_plain_data(seeds_index: Path) -> None:
    from dedup.render.indexview import stats_data

    with CorpusIndex.open(seeds_index) as index:
        data = stats_data(index.stats())
    assert json.loads(json.dumps(data)) == data and data["documents"] == 5
    assert Path(data["path"]).name == "seeds.db"
