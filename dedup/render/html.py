"""The HTML report: a folder of static pages that opens from disk with no network.

``write_site`` writes ``index.html`` (summary, similarity heatmap, ranked pairs, stacked
bars, stock phrases), one page per report (text highlighted by label, sources on hover,
focus or click) and one page per similar pair (side by side, moved passages, edits),
plus ``assets/dedup.css`` and ``assets/dedup.js``. ``render_pair_page`` and
``render_report_page`` give one self-contained page (CSS and JS inline) for
``dedup diff --html`` and ``dedup new --html``.

Safety: every template is rendered with Jinja2 ``autoescape=True`` and input text is
never marked safe; each page carries a Content-Security-Policy that forbids remote
loads, inline event handlers and any script but the page's own (``'self'`` for the
site's asset files, a sha256 hash for the inline script of a single page). File names
come from :mod:`dedup.render.site` (slug + hash of the id, never the id itself).

The template context of each page is documented on the ``_*_context`` functions.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from dedup import __version__
from dedup.engine import ProcessEngine, SerialEngine
from dedup.model import Pair, ScanResult
from dedup.render import pages
from dedup.render.pairpage import pair_view
from dedup.render.reportpage import report_view
from dedup.render.site import SiteMap
from dedup.render.textview import name

__all__ = ["render_pair_page", "render_report_page", "write_site"]

ASSET_DIR = "assets"
CSS_FILE = "dedup.css"
JS_FILE = "dedup.js"

#: Policy of the site's pages: scripts and styles only from the site's own files.
#: ``'self'`` matches file:// URLs of the same folder in Chromium and Firefox.
SITE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "base-uri 'none'; form-action 'none'")


@dataclass(frozen=True, slots=True)
class Assets:
    """How a page gets its CSS and JS: from files next to it, or inline."""

    inline: bool
    csp: str
    css: str = ""
    js: str = ""
    css_href: str = f"{ASSET_DIR}/{CSS_FILE}"
    js_href: str = f"{ASSET_DIR}/{JS_FILE}"


@cache
def _static(file: str) -> str:
    text = resources.files("dedup.render").joinpath("static", file).read_text(encoding="utf-8")
    # Inlined into <style>/<script>: these sequences would end the element early.
    if "</" in text:
        raise RuntimeError(f"static/{file} must not contain '</'")
    return text


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _site_assets() -> Assets:
    return Assets(inline=False, csp=SITE_CSP)


def _inline_assets() -> Assets:
    css, js = _static(CSS_FILE), _static(JS_FILE)
    csp = (f"default-src 'none'; script-src 'sha256-{_sha256(js)}'; "
           f"style-src 'sha256-{_sha256(css)}'; img-src data:; base-uri 'none'; form-action 'none'")
    # Our own package files (checked for "</" above), not input: inlined verbatim, so
    # that the bytes the browser hashes are the bytes hashed here.
    return Assets(inline=True, csp=csp, css=Markup(css), js=Markup(js))


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("dedup.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["pct"] = pages.pct
    return env


def _render(template: str, context: dict[str, Any]) -> str:
    return _env().get_template(template).render(context)


def _common(result: ScanResult, assets: Assets, home: str | None) -> dict[str, Any]:
    """Context every page gets: ``assets``, ``home`` (link to index.html or None),
    ``version``, ``settings`` (one line), ``text_lang`` (lang attribute of report text)."""
    config = result.config
    lang = str(config.get("lang", ""))
    settings = ", ".join(f"{k} {config[k]}" for k in ("threshold", "boilerplate_docs", "lang")
                         if k in config)
    return {
        "assets": assets,
        "home": home,
        "version": __version__,
        "settings": settings,
        "text_lang": lang if lang in ("zh", "en") else "",
        "boilerplate_docs": config.get("boilerplate_docs", 3),
    }


def _index_context(corpus: pages.Corpus, data: dict[str, Any] | None,
                   data_href: str | None) -> dict[str, Any]:
    """``s`` (summary counts), ``skipped`` (path, reason), ``matrix``, ``legend`` (heat
    colours), ``unlinked`` (pairs shown without a page), ``pairs`` (PairLine, most
    similar first), ``pairs_more``, ``bars``, ``phrases`` (PhraseView), ``phrases_more``,
    ``data_href`` (link to scan.json or None)."""
    result = corpus.result
    summary = (data or {}).get("summary") or {
        "documents": len(result.documents),
        "characters": sum(r.chars for r in result.documents),
        "pairs": len(result.pairs),
        "phrases": len(result.phrases),
        "skipped": len(result.skipped),
    }
    ranked = pages.ranked_pairs(corpus, pages.INDEX_MAX_PAIRS)
    matrix = pages.matrix(corpus)
    unlinked = 0
    if matrix:
        unlinked = sum(1 for row in matrix.rows for c in row
                       if c is not None and c.text and c.href is None) // 2
    return {
        "s": summary,
        "skipped": [{"path": name(s.path), "reason": s.reason} for s in result.skipped],
        "matrix": matrix,
        "legend": pages.heat_legend(),
        "unlinked": unlinked,
        "pairs": [pages.pair_line(corpus, p) for p in ranked],
        "pairs_more": len(result.pairs) > len(ranked),
        "bars": sorted(pages.bars(corpus), key=lambda b: (b.new, b.doc.index)),
        "phrases": pages.phrases(corpus),
        "phrases_more": len(result.phrases) > pages.INDEX_MAX_PHRASES,
        "data_href": data_href,
    }


def _report_context(corpus: pages.Corpus, doc: int) -> dict[str, Any]:
    """``v`` (ReportView: paragraphs of runs, span views, popover data, partners, bar),
    ``path``, ``notes_read`` (reader warnings), ``any_pair_links``, ``compared`` (number
    of other reports)."""
    view = report_view(corpus, doc)
    document = view.report.document
    return {
        "v": view,
        "path": name(document.path),
        "notes_read": list(document.notes),
        "any_pair_links": any(p.href for p in view.partners),
        "compared": len(corpus.result.documents) - 1,
    }


def _pair_context(corpus: pages.Corpus, pair: Pair) -> dict[str, Any]:
    """``v`` (PairView: rows of the side-by-side view with edits and folds)."""
    return {"v": pair_view(corpus, pair)}


def render_report_page(result: ScanResult, doc: int, *, standalone: bool = True) -> str:
    """One report's page: its text highlighted new / shared / boilerplate, sources of
    every reused span on hover, focus or click, edits inside reused passages marked.

    ``standalone`` pages inline their CSS and JS and link to no other page.
    """
    if not 0 <= doc < len(result.documents):
        raise IndexError(f"no document {doc} in a result of {len(result.documents)}")
    site = SiteMap.standalone(result) if standalone else SiteMap.build(result, max_pair_pages=None)
    corpus = pages.Corpus(result, site)
    assets = _inline_assets() if standalone else _site_assets()
    home = None if standalone else "index.html"
    return _render("report.html", {**_common(result, assets, home), **_report_context(corpus, doc)})


def render_pair_page(result: ScanResult, pair: Pair) -> str:
    """One self-contained side-by-side page of ``pair`` (CSS and JS inline, no links)."""
    corpus = pages.Corpus(result, SiteMap.standalone(result))
    return _render("pair.html", {**_common(result, _inline_assets(), None),
                                 **_pair_context(corpus, pair)})


def write_site(
    result: ScanResult,
    data: dict[str, Any],
    folder: Path,
    *,
    max_pair_pages: int | None = None,
    jobs: int = 1,
) -> None:
    """Write the whole site into ``folder`` (which exists and is empty).

    ``data`` is ``to_json(result)``; only its summary is read. ``max_pair_pages`` caps
    the number of pair pages (default :data:`~dedup.render.site.DEFAULT_MAX_PAIR_PAGES`),
    the most similar pairs first. ``jobs`` > 1 renders the report and pair pages in that
    many forked worker processes (the pages are independent; the files are the same).
    """
    site = SiteMap.build(result, max_pair_pages=max_pair_pages)
    corpus = pages.Corpus(result, site)
    assets = _site_assets()
    common = _common(result, assets, "index.html")
    (folder / ASSET_DIR).mkdir(exist_ok=True)
    for file in (CSS_FILE, JS_FILE):
        _write(folder / ASSET_DIR / file, _static(file))
    data_href = "scan.json" if (folder / "scan.json").exists() else None
    _write(folder / "index.html", _render("index.html", {**common, **_index_context(
        corpus, data, data_href)}))
    by_pair = {(p.a, p.b): p for p in result.pairs}
    tasks: list[tuple[str, Any]] = [(page, doc) for doc, page in enumerate(site.reports)
                                    if page is not None]
    tasks += [(page, by_pair[key]) for key, page in site.pairs.items()]
    engine = ProcessEngine(jobs) if jobs > 1 else SerialEngine()
    engine.map(_write_pages, (common, corpus, folder), tasks)


def _write_pages(context: tuple[dict[str, Any], pages.Corpus, Path],
                 chunk: Sequence[tuple[str, Any]]) -> list[None]:
    """Render and write report pages (task: a document index) and pair pages (a Pair)."""
    common, corpus, folder = context
    for page, what in chunk:
        if isinstance(what, Pair):
            _write(folder / page, _render("pair.html", {**common, **_pair_context(corpus, what)}))
        else:
            _write(folder / page, _render("report.html",
                                          {**common, **_report_context(corpus, what)}))
    return [None] * len(chunk)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")
