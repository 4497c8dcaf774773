"""Shared by the browser tests: the hostile corpus, the built site, what a page must not do."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from dedup.config import Config
from dedup.model import ScanResult
from dedup.output import write_report_folder
from dedup.pipeline import run

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
PROBE = ("<script>alert(1)</script>这一段用来检查转义，“引号”和&符号、</textarea>标签"
         "都只显示为文字。")
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


@dataclass
class Site:
    folder: Path
    result: ScanResult
    corpus: Path

    def url(self, page: str, fragment: str = "") -> str:
        return (self.folder / page).as_uri() + (f"#{fragment}" if fragment else "")


def build_site(root: Path) -> Site:
    """The seeds plus a file named like an HTML tag whose text holds a script probe that
    another file shares (so it appears in popovers and on a pair page)."""
    corpus = root / "corpus"
    corpus.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for f in seeds:
        shutil.copy(f, corpus / f.name)
    first = seeds[0].read_text(encoding="utf-8")
    second = seeds[1].read_text(encoding="utf-8")
    (corpus / f"{HOSTILE_NAME}.txt").write_text(first[:500] + "\n" + PROBE + "\n",
                                                encoding="utf-8")
    (corpus / "probe.txt").write_text(second[:300] + "\n" + PROBE + "\n", encoding="utf-8")
    result = run([str(corpus)], Config())
    folder = root / "reports"
    write_report_folder(result, folder)
    return Site(folder, result, corpus)


@dataclass
class Watch:
    """What a page did that it must not: console errors, uncaught errors, requests that
    were not for local files, dialogs (alert, confirm, prompt)."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.requests, self.requests
        assert not self.dialogs, self.dialogs
