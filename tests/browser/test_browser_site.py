"""The report site in a real headless Chromium: it runs clean, offline, and does what
the page says (heatmap links, popovers, keyboard, sorting), and hostile input stays text."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from sitekit import HOSTILE_NAME, Site, Watch

from dedup.export import to_json
from dedup.render import html as site_html
from dedup.render.site import SiteMap, report_page
from dedup.render.textview import visible

pytestmark = pytest.mark.browser

Page = Any
Watched = tuple[Page, Watch]

#: Returns [character, label] for every non-space character of the report text, the
#: label taken from the nearest l-new / l-shared / l-bp ancestor.
LABELS_JS = """
() => {
  const names = {"l-new": "unique", "l-shared": "shared", "l-bp": "boilerplate"};
  const root = document.getElementById("text");
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let label = null;
    for (let el = node.parentElement; el && el !== root; el = el.parentElement) {
      const hit = Array.from(el.classList).find((c) => c in names);
      if (hit) { label = names[hit]; break; }
    }
    for (const ch of node.data) if (ch.trim()) out.push([ch, label]);
  }
  return out;
}
"""


def index_of(site: Site, ident: str) -> int:
    return next(i for i, r in enumerate(site.result.documents) if r.document.id == ident)


def all_pages(site: Site) -> list[str]:
    return sorted(p.name for p in site.folder.glob("*.html"))


def test_every_page_loads_offline_without_errors(site: Site, watched: Watched) -> None:
    page, watch = watched
    for name in all_pages(site):
        page.goto(site.url(name))
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.classList.contains('js')"), name
    watch.assert_clean()


def test_every_link_resolves(site: Site, watched: Watched) -> None:
    page, watch = watched
    ids: dict[str, set[str]] = {}
    links: list[tuple[str, str]] = []
    for name in all_pages(site):
        page.goto(site.url(name))
        ids[name] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        links.extend((name, h) for h in hrefs)
    assert len(links) > 50
    for source, href in links:
        url = urlparse(href)
        assert url.scheme == "file", (source, href)
        target = Path(unquote(url.path))
        assert target.is_file(), (source, href)
        if url.fragment and target.suffix == ".html":
            assert unquote(url.fragment) in ids[target.name], (source, href)
    watch.assert_clean()


def test_heatmap_cell_opens_its_pair_page(site: Site, watched: Watched) -> None:
    page, watch = watched
    page.goto(site.url("index.html"))
    cell = page.locator("table.heat td a").first
    expected = cell.get_attribute("href")
    assert expected and expected.startswith("pair-")
    cell.click()
    page.wait_for_load_state("load")
    assert unquote(page.url).endswith(unquote(expected))
    assert page.locator("table.sbs tbody tr").count() > 0
    watch.assert_clean()


def test_highlighted_spans_agree_with_the_json(site: Site, watched: Watched) -> None:
    page, watch = watched
    data = to_json(site.result)
    for doc in data["documents"]:
        text = site.result.documents[index_of(site, doc["id"])].document.text
        labels: list[str | None] = [None] * len(text)
        for span in doc["spans"]:
            labels[span["start"]:span["end"]] = [span["label"]] * (span["end"] - span["start"])
        page.goto(site.url(report_page(doc["id"])))
        got = [(c, label) for c, label in page.evaluate(LABELS_JS)]
        expected = [(c, labels[i]) for i, c in enumerate(visible(text)) if c.strip()]
        assert got == expected, doc["id"]
    watch.assert_clean()


def test_script_probe_and_hostile_name_stay_text(site: Site, watched: Watched) -> None:
    page, watch = watched
    hostile = index_of(site, HOSTILE_NAME)
    pages = ["index.html", report_page(HOSTILE_NAME), report_page("probe")]
    sitemap = SiteMap.build(site.result, max_pair_pages=None)
    probe = index_of(site, "probe")
    pair_page = sitemap.pairs.get((min(hostile, probe), max(hostile, probe)))
    assert pair_page, "the two probe files share a passage"
    pages.append(pair_page)
    for name in pages:
        page.goto(site.url(name))
        assert page.locator("img, iframe").count() == 0, name
        body = page.inner_text("body")
        assert HOSTILE_NAME in body or "<script>alert(1)</script>" in body, name
    page.goto(site.url(report_page(HOSTILE_NAME)))
    assert page.inner_text("h1").strip() == HOSTILE_NAME
    assert "<script>alert(1)</script>" in page.inner_text("#text")
    # The probe is in a passage the other file shares: its popover shows it as text.
    mark = page.locator("#text mark[data-m]").last
    mark.scroll_into_view_if_needed()
    mark.hover()
    page.wait_for_selector("#dedup-pop")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned === undefined")
    assert page.title().startswith(HOSTILE_NAME)
    watch.assert_clean()


def test_hover_shows_sources(site: Site, watched: Watched) -> None:
    page, watch = watched
    data = to_json(site.result)
    shared = next(d for d in data["documents"] if any(s["label"] == "shared" for s in d["spans"]))
    span = next(s for s in shared["spans"] if s["label"] == "shared")
    page.goto(site.url(report_page(shared["id"])))
    mark = page.locator("#text mark.l-shared[tabindex]").first
    mark.scroll_into_view_if_needed()
    mark.hover()
    pop = page.wait_for_selector("#dedup-pop", state="visible")
    text = pop.inner_text()
    assert "shared" in text.lower()
    assert any(source in text for source in span["sources"]), (text, span["sources"])
    # The source's passage links to the other report at the passage and to the pair page.
    hrefs = page.eval_on_selector_all("#dedup-pop a[href]", "els => els.map(e => e.href)")
    assert any("#o-" in h for h in hrefs)
    assert all(Path(unquote(urlparse(h).path)).is_file() for h in hrefs)
    page.mouse.move(5, 5)
    page.wait_for_selector("#dedup-pop", state="detached")
    watch.assert_clean()


def test_keyboard_reaches_spans_and_their_sources(site: Site, watched: Watched) -> None:
    page, watch = watched
    data = to_json(site.result)
    doc = next(d for d in data["documents"] if any(s["label"] != "unique" for s in d["spans"]))
    page.goto(site.url(report_page(doc["id"])))
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#text mark[tabindex]')"):
            break
    else:
        pytest.fail("Tab never reached a highlighted span")
    first = page.evaluate("document.activeElement.dataset.s")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.wait_for_selector("#dedup-pop", state="visible")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.s") != first  # next span, not the popover
    page.keyboard.press("Enter")
    assert page.evaluate("!!document.activeElement.closest('#dedup-pop')")
    page.keyboard.press("Escape")
    page.wait_for_selector("#dedup-pop", state="detached")
    assert page.evaluate("!!document.activeElement.closest('#text mark[tabindex]')")
    page.keyboard.press("n")
    assert page.evaluate("!!document.activeElement.closest('#text mark[tabindex]')")
    watch.assert_clean()


def test_tables_sort_by_clicking_headers(site: Site, watched: Watched) -> None:
    page, watch = watched
    page.goto(site.url("index.html"))
    header = page.locator("#novelty-table thead th", has_text="new").first
    header.locator("button").click()
    values = page.eval_on_selector_all("#novelty-table tbody tr td:nth-child(4)",
                                       "els => els.map(e => parseFloat(e.dataset.v))")
    assert values == sorted(values, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    header.locator("button").press("Enter")
    values = page.eval_on_selector_all("#novelty-table tbody tr td:nth-child(4)",
                                       "els => els.map(e => parseFloat(e.dataset.v))")
    assert values == sorted(values)
    assert header.get_attribute("aria-sort") == "ascending"
    watch.assert_clean()


def test_phrase_filter_and_occurrence_links(site: Site, watched: Watched) -> None:
    page, watch = watched
    page.goto(site.url("index.html"))
    phrase = site.result.phrases[0]
    page.locator("#phrases-table summary").first.click()
    link = page.locator("#phrases-table details[open] .places a").first
    href = link.get_attribute("href")
    assert href and "#o-" in href
    link.click()
    page.wait_for_load_state("load")
    target = page.evaluate("decodeURIComponent(location.hash.slice(1))")
    assert page.evaluate(f"!!document.getElementById({target!r})")
    offset = int(target[2:])
    doc = next(r for r in site.result.documents if report_page(r.document.id) in page.url
               or report_page(r.document.id) in unquote(page.url))
    assert doc.document.text[offset:offset + len(phrase.text)] == phrase.text
    page.goto(site.url("index.html"))
    page.fill("#phrase-filter", phrase.text)
    visible_rows = page.locator("#phrases-table tbody tr:visible").count()
    assert 1 <= visible_rows < len(site.result.phrases)
    watch.assert_clean()


def test_pair_page_controls(site: Site, watched: Watched) -> None:
    page, watch = watched
    sitemap = SiteMap.build(site.result, max_pair_pages=None)
    page.goto(site.url(next(iter(sitemap.pairs.values()))))
    only = page.locator("table.sbs tr.only")
    assert only.count() > 0 and only.first.is_visible()
    page.uncheck("#show-only")
    assert not only.first.is_visible()
    page.check("#show-only")
    folds = page.locator("details.fold")
    if folds.count():
        page.click("#expand-all")
        assert page.evaluate("[...document.querySelectorAll('details.fold')].every(d => d.open)")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.matches('tr.same')")
    watch.assert_clean()


def test_standalone_pages_run_under_their_csp(site: Site, watched: Watched,
                                              tmp_path: Path) -> None:
    page, watch = watched
    result = site.result
    pair = max(result.pairs, key=lambda p: p.similarity)
    files = {
        "pair.html": site_html.render_pair_page(result, pair),
        "report.html": site_html.render_report_page(result, index_of(site, HOSTILE_NAME)),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        page.goto((tmp_path / name).as_uri())
        # The inline script ran (its hash is in the CSP) and the inline style applied.
        assert page.evaluate("document.documentElement.classList.contains('js')"), name
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px", name
    mark = page.locator("#text mark[tabindex]").first
    mark.scroll_into_view_if_needed()
    mark.click()
    page.wait_for_selector("#dedup-pop", state="visible")
    watch.assert_clean()
