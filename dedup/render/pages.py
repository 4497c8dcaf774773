"""What each page shows: plain view models built from a :class:`ScanResult`.

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

from dedup.model import DocumentReport, Edit, Match, Pair, Phrase, ScanResult, Span
from dedup.render.pairview import pair_rows
from dedup.render.site import SiteMap
from dedup.render.textview import Line, Para, layout, name, visible

__all__ = [
    "LABEL_NAMES",
    "Corpus",
    "DocRef",
    "heat_class",
    "pct",
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
#: Sources shown with their passage in a span's note; the others by name only.
NOTE_DETAIL_SOURCES = 5
#: Passages longer than this are shown as their head and tail around an ellipsis.
PASSAGE_CHARS = 360
PASSAGE_HEAD = 220
PASSAGE_TAIL = 100
#: Reports listed as "most similar" on a report page.
REPORT_PARTNERS = 20
#: Unmatched text of a pair page longer than this is folded after its first sentences.
FOLD_CHARS = 480
FOLD_HEAD = 160
FOLD_LINES = 4

_SENTENCE_END = "。！？!?；;\n"


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


@dataclass(frozen=True, slots=True)
class SideCell:
    """One side of a row of the side-by-side view."""

    start: int
    end: int
    head: tuple[Line, ...]
    fold: tuple[Line, ...] = ()
    fold_chars: int = 0
    href: str | None = None


@dataclass(frozen=True, slots=True)
class RowView:
    kind: str
    moved: bool
    score: float
    a: SideCell | None
    b: SideCell | None
    edits: int


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
        self.refs = [DocRef(i, name(r.document.id), _title(r.document.text), self.site.report(i))
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
            return Passage(ref, start, end, _lines_of(text, start, end, marks))
        return Passage(ref, start, end, _lines_of(text, start, start + PASSAGE_HEAD, marks),
                       _lines_of(text, end - PASSAGE_TAIL, end, marks))


def _lines_of(text: str, lo: int, hi: int, marks: Sequence[tuple[int, int, str]]
              ) -> tuple[Line, ...]:
    clipped = [(max(s, lo), min(e, hi), c) for s, e, c in marks if s < hi and e > lo]
    paras = layout(text, [], clipped, lo=lo, hi=hi, paragraphs=False)
    return tuple(line for p in paras for line in p.lines if line)


def _title(text: str) -> str:
    """The first line of at least 5 characters that is not a dateline ("——2026年…"):
    most reports start with their title, web pages with a few menu words."""
    for line in text.splitlines()[:40]:
        line = line.strip()
        if len(line) >= 5 and line[0] not in "—-－–":
            return name(line[:60] + ("…" if len(line) > 60 else ""))
    return ""


def _side_marks(edits: Sequence[Edit], side: str) -> list[tuple[int, int, str]]:
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


def _union(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
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


# --- report page -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Hit:
    """A matched passage of this document: this side's range, the other side's."""

    start: int
    end: int
    other: int
    match: Match
    this_is_a: bool

    @property
    def other_range(self) -> tuple[int, int]:
        m = self.match
        return (m.b_start, m.b_end) if self.this_is_a else (m.a_start, m.a_end)


@dataclass(frozen=True, slots=True)
class SpanView:
    """How a span's runs are marked up.

    For a reused span the popover is built from: ``hits`` (ids of the page's passage
    templates, ``m-K``, for sources that share a matched passage with this span) and
    ``src`` (the other sources as tokens: ``"3"`` report 3 at stock phrase ``phrase``,
    ``"3:45"`` report 3 at stock phrase 45, ``"3!"`` report 3 with no place to point
    at; a leading ``"~"`` lists instead the reports *not* among the sources).
    """

    cls: str
    label: str
    title: str
    reused: bool
    hits: str = ""
    src: str = ""
    phrase: int | None = None
    count: int = 0


@dataclass(frozen=True, slots=True)
class HitView:
    """A passage of another report that matches text of this one (a popover entry)."""

    id: int
    source: Source


@dataclass(frozen=True, slots=True)
class ReportView:
    ref: DocRef
    report: DocumentReport
    paras: list[Para]
    spans: list[SpanView]
    hits: list[HitView]
    #: Reports the popovers may name (for the page's ``docs`` template).
    docs: list[DocRef]
    partners: list[PairLine]
    bar: Bar


def _hits(corpus: Corpus, doc: int) -> list[_Hit]:
    hits = []
    for p in corpus.pairs_of.get(doc, ()):
        this_is_a = p.a == doc
        other = p.b if this_is_a else p.a
        for m in p.matches:
            lo, hi = (m.a_start, m.a_end) if this_is_a else (m.b_start, m.b_end)
            hits.append(_Hit(lo, hi, other, m, this_is_a))
    hits.sort(key=lambda h: (h.start, h.end, h.other))
    return hits


class _Overlaps:
    """Ranges overlapping a sequence of increasing, disjoint query ranges (a sweep)."""

    def __init__(self, items: Sequence[tuple[int, int, int]]) -> None:
        self.items = items  # sorted by start
        self.next = 0
        self.active: list[tuple[int, int, int]] = []

    def query(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        while self.next < len(self.items) and self.items[self.next][0] < hi:
            self.active.append(self.items[self.next])
            self.next += 1
        self.active = [it for it in self.active if it[1] > lo]
        return [it for it in self.active if it[0] < hi]


def _anchors(corpus: Corpus, doc: int, hits: list[_Hit]) -> dict[int, tuple[str, ...]]:
    """Link targets in a report's text.

    ``o-N`` (offset N): starts of matched passages (popovers and pair pages link
    there) and of the stock-phrase occurrences the index lists; ``p-K``: the first
    occurrence of stock phrase K (popovers of other reports link there).
    """
    ids: dict[int, list[str]] = defaultdict(list)
    for view in corpus.index_phrases().values():
        for ref, links, _ in view.places:
            if ref.index == doc:
                for start, _ in links:
                    ids[start].append(f"o-{start}")
    first: set[int] = set()
    for start, _, k in corpus.phrase_occ[doc]:
        if k not in first:
            first.add(k)
            ids[start].append(f"p-{k}")
    for h in hits:
        ids[h.start].append(f"o-{h.start}")
    return {pos: tuple(dict.fromkeys(sorted(v, key=lambda i: (i[0] != "o", i))))
            for pos, v in ids.items()}


def report_view(corpus: Corpus, doc: int) -> ReportView:
    rep = corpus.result.documents[doc]
    text = rep.document.text
    hits = _hits(corpus, doc)
    marks = [(lo, hi, "chg") for lo, hi in _union([
        (r[0], r[1]) for h in hits
        for r in _side_marks(h.match.edits, "a" if h.this_is_a else "b")])]
    paras = layout(text, [(s.start, s.end, k) for k, s in enumerate(rep.spans)], marks,
                   _anchors(corpus, doc, hits))
    hit_views = [HitView(i, _hit_source(corpus, doc, h)) for i, h in enumerate(hits)]
    spans, named = _span_views(corpus, doc, rep.spans, hits)
    partners = [pair_line(corpus, p) for p in sorted(
        corpus.pairs_of.get(doc, ()), key=lambda p: (-p.similarity, p.a, p.b))[:REPORT_PARTNERS]]
    return ReportView(corpus.refs[doc], rep, paras, spans, hit_views,
                      [corpus.refs[d] for d in sorted(named)], partners,
                      Bar(corpus.refs[doc], rep.chars, rep.novelty, rep.shared, rep.boilerplate))


def _hit_source(corpus: Corpus, doc: int, h: _Hit) -> Source:
    lo, hi = h.other_range
    # In a popover every difference is a change (insert/delete depend on which side
    # of the pair the page's report happens to be).
    marks = [(s, e, "chg") for s, e, _ in _side_marks(h.match.edits, "b" if h.this_is_a else "a")]
    return Source(corpus.refs[h.other], corpus.site.report(h.other, lo),
                  corpus.site.pair(doc, h.other), corpus.passage(h.other, lo, hi, marks),
                  "passage", h.match.score)


#: A source list is written as its complement ("~" + reports not listed) in corpora of
#: at most this many reports, when that is shorter (stock phrases found nearly everywhere).
COMPLEMENT_MAX_DOCS = 200


def _span_views(corpus: Corpus, doc: int, spans: Sequence[Span], hits: list[_Hit]
                ) -> tuple[list[SpanView], set[int]]:
    n_docs = len(corpus.result.documents)
    complement = n_docs <= COMPLEMENT_MAX_DOCS
    named: set[int] = set(range(n_docs)) - {doc} if complement else set()
    hit_sweep = _Overlaps([(h.start, h.end, i) for i, h in enumerate(hits)])
    phrase_sweep = _Overlaps(corpus.phrase_occ[doc])
    views: list[SpanView] = []
    for span in spans:
        cls = LABEL_CLASSES[span.label]
        label = LABEL_NAMES[span.label]
        over_hits = hit_sweep.query(span.start, span.end)
        over_phrases = phrase_sweep.query(span.start, span.end)
        if not span.source_count:
            views.append(SpanView(cls, label, "new: found in no other report", False))
            continue
        best: dict[int, tuple[int, int]] = {}  # other doc -> (overlap, hit id)
        for lo, hi, i in over_hits:
            overlap = min(hi, span.end) - max(lo, span.start)
            other = hits[i].other
            if other not in best or overlap > best[other][0]:
                best[other] = (overlap, i)
        shown = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:NOTE_DETAIL_SOURCES]
        detailed = {d for d, _ in shown}
        rest = [s for s in span.sources if s not in detailed]
        phrase, tokens = _phrase_tokens(rest, [k for _, _, k in over_phrases], corpus.phrase_docs)
        if complement and phrase is not None and span.source_count == len(span.sources) \
                and all(t.isdigit() for t in tokens):  # every other source at ``phrase``
            excluded = (set(range(n_docs)) - set(rest)) - {doc}
            if len(excluded) < len(rest):
                tokens = ["~", *(str(d) for d in sorted(excluded))]
        if not complement:
            named.update(rest)
        n = span.source_count
        title = f"{label}, {n} other report{'s' if n != 1 else ''}"
        views.append(SpanView(cls, label, title, True, " ".join(str(i) for _, (_, i) in shown),
                              " ".join(tokens), phrase, n))
    return views, named


def _phrase_tokens(sources: Sequence[int], covering: Sequence[int],
                   phrase_docs: Sequence[frozenset[int]]) -> tuple[int | None, list[str]]:
    """The main phrase of a span and a token per source (see :class:`SpanView`)."""
    if not sources:
        return None, []
    docsets = {k: phrase_docs[k] for k in dict.fromkeys(covering)}
    main = max(docsets, key=lambda k: (sum(1 for s in sources if s in docsets[k]), -k),
               default=None)
    tokens: list[str] = []
    for s in sources:
        if main is not None and s in docsets[main]:
            tokens.append(str(s))
            continue
        other = next((k for k in covering if s in docsets[k]), None)
        tokens.append(f"{s}:{other}" if other is not None else f"{s}!")
    return main, tokens


# --- pair page -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PairView:
    line: PairLine
    rows: list[RowView]
    moved: int
    edits: int
    only_a: int
    only_b: int


def _fold_at(text: str, lo: int, hi: int) -> int | None:
    """Where to fold a long unmatched stretch: after FOLD_LINES lines or the sentence
    that ends after FOLD_HEAD characters, whichever comes first."""
    if hi - lo <= FOLD_CHARS:
        return None
    lines = 0
    for i in range(lo, min(hi, lo + 2 * FOLD_HEAD)):
        c = text[i]
        if c == "\n":
            lines += 1
            if lines >= FOLD_LINES:
                return i + 1
        elif i >= lo + FOLD_HEAD and c in _SENTENCE_END:
            return i + 1
    return lo + FOLD_HEAD


def _side(corpus: Corpus, doc: int, rng: tuple[int, int], marks: list[tuple[int, int, str]],
          *, fold: bool, link: bool) -> SideCell:
    text = corpus.text(doc)
    lo, hi = rng
    cut = _fold_at(text, lo, hi) if fold else None
    href = corpus.site.report(doc, lo) if link else None
    if cut is None:
        return SideCell(lo, hi, _lines_of(text, lo, hi, marks), href=href)
    folded = len("".join(text[cut:hi].split()))
    return SideCell(lo, hi, _lines_of(text, lo, cut, marks), _lines_of(text, cut, hi, marks),
                    folded, href)


def pair_view(corpus: Corpus, pair: Pair) -> PairView:
    """The side-by-side rows of a pair, from :func:`pair_rows`."""
    ta, tb = corpus.text(pair.a), corpus.text(pair.b)
    rows: list[RowView] = []
    moved = edits = only_a = only_b = 0
    for r in pair_rows(ta, tb, pair.matches):
        if r.kind == "same":
            assert r.a is not None and r.b is not None
            a = _side(corpus, pair.a, r.a, _side_marks(r.edits, "a"), fold=False, link=True)
            b = _side(corpus, pair.b, r.b, _side_marks(r.edits, "b"), fold=False, link=True)
            rows.append(RowView("same", r.moved, r.score, a, b, len(r.edits)))
            moved += r.moved
            edits += len(r.edits)
        elif r.kind == "a":
            assert r.a is not None
            rows.append(RowView("a", False, 0.0, _side(corpus, pair.a, r.a, [], fold=True,
                                                       link=False), None, 0))
            only_a += 1
        else:
            assert r.b is not None
            rows.append(RowView("b", False, 0.0, None, _side(corpus, pair.b, r.b, [], fold=True,
                                                             link=False), 0))
            only_b += 1
    return PairView(pair_line(corpus, pair), rows, moved, edits, only_a, only_b)
