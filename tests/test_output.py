"""dedup.output: the report folder is written whole or not at all."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from dedup.errors import OutputError
from dedup.model import ScanResult
from dedup.output import MARKER, write_report_folder

Analyze = Callable[..., ScanResult]


@pytest.fixture(scope="module")
def result(analyze: Analyze, zh: tuple[str, ...]) -> ScanResult:
    return analyze([zh[0] + zh[1], zh[2] + zh[1], zh[3]])


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_writes_json_and_marker(tmp_path: Path, result: ScanResult) -> None:
    out = tmp_path / "reports"
    path = write_report_folder(result, out, html=False)
    assert path == out / "scan.json"
    assert names(out) == sorted([MARKER, "scan.json"])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == "dedup.scan/1" and len(data["documents"]) == 3
    assert names(tmp_path) == ["reports"], "no staging folder left"


def test_folder_is_not_private(tmp_path: Path, result: ScanResult) -> None:
    out = tmp_path / "reports"
    write_report_folder(result, out, html=False)
    mode = out.stat().st_mode & 0o777
    assert mode == 0o777 & ~current_umask()
    if current_umask() != 0o077:
        assert mode != 0o700


def test_html_pages_are_written(tmp_path: Path, result: ScanResult) -> None:
    out = tmp_path / "site"
    write_report_folder(result, out)
    assert (out / "index.html").is_file() and (out / "scan.json").is_file()


def test_replaces_an_earlier_report(tmp_path: Path, result: ScanResult) -> None:
    out = tmp_path / "reports"
    write_report_folder(result, out, html=False)
    (out / "stale.html").write_text("old page", encoding="utf-8")
    write_report_folder(result, out, html=False)
    assert names(out) == sorted([MARKER, "scan.json"])
    assert names(tmp_path) == ["reports"]


@pytest.mark.parametrize("content", [{".gitkeep": ""}, {}, {".DS_Store": "x"}])
def test_empty_or_hidden_only_folder_is_used(tmp_path: Path, result: ScanResult,
                                             content: dict[str, str]) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    for name, text in content.items():
        (out / name).write_text(text, encoding="utf-8")
    write_report_folder(result, out, html=False)
    assert (out / "scan.json").is_file()


def test_refuses_a_foreign_folder_unless_forced(tmp_path: Path, result: ScanResult) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(OutputError, match="--force"):
        write_report_folder(result, out, html=False)
    assert names(out) == ["thesis.docx"]
    assert names(tmp_path) == ["mine"]
    write_report_folder(result, out, html=False, force=True)
    assert names(out) == sorted([MARKER, "scan.json"])


def test_refuses_a_file(tmp_path: Path, result: ScanResult) -> None:
    out = tmp_path / "reports"
    out.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"):
        write_report_folder(result, out, html=False, force=True)
    assert out.read_text(encoding="utf-8") == "not a folder"


def _earlier_report(tmp_path: Path, result: ScanResult) -> Path:
    out = tmp_path / "reports"
    write_report_folder(result, out, html=False)
    (out / "scan.json").write_text('{"earlier": true}\n', encoding="utf-8")
    return out


def test_failure_while_rendering_leaves_the_earlier_report(
        tmp_path: Path, result: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.render import html

    out = _earlier_report(tmp_path, result)
    seen: list[Path] = []

    def broken_site(result: ScanResult, data: object, folder: Path, **kwargs: object) -> None:
        seen.append(folder)
        (folder / "index.html").write_text("<html>half", encoding="utf-8")
        # While the new report is being written, the earlier one is intact.
        assert (out / "scan.json").read_text(encoding="utf-8") == '{"earlier": true}\n'
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(html, "write_site", broken_site)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        write_report_folder(result, out)
    assert seen and seen[0] != out and seen[0].parent == out.parent
    assert (out / "scan.json").read_text(encoding="utf-8") == '{"earlier": true}\n'
    assert names(out) == sorted([MARKER, "scan.json"])
    assert names(tmp_path) == ["reports"], "staging folder removed"


def test_interrupt_leaves_nothing_new(tmp_path: Path, result: ScanResult,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.render import html

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(html, "write_site", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report_folder(result, tmp_path / "reports")
    assert names(tmp_path) == []


def test_failed_rename_restores_the_earlier_report(
        tmp_path: Path, result: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _earlier_report(tmp_path, result)
    rename = Path.rename

    def flaky(self: Path, target: str | os.PathLike[str]) -> Path:
        if self.name.endswith(".partial") and Path(target) == out:
            raise OSError(16, "Device or resource busy")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", flaky)
    with pytest.raises(OSError, match="busy"):
        write_report_folder(result, out, html=False)
    monkeypatch.undo()
    assert (out / "scan.json").read_text(encoding="utf-8") == '{"earlier": true}\n'
    assert names(tmp_path) == ["reports"]


def test_symlinked_out_folder_leaves_nothing_behind(tmp_path: Path, result: ScanResult) -> None:
    real = tmp_path / "real"
    write_report_folder(result, real, html=False)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    write_report_folder(result, link, html=False)
    assert (link / "scan.json").is_file()
    assert names(tmp_path) == ["link", "real"]
