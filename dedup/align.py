"""Verify candidates with rapidfuzz and grow them into passages with exact boundaries.

For every pair of documents that share candidates, *seeds* -- exact runs of shared
k-grams and verified fuzzy segment matches -- are rectangles in the plane of the two
token sequences. Seeds close to each other on both sides are chained into one passage
when the text between them is small or similar on both sides (an edited stretch), and
kept apart when it is not (a sentence added, dropped or replaced). A passage needs at
least ``min_passage`` weight of matched text that is not stock phrasing on each side, so
stock phrases shared by many documents neither make passages on their own nor split
the passages they sit in. Passage ends snap to the segment (clause or sentence) they
fall in when only a little of it is left over, so a reused sentence with a changed first
word is reported whole, punctuation included.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel, LCSseq, Levenshtein

from dedup.candidates import MAX_REPEAT, Forms, RunTable
from dedup.config import Resolved
from dedup.engine import Engine, SerialEngine
from dedup.model import Edit, Match
from dedup.normalize import FIGURE, Tokens, token_weight
from dedup.prepare import Layer, Prepared
from dedup.sketch import member

__all__ = ["PairPassages", "align_pairs", "fuzzy_seeds", "similarity"]

#: Gaps between two seeds up to this weight on both sides are always bridged: a changed
#: figure, a few substituted characters, a filler word (进一步、切实) or two.
SMALL_GAP = 6
#: Gaps up to this weight are bridged unless one of them holds a whole sentence: words
#: replaced, inserted or deleted inside reused sentences.
MEDIUM_GAP = 24
#: Gaps heavier than this on either side are never bridged (about one long sentence).
MAX_GAP = 120
#: A larger gap is bridged when the two sides' texts are at least this similar (the
#: better of alignment similarity and overlap of content shingles): an edited stretch
#: between two seeds, rather than a sentence dropped, added or replaced.
GAP_SIMILARITY = 0.4
#: ... or when this share of the longer gap's content shingles occur in the other: a
#: sentence garbled by translation or word substitution keeps a third of its content
#: words, an unrelated sentence of the same genre about a tenth.
GAP_SHINGLES = 0.3
#: A sentence with more LSH candidates than HOT_DEGREE x max_pair_docs is probed with
#: PROBES x max_pair_docs of them first: a template repeated across the corpus with a
#: new place name each time has hundreds, and a few verified ones already show it is
#: common phrasing.
HOT_DEGREE = 4
PROBES = 3
#: Whole sentences lighter than ``min_passage`` (headings, short sentences moved alone)
#: count as reuse when ``min_sentence`` weight aligns and the similarity is this high.
WHOLE_SENTENCE_SCORE = 0.8
#: ... but never more than this weight: a whole clause left over is a clause of its own.
SNAP_MAX = 12
#: A passage reaching this little weight into a neighbouring sentence stops before it.
GRAZE = 4
#: Share of a clause or sentence that may be left outside a passage and still be
#: snapped into it (edits at the very start or end of a reused sentence).
SNAP_SHARE = 0.25

Rect = tuple[int, int, int, int]  # a_lo, a_hi, b_lo, b_hi in token coordinates
Gap = tuple[tuple[int, int], tuple[int, int]]  # token ranges between two rectangles: a, b


def similarity(a: str, b: str) -> float:
    """Alignment similarity of two token strings on the 0-1 scale (rapidfuzz Indel).

    >>> round(similarity("增强四个意识", "切实增强四个意识"), 3)
    0.857
    """
    return float(Indel.normalized_similarity(a, b))


def _dice(x: npt.NDArray[np.uint32], y: npt.NDArray[np.uint32]) -> float:
    if len(x) == 0 or len(y) == 0:
        return 0.0
    common = len(np.intersect1d(x, y, assume_unique=True))
    return 2.0 * common / (len(x) + len(y))


def _core(a: str, b: str, words: bool) -> tuple[tuple[int, int, int, int], int]:
    """The best-scoring local region of the alignment of ``a`` and ``b``, and the weight
    of the tokens the whole alignment matches.

    Matched tokens score +1, each inserted or deleted token -1/2 (a substitution costs
    1); the region is the maximum-sum run of alignment blocks (Kadane), so unmatched
    heads and tails are trimmed and interior edits kept.
    """
    best = (0, len(a), 0, len(b))
    best_score = -1.0
    score = 0.0
    matched = 0
    start: tuple[int, int] | None = None
    for op in Indel.opcodes(a, b):
        i1, i2, j1, j2 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if op.tag == "equal":
            if start is None or score <= 0:
                start, score = (i1, j1), 0.0
            score += i2 - i1
            matched += token_weight(a[i1:i2]) if words else i2 - i1
            if score > best_score:
                best_score = score
                best = (start[0], i2, start[1], j2)
        else:
            score -= 0.5 * ((i2 - i1) + (j2 - j1))
    return best, matched


#: The bag-of-shingles test applies only to segments of comparable length (shorter / longer
#: at least this): shuffled words keep the length, while a short sentence inside a long
#: one is containment, which the alignment test handles with exact boundaries.
BAG_LENGTH_RATIO = 0.67
#: Containment: the aligned core must cover at least this share of the shorter segment.
CORE_COVERAGE = 0.75
#: An alignment must match at least this weight of tokens to count: a short clause
#: sharing 学前教育普惠 with another is common vocabulary, not reuse, whatever its
#: similarity. (Exact k-gram seeds still cover short verbatim clauses.)
MIN_SEED_MATCH = 10


def verify(a: str, b: str, shingles_a: npt.NDArray[np.uint32], shingles_b: npt.NDArray[np.uint32],
           threshold: float) -> tuple[int, int, int, int] | None:
    """Whether two segments match, and which token ranges of each do.

    Three tests, each at ``threshold``: the alignment similarity of the whole segments
    (edits, insertions, changed figures); the similarity of the best local region of
    their alignment when it covers most of the shorter one (a reused sentence inside a
    longer one); the overlap of their shingle sets when their lengths are comparable
    (words or clauses in another order). Returns ``(a_lo, a_hi, b_lo, b_hi)`` relative
    to the segments, or None.

    >>> none = np.zeros(0, np.uint32)
    >>> a, b = "增强四个意识坚定四个自信", "切实增强四个意识坚定四个自信"
    >>> verify(a, b, none, none, threshold=0.6)
    (0, 12, 2, 14)
    """
    shorter = min(len(a), len(b))
    # Both alignment tests need a common subsequence this long (a cheap bound, so most
    # chance LSH candidates skip the alignment): MIN_SEED_MATCH of matched weight (a
    # word weighs 2), and threshold x CORE_COVERAGE of the shorter segment.
    word_extra = token_weight(a) - len(a)
    floor = max(MIN_SEED_MATCH - word_extra, threshold * CORE_COVERAGE * shorter)
    if LCSseq.similarity(a, b) >= floor - 1e-9:
        core, matched = _core(a, b, word_extra > 0)
        if matched >= MIN_SEED_MATCH:
            if similarity(a, b) >= threshold:
                return core
            ca, cb = a[core[0] : core[1]], b[core[2] : core[3]]
            if min(len(ca), len(cb)) >= CORE_COVERAGE * shorter and \
                    similarity(ca, cb) >= threshold:
                return core
    if min(len(a), len(b)) >= BAG_LENGTH_RATIO * max(len(a), len(b)) and \
            _dice(shingles_a, shingles_b) >= threshold:
        return (0, len(a), 0, len(b))
    return None


def _verify_chunk(context: tuple[Forms, float], chunk: Sequence[tuple[int, int]]
                  ) -> list[tuple[int, int, int, int] | None]:
    forms, threshold = context
    return [verify(forms.texts[f], forms.texts[g], forms.shingles[f], forms.shingles[g], threshold)
            for f, g in chunk]


def fuzzy_seeds(
    prepared: list[Prepared], forms: Forms, candidates: npt.NDArray[np.int64], resolved: Resolved,
    engine: Engine | None = None,
) -> dict[tuple[int, int], list[Rect]]:
    """Verified segment matches, as seeds per document pair ``(a, b)``, ``a < b``.

    Verification (the costly part) runs on ``engine``; expanding forms into occurrence
    pairs runs here.
    """
    threshold = resolved.config.threshold
    cap = resolved.config.max_pair_docs
    out: defaultdict[tuple[int, int], list[Rect]] = defaultdict(list)
    doc_sets = [frozenset(d for d, _ in occ) for occ in forms.occurrences]
    repeated = [len(occ) > MAX_REPEAT and max(Counter(d for d, _ in occ).values()) > MAX_REPEAT
                for occ in forms.occurrences]

    def emit(f: int, g: int, core: tuple[int, int, int, int] | None) -> None:
        """Seeds for every occurrence pair of forms f and g (core: matched sub-ranges)."""
        if len(doc_sets[f] | doc_sets[g]) > cap:
            return  # corpus-wide boilerplate: labelled from phrases, not expanded to pairs
        if repeated[f] or repeated[g]:
            return  # said over and over in one document: no telling which copy went where
        for da, sa in forms.occurrences[f]:
            lay_a = prepared[da].sentences
            a_lo, a_hi = int(lay_a.tok_start[sa]), int(lay_a.tok_end[sa])
            for db, sb in forms.occurrences[g]:
                if da == db:
                    continue
                lay_b = prepared[db].sentences
                b_lo, b_hi = int(lay_b.tok_start[sb]), int(lay_b.tok_end[sb])
                if core is None:
                    rect = (a_lo, a_hi, b_lo, b_hi)
                else:
                    rect = (a_lo + core[0], a_lo + core[1], b_lo + core[2], b_lo + core[3])
                if da < db:
                    out[(da, db)].append(rect)
                else:
                    out[(db, da)].append((rect[2], rect[3], rect[0], rect[1]))

    for f, docs in enumerate(doc_sets):
        if len(docs) > 1:
            emit(f, f, None)
    # Array work over the candidate pairs (millions at 10k documents): pairs of forms
    # found only in one and the same document are no document pair.
    only_doc = np.array([next(iter(d)) if len(d) == 1 else -1 for d in doc_sets], dtype=np.int64)
    pairs = candidates.reshape(-1, 2)
    same_doc = (only_doc[pairs[:, 0]] >= 0) & (only_doc[pairs[:, 0]] == only_doc[pairs[:, 1]])
    todo = pairs[~same_doc]
    run = engine or SerialEngine()
    # A sentence with near-copies in more than `cap` documents (one template, another
    # place name in each) is common phrasing: no pairs from it (its exact k-grams label
    # it corpus-wide). A sentence with very many candidates is first probed with a few
    # of them; when the probes already make it common, the rest need no verifying.
    degree = np.bincount(todo.ravel(), minlength=len(doc_sets))
    hot = degree > HOT_DEGREE * cap
    touching = np.flatnonzero(hot[todo[:, 0]] | hot[todo[:, 1]])
    is_hot = hot.tolist()
    probed = [0] * len(doc_sets)
    taken: list[int] = []
    for row, (f, g) in zip(touching.tolist(), todo[touching].tolist(), strict=True):
        if (is_hot[f] and probed[f] < PROBES * cap) or (is_hot[g] and probed[g] < PROBES * cap):
            taken.append(row)
            probed[f] += 1
            probed[g] += 1
    probes = [(f, g) for f, g in todo[taken].tolist()]
    verdicts = run.map(_verify_chunk, (forms, threshold), probes)
    verified = [(f, g, v) for (f, g), v in zip(probes, verdicts, strict=True) if v is not None]
    common = _common_forms(verified, doc_sets, cap) & set(np.flatnonzero(hot).tolist())
    left = np.ones(len(todo), dtype=bool)
    left[taken] = False
    if common:
        is_common = np.zeros(len(doc_sets), dtype=bool)
        is_common[list(common)] = True
        left &= ~(is_common[todo[:, 0]] | is_common[todo[:, 1]])
    rest = [(f, g) for f, g in todo[left].tolist()]
    verdicts = run.map(_verify_chunk, (forms, threshold), rest)
    verified += [(f, g, v) for (f, g), v in zip(rest, verdicts, strict=True) if v is not None]
    common |= _common_forms(verified, doc_sets, cap)
    for f, g, verdict in verified:
        if f not in common and g not in common:
            emit(f, g, verdict)
    return dict(out)


def _common_forms(verified: list[tuple[int, int, tuple[int, int, int, int]]],
                  doc_sets: list[frozenset[int]], cap: int) -> set[int]:
    """Forms whose verified near-copies reach more than ``cap`` documents."""
    reach: defaultdict[int, set[int]] = defaultdict(set)
    for f, g, _ in verified:
        reach[f] |= doc_sets[g]
        reach[g] |= doc_sets[f]
    return {f for f, docs in reach.items() if len(docs | doc_sets[f]) > cap}


@dataclass(slots=True)
class _Cluster:
    a_lo: int
    a_hi: int
    b_lo: int
    b_hi: int
    seeds: list[Rect]

    def absorb(self, other: _Cluster) -> None:
        self.a_lo = min(self.a_lo, other.a_lo)
        self.a_hi = max(self.a_hi, other.a_hi)
        self.b_lo = min(self.b_lo, other.b_lo)
        self.b_hi = max(self.b_hi, other.b_hi)
        self.seeds.extend(other.seeds)


@dataclass(frozen=True, slots=True)
class PairPassages:
    """The passages two documents share, as matches in text offsets.

    ``matches`` holds one passage per reused region; ``repeats`` the passages dropped for
    that (a text that one document holds twice matches twice), which still make their
    characters shared.
    """

    a: int
    b: int
    matches: tuple[Match, ...]
    repeats: tuple[Match, ...] = ()


@dataclass(frozen=True, slots=True)
class _AlignContext:
    prepared: list[Prepared]
    texts: list[str]
    exact: dict[tuple[int, int], npt.NDArray[np.int64]]
    fuzzy: dict[tuple[int, int], list[Rect]]
    content: list[Content]
    forms: Forms
    resolved: Resolved


@dataclass(frozen=True, slots=True)
class Content:
    """Prefix sums of the weight of a document's tokens that are not stock phrasing (a
    word counts 2): ``weight(lo, hi)`` of tokens ``[lo, hi)`` in constant time."""

    prefix: npt.NDArray[np.int64]

    @classmethod
    def of(cls, tok: Tokens, stock: npt.NDArray[np.bool_]) -> Content:
        free = ~stock
        prefix = np.zeros(len(free) + 1, dtype=np.int64)
        np.cumsum(free.astype(np.int64) + (free & tok.is_word), out=prefix[1:])
        return cls(prefix)

    def weight(self, lo: int, hi: int) -> int:
        return int(self.prefix[hi] - self.prefix[lo])

    def covered(self, ranges: Iterable[tuple[int, int]]) -> int:
        """Weight of the union of token ranges, stock excluded."""
        return union_weight(ranges, self.prefix)


def union_weight(ranges: Iterable[tuple[int, int]], prefix: npt.NDArray[np.integer[Any]]
                 ) -> int:
    """The weight of the union of ``[lo, hi)`` ranges, given prefix sums of weights.

    >>> union_weight([(0, 2), (1, 3), (5, 6)], np.arange(8))
    4
    """
    total = 0
    cur_lo = cur_hi = -1
    for lo, hi in sorted(ranges):
        if lo > cur_hi:
            if cur_hi > cur_lo:
                total += int(prefix[cur_hi] - prefix[cur_lo])
            cur_lo, cur_hi = lo, hi
        elif hi > cur_hi:
            cur_hi = hi
    if cur_hi > cur_lo:
        total += int(prefix[cur_hi] - prefix[cur_lo])
    return total


def _align_chunk(ctx: _AlignContext, keys: Sequence[tuple[int, int]]) -> list[PairPassages]:
    out: list[PairPassages] = []
    for a, b in keys:
        seeds: list[Rect] = list(ctx.fuzzy.get((a, b), ()))
        runs = ctx.exact.get((a, b))
        if runs is not None:
            # Runs made only of stock phrasing cannot make a passage and are bridged by
            # gap similarity when they sit inside one: dropping them keeps the work per
            # pair proportional to what the two documents share beyond boilerplate.
            free = ctx.content[a].prefix
            runs = runs[free[runs[:, 0] + runs[:, 2]] > free[runs[:, 0]]]
            seeds.extend((int(pa), int(pa + n), int(pb), int(pb + n))
                         for pa, pb, n in runs.tolist())
        matches, repeats = _passages(ctx.prepared[a], ctx.prepared[b], ctx.texts[a],
                                     ctx.texts[b], seeds, ctx.content[a], ctx.content[b],
                                     ctx.forms, ctx.resolved)
        if matches:
            out.append(PairPassages(a, b, tuple(matches), tuple(repeats)))
    return out


def align_pairs(
    prepared: list[Prepared],
    texts: list[str],
    table: RunTable,
    fuzzy: dict[tuple[int, int], list[Rect]],
    stock: list[npt.NDArray[np.bool_]],
    forms: Forms,
    resolved: Resolved,
    *,
    engine: Engine | None = None,
) -> list[PairPassages]:
    """Chain the seeds of every pair into passages; pairs without a passage are dropped.

    Documents with the same text are one passage from end to end, without alignment.
    """
    identical = _identical_pairs(texts, resolved.config.max_pair_docs)
    keys = sorted((set(fuzzy) | _promising(prepared, table, resolved)) - set(identical))
    # The runs of every pair to align (also of pairs kept for their fuzzy seeds).
    if keys and len(table):
        width = max(int(table.b.max()), max(b for _, b in keys)) + 1
        wanted = np.array([a * width + b for a, b in keys], dtype=np.int64)
        table = table.select(member(table.a * width + table.b, wanted))
    exact = table.by_pair()
    content = [Content.of(p.tokens, st) for p, st in zip(prepared, stock, strict=True)]
    ctx = _AlignContext(prepared, texts, exact, fuzzy, content, forms, resolved)
    aligned: list[PairPassages] = (engine or SerialEngine()).map(_align_chunk, ctx, keys)
    return sorted(aligned + list(identical.values()), key=lambda pp: (pp.a, pp.b))


def _identical_pairs(texts: list[str], cap: int) -> dict[tuple[int, int], PairPassages]:
    """Every pair of documents with the same (non-blank) text, in groups of at most
    ``cap`` (more copies than that are common text, labelled corpus-wide)."""
    groups: defaultdict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        if text.strip():
            groups[text].append(i)
    out: dict[tuple[int, int], PairPassages] = {}
    for text, members in groups.items():
        if not 2 <= len(members) <= cap:
            continue
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        whole = Match(start, end, start, end, 1.0)
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                out[(a, b)] = PairPassages(a, b, (whole,))
    return out


def _promising(prepared: list[Prepared], table: RunTable,
               resolved: Resolved) -> set[tuple[int, int]]:
    """The pairs whose exact runs could make a passage: ``min_passage`` tokens of
    runs that may chain (one after the other on both sides, within MAX_GAP), or a run
    covering most of a sentence on both sides (a short sentence reused).

    Most pairs of a large corpus share only a chance run of a few characters ("加快建设现代化");
    deciding that with arrays over all runs at once keeps them out of the per-pair work.
    """
    if len(table) == 0:
        return set()
    a, b, a_pos, b_pos, length = table.a, table.b, table.a_pos, table.b_pos, table.length
    pair_start = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    pair_of = np.cumsum(pair_start) - 1
    gap_a = a_pos[1:] - (a_pos[:-1] + length[:-1])
    gap_b = np.abs(b_pos[1:] - (b_pos[:-1] + length[:-1]))
    linked = np.r_[False, ~pair_start[1:] & (gap_a <= MAX_GAP) & (gap_b <= MAX_GAP)]
    chain = np.cumsum(~linked) - 1
    chain_len = np.bincount(chain, weights=length)
    strong = chain_len[chain] >= resolved.min_passage
    sentence_like = _covers_sentence(prepared, a, a_pos, length) & \
        _covers_sentence(prepared, b, b_pos, length)
    rows = np.flatnonzero(pair_start)[np.unique(pair_of[strong | sentence_like])]
    return set(zip(a[rows].tolist(), b[rows].tolist(), strict=True))


def _covers_sentence(prepared: list[Prepared], doc: npt.NDArray[np.int64],
                     pos: npt.NDArray[np.int64], length: npt.NDArray[np.int64]
                     ) -> npt.NDArray[np.bool_]:
    """For runs ``[pos, pos+length)`` of documents ``doc``: whether each covers at least
    1 - SNAP_SHARE of the sentence it starts in."""
    offsets = np.r_[0, np.cumsum([len(p.tokens) for p in prepared])]
    starts = np.concatenate([p.sentences.tok_start + offsets[i] for i, p in enumerate(prepared)])
    ends = np.concatenate([p.sentences.tok_end + offsets[i] for i, p in enumerate(prepared)])
    g = pos + offsets[doc]
    i = np.searchsorted(starts, g, side="right") - 1
    ok = i >= 0
    i = np.maximum(i, 0)
    inside = np.minimum(g + length, ends[i]) - np.maximum(g, starts[i])
    covers: npt.NDArray[np.bool_] = ok & (inside >= (1 - SNAP_SHARE) * (ends[i] - starts[i]))
    return covers


def _gap(c: _Cluster, s: _Cluster, side: int) -> tuple[int, int]:
    """Token range between two rectangles on one side (empty when they overlap)."""
    c_lo, c_hi = (c.a_lo, c.a_hi) if side == 0 else (c.b_lo, c.b_hi)
    s_lo, s_hi = (s.a_lo, s.a_hi) if side == 0 else (s.b_lo, s.b_hi)
    if s_lo >= c_hi:
        return c_hi, s_lo
    if c_lo >= s_hi:
        return s_hi, c_lo
    return 0, 0


def _gap_ok(pa: Prepared, pb: Prepared, gap: Gap, forms: Forms) -> bool:
    """Whether a seed may join a cluster across ``gap``: the token ranges between them
    on side a and side b.

    Small gaps are bridged (a few characters or words edited). A gap holding a whole
    sentence of its own is a sentence added, dropped or replaced, and is bridged only
    when the two sides' gaps are similar (that sentence was edited, not replaced).
    Other gaps -- pieces of sentences -- are bridged up to MEDIUM_GAP, or beyond when
    similar: words replaced, shuffled or deleted inside reused sentences.
    """
    ta, tb = pa.tokens, pb.tokens
    ga, gb = gap
    wa, wb = ta.weight(*ga), tb.weight(*gb)
    if wa > MAX_GAP or wb > MAX_GAP:
        return False
    if max(wa, wb) <= SMALL_GAP:
        return True
    whole = pa.sentences.within(*ga) or pb.sentences.within(*gb)
    if not whole and max(wa, wb) <= MEDIUM_GAP:
        return True
    if min(wa, wb) == 0:
        return False  # text on one side only: added or dropped
    # Coverage of the longer gap by content tokens, not a symmetric similarity: a gap
    # holding the other gap's text plus a sentence of its own is an insertion, however
    # similar the rest; and "the", "of", 的 say nothing about whether two texts agree.
    sa, sb = ta.text[ga[0] : ga[1]], tb.text[gb[0] : gb[1]]
    ca, cb = forms.content(sa), forms.content(sb)
    longer = max(len(ca), len(cb))
    if longer and LCSseq.similarity(ca, cb) >= GAP_SIMILARITY * longer:
        return True
    xa, xb = forms.content_shingles(sa), forms.content_shingles(sb)
    common = len(np.intersect1d(xa, xb, assume_unique=True))
    return common > 0 and common >= GAP_SHINGLES * max(len(xa), len(xb))


def _chain(pa: Prepared, pb: Prepared, seeds: Iterable[Rect], forms: Forms) -> list[_Cluster]:
    """Single-linkage chaining of seeds; repeated until no two clusters can merge."""
    clusters = [_Cluster(r[0], r[1], r[2], r[3], [r]) for r in sorted(set(seeds))]
    verdicts: dict[Gap, bool] = {}  # the same gaps come back on every pass

    def gap_ok(c: _Cluster, s: _Cluster) -> bool:
        gap = (_gap(c, s, 0), _gap(c, s, 1))
        ok = verdicts.get(gap)
        if ok is None:
            ok = verdicts[gap] = _gap_ok(pa, pb, gap, forms)
        return ok

    while True:
        clusters.sort(key=lambda c: (c.a_lo, c.b_lo))
        merged: list[_Cluster] = []
        # Clusters that may still grow: processed in a_lo order, a cluster that ends more
        # than MAX_GAP tokens before the current one can never be reached again.
        open_: list[_Cluster] = []
        changed = False
        for s in clusters:
            open_ = [c for c in open_ if c.a_hi + MAX_GAP >= s.a_lo]
            target = next(
                (c for c in reversed(open_)
                 if _near(c, s) and not _between(c, s, open_) and gap_ok(c, s)),
                None,
            )
            if target is None:
                merged.append(s)
                open_.append(s)
            else:
                target.absorb(s)
                changed = True
        clusters = merged
        if not changed:
            return clusters


def _between(c: _Cluster, s: _Cluster, others: list[_Cluster]) -> bool:
    """Whether another cluster lies in the gap between ``c`` and ``s`` on either side.

    Then ``s`` must join through that cluster, not around it: measuring the gap from
    ``c`` would count the other cluster's text as if it were an edited stretch.
    """
    ga, gb = _gap(c, s, 0), _gap(c, s, 1)
    # A cluster in the gap on one side that lies far from both on the other side is a
    # match of that text elsewhere (a common phrase), not a step on the way from c to s.
    a_lo, a_hi = min(c.a_lo, s.a_lo) - MAX_GAP, max(c.a_hi, s.a_hi) + MAX_GAP
    b_lo, b_hi = min(c.b_lo, s.b_lo) - MAX_GAP, max(c.b_hi, s.b_hi) + MAX_GAP
    for o in others:
        if o is c:
            continue
        if (ga[0] < o.a_hi and o.a_lo < ga[1] and b_lo < o.b_hi and o.b_lo < b_hi) or \
                (gb[0] < o.b_hi and o.b_lo < gb[1] and a_lo < o.a_hi and o.a_lo < a_hi):
            return True
    return False


def _near(c: _Cluster, s: _Cluster) -> bool:
    """Cheap pre-test: within MAX_GAP tokens of each other on both sides."""
    return (s.a_lo <= c.a_hi + MAX_GAP and c.a_lo <= s.a_hi + MAX_GAP
            and s.b_lo <= c.b_hi + MAX_GAP and c.b_lo <= s.b_hi + MAX_GAP)


def _passages(pa: Prepared, pb: Prepared, text_a: str, text_b: str, seeds: list[Rect],
              content_a: Content, content_b: Content,
              forms: Forms, resolved: Resolved) -> tuple[list[Match], list[Match]]:
    """The pair's passages, and the repeats :func:`_one_per_region` set aside."""
    ta, tb = pa.tokens, pb.tokens
    min_weight = resolved.min_passage
    min_sentence = resolved.min_sentence
    spans: list[tuple[int, int, int, int]] = []
    weights: list[int] = []
    for c in _chain(pa, pb, seeds, forms):
        wa = content_a.covered((r[0], r[1]) for r in c.seeds)
        wb = content_b.covered((r[2], r[3]) for r in c.seeds)
        if min(wa, wb) == 0:
            continue  # nothing but stock phrasing: labelled from the phrases, not a pair
        short = min(wa, wb) < min_weight
        if short and not (_mostly_one_sentence(pa, c.a_lo, c.a_hi)
                          and _mostly_one_sentence(pb, c.b_lo, c.b_hi)):
            continue  # too light for a passage, and not a short sentence either
        a_start, a_end = _snap(pa, c.a_lo, c.a_hi)
        b_start, b_end = _snap(pb, c.b_lo, c.b_hi)
        if short and not _short_sentence_match(pa, pb, (a_start, a_end, b_start, b_end),
                                               min_sentence):
            continue
        spans.append((a_start, a_end, b_start, b_end))
        weights.append(min(wa, wb))
    merged = _merge_abutting(_merge_overlaps(spans), text_a, text_b)
    kept = _one_per_region(merged, spans, weights)
    repeats = [s for s in merged if s not in set(kept)]
    return ([_match(ta, tb, text_a, text_b, s) for s in kept],
            [_match(ta, tb, text_a, text_b, s) for s in repeats])


def _mostly_one_sentence(prep: Prepared, lo: int, hi: int) -> bool:
    """Cheap pre-test for :func:`_short_sentence_match`: tokens ``[lo, hi)`` cover most of
    the first or the last sentence they touch (a chance match of a few characters inside
    a long sentence does not)."""
    layer = prep.sentences
    for tok in (lo, hi - 1):
        i = layer.index(tok)
        if i < 0:
            continue
        s_lo, s_hi = int(layer.tok_start[i]), int(layer.tok_end[i])
        if min(hi, s_hi) - max(lo, s_lo) >= (1 - SNAP_SHARE) * (s_hi - s_lo):
            return True
    return False


def _short_sentence_match(pa: Prepared, pb: Prepared, span: tuple[int, int, int, int],
                          min_sentence: int) -> bool:
    """A passage below the minimum weight still counts when it is whole sentences on
    both sides that nearly agree: a short heading or sentence moved elsewhere."""
    a_start, a_end, b_start, b_end = span
    if not (_whole_sentences(pa, a_start, a_end) and _whole_sentences(pb, b_start, b_end)):
        return False
    a_lo, a_hi = _tok_range(pa.tokens, a_start, a_end)
    b_lo, b_hi = _tok_range(pb.tokens, b_start, b_end)
    sa, sb = pa.tokens.text[a_lo:a_hi], pb.tokens.text[b_lo:b_hi]
    if similarity(sa, sb) < WHOLE_SENTENCE_SCORE:
        return False
    shared = sum(token_weight(sa[op.src_start : op.src_end])
                 for op in Indel.opcodes(sa, sb) if op.tag == "equal")
    return shared >= min_sentence


def _one_per_region(spans: list[tuple[int, int, int, int]],
                    raw: list[tuple[int, int, int, int]], weights: list[int]
                    ) -> list[tuple[int, int, int, int]]:
    """Keep one passage per reused region: when a text occurs twice on one side, the
    passage with the most matched text wins and the other is dropped.

    Two passages compete when they overlap on one side by at least half of the shorter.
    """
    weight_of: dict[tuple[int, int, int, int], int] = {}
    for span in spans:
        weight_of[span] = sum(w for r, w in zip(raw, weights, strict=True)
                              if span[0] <= r[0] and r[1] <= span[1]
                              and span[2] <= r[2] and r[3] <= span[3])
    kept: list[tuple[int, int, int, int]] = []
    # Ties go to the earliest text, counted the same way whichever document is "a", so
    # the result does not depend on the order of the documents.
    for span in sorted(spans, key=lambda x: (-weight_of[x], x[0] + x[2], min(x[0], x[2]), x)):
        if not any(_half_overlap(span[0], span[1], k[0], k[1])
                   or _half_overlap(span[2], span[3], k[2], k[3]) for k in kept):
            kept.append(span)
    return sorted(kept)


def _half_overlap(lo1: int, hi1: int, lo2: int, hi2: int) -> bool:
    inter = min(hi1, hi2) - max(lo1, lo2)
    return inter > 0 and 2 * inter >= min(hi1 - lo1, hi2 - lo2)


def _merge_overlaps(spans: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Merge passages that overlap on both sides (snapping can make them touch)."""
    spans = sorted(spans)
    out: list[tuple[int, int, int, int]] = []
    for s in spans:
        for i, o in enumerate(out):
            if s[0] < o[1] and o[0] < s[1] and s[2] < o[3] and o[2] < s[3]:
                out[i] = (min(o[0], s[0]), max(o[1], s[1]), min(o[2], s[2]), max(o[3], s[3]))
                break
        else:
            out.append(s)
    return sorted(out)


#: Passages this close, with nothing but spaces and punctuation between them in both
#: documents, are one passage.
ABUT_CHARS = 3


def _merge_abutting(spans: list[tuple[int, int, int, int]], text_a: str, text_b: str
                    ) -> list[tuple[int, int, int, int]]:
    """Join passages that follow each other in the same order in both documents with
    only spaces or punctuation between them: two chained pieces of one passage, each
    snapped to a sentence end, meet there (one detection per reused region)."""
    out: list[tuple[int, int, int, int]] = []
    for s in sorted(spans):
        if out:
            o = out[-1]
            gap_a, gap_b = text_a[o[1] : s[0]], text_b[o[3] : s[2]]
            if o[1] <= s[0] and o[3] <= s[2] and len(gap_a) <= ABUT_CHARS \
                    and len(gap_b) <= ABUT_CHARS and not any(c.isalnum() for c in gap_a + gap_b):
                out[-1] = (o[0], max(o[1], s[1]), o[2], max(o[3], s[3]))
                continue
        out.append(s)
    return out


def _snap(prep: Prepared, lo: int, hi: int) -> tuple[int, int]:
    """Text offsets of tokens ``[lo, hi)``, fitted to segment boundaries.

    First inward: a passage that only grazes the next (or previous) sentence -- an exact
    run spilling over "。The" into a sentence that begins alike -- stops at the sentence
    boundary. Then outward: a clause or sentence that is nearly whole is taken whole,
    the sentence tried before the clause, so a sentence whose first clause was edited is
    still reported whole, punctuation included.
    """
    tok = prep.tokens
    sent = prep.sentences
    i = sent.index(hi - 1)
    if i >= 0:
        s_lo, s_hi = int(sent.tok_start[i]), int(sent.tok_end[i])
        if lo < s_lo and hi < s_hi and _grazes(tok, s_lo, hi, s_lo, s_hi):
            hi = s_lo
    i = sent.index(lo)
    if i >= 0:
        s_lo, s_hi = int(sent.tok_start[i]), int(sent.tok_end[i])
        if s_hi < hi and lo > s_lo and _grazes(tok, lo, s_hi, s_lo, s_hi):
            lo = s_hi
    start, end = int(tok.starts[lo]), int(tok.ends[hi - 1])
    for layer in (prep.sentences, prep.clauses):
        i = layer.index(lo)
        if i >= 0 and _nearly_all(tok, int(layer.tok_start[i]), lo, layer, i):
            start = int(layer.start[i])
            break
    for layer in (prep.sentences, prep.clauses):
        i = layer.index(hi - 1)
        if i >= 0 and _nearly_all(tok, hi, int(layer.tok_end[i]), layer, i):
            end = int(layer.end[i])
            break
    return start, end


def _nearly_all(tok: Tokens, lo: int, hi: int, layer: Layer, i: int) -> bool:
    """Whether leaving out tokens ``[lo, hi)`` of segment ``i`` leaves it nearly whole."""
    left_out = tok.weight(lo, hi)
    return left_out <= SNAP_MAX and left_out <= SNAP_SHARE * tok.weight(
        int(layer.tok_start[i]), int(layer.tok_end[i]))


def _grazes(tok: Tokens, lo: int, hi: int, s_lo: int, s_hi: int) -> bool:
    """Whether tokens ``[lo, hi)`` are a mere edge of the sentence ``[s_lo, s_hi)`` (at
    most GRAZE weight and less than SNAP_SHARE of it)."""
    part = tok.weight(lo, hi)
    return part <= GRAZE and part < SNAP_SHARE * tok.weight(s_lo, s_hi)


def _whole_sentences(prep: Prepared, start: int, end: int) -> bool:
    """Whether ``[start, end)`` begins and ends on sentence boundaries."""
    lo, hi = _tok_range(prep.tokens, start, end)
    if hi <= lo:
        return False
    sent = prep.sentences
    first, last = sent.index(lo), sent.index(hi - 1)
    return (first >= 0 and last >= 0 and int(sent.start[first]) == start
            and int(sent.end[last]) == end)


def _tok_range(tok: Tokens, start: int, end: int) -> tuple[int, int]:
    lo = int(np.searchsorted(tok.starts, start))
    hi = int(np.searchsorted(tok.starts, end))
    return lo, hi


def _match(ta: Tokens, tb: Tokens, text_a: str, text_b: str,
           span: tuple[int, int, int, int]) -> Match:
    a_start, a_end, b_start, b_end = span
    a_lo, a_hi = _tok_range(ta, a_start, a_end)
    b_lo, b_hi = _tok_range(tb, b_start, b_end)
    sa, sb = ta.text[a_lo:a_hi], tb.text[b_lo:b_hi]
    edits = _edits(ta, tb, text_a, text_b, a_lo, b_lo, sa, sb, span)
    return Match(a_start, a_end, b_start, b_end, round(similarity(sa, sb), 4), tuple(edits))


def _edits(ta: Tokens, tb: Tokens, text_a: str, text_b: str, a_lo: int, b_lo: int,
           sa: str, sb: str, span: tuple[int, int, int, int]) -> list[Edit]:
    """Token-level differences mapped to text offsets, plus changed figures and words."""

    def pos(tok: Tokens, base: int, i: int, j: int, lo_text: int) -> tuple[int, int]:
        if i < j:
            return int(tok.starts[base + i]), int(tok.ends[base + j - 1])
        p = int(tok.ends[base + i - 1]) if base + i > 0 and i > 0 else lo_text
        return p, p

    # Equal tokens can still differ in the text: figures (folded to FIGURE) and words
    # (stemmed). Only those positions of sa are looked at.
    codes = np.frombuffer(sa.encode("utf-32-le"), dtype=np.uint32)
    telling = np.flatnonzero((codes == ord(FIGURE)) | ta.is_word[a_lo : a_lo + len(sa)])
    out: list[Edit] = []
    for op in Levenshtein.opcodes(sa, sb):
        i1, i2, j1, j2 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if op.tag == "equal":
            first, last = np.searchsorted(telling, (i1, i2))
            for i in telling[first:last].tolist():
                k = i - i1
                x0, x1 = int(ta.starts[a_lo + i]), int(ta.ends[a_lo + i])
                y0, y1 = int(tb.starts[b_lo + j1 + k]), int(tb.ends[b_lo + j1 + k])
                if text_a[x0:x1].casefold() != text_b[y0:y1].casefold():
                    out.append(Edit("replace", x0, x1, y0, y1))
            continue
        x0, x1 = pos(ta, a_lo, i1, i2, span[0])
        y0, y1 = pos(tb, b_lo, j1, j2, span[2])
        tag = "replace" if op.tag == "replace" else op.tag
        out.append(Edit(tag, x0, x1, y0, y1))  # type: ignore[arg-type]
    return out
