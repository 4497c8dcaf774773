"""Planted markup in real Chromium: in file names, in report text, in stock phrases, on
every page the command line writes (the report folder, ``diff --html``, ``new --html``).

test_browser_site.py checks that a ``<script>`` probe and a tag-like name stay text. This
adds payloads that run without a ``<script>`` element when they reach the DOM as markup
(``onerror``, ``onload``, ``javascript:`` links), payloads that try to break out of an
attribute or out of the ``<template>`` elements the popovers are cloned from, and drives
the code that moves text around in the page: every popover is opened, every stock phrase
unfolded, the phrase filter fed the payload. Each payload sets ``window.__pwned`` and calls
``alert``; the CSP would block an inline handler, and the console error it logs fails the
test too (the watcher records console errors), so escaping is checked, not just the CSP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sitekit import Watch
from typer.testing import CliRunner

from dedup.cli import app

pytestmark = pytest.mark.browser

Page = Any
Watched = tuple[Page, Watch]

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

#: In report text; shared by every planted report, so it is boilerplate and a stock
#: phrase (and, reversed, inside passages two reports share: popovers, pair pages).
PAYLOAD = (
    '<img src=x onerror="window.__pwned=1;alert(1)">'
    "<svg onload=window.__pwned=2;alert(2)>"
    "\"'></mark></template></textarea><img src=x onerror=window.__pwned=3;alert(3)>"
    '<a href="javascript:window.__pwned=4;alert(4)">链接</a>'
    "<!-- ]]> {{ 7*7 }} ${7*7}"
)
#: File names (no "/" possible): become ids, titles, headings, links, table cells.
NAMES = (
    "\"'><img src=x onerror=window.__pwned=5;alert(5)>",
    "javascript:window.__pwned=6;alert(6)",
    "<svg onload=window.__pwned=7;alert(7)>",
)

#: Elements with event-handler attributes, images, scripts other than the site's own,
#: javascript: links.
INJECTED_JS = """
() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith("on")) bad.push(el.tagName + " " + a.name);
    }
  }
  for (const el of document.querySelectorAll("img, iframe, object, embed")) bad.push(el.tagName);
  for (const s of document.querySelectorAll("script")) {
    const src = s.getAttribute("src");
    if (src !== null && src !== "assets/dedup.js") bad.push("script " + src);
  }
  for (const a of document.querySelectorAll("a[href]")) {
    if (a.href.toLowerCase().startsWith("javascript:")) bad.push("link " + a.href);
  }
  return bad;
}
"""


def invoke(*args: str) -> None:
    result = CliRunner().invoke(app, [*args, "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The report folder of a planted corpus, plus diff and new pages of two of its files."""
    root = tmp_path_factory.mktemp("hostile-pages")
    corpus = root / "corpus"
    corpus.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    texts = [s.read_text(encoding="utf-8") for s in seeds]
    names = [*NAMES, "plain"]
    for i, name in enumerate(names):
        own = texts[i % len(texts)][:400]
        # Shared by two reports only (a pair, with popovers), the payload inside it too.
        pair = texts[-1][300 * (i // 2) : 300 * (i // 2 + 1)]
        (corpus / f"{name}.txt").write_text(f"{own}\n{PAYLOAD}\n{pair}{PAYLOAD[::-1]}{pair}\n",
                                            encoding="utf-8")
    out = root / "reports"
    invoke("scan", str(corpus), "--out", str(out), "--quiet")
    a, b = str(corpus / f"{NAMES[0]}.txt"), str(corpus / f"{NAMES[2]}.txt")
    invoke("diff", a, b, "--html", str(root / "diff.html"), "--quiet")
    invoke("new", a, "--against", str(corpus), "--html", str(root / "new.html"), "--quiet")
    found = [*sorted(out.glob("*.html")), root / "diff.html", root / "new.html"]
    kinds = {p.name.split("-")[0] for p in found}
    assert {"index.html", "report", "pair", "diff.html", "new.html"} <= kinds, kinds
    return found


def exercise(page: Page) -> None:
    """Open what the page's script fills in: popovers, stock phrase details, the filter."""
    marks = page.locator("#text mark[tabindex]")
    for i in range(min(marks.count(), 12)):
        mark = marks.nth(i)
        mark.scroll_into_view_if_needed()
        mark.hover()
        page.wait_for_selector("#dedup-pop", state="visible")
        page.keyboard.press("Escape")
        page.mouse.move(1, 1)
        page.wait_for_selector("#dedup-pop", state="detached")
    summaries = page.locator("#phrases-table summary")
    for i in range(min(summaries.count(), 12)):
        summaries.nth(i).click()
    if page.locator("#phrase-filter").count():
        page.fill("#phrase-filter", PAYLOAD)
        page.fill("#phrase-filter", "window.__pwned")
    page.wait_for_timeout(100)  # let anything that was going to run, run


def test_planted_markup_never_runs(pages: list[Path], watched: Watched) -> None:
    page, watch = watched
    for path in pages:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        exercise(page)
        assert page.evaluate("window.__pwned === undefined"), path.name
        assert page.evaluate(INJECTED_JS) == [], path.name
        assert page.evaluate("document.documentElement.classList.contains('js')"), \
            f"{path.name}: the page's own script ran (under its CSP)"
    watch.assert_clean()


def test_planted_markup_is_shown_as_text(pages: list[Path], watched: Watched) -> None:
    page, watch = watched
    by_name = {p.name: p for p in pages}
    report = next(p for name, p in by_name.items() if name.startswith("report-"))
    for name in ("index.html", report.name, "diff.html", "new.html"):
        page.goto(by_name[name].as_uri())
        text = page.inner_text("body")
        assert "onerror=" in text and "javascript:" in text, name
    page.goto(by_name["index.html"].as_uri())
    body = page.inner_text("body")
    for planted in NAMES:
        assert planted in body, planted
    watch.assert_clean()
