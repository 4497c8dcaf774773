"""Candidate generation: what could match what, without comparing everything to everything.

Two sources of candidates, both near-linear in corpus size:

- **exact k-grams**: every run of ``k`` tokens is hashed; sorting the hashes of the whole
  corpus groups equal k-grams, and each group yields the document pairs that share it.
  Consecutive shared k-grams on the same diagonal become one exact run (a maximal exact
  match of at least ``k`` tokens). A k-gram found in more than ``max_pair_docs``
  documents is corpus-wide boilerplate: it is counted (for stock phrases and labels) but
  never expanded into pairs.
- **fuzzy segments**: identical normalised segments collapse to one *form*; forms get
  MinHash signatures over their shingles and LSH banding proposes pairs of forms whose
  Jaccard similarity is probably above ``lsh_threshold``. The alignment stage verifies them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.cache import cached, library_version
from dedup.config import Resolved
from dedup.prepare import Prepared
from dedup.sketch import (
    MinHasher,
    distinct,
    distinct_counts,
    fmix64,
    kgram_hashes,
    member,
    shingle_hashes,
)

__all__ = ["Forms", "KgramIndex", "build_forms", "corpus_wide_tokens", "kgram_index",
           "lsh_candidates"]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]

#: Segments lighter than this (a CJK character weighs 1, a word 2) take no part in fuzzy
#: matching: exact k-gram seeds cover them, and short texts make MinHash estimates noisy.
MIN_FUZZY_WEIGHT = 8

#: A shingle found in more than this share of all forms (and in more than
#: ``_COMMON_SHINGLE_FLOOR`` forms) is dropped from the MinHash sets: words like "the" or
#: bigrams like 发展 make unrelated sentences collide and fill LSH buckets.
_COMMON_SHINGLE_SHARE = 0.02
_COMMON_SHINGLE_FLOOR = 50

#: A token (word or character) found in more than this share of all forms is a function
#: word for the corpus at hand ("the", "of", 的): ignored when judging whether two gaps
#: say the same thing. Taken from the corpus itself, so no language list is needed.
_COMMON_TOKEN_SHARE = 0.05
_COMMON_TOKEN_FLOOR = 5


#: A k-gram occurring more often than this in one document seeds no pairs (see kgram_index).
MAX_REPEAT = 3


@dataclass(frozen=True, slots=True)
class RunTable:
    """Exact runs of every document pair, as parallel arrays sorted by ``(a, b, a_pos)``.

    Row i: tokens ``[a_pos[i], a_pos[i] + length[i])`` of document ``a[i]`` equal tokens
    ``[b_pos[i], ...)`` of document ``b[i]`` (``a < b``). Arrays rather than a dict of
    small arrays: a large corpus has a chance run in most pairs.
    """

    a: I64
    b: I64
    a_pos: I64
    b_pos: I64
    length: I64

    @classmethod
    def empty(cls) -> RunTable:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, none, none)

    def __len__(self) -> int:
        return len(self.a)

    def select(self, rows: npt.NDArray[np.bool_]) -> RunTable:
        return RunTable(self.a[rows], self.b[rows], self.a_pos[rows], self.b_pos[rows],
                        self.length[rows])

    def by_pair(self) -> dict[tuple[int, int], I64]:
        """``{(a, b): (n, 3) array of (a_pos, b_pos, length)}``."""
        if len(self) == 0:
            return {}
        key = self.a * (int(self.b.max()) + 1) + self.b
        start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        end = np.r_[start[1:], len(key)]
        rows = np.stack([self.a_pos, self.b_pos, self.length], axis=1)
        return {(int(self.a[s]), int(self.b[s])): rows[s:e]
                for s, e in zip(start.tolist(), end.tolist(), strict=True)}


@dataclass(slots=True)
class KgramIndex:
    """Exact shared k-grams of a corpus.

    ``table`` holds the exact runs of all pairs (:class:`RunTable`); ``runs`` the same
    as ``{(a, b): (n, 3) array of (a_pos, b_pos, length)}``. Per document ``d``,
    ``pos[d]`` lists the token positions whose k-gram was indexed (every position, or a
    winnowed subset on large corpora, see ``window``), ``df[d][i]`` how many documents
    contain the k-gram at ``pos[d][i]`` and ``group[d][i]`` which k-gram it is (equal
    ids, equal k-grams).
    Consecutive indexed positions are at most ``window`` tokens apart.
    """

    k: int
    table: RunTable
    pos: list[I32]
    df: list[I32]
    group: list[I32]
    group_docs_sorted: I32 = field(repr=False)
    group_offsets: I64 = field(repr=False)
    #: ``group_fp[g]``: a fingerprint of the set of documents containing k-gram ``g``
    #: (equal sets, equal fingerprints; different sets collide with probability 2^-64).
    group_fp: npt.NDArray[np.uint64] = field(repr=False)
    window: int = 1

    @property
    def runs(self) -> dict[tuple[int, int], I64]:
        """The exact runs by document pair (built on demand; see ``table``)."""
        return self.table.by_pair()

    def docs_of(self, group: int) -> frozenset[int]:
        """The documents containing k-gram ``group``."""
        lo, hi = self.group_offsets[group], self.group_offsets[group + 1]
        return frozenset(self.group_docs_sorted[lo:hi].tolist())


#: Corpora with more k-grams than this are winnowed (WINNOW_WINDOW): the k-gram table
#: is the largest structure of a scan (about 50 bytes per entry while it is sorted).
#: 40 million is about 7,000 reports of 16 KB; smaller corpora index every k-gram.
WINNOW_ABOVE = 40_000_000
#: Winnowing keeps the smallest hash of every WINNOW_WINDOW consecutive k-grams (about
#: 2/(w+1) of them) and still finds every shared run of at least w + k - 1 tokens.
WINNOW_WINDOW = 4


def _winnow(h: U64, w: int) -> I32:
    """Positions of the k-grams winnowing keeps: the minimum of each window of ``w``."""
    if w <= 1 or len(h) <= w:
        return np.arange(len(h), dtype=np.int32)
    windows = np.lib.stride_tricks.sliding_window_view(h, w)
    picked = windows.argmin(axis=1) + np.arange(len(windows))
    keep = np.r_[True, picked[1:] != picked[:-1]]
    out: I32 = picked[keep].astype(np.int32)
    return out


def kgram_index(prepared: list[Prepared], resolved: Resolved) -> KgramIndex:
    """Hash the k-grams of every document and self-join the corpus on the hashes."""
    k = resolved.kgram
    cap = resolved.config.max_pair_docs
    hashes = [kgram_hashes(p.tokens.text, k) for p in prepared]
    total = sum(len(h) for h in hashes)
    window = resolved.config.kgram_window or (WINNOW_WINDOW if total > WINNOW_ABOVE else 1)
    positions = [_winnow(h, window) for h in hashes]
    hashes = [h[p] for h, p in zip(hashes, positions, strict=True)]
    lengths = np.array([len(h) for h in hashes], dtype=np.int64)
    n = int(lengths.sum())
    if n == 0:
        none32 = np.zeros(0, dtype=np.int32)
        return KgramIndex(k, RunTable.empty(), positions, [none32 for _ in prepared],
                          [none32 for _ in prepared], none32, np.zeros(1, dtype=np.int64),
                          np.zeros(0, dtype=np.uint64), window)
    h_all = np.concatenate(hashes)
    del hashes
    # Documents and positions are already in order: a stable sort on the hash alone
    # orders by (hash, document, position).
    order, h = _stable_order(h_all)
    del h_all
    d = np.repeat(np.arange(len(prepared), dtype=np.int32), lengths)[order]
    p = np.concatenate(positions)[order]

    new_group = np.r_[True, h[1:] != h[:-1]]
    new_doc = new_group.copy()
    new_doc[1:] |= d[1:] != d[:-1]
    del h
    gstart = np.flatnonzero(new_group)
    gid = (np.cumsum(new_group, dtype=np.int64) - 1).astype(np.int32)
    del new_group
    gend = np.r_[gstart[1:], n]
    df_group = np.add.reduceat(new_doc.astype(np.int32), gstart).astype(np.int32)

    # Per-position doc frequency and group id, back in document order.
    df_flat = np.empty(n, dtype=np.int32)
    df_flat[order] = df_group[gid]
    gid_flat = np.empty(n, dtype=np.int32)
    gid_flat[order] = gid
    del order
    bounds = np.r_[0, np.cumsum(lengths)]
    df = [df_flat[bounds[i] : bounds[i + 1]] for i in range(len(prepared))]
    group = [gid_flat[bounds[i] : bounds[i + 1]] for i in range(len(prepared))]

    # Distinct documents per group, for stock phrases: (group, doc) rows where a new doc starts.
    doc_rows = np.flatnonzero(new_doc)
    del new_doc
    group_docs_sorted = d[doc_rows]
    group_offsets = np.r_[0, np.cumsum(df_group, dtype=np.int64)]

    # Most occurrences of the k-gram in any one document: a k-gram repeated all over a
    # document ("World Series of Poker", 党的二十大精神) says nothing about *where* a
    # passage comes from, and pairing every occurrence with every other buries the real
    # seeds under spurious ones.
    block_size = np.diff(np.r_[doc_rows, n])
    max_repeat = np.maximum.reduceat(block_size, group_offsets[:-1])
    table = _pair_runs(d, p, gid, gend, df_group, max_repeat, k, cap, window)
    mixed = fmix64((group_docs_sorted.astype(np.uint64) + np.uint64(1))
                   * np.uint64(0x9E3779B97F4A7C15))
    group_fp = np.add.reduceat(mixed, group_offsets[:-1]) if len(mixed) else mixed
    return KgramIndex(k, table, positions, df, group, group_docs_sorted, group_offsets,
                      group_fp.astype(np.uint64), window)


def _stable_order(h: U64) -> tuple[I64, U64]:
    """``order = np.argsort(h, kind="stable")`` and ``h[order]``, faster: it sorts values,
    not indices.

    Each hash keeps its top bits and takes its index in the low ``b`` bits of one uint64;
    sorting those (a SIMD sort of plain values) orders by (top bits, index). Different
    hashes that agree on the top bits come out interleaved; such runs are rare (the
    birthday bound on the top 64 - b bits) and are re-sorted exactly.
    """
    n = len(h)
    bits = max(1, (n - 1).bit_length())
    if bits > 40:
        order = np.argsort(h, kind="stable").astype(np.int64)
        return order, h[order]
    low = np.uint64((1 << bits) - 1)
    packed = (h & ~low) | np.arange(n, dtype=np.uint64)
    packed.sort()
    packed &= low
    order = packed.view(np.int64)
    hs = h[order]
    top = hs >> np.uint64(bits)
    top_changes = top[1:] != top[:-1]
    del top
    mixed = np.flatnonzero((hs[1:] != hs[:-1]) & ~top_changes) + 1
    if not len(mixed):
        return order, hs
    starts = np.flatnonzero(np.r_[True, top_changes])
    ends = np.r_[starts[1:], n]
    runs = np.unique(np.searchsorted(starts, mixed, side="right") - 1)
    rows = np.concatenate([np.arange(starts[r], ends[r]) for r in runs.tolist()])
    run = np.repeat(np.arange(len(runs)), ends[runs] - starts[runs])
    resorted = np.lexsort((order[rows], hs[rows], run))
    order[rows] = order[rows][resorted]
    hs[rows] = hs[rows][resorted]
    return order, hs


def _pair_runs(
    d: I32, p: I32, gid: I32, gend: I64, df_group: I32, max_repeat: I64, k: int, cap: int,
    window: int,
) -> RunTable:
    """Exact runs per document pair from k-gram groups shared by 2..cap documents and
    repeated at most MAX_REPEAT times in each. Indexed k-grams on one diagonal at most
    ``window`` positions apart belong to one run."""
    selected = (df_group >= 2) & (df_group <= cap) & (max_repeat <= MAX_REPEAT)
    idx = np.flatnonzero(selected[gid])
    if len(idx) == 0:
        return RunTable.empty()
    # Every element pairs with the later elements of its group (rows are sorted by doc).
    counts = gend[gid[idx]] - idx - 1
    total = int(counts.sum())
    first = np.repeat(idx, counts)
    offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offset
    del offset
    keep = d[first] != d[second]
    first, second = first[keep], second[keep]
    da, pa, db, pb = d[first], p[first], d[second], p[second]
    del first, second
    diag = pb - pa
    doc_bits = max(int(da.max()), int(db.max())).bit_length() or 1
    span = max(int(pa.max()), int(pb.max())) + 1
    pos_bits = span.bit_length()
    order = _order_by((da, doc_bits), (db, doc_bits), (diag + span, pos_bits + 1),
                      (pa, pos_bits))
    da, pa, db, pb, diag = da[order], pa[order], db[order], pb[order], diag[order]
    same = (da[1:] == da[:-1]) & (db[1:] == db[:-1]) & (diag[1:] == diag[:-1])
    cont = same & (pa[1:] - pa[:-1] <= window)
    run_start = np.flatnonzero(np.r_[True, ~cont])
    run_last = np.r_[run_start[1:], len(pa)] - 1
    table = RunTable(da[run_start].astype(np.int64), db[run_start].astype(np.int64),
                     pa[run_start].astype(np.int64), pb[run_start].astype(np.int64),
                     (pa[run_last] - pa[run_start]).astype(np.int64) + k)
    # Sorted by (a, b, a_pos): runs of a pair in reading order (diagonal breaks ties).
    order = _order_by((table.a, doc_bits), (table.b, doc_bits), (table.a_pos, pos_bits),
                      (diag[run_start] + span, pos_bits + 1))
    return table.select(order)  # type: ignore[arg-type]  # an index array selects too


def _order_by(*columns: tuple[npt.NDArray[np.integer[Any]], int]) -> I64:
    """The row order sorting by ``columns`` (most significant first), each a non-negative
    integer array with its width in bits. The rows must be distinct. One ``argsort`` of the
    columns packed into a uint64 key when they fit (several times faster than ``lexsort``,
    which sorts once per column); ``lexsort`` otherwise."""
    if sum(bits for _, bits in columns) > 64:
        return np.lexsort(tuple(col for col, _ in reversed(columns))).astype(np.int64)
    key = np.zeros(len(columns[0][0]), dtype=np.uint64)
    for col, bits in columns:
        key <<= np.uint64(bits)
        key |= col.astype(np.uint64)
    return np.argsort(key).astype(np.int64)


@dataclass(slots=True)
class Forms:
    """Distinct normalised segments (forms) and where each occurs.

    ``texts[f]`` is the token string of form ``f``; ``occurrences[f]`` lists its
    ``(doc, sentence index)`` (into ``Prepared.sentences``); ``shingles[f]`` its
    (filtered) shingle hashes, empty when the form takes no part in fuzzy matching.
    """

    texts: list[str]
    occurrences: list[list[tuple[int, int]]]
    shingles: list[npt.NDArray[np.uint32]]
    #: Token n-gram size of the shingles (2 for CJK corpora, 1 for spaced scripts).
    n: int = 2
    #: Sorted shingle hashes too common to tell texts apart (dropped from every set).
    common: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros(0, np.uint32))
    #: ``str.translate`` table deleting the corpus's function tokens (see _COMMON_TOKEN_SHARE).
    function_tokens: dict[int, None] = field(default_factory=dict)
    #: The sets LSH hashes: ``shingles`` without the shingles that lie in corpus-wide text
    #: (k-grams found in more than ``max_pair_docs`` documents); None: ``shingles``.
    lsh_shingles: list[npt.NDArray[np.uint32]] | None = None

    def content(self, tokens: str) -> str:
        """``tokens`` without the corpus's function tokens."""
        return tokens.translate(self.function_tokens) if self.function_tokens else tokens

    def content_shingles(self, tokens: str) -> npt.NDArray[np.uint32]:
        """The shingle set of any token string, without the common shingles."""
        h = shingle_hashes(tokens, self.n)
        return h[~member(h, self.common)]


def build_forms(prepared: list[Prepared], resolved: Resolved,
                kg: KgramIndex | None = None) -> Forms:
    """Collapse identical normalised sentences and compute their shingle sets.

    With ``kg``, LSH sees each sentence without its corpus-wide text (see
    :func:`corpus_wide_tokens`): a stock clause in front of hundreds of otherwise
    different sentences would make each of them a candidate of every other.

    Clauses take no part: short texts make fuzzy matches noisy and multiply the LSH
    candidates, while exact k-gram seeds and gap bridging already cover edits inside
    sentences (measured: same quality on the annotated cases and pan13-mini, half the
    time on the provincial reports).
    """
    index: dict[str, int] = {}
    texts: list[str] = []
    occurrences: list[list[tuple[int, int]]] = []
    for d, prep in enumerate(prepared):
        tok = prep.tokens
        layer = prep.sentences
        for s, (lo, hi) in enumerate(zip(layer.tok_start.tolist(), layer.tok_end.tolist(),
                                         strict=True)):
            if tok.weight(lo, hi) < MIN_FUZZY_WEIGHT:
                continue
            text = tok.text[lo:hi]
            f = index.get(text)
            if f is None:
                f = index[text] = len(texts)
                texts.append(text)
                occurrences.append([])
            occurrences[f].append((d, s))
    n = 2 if resolved.lang == "zh" else 1
    if not texts:
        return Forms(texts, occurrences, [], n)
    form_of, shingle = _distinct_pairs(*_all_shingles(texts, n))
    uniq, counts = distinct_counts(shingle)
    limit = max(_COMMON_SHINGLE_FLOOR, _COMMON_SHINGLE_SHARE * len(texts))
    keep = ~member(shingle, uniq[counts > limit])
    shingles = _split_by_form(form_of[keep], shingle[keep], len(texts))
    forms = Forms(texts, occurrences, shingles, n, uniq[counts > limit], _function_tokens(texts))
    if kg is not None:
        forms.lsh_shingles = _lsh_shingles(forms, prepared, kg, resolved.config.max_pair_docs)
    return forms


def corpus_wide_tokens(prepared: Prepared, kg: KgramIndex, d: int, cap: int
                       ) -> npt.NDArray[np.bool_]:
    """Tokens of document ``d`` inside a k-gram found in more than ``cap`` documents.

    Such text is labelled corpus-wide and never makes document pairs (MAX_PAIR_DOCS).
    """
    n = len(prepared.tokens.text)
    starts = kg.pos[d][kg.df[d] > cap].astype(np.int64)
    if len(starts) == 0:
        return np.zeros(n, dtype=bool)
    edges = np.bincount(starts, minlength=n + 1) - np.bincount(
        np.minimum(starts + kg.k, n), minlength=n + 1)
    wide: npt.NDArray[np.bool_] = np.cumsum(edges[:n]) > 0
    return wide


def _lsh_shingles(forms: Forms, prepared: list[Prepared], kg: KgramIndex, cap: int
                  ) -> list[npt.NDArray[np.uint32]]:
    """Each form's shingles without those touching corpus-wide tokens (as found in the
    form's first occurrence). Forms without such tokens share their ``shingles`` array."""
    wide = [corpus_wide_tokens(p, kg, d, cap) for d, p in enumerate(prepared)]
    masked: list[int] = []
    skips: list[npt.NDArray[np.bool_]] = []
    separator = np.ones(1, dtype=bool)
    for f, occ in enumerate(forms.occurrences):
        if len(forms.shingles[f]) < 2:
            continue
        d, s = occ[0]
        lay = prepared[d].sentences
        part = wide[d][lay.tok_start[s] : lay.tok_end[s]]
        if part.any():
            masked.append(f)
            skips += (part, separator)
    del wide
    out = list(forms.shingles)
    if not masked:
        return out
    texts = [forms.texts[f] for f in masked]
    skip = np.concatenate(skips)
    form_of, shingle = _distinct_pairs(*_all_shingles(texts, forms.n, skip=skip))
    keep = ~member(shingle, forms.common)
    for f, sets in zip(masked, _split_by_form(form_of[keep], shingle[keep], len(masked)),
                       strict=True):
        out[f] = sets
    return out


def _distinct_pairs(form_of: I64, shingle: npt.NDArray[np.uint32]
                    ) -> tuple[I64, npt.NDArray[np.uint32]]:
    """The distinct (form, shingle) pairs, sorted by form: one sort over the corpus."""
    pairs = distinct((form_of.astype(np.uint64) << np.uint64(32)) | shingle.astype(np.uint64))
    return ((pairs >> np.uint64(32)).astype(np.int64),
            (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32))


def _split_by_form(form_of: I64, shingle: npt.NDArray[np.uint32], n_forms: int
                   ) -> list[npt.NDArray[np.uint32]]:
    """Each form's shingles, from pairs sorted by form."""
    bounds = np.searchsorted(form_of, np.arange(n_forms + 1))
    return [shingle[lo:hi] for lo, hi in itertools.pairwise(bounds.tolist())]


#: Joins form texts for vectorised hashing; never a token (a C0 control character).
_SEPARATOR = "\x00"


def _all_shingles(texts: list[str], n: int, *, skip: npt.NDArray[np.bool_] | None = None
                  ) -> tuple[I64, npt.NDArray[np.uint32]]:
    """Every token n-gram of every form as (form index, 32-bit hash), in one pass.

    The same hashes :func:`dedup.sketch.shingle_hashes` gives each form alone; a form
    shorter than ``n`` tokens is one shingle, itself. ``skip``: per character of the
    joined texts (each followed by the separator), n-grams touching a True one are left
    out (and short forms are not added whole).
    """
    joined = _SEPARATOR.join(texts)
    starts = np.r_[0, np.cumsum([len(t) + 1 for t in texts])[:-1]]
    h64 = kgram_hashes(joined, n)
    sep = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4") == ord(_SEPARATOR)
    if skip is not None:
        sep = sep | skip[: len(sep)]
    crossed = np.r_[0, np.cumsum(sep)]
    ok = (crossed[n : n + len(h64)] - crossed[: len(h64)]) == 0
    pos = np.flatnonzero(ok)
    form_of = np.searchsorted(starts, pos, side="right") - 1
    shingle = (h64[pos] >> np.uint64(32)).astype(np.uint32)
    short = [i for i, t in enumerate(texts) if 0 < len(t) < n] if skip is None else []
    if short:
        extra = [shingle_hashes(texts[i], n) for i in short]
        form_of = np.concatenate([form_of, np.repeat(short, [len(e) for e in extra])])
        shingle = np.concatenate([shingle, *extra])
    return form_of.astype(np.int64), shingle


def _function_tokens(texts: list[str]) -> dict[int, None]:
    """Tokens found in more than _COMMON_TOKEN_SHARE of the forms."""
    if not texts:
        return {}
    joined = _SEPARATOR.join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    form_of = np.repeat(np.arange(len(texts), dtype=np.uint64), [len(t) + 1 for t in texts])
    form_of = form_of[: len(cps)]
    keep = cps != ord(_SEPARATOR)
    pairs = distinct((form_of[keep] << np.uint64(32)) | cps[keep])
    uniq, counts = distinct_counts(pairs & np.uint64(0xFFFFFFFF))
    limit = max(_COMMON_TOKEN_FLOOR, _COMMON_TOKEN_SHARE * len(texts))
    return dict.fromkeys(uniq[counts > limit].astype(np.int64).tolist())


@lru_cache(maxsize=16)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) that datasketch's MinHashLSH picks for this threshold (cached on
    disk like the permutations, see :mod:`dedup.cache`)."""

    def compute() -> list[int]:
        from datasketch import MinHashLSH

        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        return [int(lsh.b), int(lsh.r)]

    key = f"datasketch-{library_version('datasketch')}-lsh-{threshold!r}-{num_perm}"
    bands, rows = cached(key, compute,
                         valid=lambda v: len(v) == 2 and min(v) >= 1 and v[0] * v[1] <= num_perm)
    return int(bands), int(rows)


def lsh_candidates(forms: Forms, resolved: Resolved) -> npt.NDArray[np.int64]:
    """Pairs ``(f, g)``, ``f < g``, of forms that share an LSH bucket.

    Only forms with at least two shingles take part. Pairs whose forms never occur in
    two different documents are kept too (the caller filters); each pair appears once.
    """
    cfg = resolved.config
    hashed = forms.shingles if forms.lsh_shingles is None else forms.lsh_shingles
    eligible = np.array([i for i, s in enumerate(hashed) if len(s) >= 2], dtype=np.int64)
    if len(eligible) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    sets = [hashed[i] for i in eligible.tolist()]
    offsets = np.r_[0, np.cumsum([len(s) for s in sets])].astype(np.int64)
    sigs = MinHasher(num_perm=cfg.num_perm, seed=cfg.seed).signatures(np.concatenate(sets), offsets)
    bands, rows = lsh_params(cfg.lsh_threshold, cfg.num_perm)
    rng = np.random.default_rng(cfg.seed)
    mult = rng.integers(1, 2**63, size=rows, dtype=np.uint64) | np.uint64(1)
    window = 2 * cfg.max_pair_docs + 2
    found: list[npt.NDArray[np.int64]] = []
    for band in range(bands):
        cols = sigs[:, band * rows : (band + 1) * rows].astype(np.uint64)
        key = (cols * mult[None, :]).sum(axis=1, dtype=np.uint64)
        found.append(_bucket_pairs(key, eligible, window))
    pairs = np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)
    if len(pairs) == 0:
        return pairs
    # Each pair once: as one 64-bit key (form indices fit in 32 bits).
    high = pairs[:, 0].astype(np.uint64) << np.uint64(32)
    keys = distinct(high | pairs[:, 1].astype(np.uint64))
    return np.stack([(keys >> np.uint64(32)).astype(np.int64),
                     (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)], axis=1)


def _bucket_pairs(key: npt.NDArray[np.uint64], ids: I64, window: int) -> npt.NDArray[np.int64]:
    """Pairs of forms in the same bucket: all pairs in buckets of up to ``window + 1``
    forms; in larger buckets each form with the ``window`` forms after it.

    A bucket of hundreds of forms is a sentence repeated with small variations across
    hundreds of documents (the same template with another place name): the window still
    gives every member more verified neighbours than ``max_pair_docs``, which is what
    marks it as common phrasing, without the quadratic number of pairs.
    """
    order, key_sorted = _stable_order(key)
    out: list[npt.NDArray[np.int64]] = []
    for j in range(1, min(window, len(key_sorted) - 1) + 1):
        same = np.flatnonzero(key_sorted[j:] == key_sorted[:-j])
        if len(same) == 0:
            break  # no bucket holds more than j forms
        left, right = ids[order[same]], ids[order[same + j]]
        out.append(np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(out)
