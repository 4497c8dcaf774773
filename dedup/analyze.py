"""From matches to what a user reads: labelled spans, shares, pair figures, stock phrases.

Every character gets the set of other documents it was found in: those of the passages
covering it and those of the stock phrases covering it. A character found in no other
document is ``unique``; in some, ``shared``; when the documents containing it, this one
included, number at least ``boilerplate_docs``, ``boilerplate``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dedup.align import PairPassages, union_weight
from dedup.candidates import KgramIndex
from dedup.config import Resolved
from dedup.engine import Engine, SerialEngine
from dedup.model import Document, DocumentReport, Label, Pair, Phrase, PhraseOccurrence, Span
from dedup.normalize import FIGURE, Tokens
from dedup.prepare import Prepared

__all__ = ["common_text", "find_phrases", "label_documents", "pair_figures", "stock_tokens"]

_CLOSERS = "”’」』）)】》\"'〕"
_TERMINATORS = "。！？；!?;.…"
#: The opening mark of each closing one (a straight quote opens and closes itself).
_OPENER = {"”": "“", "’": "‘", "」": "「", "』": "『", "）": "（", ")": "(", "】": "【",
           "》": "《", "\"": "\"", "'": "'", "〕": "〔"}


#: A stretch found in at least ``boilerplate_docs`` documents counts as stock phrasing for
#: pair passages only up to this many times ``min_passage``: stock phrases and stock
#: sentences are short; a paragraph copied into three reports is template reuse that the
#: pairs must show (three identical reports are three identical pairs), even though its
#: characters are labelled boilerplate.
STOCK_MAX_PASSAGES = 4


def stock_tokens(
    prepared: list[Prepared], kg: KgramIndex, resolved: Resolved
) -> list[npt.NDArray[np.bool_]]:
    """For each document, which tokens are stock phrasing: inside a stretch of k-grams
    found in at least ``boilerplate_docs`` documents, shorter than STOCK_MAX_PASSAGES
    passages."""
    k_docs = resolved.boilerplate_docs
    longest = STOCK_MAX_PASSAGES * resolved.min_passage
    out: list[npt.NDArray[np.bool_]] = []
    for prep, pos, df in zip(prepared, kg.pos, kg.df, strict=True):
        n = len(prep.tokens)
        cover = np.zeros(n + 1, dtype=np.int64)
        hits = pos[df >= k_docs].astype(np.int64)
        np.add.at(cover, hits, 1)
        np.add.at(cover, np.minimum(hits + kg.k, n), -1)
        stock = np.cumsum(cover[:n]) > 0
        if stock.any():
            edges = np.diff(np.r_[0, stock.view(np.int8), 0])
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
            for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
                if prep.tokens.weight(lo, hi) > longest:
                    stock[lo:hi] = False
        out.append(stock)
    return out


def find_phrases(
    prepared: list[Prepared], texts: list[str], kg: KgramIndex, resolved: Resolved
) -> list[Phrase]:
    """Maximal normalised spans found in at least ``boilerplate_docs`` documents.

    A run of consecutive common k-grams in one document is cut where the documents
    sharing all of it would fall below the threshold, so "P" (in 10 documents) and "PQ"
    (in 3) are both found. Candidates are then checked against every document's tokens
    (all k-grams present does not prove the whole string is), and a candidate contained
    in a longer one with the same documents is dropped.
    """
    k_docs = resolved.boilerplate_docs
    k = kg.k
    candidates: dict[str, frozenset[int]] = {}
    docsets: dict[int, frozenset[int]] = {}
    seen: set[tuple[tuple[int, int], ...]] = set()

    def docs_of(group: int) -> frozenset[int]:
        fp = int(kg.group_fp[group])
        got = docsets.get(fp)
        if got is None:
            got = docsets[fp] = kg.docs_of(group)
        return got

    for d, df in enumerate(kg.df):
        picked = np.flatnonzero(df >= k_docs)
        if len(picked) == 0:
            continue
        hits = kg.pos[d][picked].astype(np.int64)
        groups = kg.group[d][picked]
        fps = kg.group_fp[groups]
        tok = prepared[d].tokens
        text = tok.text

        def add(lo: int, hi: int, docs: frozenset[int]) -> None:
            lo, hi = _trim_fragments(tok, texts[d], lo, hi, k)  # noqa: B023 - used at once
            if hi - lo >= k:
                _add_candidate(candidates, text[lo:hi], docs)  # noqa: B023

        # Pieces of consecutive hits whose k-grams share one posting list (a stock
        # sentence is one piece): the greedy cut below then runs per piece, not per token.
        apart = np.diff(hits) > kg.window
        cut = np.flatnonzero(apart | (fps[1:] != fps[:-1])) + 1
        piece_start = np.r_[0, cut]
        piece_end = np.r_[cut, len(hits)]
        new_run = np.r_[True, apart[piece_start[1:] - 1]]
        run_start = np.flatnonzero(new_run)
        run_end = np.r_[run_start[1:], len(piece_start)]
        for rs, re_ in zip(run_start.tolist(), run_end.tolist(), strict=True):
            pieces = list(zip(piece_start[rs:re_].tolist(), piece_end[rs:re_].tolist(),
                              strict=True))
            # The same stock text seen in another document: same k-grams, same pieces,
            # same candidates. Skipping it keeps this linear in the corpus, not quadratic.
            key = tuple((int(groups[ps]), pe - ps) for ps, pe in pieces)
            if key in seen:
                continue
            seen.add(key)
            lo = last = -1
            docs: frozenset[int] = frozenset()
            for i, (ps, pe) in enumerate(pieces):
                first_pos, last_pos = int(hits[ps]), int(hits[pe - 1])
                these = docs_of(int(groups[ps]))
                if i:
                    inter = docs & these
                    if len(inter) >= k_docs:
                        docs, last = inter, last_pos
                        continue
                if lo >= 0:
                    add(lo, last + k, docs)
                lo, last, docs = first_pos, last_pos, these
            if lo >= 0:
                add(lo, last + k, docs)

    verified: dict[str, tuple[int, ...]] = {}
    for norm, docs in candidates.items():
        # Every k-gram present does not prove the string is (a sentence said twice in
        # one document and once in another): check each document.
        present = tuple(sorted(d for d in docs if norm in prepared[d].tokens.text))
        if len(present) >= k_docs:
            verified[norm] = present
    maximal = _maximal(verified)
    phrases = [_phrase(norm, docs, prepared, texts) for norm, docs in maximal.items()]
    phrases.sort(key=lambda p: (-len(p.documents), -len(p.norm), p.norm))
    return phrases


#: A phrase does not begin with the last characters of the clause before it, nor end
#: with the first of the clause after it: up to this many tokens cut off by a clause
#: delimiter at either end are trimmed ("量，因地制宜发展新质生产力" -> "因地制宜发展新质生产力").
_FRAGMENT_TOKENS = 2
_DELIMITERS = frozenset("，、；：。！？,;:.!?\n\r")


def _trim_fragments(tok: Tokens, text: str, lo: int, hi: int, k: int) -> tuple[int, int]:
    """Token range ``[lo, hi)`` without fragments of neighbouring clauses at its ends.

    What is left may be shorter than ``k`` (the caller drops it then).
    """
    for m in range(1, _FRAGMENT_TOKENS + 1):
        if lo + m >= hi:
            break
        gap = text[int(tok.ends[lo + m - 1]) : int(tok.starts[lo + m])]
        if any(c in _DELIMITERS for c in gap):
            lo += m
            break
    for m in range(1, _FRAGMENT_TOKENS + 1):
        if hi - m <= lo:
            break
        gap = text[int(tok.ends[hi - m - 1]) : int(tok.starts[hi - m])]
        if any(c in _DELIMITERS for c in gap):
            hi -= m
            break
    return lo, hi


def _add_candidate(out: dict[str, frozenset[int]], norm: str, docs: frozenset[int]) -> None:
    old = out.get(norm)
    out[norm] = docs if old is None else old | docs


def _maximal(found: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """Drop each phrase contained in a longer phrase found in the same documents."""
    by_docs: defaultdict[tuple[int, ...], list[str]] = defaultdict(list)
    for norm, docs in found.items():
        by_docs[docs].append(norm)
    out: dict[str, tuple[int, ...]] = {}
    for docs, norms in by_docs.items():
        norms.sort(key=len, reverse=True)
        kept: list[str] = []
        for n in norms:
            if not any(n in longer for longer in kept):
                kept.append(n)
                out[n] = docs
    return out


def _phrase(norm: str, docs: tuple[int, ...], prepared: list[Prepared], texts: list[str]) -> Phrase:
    occurrences: list[PhraseOccurrence] = []
    for d in docs:
        tok = prepared[d].tokens
        pos = tok.text.find(norm)
        while pos >= 0:
            start = int(tok.starts[pos])
            end = int(tok.ends[pos + len(norm) - 1])
            occurrences.append(PhraseOccurrence(d, start, _with_full_stop(texts[d], end)))
            pos = tok.text.find(norm, pos + len(norm))
    first = occurrences[0]
    return Phrase(_display(prepared[first.doc].tokens, texts[first.doc], first), norm, docs,
                  len(occurrences), tuple(occurrences))


def _with_full_stop(text: str, end: int) -> int:
    """``end`` moved past closing quotes and, when the text ends a sentence there, past
    its full stop: a stock sentence is boilerplate to the last character."""
    while end < len(text) and text[end] in _CLOSERS:
        end += 1
    if end < len(text) and text[end] in _TERMINATORS:
        end += 1
        while end < len(text) and text[end] in _CLOSERS:
            end += 1
    return end


def _display(tok: Tokens, text: str, occ: PhraseOccurrence) -> str:
    """The phrase as written in one occurrence, figures shown as ``*``: the phrase
    matches any figures, so showing one document's numbers would mislead."""
    lo, hi = int(np.searchsorted(tok.starts, occ.start)), int(np.searchsorted(tok.starts, occ.end))
    out: list[str] = []
    pos = occ.start
    for i in range(lo, hi):
        if tok.text[i] == FIGURE:
            out.append(text[pos : int(tok.starts[i])])
            out.append("*")
            pos = int(tok.ends[i])
    out.append(text[pos : occ.end])
    return _without_stray_closers("".join(out))


def _without_stray_closers(phrase: str) -> str:
    """``phrase`` without closing marks at its end that close nothing inside it: the
    occurrence reaches past the closing quote (labels cover it), the phrase shown as
    高效办成一件事 does not.

    >>> _without_stray_closers("高效办成一件事”"), _without_stray_closers("坚定“四个自信”")
    ('高效办成一件事', '坚定“四个自信”')
    """
    while phrase and phrase[-1] in _OPENER:
        closer, opener = phrase[-1], _OPENER[phrase[-1]]
        body = phrase[:-1]
        if opener == closer:
            balanced = body.count(closer) % 2 == 1
        else:
            balanced = body.count(opener) > body.count(closer)
        if balanced:
            break
        phrase = body
    return phrase


def pair_figures(passages: list[PairPassages], prepared: list[Prepared]) -> list[Pair]:
    """Coverage and similarity of every pair with passages."""
    out: list[Pair] = []
    for pp in passages:
        pa, pb = prepared[pp.a], prepared[pp.b]
        tot_a, tot_b = int(pa.nonspace[-1]), int(pb.nonspace[-1])
        cov_a = union_weight(((m.a_start, m.a_end) for m in pp.matches), pa.nonspace)
        cov_b = union_weight(((m.b_start, m.b_end) for m in pp.matches), pb.nonspace)
        a_in_b = cov_a / tot_a if tot_a else 0.0
        b_in_a = cov_b / tot_b if tot_b else 0.0
        sim = (cov_a + cov_b) / (tot_a + tot_b) if tot_a + tot_b else 0.0
        out.append(Pair(pp.a, pp.b, round(sim, 4), round(a_in_b, 4), round(b_in_a, 4),
                        pp.matches))
    return out


#: ``(start, end, sources, count)``: text ``[start, end)`` is found in ``count`` other
#: documents, of which ``sources`` are named (all of them, or the first few when many).
Interval = tuple[int, int, frozenset[int], int]


def common_text(prepared: list[Prepared], texts: list[str], kg: KgramIndex,
                resolved: Resolved) -> list[list[Interval]]:
    """Text found in more documents than ``max_pair_docs``, labelled corpus-wide.

    Such text never forms document pairs (see MAX_PAIR_DOCS); its k-grams' posting lists
    say how many documents contain it. Runs of consecutive such k-grams become one
    interval per label class (below or at ``boilerplate_docs``), with the largest count
    in the run and the documents of that k-gram as named sources.
    """
    cap = resolved.config.max_pair_docs
    k_docs = resolved.boilerplate_docs
    listed = resolved.config.max_span_sources
    out: list[list[Interval]] = []
    for d, (prep, df) in enumerate(zip(prepared, kg.df, strict=True)):
        mine: list[Interval] = []
        picked = np.flatnonzero(df > cap)
        if len(picked):
            tok = prep.tokens
            hits = kg.pos[d][picked].astype(np.int64)
            common = df[picked] >= k_docs
            breaks = np.flatnonzero((np.diff(hits) > kg.window) | (common[1:] != common[:-1])) + 1
            first_row, last_row = np.r_[0, breaks], np.r_[breaks, len(hits)] - 1
            # The k-gram with the largest count in each run (the first one on ties).
            counts = df[picked]
            run_of = np.repeat(np.arange(len(first_row)), last_row - first_row + 1)
            at_max = np.flatnonzero(counts == np.maximum.reduceat(counts, first_row)[run_of])
            best = picked[at_max[np.r_[True, run_of[at_max][1:] != run_of[at_max][:-1]]]]
            lo_g = kg.group_offsets[kg.group[d][best]]
            starts = tok.starts[hits[first_row]].tolist()
            ends = tok.ends[hits[last_row] + kg.k - 1].tolist()
            for start, end, b, lo in zip(starts, ends, best.tolist(), lo_g.tolist(), strict=True):
                first = kg.group_docs_sorted[lo : lo + listed + 1].tolist()
                named = frozenset([x for x in first if x != d][:listed])
                mine.append((start, _with_full_stop(texts[d], end), named, int(df[b]) - 1))
        out.append(mine)
    return out


def label_documents(
    docs: list[Document],
    prepared: list[Prepared],
    passages: list[PairPassages],
    phrases: list[Phrase],
    common: list[list[Interval]],
    resolved: Resolved,
    engine: Engine | None = None,
) -> list[DocumentReport]:
    """Labelled spans and label shares for every document.

    A character's sources are the documents of the passages covering it (those reported
    as pair matches and their repeats), of the stock phrases covering it, and of the
    corpus-wide common text covering it.
    """
    intervals: list[list[Interval]] = [list(c) for c in common]
    for pp in passages:
        for m in (*pp.matches, *pp.repeats):
            intervals[pp.a].append((m.a_start, m.a_end, frozenset((pp.b,)), 1))
            intervals[pp.b].append((m.b_start, m.b_end, frozenset((pp.a,)), 1))
    listed = resolved.config.max_span_sources
    # Stock phrases are found in at least boilerplate_docs documents; when that is more
    # than max_pair_docs, the corpus-wide common text already covers every one of them.
    labelled_by_phrases = phrases if resolved.boilerplate_docs <= resolved.config.max_pair_docs \
        else []
    for ph in labelled_by_phrases:
        # Name at most `listed` sources per phrase; the count stays exact.
        named = ph.documents[: listed + 1]
        for occ in ph.occurrences:
            others = frozenset(d for d in named if d != occ.doc)
            if len(others) > listed:
                others = frozenset(sorted(others)[:listed])
            intervals[occ.doc].append((occ.start, occ.end, others, len(ph.documents) - 1))
    context = (docs, prepared, intervals, resolved)
    reports: list[DocumentReport] = (engine or SerialEngine()).map(
        _report_chunk, context, list(range(len(docs))))
    return reports


def _report_chunk(
    context: tuple[list[Document], list[Prepared], list[list[Interval]], Resolved],
    chunk: Sequence[int],
) -> list[DocumentReport]:
    docs, prepared, intervals, resolved = context
    return [_report(docs[i], prepared[i], intervals[i], resolved) for i in chunk]


def _report(doc: Document, prep: Prepared, intervals: list[Interval],
            resolved: Resolved) -> DocumentReport:
    text = doc.text
    prefix = prep.nonspace
    spans: list[Span] = []
    counts: dict[Label, int] = {"unique": 0, "shared": 0, "boilerplate": 0}
    k_docs = resolved.boilerplate_docs
    cap = resolved.config.max_span_sources
    for start, end, sources, found in _pieces(len(text), intervals):
        # Spans start and end on non-whitespace; whitespace-only pieces belong to nobody.
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        label: Label
        if not found:
            label = "unique"
        elif found + 1 >= k_docs:
            label = "boilerplate"
        else:
            label = "shared"
        counts[label] += int(prefix[end] - prefix[start])
        named = tuple(sorted(sources))[:cap]
        last = spans[-1] if spans else None
        if last is not None and last.label == label and last.source_count == found \
                and last.sources == named and not text[last.end : start].strip():
            spans[-1] = Span(last.start, end, label, last.sources, last.source_count)
        else:
            spans.append(Span(start, end, label, named, found))
    total = int(prefix[-1])

    def share(label: Label) -> float:
        return round(counts[label] / total, 4) if total else 0.0

    return DocumentReport(doc, tuple(spans), total, share("unique"), share("shared"),
                          share("boilerplate"))


def _pieces(n: int, intervals: list[Interval]) -> list[tuple[int, int, frozenset[int], int]]:
    """Partition ``[0, n)`` into pieces with constant sources; each piece's count is the
    larger of its named sources and the largest count of an interval covering it."""
    events: defaultdict[int, list[tuple[int, frozenset[int], int]]] = defaultdict(list)
    for lo, hi, srcs, count in intervals:
        if hi > lo:
            events[lo].append((1, srcs, count))
            events[hi].append((-1, srcs, count))
    points = sorted(set(events) | {0, n})
    # Source sets (not single sources) are counted: one update per interval end, and the
    # union is formed only where the covering intervals change.
    active: dict[frozenset[int], int] = {}
    counts: dict[int, int] = {}
    out: list[tuple[int, int, frozenset[int], int]] = []
    current: frozenset[int] = frozenset()
    for i, p in enumerate(points[:-1]):
        changed = False
        for delta, srcs, count in events.get(p, ()):
            changed = True
            left = active.get(srcs, 0) + delta
            if left:
                active[srcs] = left
            else:
                del active[srcs]
            left = counts.get(count, 0) + delta
            if left:
                counts[count] = left
            else:
                del counts[count]
        if changed:
            current = frozenset().union(*active) if len(active) != 1 else next(iter(active))
        nxt = points[i + 1]
        if nxt > p:
            found = max(len(current), max(counts, default=0))
            out.append((p, nxt, current, found))
    return out
