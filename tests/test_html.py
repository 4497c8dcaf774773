"""The HTML report site, without a browser: escaping, page names, labels, links, CSP.

The corpus is the five seed reports plus hostile files: a name that is an HTML tag, text
with ``<script>``, quotes, ``&``, ``</textarea>``, rich markup and ANSI escapes (shared by
two files so it also shows up in popovers and on a pair page), and ids that differ only
in case or in characters a slug drops.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import lxml.html  # type: ignore[import-untyped]  # lxml ships no type stubs
import pytest

from dedup.config import Config
from dedup.engine import MIN_PARALLEL_ITEMS
from dedup.export import to_json
from dedup.model import Document, DocumentReport, Edit, Match, Pair, ScanResult, Span
from dedup.output import write_report_folder
from dedup.pipeline import run
from dedup.render import html as site_html
from dedup.render.pages import INDEX_MAX_PAIRS, MATRIX_FOCUS_DOCS, pct
from dedup.render.site import SiteMap, pair_page, report_page, slug
from dedup.render.textview import layout, name, visible

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

PROBE = ('<script>alert(1)</script>这一段用来检查转义：“引号”"quotes"、&amp; & 符号、'
         '</textarea>标签、[bold red]富文本[/bold red]标记和'
         '\x1b[31m终端转义\x1b[0m都只显示为文字。')
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
SKIPPED_NAME = "<b>broken&amp;"

Site = dict[str, Any]


def build_hostile_corpus(folder: Path) -> Path:
    """Seeds plus hostile files in ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = sorted(SEEDS.glob("*.txt"))
    for f in seeds:
        shutil.copy(f, folder / f.name)
    first = seeds[0].read_text(encoding="utf-8")
    second = seeds[1].read_text(encoding="utf-8")
    (folder / f"{HOSTILE_NAME}.txt").write_text(
        first[:600] + "\n" + PROBE + "\n" + "见 https://example.com/x 与 http://a.b/c。\n",
        encoding="utf-8")
    (folder / "Probe.txt").write_text(second[:400] + "\n" + PROBE + "\n", encoding="utf-8")
    (folder / "probe.txt").write_text("大小写不同的文件名。" + second[400:900], encoding="utf-8")
    (folder / "a b.txt").write_text("名字里有空格。\r\n第二行。\r\n", encoding="utf-8")
    (folder / "a_b.txt").write_text("名字里有下划线。\n", encoding="utf-8")
    (folder / f"{SKIPPED_NAME}.pdf").write_bytes(b"%PDF-1.4 not really")
    return folder


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanResult, Path]:
    root = tmp_path_factory.mktemp("html")
    corpus = build_hostile_corpus(root / "corpus")
    result = run([str(corpus)], Config())
    out = root / "reports"
    write_report_folder(result, out)
    return result, out


@pytest.fixture(scope="module")
def pages(scan: tuple[ScanResult, Path]) -> dict[str, str]:
    _, out = scan
    return {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}


def parse(text: str) -> Any:
    return lxml.html.document_fromstring(text)


def doc_index(result: ScanResult, ident: str) -> int:
    return next(i for i, r in enumerate(result.documents) if r.document.id == ident)


def nonspace(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


# --- names and escaping -----------------------------------------------------------------

def test_site_has_every_page(scan: tuple[ScanResult, Path], pages: dict[str, str]) -> None:
    result, out = scan
    site = SiteMap.build(result, max_pair_pages=None)
    assert "index.html" in pages
    assert (out / "assets" / "dedup.css").is_file()
    assert (out / "assets" / "dedup.js").is_file()
    for page in site.reports:
        assert page in pages
    assert len([p for p in pages if p.startswith("pair-")]) == len(site.pairs) > 0


@pytest.mark.parametrize("ident", [
    "../../etc/passwd", "..", "a/b\\c", "", "CON", " ", "\x00x", "<script>", "é" * 300,
    "2026_上海市", "e\u0301",
])
def test_page_names_are_safe(ident: str) -> None:
    page = report_page(ident)
    assert re.fullmatch(r"report-[\w-]*\.html", page)
    assert "/" not in page and "\\" not in page and ".." not in page
    assert len(page.encode("utf-8")) < 200


def test_page_names_do_not_collide() -> None:
    ids = ["Report", "report", "REPORT", "a b", "a_b", "a-b", "a/b", "a.b", "é", "e\u0301",
           "上海", "上海 ", "x" * 100, "x" * 101]
    names = [report_page(i) for i in ids]
    assert len({n.casefold() for n in names}) == len(ids)
    pairs = {pair_page(a, b) for a in ids[:5] for b in ids[:5] if a != b}
    assert len(pairs) == 20


def test_slug_keeps_readable_part() -> None:
    assert slug("2026_上海市") == "2026_上海市"
    assert slug("../x/y") == "x-y"


def test_hostile_strings_are_text(scan: tuple[ScanResult, Path], pages: dict[str, str]) -> None:
    result, _ = scan
    for page, text in pages.items():
        tree = parse(text)
        # The only scripts are the site's own file; no element has an event handler.
        for script in tree.iter("script"):
            assert script.get("src") == "assets/dedup.js", page
        for el in tree.iter():
            if isinstance(el.tag, str):
                assert not [a for a in el.attrib if a.lower().startswith("on")], (page, el.tag)
        assert not list(tree.iter("img", "iframe", "object", "embed", "textarea", "form")), page
        assert "<script>alert" not in text and "<img src=x" not in text, page
    hostile = doc_index(result, HOSTILE_NAME)
    page = pages[report_page(HOSTILE_NAME)]
    tree = parse(page)
    assert tree.find(".//h1").text_content().strip() == HOSTILE_NAME
    body = tree.get_element_by_id("text").text_content()
    assert visible(PROBE) in body
    assert "␛[31m" in body and "[bold red]" in body
    assert HOSTILE_NAME in parse(pages["index.html"]).text_content()
    assert result.documents[hostile].document.text.count("<script>") == 1


def test_probe_reaches_popovers_and_pair_page(scan: tuple[ScanResult, Path],
                                              pages: dict[str, str]) -> None:
    result, _ = scan
    a, b = doc_index(result, HOSTILE_NAME), doc_index(result, "Probe")
    pair = next((p for p in result.pairs if {p.a, p.b} == {a, b}), None)
    assert pair is not None, "the two probe files share the probe paragraph"
    site = SiteMap.build(result, max_pair_pages=None)
    page = pages[site.pairs[(pair.a, pair.b)]]
    assert visible(PROBE)[:40] in parse(page).text_content()
    # In the probe report's popover templates, the other report's passage is text too.
    templates = parse(pages[report_page("Probe")]).findall(".//template")
    assert any("alert(1)" in t.text_content() for t in templates)


def test_index_lists_skipped_files_as_text(scan: tuple[ScanResult, Path],
                                           pages: dict[str, str]) -> None:
    result, _ = scan
    assert [Path(s.path).name for s in result.skipped] == [f"{SKIPPED_NAME}.pdf"]
    section = parse(pages["index.html"]).get_element_by_id("skipped")
    row = section.xpath(".//tbody/tr")[0]
    assert row.findall("td")[0].text_content().endswith(f"{SKIPPED_NAME}.pdf")
    assert row.findall("td")[1].text_content() == result.skipped[0].reason
    assert "<b>" not in pages["index.html"]


def test_names_lose_direction_overrides() -> None:
    assert name("a\u202eb\nc") == "a\ufffdb c"
    assert visible("\x00\x1b\x7f\x85\ud800") == "␀␛␡\x85\ufffd"


# --- CSP and no network ----------------------------------------------------------------------

def csp_of(text: str) -> str:
    metas = [m for m in parse(text).iter("meta")
             if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(metas) == 1
    return str(metas[0].get("content"))


def test_every_page_has_a_strict_csp(pages: dict[str, str]) -> None:
    for page, text in pages.items():
        csp = csp_of(text)
        assert "default-src 'none'" in csp, page
        assert "script-src 'self'" in csp, page
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, page
        assert "http" not in csp, page
        assert text.index("Content-Security-Policy") < text.index("<link"), page


URL_ATTRS = ("href", "src", "action", "data", "poster", "srcset", "xlink:href", "formaction")


def test_nothing_loads_from_the_network(scan: tuple[ScanResult, Path],
                                       pages: dict[str, str]) -> None:
    _, out = scan
    for page, text in pages.items():
        for el in parse(text).iter():
            if not isinstance(el.tag, str):
                continue
            for attr in URL_ATTRS:
                value = el.get(attr)
                if value is not None:
                    assert not re.match(r"\s*(\w+:|//)", value), (page, attr, value)
            assert el.get("style") is None, (page, el.tag)  # CSP forbids inline styles
        assert "<style" not in text, page
    for asset in (out / "assets").iterdir():
        css = asset.read_text(encoding="utf-8")
        assert "http" not in css and "@import" not in css and "@font-face" not in css
        assert not re.search(r"url\((?!#)", css), asset.name
        assert "fetch(" not in css and "XMLHttpRequest" not in css and "eval(" not in css


# --- links -----------------------------------------------------------------------------------

def test_links_and_fragments_resolve(scan: tuple[ScanResult, Path], pages: dict[str, str]) -> None:
    _, out = scan
    ids = {page: {el.get("id") for el in parse(text).iter() if isinstance(el.tag, str)
                  and el.get("id")} for page, text in pages.items()}
    checked = 0
    for page, text in pages.items():
        for el in parse(text).iter("a", "link", "script"):
            target = el.get("href") or el.get("src")
            if target is None:
                continue
            path, _, fragment = target.partition("#")
            file = unquote(path) or page
            assert (out / file).is_file(), (page, target)
            if fragment and file.endswith(".html"):
                assert unquote(fragment) in ids[file], (page, target)
            checked += 1
    assert checked > 100


def test_popover_sources_point_at_existing_places(scan: tuple[ScanResult, Path],
                                                  pages: dict[str, str]) -> None:
    """data-src tokens (see pages.SpanView) name reports whose pages hold the anchor."""
    result, _ = scan
    site = SiteMap.build(result, max_pair_pages=None)
    ids = {page: set(re.findall(r'\bid="([^"]+)"', text)) for page, text in pages.items()}
    n_docs = len(result.documents)
    checked = 0
    for doc, page in enumerate(site.reports):
        assert page is not None
        tree = parse(pages[page])
        for mark in tree.iterfind(".//mark[@data-c]"):
            tokens = (mark.get("data-src") or "").split()
            phrase = mark.get("data-ph")
            if tokens[:1] == ["~"]:
                excluded = {int(t) for t in tokens[1:]}
                refs = [(d, phrase) for d in range(n_docs) if d != doc and d not in excluded]
            else:
                refs = []
                for t in tokens:
                    if t.endswith("!"):
                        refs.append((int(t[:-1]), None))
                    elif ":" in t:
                        d, k = t.split(":")
                        refs.append((int(d), k))
                    else:
                        refs.append((int(t), phrase))
            hits = (mark.get("data-m") or "").split()
            assert len(refs) + len(hits) <= int(mark.get("data-c") or 0)
            for d, k in refs:
                assert d != doc
                target = site.reports[d]
                assert target is not None
                if k is not None:
                    assert f"p-{k}" in ids[target], (page, d, k)
                checked += 1
            for h in hits:
                assert tree.get_element_by_id(f"m-{h}") is not None
    assert checked > 50


def test_heatmap_cells_link_only_to_existing_pair_pages(scan: tuple[ScanResult, Path],
                                                        tmp_path: Path) -> None:
    result, _ = scan
    out = tmp_path / "capped"
    out.mkdir()
    site_html.write_site(result, to_json(result), out, max_pair_pages=1)
    assert len(list(out.glob("pair-*.html"))) == 1
    tree = parse((out / "index.html").read_text(encoding="utf-8"))
    cells = tree.xpath("//table[contains(@class,'heat')]//td")
    linked = [c for c in cells if c.find("a") is not None]
    valued = [c for c in cells if c.text_content().strip() not in ("", "same report", "none")]
    assert len(linked) == 2  # the pair, once on each side of the diagonal
    assert len(valued) == 2 * len(result.pairs)
    for c in linked:
        assert (out / c.find("a").get("href")).is_file()
        assert c.find("a").get("title")
    value = max(result.pairs, key=lambda p: p.similarity).similarity
    assert pct(value).rstrip("%") in linked[0].text_content()


# --- labels and characters -----------------------------------------------------------------

LABEL_OF_CLASS = {"l-new": "unique", "l-shared": "shared", "l-bp": "boilerplate"}


def labelled_chars(el: Any, label: str | None = None) -> list[tuple[str, str | None]]:
    """(character, label of the nearest labelled ancestor) for every non-space character."""
    classes = (el.get("class") or "").split()
    for cls in classes:
        label = LABEL_OF_CLASS.get(cls, label)
    out: list[tuple[str, str | None]] = [(c, label) for c in (el.text or "") if not c.isspace()]
    for child in el:
        if isinstance(child.tag, str):
            out.extend(labelled_chars(child, label))
        out.extend((c, label) for c in (child.tail or "") if not c.isspace())
    return out


def test_report_pages_show_every_character_with_its_label(scan: tuple[ScanResult, Path],
                                                          pages: dict[str, str]) -> None:
    result, _ = scan
    data = to_json(result)
    for doc in data["documents"]:
        text = visible(next(r.document.text for r in result.documents
                            if r.document.id == doc["id"]))
        labels: list[str | None] = [None] * len(text)
        for span in doc["spans"]:
            labels[span["start"]:span["end"]] = [span["label"]] * (span["end"] - span["start"])
        expected = [(c, labels[i]) for i, c in enumerate(text) if not c.isspace()]
        assert all(label is not None for _, label in expected), doc["id"]
        article = parse(pages[report_page(doc["id"])]).get_element_by_id("text")
        got = labelled_chars(article)
        assert got == expected, doc["id"]


def test_reused_spans_are_focusable_marks(scan: tuple[ScanResult, Path],
                                          pages: dict[str, str]) -> None:
    result, _ = scan
    for rep in result.documents:
        tree = parse(pages[report_page(rep.document.id)])
        heads = tree.xpath("//article[@id='text']//mark[@tabindex='0']")
        reused = [s for s in rep.spans if s.label != "unique"]
        assert len(heads) == len(reused), rep.document.id
        for mark, span in zip(heads, reused, strict=True):
            assert mark.get("title")
            assert int(mark.get("data-c")) == span.source_count
            assert ("l-shared" if span.label == "shared" else "l-bp") in mark.get("class")


def cell_ranges(tree: Any, column: int) -> list[tuple[int, int, str]]:
    out = []
    for row in tree.xpath("//table[contains(@class,'sbs')]/tbody/tr"):
        cells = row.findall("td")
        cell = cells[column]
        if "gap" in (cell.get("class") or ""):
            continue
        lo, hi = (int(x) for x in cell.get("data-range").split("-"))
        for meta in cell.xpath(".//div[@class='cmeta'] | .//summary"):
            meta.drop_tree()
        out.append((lo, hi, cell.text_content()))
    return out


def test_pair_pages_show_each_character_once(scan: tuple[ScanResult, Path],
                                             pages: dict[str, str]) -> None:
    result, _ = scan
    site = SiteMap.build(result, max_pair_pages=None)
    for (a, b), page in site.pairs.items():
        tree = parse(pages[page])
        for column, doc in ((0, a), (1, b)):
            text = result.documents[doc].document.text
            ranges = cell_ranges(tree, column)
            shown = Counter(nonspace("".join(t for _, _, t in ranges)))
            assert shown == Counter(nonspace(visible(text))), (page, column)
            for lo, hi, cell_text in ranges:
                assert nonspace(cell_text) == nonspace(visible(text[lo:hi])), (page, lo, hi)


def test_pair_page_marks_edits_and_moves() -> None:
    a = ("第一句话说的是二〇二二年增长百分之五的事情。第二句讲别的内容完全不同的事情。"
         "第三句是被挪动的段落文字内容。")
    b = "第三句是被挪动的段落文字内容。第一句话说的是二〇二三年增长百分之六的事情。另外一句。"
    ia, ib = a.index("第三句"), b.index("第一句")
    e1 = a.index("二二"), b.index("二三", ib)
    m1 = Match(0, a.index("。") + 1, ib, b.index("。", ib) + 1, 0.9,
               (Edit("replace", e1[0] + 1, e1[0] + 2, e1[1] + 1, e1[1] + 2),))
    m2 = Match(ia, len(a), 0, b.index("。") + 1, 1.0)
    result = synthetic([a, b], [Pair(0, 1, 0.6, 0.6, 0.6, (m1, m2))])
    page = site_html.render_pair_page(result, result.pairs[0])
    tree = parse(page)
    assert tree.xpath("//tr[contains(@class,'moved')]")
    changed = [e.text_content()
               for e in tree.xpath("//table[contains(@class,'sbs')]//span[contains(@class,'chg')]")]
    assert changed == ["二", "三"]
    assert "moved" in tree.xpath("//tr[contains(@class,'moved')]")[0].text_content()


# --- standalone pages ---------------------------------------------------------------------------

def test_standalone_pages_are_self_contained(scan: tuple[ScanResult, Path]) -> None:
    result, _ = scan
    pages_ = [site_html.render_pair_page(result, result.pairs[0]),
              site_html.render_report_page(result, doc_index(result, HOSTILE_NAME))]
    for text in pages_:
        tree = parse(text)
        csp = csp_of(text)
        assert "'self'" not in csp and "unsafe-inline" not in csp
        for tag, directive in (("style", "style-src"), ("script", "script-src")):
            (el,) = list(tree.iter(tag))
            assert el.get("src") is None
            digest = base64.b64encode(hashlib.sha256(el.text.encode()).digest()).decode()
            assert f"{directive} 'sha256-{digest}'" in csp
        for a in tree.iter("a"):
            assert (a.get("href") or "#").startswith("#"), a.get("href")
        assert "<script>alert" not in text


def test_report_page_of_a_new_report_marks_edits() -> None:
    rest = "，城镇新增就业二十万人，居民收入稳步提高，生态环境持续改善。"
    old = "今年全市地区生产总值增长百分之五点二" + rest
    new = "今年全市地区生产总值增长百分之六点一" + rest
    i = old.index("五点二")
    m = Match(0, len(old), 0, len(new), 0.95, (Edit("replace", i, i + 3, i, i + 3),))
    result = synthetic([new, old], [Pair(0, 1, 1.0, 1.0, 1.0, (m,))],
                       spans=[[Span(0, len(new), "shared", (1,), 1)],
                              [Span(0, len(old), "shared", (0,), 1)]])
    tree = parse(site_html.render_report_page(result, 0))
    assert [e.text_content() for e in tree.xpath("//article//span[contains(@class,'chg')]")] \
        == ["六点一"]
    template = tree.xpath("//template[starts-with(@id,'m-')]")[0]
    assert "五点二" in template.text_content()


# --- scale -----------------------------------------------------------------------------

def synthetic(texts: list[str], pairs: list[Pair], spans: list[list[Span]] | None = None
              ) -> ScanResult:
    docs = []
    for i, text in enumerate(texts):
        doc = Document(f"doc{i:04d}", f"doc{i:04d}.txt", text, "utf-8", f"{i:064x}")
        own = spans[i] if spans else [Span(0, len(text), "unique")]
        docs.append(DocumentReport(doc, tuple(own), len(nonspace(text)), 1.0, 0.0, 0.0))
    return ScanResult({"lang": "zh", "boilerplate_docs": 3}, docs, pairs, [])


def test_large_corpus_index_stays_small(tmp_path: Path) -> None:
    n = 1000
    texts = [f"第{i}号报告。这是一段正文，讲的是第{i}个单位的工作。" for i in range(n)]
    pairs = []
    for i in range(n - 1):
        ta, tb = texts[i], texts[i + 1]
        m = Match(ta.index("这"), len(ta), tb.index("这"), len(tb), 0.9)
        sim = round(0.01 + (i % 97) / 200, 4)
        pairs.append(Pair(i, i + 1, sim, sim, sim, (m,)))
    result = synthetic(texts, pairs)
    result.documents = [replace(r, document=replace(r.document, id=f"单位/{i}"))
                        for i, r in enumerate(result.documents)]
    out = tmp_path / "site"
    out.mkdir()
    site_html.write_site(result, to_json(result), out)
    index = (out / "index.html").read_text(encoding="utf-8")
    tree = parse(index)
    heat_rows = tree.xpath("//table[contains(@class,'heat')]/tbody/tr")
    assert 2 <= len(heat_rows) <= MATRIX_FOCUS_DOCS
    pair_rows = tree.xpath("//table[@id='pairs-table']/tbody/tr")
    assert len(pair_rows) == min(INDEX_MAX_PAIRS, len(pairs))
    assert len(tree.xpath("//table[@id='novelty-table']/tbody/tr")) == n
    assert len(index.encode()) < 3_000_000
    assert len(list(out.glob("pair-*.html"))) == 200
    assert len(list(out.glob("report-*.html"))) == n


def test_layout_keeps_paragraphs_and_line_breaks() -> None:
    text = "标题\n\n第一段第一行比较短\n第一段第二行\n\n第二段\r\n"
    paras = layout(text, [], paragraphs=True)
    assert [len(p.lines) for p in paras] == [1, 2, 1]
    one_per_line = "第一段。" * 40 + "\n" + "第二段。" * 40 + "\n\n" + "第三段。" * 40
    assert len(layout(one_per_line, [])) == 3


def test_pages_written_by_workers_are_the_same(tmp_path: Path, zh: tuple[str, ...]) -> None:
    """``jobs`` > 1 renders the pages in worker processes: the same files, byte for byte
    (enough pages that the work really goes to the workers)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(70):
        shared = zh[i % 4] + zh[(i + 1) % 4]
        (corpus / f"r{i:02d}.txt").write_text(f"第{i}号报告。{shared}{zh[4 + i % 4]}",
                                              encoding="utf-8")
    result = run([str(corpus)], Config(jobs=1))
    data = to_json(result)
    trees = []
    for jobs in (1, 2):
        folder = tmp_path / f"site{jobs}"
        folder.mkdir()
        site_html.write_site(result, data, folder, jobs=jobs)
        trees.append({p.relative_to(folder).as_posix(): p.read_bytes()
                      for p in sorted(folder.rglob("*")) if p.is_file()})
    assert len(trees[0]) > MIN_PARALLEL_ITEMS
    assert trees[0] == trees[1]
