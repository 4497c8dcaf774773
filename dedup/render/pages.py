"""What the pages show: view models built from a :class:`ScanResult`, shared parts and
the index page (:mod:`~dedup.render.reportpage` and :mod:`~dedup.render.pairpage` build
the other two).

Nothing here recomputes a match: labels come from ``DocumentReport.spans``, passages and
edits from ``Pair.matches``, rows of the side-by-side view from
:func:`~dedup.render.pairview.pair_rows`. Strings from the input (ids, paths, text) are
kept as plain ``str``; the templates escape them (Jinja2 autoescape).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from dedup.model import Edit, Pair, Phrase, ScanResult
from dedup.render.site import SiteMap
from dedup.render.textview import Line, layout, name, visible

__all__ = [
    "LABEL_CLASSES",
    "LABEL_NAMES",
    "Bar",
    "Cell",
    "Corpus",
    "DocRef",
    "Matrix",
    "PairLine",
    "Passage",
    "PhraseView",
    "Source",
    "bars",
    "heat_class",
    "heat_legend",
    "lines_of",
    "matrix",
    "pair_line",
    "pct",
    "phrases",
    "ranked_pairs",
    "side_marks",
    "union",
]

LABEL_NAMES = {"unique": "new", "shared": "shared", "boilerplate": "boilerplate"}
LABEL_CLASSES = {"unique": "l-new", "shared": "l-shared", "boilerplate": "l-bp"}

#: Similarity steps of the heatmap colours (classes h1..h10; h0: no shared passage).
#: Roughly doubling: reuse between reports spans three orders of magnitude (0.1% for a
#: shared paragraph in long reports, 90% for a copied report), a linear scale would
#: paint everything below 10% the same.
HEAT_STEPS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7)

#: The full matrix is drawn up to this many reports (a 60 x 60 table still fits a
#: screen with scrolling); above it, the reports of the strongest pairs.
MATRIX_MAX_DOCS = 60
MATRIX_FOCUS_DOCS = 40
#: Rows of the ranked pairs table on the index page (all pairs stay in scan.json).
INDEX_MAX_PAIRS = 500
#: Stock phrases listed on the index page; per phrase, the reports listed (each with a
#: link to its first occurrence) and the links to occurrences in all (later occurrences
#: are linked while this budget lasts). Bounds the index at ~100 kB per 100 phrases.
INDEX_MAX_PHRASES = 150
PHRASE_MAX_DOCS = 40
PHRASE_MAX_LINKS = 20
#: Passages longer than this are shown as their head and tail around an ellipsis.
PASSAGE_CHARS = 360
PASSAGE_HEAD = 220
PASSAGE_TAIL = 100


def pct(value: float) -> str:
    """A share for people: one decimal below 10%, none above; never a misleading 0%.

    >>> [pct(v) for v in (0, 0.0004, 0.0385, 0.25, 1)]
    ['0%', '<0.1%', '3.9%', '25%', '100%']
    """
    if value <= 0:
        return "0%"
    if value < 0.001:
        return "<0.1%"
    if value < 0.1:
        return f"{value * 100:.1f}%"
    return f"{value * 100:.0f}%"


def heat_class(value: float) -> str:
    """CSS class of a heatmap cell: h0 (no shared passage), h1..h10.

    >>> heat_class(0), heat_class(0.003), heat_class(0.9)
    ('h0', 'h2', 'h10')
    """
    if value <= 0:
        return "h0"
    return f"h{bisect.bisect_right(HEAT_STEPS, value) + 1}"


def heat_legend() -> list[tuple[str, str]]:
    """(class, range text) for every colour of the heatmap."""
    edges = (0.0, *HEAT_STEPS, 1.0)
    out = []
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        text = f"< {pct(hi)}" if i == 0 else f"≥ {pct(lo)}"
        out.append((f"h{i + 1}", text))
    return out


@dataclass(frozen=True, slots=True)
class DocRef:
    """A report as other pages mention it."""

    index: int
    name: str
    title: str
    href: str | None


@dataclass(frozen=True, slots=True)
class Passage:
    """Text of a document (shown as lines of parts), possibly elided in the middle."""

    doc: DocRef
    start: int
    end: int
    head: tuple[Line, ...]
    tail: tuple[Line, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    doc: DocRef
    href: str | None
    pair_href: str | None
    passage: Passage | None
    #: "passage" when the text came from a matched passage of this pair, "phrase" when
    #: from a stock phrase both documents contain.
    kind: str
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class Bar:
    """Shares of one report for a stacked bar (SVG x/width in percent)."""

    doc: DocRef
    chars: int
    new: float
    shared: float
    boilerplate: float

    @property
    def parts(self) -> list[tuple[str, str, float, float]]:
        x = 0.0
        out = []
        for key, label, value in (("new", "new", self.new), ("shared", "shared", self.shared),
                                  ("bp", "boilerplate", self.boilerplate)):
            out.append((key, label, round(x, 3), round(value * 100, 3)))
            x += value * 100
        return out

    @property
    def description(self) -> str:
        return (f"new {pct(self.new)}, shared {pct(self.shared)}, "
                f"boilerplate {pct(self.boilerplate)}")


@dataclass(frozen=True, slots=True)
class PairLine:
    """One pair as the ranked tables list it."""

    a: DocRef
    b: DocRef
    similarity: float
    a_in_b: float
    b_in_a: float
    passages: int
    href: str | None
    identical: bool


@dataclass(frozen=True, slots=True)
class Cell:
    value: float
    text: str
    cls: str
    href: str | None
    title: str


@dataclass(frozen=True, slots=True)
class Matrix:
    docs: list[DocRef]
    rows: list[list[Cell | None]]
    focus: bool


@dataclass(frozen=True, slots=True)
class PhraseView:
    rank: int
    text: str
    documents: int
    count: int
    length: int
    #: (report, [(offset, link)], occurrences in that report)
    places: list[tuple[DocRef, list[tuple[int, str | None]], int]]
    unlisted: int


@dataclass(slots=True)
class Corpus:
    """Indexes over a scan result shared by all pages of a site."""

    result: ScanResult
    site: SiteMap
    refs: list[DocRef] = field(init=False)
    pairs_of: dict[int, list[Pair]] = field(init=False)
    phrase_occ: list[list[tuple[int, int, int]]] = field(init=False)
    phrase_docs: list[frozenset[int]] = field(init=False)
    _phrases: dict[int, PhraseView] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        docs = self.result.documents
        self.refs = [DocRef(i, name(r.document.id), title_of(r.document.text), self.site.report(i))
                     for i, r in enumerate(docs)]
        self.pairs_of = defaultdict(list)
        for p in self.result.pairs:
            self.pairs_of[p.a].append(p)
            self.pairs_of[p.b].append(p)
        self.phrase_occ = [[] for _ in docs]
        for k, ph in enumerate(self.result.phrases):
            for o in ph.occurrences:
                self.phrase_occ[o.doc].append((o.start, o.end, k))
        for occ in self.phrase_occ:
            occ.sort()
        self.phrase_docs = [frozenset(ph.documents) for ph in self.result.phrases]

    def text(self, doc: int) -> str:
        return self.result.documents[doc].document.text

    def index_phrases(self) -> dict[int, PhraseView]:
        """Views of the phrases the index lists, by phrase index (computed once)."""
        if self._phrases is None:
            self._phrases = {k: _phrase_view(self, k + 1, ph)
                             for k, ph in enumerate(self.result.phrases[:INDEX_MAX_PHRASES])}
        return self._phrases

    # --- passages ----------------------------------------------------------------

    def passage(self, doc: int, start: int, end: int,
                marks: Sequence[tuple[int, int, str]] = ()) -> Passage:
        text = self.text(doc)
        ref = self.refs[doc]
        if end - start <= PASSAGE_CHARS:
            return Passage(ref, start, end, lines_of(text, start, end, marks))
        return Passage(ref, start, end, lines_of(text, start, start + PASSAGE_HEAD, marks),
                       lines_of(text, end - PASSAGE_TAIL, end, marks))


def lines_of(text: str, lo: int, hi: int, marks: Sequence[tuple[int, int, str]]
              ) -> tuple[Line, ...]:
    clipped = [(max(s, lo), min(e, hi), c) for s, e, c in marks if s < hi and e > lo]
    paras = layout(text, [], clipped, lo=lo, hi=hi, paragraphs=False)
    return tuple(line for p in paras for line in p.lines if line)


def title_of(text: str) -> str:
    """The first line of at least 5 characters that is not a dateline ("——2026年…"):
    most reports start with their title, web pages with a few menu words."""
    for line in text.splitlines()[:40]:
        line = line.strip()
        if len(line) >= 5 and line[0] not in "—-－–":
            return name(line[:60] + ("…" if len(line) > 60 else ""))
    return ""


def side_marks(edits: Sequence[Edit], side: str) -> list[tuple[int, int, str]]:
    """Disjoint ``(start, end, class)`` ranges of the edits on side ``a`` or ``b``."""
    out: list[tuple[int, int, str]] = []
    for e in edits:
        if side == "a":
            lo, hi, cls = e.a_start, e.a_end, "del" if e.op == "delete" else "chg"
        else:
            lo, hi, cls = e.b_start, e.b_end, "ins" if e.op == "insert" else "chg"
        if hi > lo:
            out.append((lo, hi, cls))
    out.sort()
    clean: list[tuple[int, int, str]] = []
    for lo, hi, cls in out:
        if clean and lo < clean[-1][1]:
            lo = clean[-1][1]
        if hi > lo:
            clean.append((lo, hi, cls))
    return clean


def union(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


# --- index ---------------------------------------------------------------------------

def pair_line(corpus: Corpus, p: Pair) -> PairLine:
    docs = corpus.result.documents
    return PairLine(corpus.refs[p.a], corpus.refs[p.b], p.similarity, p.a_in_b, p.b_in_a,
                    len(p.matches), corpus.site.pair_of(p),
                    docs[p.a].document.sha256 == docs[p.b].document.sha256)


def ranked_pairs(corpus: Corpus, limit: int | None = None) -> list[Pair]:
    ranked = sorted(corpus.result.pairs, key=lambda p: (-p.similarity, p.a, p.b))
    return ranked if limit is None else ranked[:limit]


def matrix(corpus: Corpus) -> Matrix | None:
    """The heatmap: every report up to MATRIX_MAX_DOCS, else the strongest pairs' reports."""
    n = len(corpus.result.documents)
    if n < 2:
        return None
    focus = n > MATRIX_MAX_DOCS
    if focus:
        chosen: list[int] = []
        for p in ranked_pairs(corpus):
            for d in (p.a, p.b):
                if d not in chosen and len(chosen) < MATRIX_FOCUS_DOCS:
                    chosen.append(d)
            if len(chosen) >= MATRIX_FOCUS_DOCS:
                break
        if len(chosen) < 2:
            return None
    else:
        chosen = list(range(n))
    by_pair = {(p.a, p.b): p for p in corpus.result.pairs}
    rows: list[list[Cell | None]] = []
    for i in chosen:
        row: list[Cell | None] = []
        for j in chosen:
            if i == j:
                row.append(None)
                continue
            pair = by_pair.get((min(i, j), max(i, j)))
            ri, rj = corpus.refs[i], corpus.refs[j]
            if pair is None:
                row.append(Cell(0.0, "", "h0", None, f"{ri.name} × {rj.name}: no shared passage"))
                continue
            in_ij, in_ji = ((pair.a_in_b, pair.b_in_a) if pair.a == i
                            else (pair.b_in_a, pair.a_in_b))
            title = (f"{ri.name} × {rj.name}: {pct(pair.similarity)} similar, "
                     f"{pct(in_ij)} / {pct(in_ji)} in each other")
            text = pct(pair.similarity).rstrip("%")
            row.append(Cell(pair.similarity, text, heat_class(pair.similarity),
                            corpus.site.pair_of(pair), title))
        rows.append(row)
    return Matrix([corpus.refs[i] for i in chosen], rows, focus)


def bars(corpus: Corpus) -> list[Bar]:
    return [Bar(corpus.refs[i], r.chars, r.novelty, r.shared, r.boilerplate)
            for i, r in enumerate(corpus.result.documents)]


def phrases(corpus: Corpus) -> list[PhraseView]:
    """The stock phrases the index lists (the first INDEX_MAX_PHRASES)."""
    return list(corpus.index_phrases().values())


def _phrase_view(corpus: Corpus, rank: int, ph: Phrase) -> PhraseView:
    by_doc: dict[int, list[int]] = defaultdict(list)
    for o in ph.occurrences:
        by_doc[o.doc].append(o.start)
    docs = sorted(by_doc)[:PHRASE_MAX_DOCS]
    for d in docs:
        by_doc[d].sort()
    budget = PHRASE_MAX_LINKS - len(docs)
    places = []
    for d in docs:
        starts = by_doc[d][:1 + max(0, budget)]
        budget -= len(starts) - 1
        places.append((corpus.refs[d], [(s, corpus.site.report(d, s)) for s in starts],
                       len(by_doc[d])))
    return PhraseView(rank, visible(ph.text), len(ph.documents), ph.count, len(ph.norm), places,
                      max(0, len(by_doc) - PHRASE_MAX_DOCS))
