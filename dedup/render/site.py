"""The map of the report site: page file names, which pairs get a page, and links.

Page names are derived from document ids but never trusted: a short slug of the id
(letters and digits only, so no ``../``, no separators, no reserved names) plus a hash of
the whole id, so ids that differ only in case or in characters the slug drops still get
different files, also on case-insensitive file systems.

>>> report_page("2026_上海市")
'report-2026_上海市-ae7b2b70d4.html'
>>> report_page("../../etc/passwd")
'report-etc-passwd-3754d6cb3a.html'
>>> report_page("Report") != report_page("report")
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from dedup.model import Pair, ScanResult

__all__ = [
    "DEFAULT_MAX_PAIR_PAGES",
    "MIN_PAIR_PAGE_SIMILARITY",
    "SiteMap",
    "pair_page",
    "report_page",
    "slug",
]

#: At most this many pair pages by default (the most similar pairs first). 200 pages keep
#: a 1,000-report site at a few hundred MB at most; every pair stays in scan.json.
DEFAULT_MAX_PAIR_PAGES = 200

#: Pairs below this similarity get no page. Provincial work reports that share only
#: stock sentences sit between 0.1% and 4%: a pair page is still worth reading at 0.1%
#: (one shared paragraph in two 20,000-character reports), below it the match is a line.
MIN_PAIR_PAGE_SIMILARITY = 0.001

#: Longest slug kept in a file name (characters); the hash keeps names distinct.
SLUG_CHARS = 40

_HASH_HEX = 10
_PLAIN = re.compile(r"[\w.-]+")


def slug(text: str, limit: int = SLUG_CHARS) -> str:
    """A file-name-safe, readable part of ``text``: letters, digits, ``_`` and ``-``.

    Letters that change under Unicode decomposition (é, 한) are dropped: some file
    systems store names decomposed and a link would then miss its file.

    >>> slug("A/B..C d_é")
    'a-b-c-d_'
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text).lower():
        keep = (ch.isalnum() or ch == "_") and unicodedata.normalize("NFD", ch) == ch
        if keep and ord(ch) < 0x10000:
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")[:limit].strip("-")


def _digest(*parts: str) -> str:
    raw = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:_HASH_HEX]


def report_page(doc_id: str) -> str:
    """The file name of a document's page."""
    s = slug(doc_id)
    return f"report-{s}-{_digest(doc_id)}.html" if s else f"report-{_digest(doc_id)}.html"


def pair_page(id_a: str, id_b: str) -> str:
    """The file name of the page of the pair (``id_a``, ``id_b``), in that order."""
    a, b = slug(id_a, 20), slug(id_b, 20)
    return f"pair-{a}--{b}-{_digest('pair', id_a, id_b)}.html"


def href(name: str, fragment: str | None = None) -> str:
    """A relative link to the page ``name``.

    Page names hold only letters, digits, ``_``, ``-`` and ``.``, so the link needs no
    escaping; non-ASCII letters stay as they are (an IRI, as browsers accept it).
    """
    link = name if _PLAIN.fullmatch(name) else quote(name)
    return f"{link}#{fragment}" if fragment else link


@dataclass(slots=True)
class SiteMap:
    """Which pages exist and how to link to them.

    ``standalone`` maps describe a single page written on its own (``dedup diff --html``,
    ``dedup new --html``): no other page exists, so no links to reports or pairs.
    """

    reports: list[str | None]
    pairs: dict[tuple[int, int], str] = field(default_factory=dict)
    has_data: bool = False

    @classmethod
    def build(cls, result: ScanResult, *, max_pair_pages: int | None) -> SiteMap:
        """Pages for every report and for the most similar pairs (see the constants)."""
        cap = DEFAULT_MAX_PAIR_PAGES if max_pair_pages is None else max(0, max_pair_pages)
        ids = [r.document.id for r in result.documents]
        reports: list[str | None] = [report_page(i) for i in ids]
        _check_distinct([r for r in reports if r])
        ranked = sorted((p for p in result.pairs if p.similarity >= MIN_PAIR_PAGE_SIMILARITY
                         and p.matches), key=lambda p: (-p.similarity, p.a, p.b))[:cap]
        pairs = {(p.a, p.b): pair_page(ids[p.a], ids[p.b]) for p in ranked}
        _check_distinct(list(pairs.values()))
        return cls(reports=reports, pairs=pairs)

    @classmethod
    def standalone(cls, result: ScanResult) -> SiteMap:
        return cls(reports=[None] * len(result.documents))

    def report(self, doc: int, offset: int | None = None) -> str | None:
        """Link to a report page (at ``offset`` in its text), or None when it has none."""
        name = self.reports[doc]
        if name is None:
            return None
        return href(name, None if offset is None else f"o-{offset}")

    def pair(self, a: int, b: int) -> str | None:
        """Link to the page of the pair of documents ``a`` and ``b`` (either order)."""
        name = self.pairs.get((min(a, b), max(a, b)))
        return href(name) if name else None

    def pair_of(self, pair: Pair) -> str | None:
        return self.pair(pair.a, pair.b)


def _check_distinct(names: list[str]) -> None:
    # 40 bits of hash make a clash astronomically unlikely; fail loudly rather than
    # overwrite one report's page with another's.
    if len({n.casefold() for n in names}) != len(names):
        raise RuntimeError("two pages of the report site got the same file name")

