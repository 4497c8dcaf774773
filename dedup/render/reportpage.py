"""The report page's view model: text runs with labels, edits, anchors and the popover
data of every reused span (see :class:`SpanView`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from dedup.model import DocumentReport, Match, Span
from dedup.render.pages import (
    LABEL_CLASSES,
    LABEL_NAMES,
    Bar,
    Corpus,
    DocRef,
    PairLine,
    Source,
    pair_line,
    side_marks,
    union,
)
from dedup.render.textview import Para, layout

__all__ = ["HitView", "ReportView", "SpanView", "report_view"]

#: Sources shown with their passage in a span's popover; the others by name only.
NOTE_DETAIL_SOURCES = 5
#: Reports listed as "most similar" on a report page.
REPORT_PARTNERS = 20

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
    marks = [(lo, hi, "chg") for lo, hi in union([
        (r[0], r[1]) for h in hits
        for r in side_marks(h.match.edits, "a" if h.this_is_a else "b")])]
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
    marks = [(s, e, "chg") for s, e, _ in side_marks(h.match.edits, "b" if h.this_is_a else "a")]
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
