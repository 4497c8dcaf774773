"""dedup.pipeline: run, analyze_documents, compare and check_new on small corpora on disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dedup.config import Config
from dedup.errors import InputError, NoInputError
from dedup.model import ScanResult
from dedup.pipeline import analyze_documents, check_new, compare, run

Write = Callable[[dict[str, str | bytes]], Path]
Check = Callable[[ScanResult], None]


@pytest.fixture
def corpus(write_corpus: Write, zh: tuple[str, ...]) -> Path:
    """Three reports: b reuses a sentence of a; c is its own; plus an unreadable PDF."""
    return write_corpus({
        "a.txt": zh[0] + zh[1] + zh[2],
        "sub/b.md": "# 标题\n\n" + zh[3] + zh[1] + zh[4],
        "c.txt": zh[5] + zh[6],
        "broken.pdf": b"%PDF-1.4 not really",
    })


def test_run_reads_folders_and_names_documents_by_relative_path(
        corpus: Path, zh: tuple[str, ...], invariants: Check) -> None:
    result = run([str(corpus)], Config(jobs=1))
    invariants(result)
    assert [r.document.id for r in result.documents] == ["a", "c", "sub/b"]
    assert [s.path for s in result.skipped] == [str(corpus / "broken.pdf")]
    assert result.skipped[0].reason
    (pair,) = result.pairs
    assert (result.doc_id(pair.a), result.doc_id(pair.b)) == ("a", "sub/b")
    assert result.documents[1].novelty == 1.0
    assert set(result.timings) >= {"read", "segment", "candidates", "align", "analyze"}


def test_run_with_a_missing_path_skips_it(corpus: Path) -> None:
    missing = str(corpus / "nowhere.txt")
    result = run([str(corpus / "a.txt"), missing, str(corpus / "c.txt")], Config(jobs=1))
    assert [r.document.id for r in result.documents] == ["a", "c"]
    assert missing in [s.path for s in result.skipped]


@pytest.mark.parametrize("files", [{}, {"broken.pdf": b"%PDF-1.4 not really"}])
def test_run_without_readable_input_raises(write_corpus: Write, files: dict[str, str | bytes]
                                           ) -> None:
    root = write_corpus(files)
    root.mkdir(exist_ok=True)
    with pytest.raises(NoInputError, match="no readable documents"):
        run([str(root)], Config(jobs=1))


def test_progress_is_reported(corpus: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    run([str(corpus)], Config(jobs=1), progress=lambda s, d, t: calls.append((s, d, t)))
    stages = {s for s, _, _ in calls}
    assert "read" in stages and len(stages) >= 2
    for _, done, total in calls:
        assert done >= 0 and (total == 0 or done <= total)


def test_analyze_documents_in_memory(docs: Callable[..., list], zh: tuple[str, ...],
                                     invariants: Check) -> None:
    result = analyze_documents(docs(zh[0] + zh[1], zh[2] + zh[1]), Config(jobs=1))
    invariants(result)
    assert len(result.pairs) == 1 and result.skipped == []
    assert result.config["lang"] == "zh" and result.config["boilerplate_docs"] == 3


def test_language_is_detected(docs: Callable[..., list], en: tuple[str, ...],
                              zh: tuple[str, ...]) -> None:
    assert analyze_documents(docs(*en), Config(jobs=1)).config["lang"] == "en"
    mostly_zh = docs(zh[0] + " Report", zh[1] + " The end.")
    assert analyze_documents(mostly_zh, Config(jobs=1)).config["lang"] == "zh"
    assert analyze_documents(docs(*en), Config(jobs=1, lang="zh")).config["lang"] == "zh"


def test_compare_two_files(corpus: Path, invariants: Check) -> None:
    result = compare(str(corpus / "a.txt"), str(corpus / "sub" / "b.md"), Config(jobs=1))
    invariants(result)
    assert len(result.documents) == 2 and len(result.pairs) == 1
    assert (result.pairs[0].a, result.pairs[0].b) == (0, 1)


def test_compare_a_file_with_itself(corpus: Path) -> None:
    path = str(corpus / "a.txt")
    result = compare(path, path, Config(jobs=1))
    ids = [r.document.id for r in result.documents]
    assert len(set(ids)) == 2
    assert result.pairs[0].similarity == 1.0


def test_compare_unreadable_is_an_error(corpus: Path) -> None:
    with pytest.raises(InputError) as info:
        compare(str(corpus / "a.txt"), str(corpus / "broken.pdf"), Config(jobs=1))
    assert "broken.pdf" in str(info.value)


def test_check_new_puts_the_report_first(corpus: Path, write_corpus: Write,
                                         zh: tuple[str, ...], invariants: Check) -> None:
    report = corpus.parent / "new.txt"
    report.write_text(zh[7] + zh[0] + zh[4], encoding="utf-8")  # from a and from b
    result, index = check_new(str(report), [str(corpus)], Config(jobs=1))
    invariants(result)
    assert index == 0
    assert result.documents[0].document.path == str(report)
    assert len(result.documents) == 4
    partners = {p.b for p in result.pairs if p.a == 0}
    assert {result.doc_id(i) for i in partners} == {"a", "sub/b"}
    assert result.skipped  # the broken PDF


def test_check_new_does_not_compare_the_report_with_itself(corpus: Path) -> None:
    report = str(corpus / "c.txt")
    result, index = check_new(report, [str(corpus)], Config(jobs=1))
    ids = [r.document.id for r in result.documents]
    assert len(ids) == len(set(ids)) == 3
    assert result.documents[index].novelty == 1.0
    assert not any(0 in (p.a, p.b) for p in result.pairs)


def test_check_new_keeps_ids_distinct(write_corpus: Write, zh: tuple[str, ...]) -> None:
    root = write_corpus({"this/a.txt": zh[0] + zh[1], "last/a.txt": zh[0] + zh[1]})
    result, index = check_new(str(root / "this" / "a.txt"), [str(root / "last")],
                              Config(jobs=1))
    ids = [r.document.id for r in result.documents]
    assert index == 0 and ids[0] == "a" and len(set(ids)) == 2
    assert result.pairs[0].similarity == 1.0
