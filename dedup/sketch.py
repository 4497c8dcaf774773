"""Hashes and MinHash signatures, vectorised with numpy.

Signatures follow datasketch's ``affine32`` scheme exactly -- the permutation parameters
are taken from :class:`datasketch.MinHash` itself -- so a signature computed here equals
``MinHash(num_perm, seed, hashfunc=lambda h: h)`` updated with the same 32-bit shingle
hashes; only the loop is gone (one numpy pass per block of shingles instead of Python
objects per shingle).

>>> import numpy as np
>>> from datasketch import MinHash
>>> hasher = MinHasher(num_perm=16, seed=1)
>>> shingles = shingle_hashes("增强四个意识坚定四个自信", 2)
>>> sig = hasher.signatures(shingles, np.array([0, len(shingles)]))[0]
>>> m = MinHash(num_perm=16, seed=1, hashfunc=lambda h: h)
>>> m.update_batch(shingles.tolist())
>>> bool((m.hashvalues == sig).all())
True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.cache import cached, library_version

__all__ = [
    "MinHasher", "code_points", "distinct", "distinct_counts", "fmix64", "kgram_hashes",
    "member", "shingle_hashes",
]

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

_P64 = np.uint64(0x100000001B3)  # FNV prime: an odd multiplier with good bit spread
_M1_64 = np.uint64(0xFF51AFD7ED558CCD)
_M2_64 = np.uint64(0xC4CEB9FE1A85EC53)
_M1_32 = np.uint32(0x85EBCA6B)
_M2_32 = np.uint32(0xC2B2AE35)

#: Shingles per block when computing signatures: bounds the temporary (block x num_perm)
#: matrix to ~16 MB at 128 permutations.
_BLOCK = 32768


def code_points(text: str) -> U64:
    """The code points of ``text`` as uint64."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)


def fmix64(h: U64) -> U64:
    h = h ^ (h >> np.uint64(33))
    h = h * _M1_64
    h = h ^ (h >> np.uint64(33))
    h = h * _M2_64
    return h ^ (h >> np.uint64(33))


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * _M1_32
    h = h ^ (h >> np.uint32(13))
    h = h * _M2_32
    return h ^ (h >> np.uint32(16))


def kgram_hashes(tokens: str, k: int) -> U64:
    """64-bit hash of every run of ``k`` consecutive tokens; ``len(tokens) - k + 1`` values.

    The hash depends only on the k tokens, so equal k-grams hash equally across
    documents, runs and processes.

    >>> h = kgram_hashes("abcab", 2)
    >>> len(h), bool(h[0] == h[3]), bool(h[0] == h[1])
    (4, True, False)
    """
    n = len(tokens) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    cps = code_points(tokens)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _P64 + cps[j : j + n]
    return fmix64(h)


def distinct(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The sorted distinct values of a 1-d array.

    A sort and a comparison: NumPy 2's hash-based ``np.unique`` was 5-10 times slower on
    millions of 64-bit hashes.

    >>> distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    if len(values) == 0:
        return values.copy()
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def distinct_counts(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Sorted distinct values and how often each occurs."""
    if len(values) == 0:
        return values.copy(), np.zeros(0, dtype=np.int64)
    ordered = np.sort(values)
    first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[first], np.diff(np.r_[first, len(ordered)]).astype(np.int64)


def member(values: npt.NDArray[Any], sorted_set: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """``np.isin(values, sorted_set)`` for a sorted set: one binary search per value.
    (``np.isin`` sorts values and set together: ten times slower on 30 million shingles.)

    >>> member(np.array([5, 1, 7, 9]), np.array([1, 7])).tolist()
    [False, True, True, False]
    """
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_set, values)
    at[at == len(sorted_set)] = 0
    found: npt.NDArray[np.bool_] = sorted_set[at] == values
    return found


def shingle_hashes(tokens: str, n: int) -> U32:
    """32-bit hashes of the distinct token n-grams of ``tokens`` (the shingle set).

    A text shorter than ``n`` tokens is one shingle: itself.
    """
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    h64 = kgram_hashes(tokens, min(n, len(tokens)))
    return distinct((h64 >> np.uint64(32)).astype(np.uint32))


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's affine32 permutation parameters, from the on-disk cache when there
    (importing datasketch pulls in scipy, about a second; see :mod:`dedup.cache`)."""

    def compute() -> dict[str, list[int]]:
        from datasketch import MinHash

        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        return {"a": [int(x) for x in a], "b": [int(x) for x in b]}

    key = f"datasketch-{library_version('datasketch')}-affine32-{num_perm}-{seed}"
    value = cached(key, compute,
                   valid=lambda v: len(v["a"]) == num_perm and len(v["b"]) == num_perm)
    return np.asarray(value["a"], dtype=np.uint32), np.asarray(value["b"], dtype=np.uint32)


class MinHasher:
    """Computes datasketch-compatible (``affine32``) MinHash signatures in bulk."""

    def __init__(self, *, num_perm: int, seed: int) -> None:
        if num_perm < 1:
            raise ValueError(f"num_perm must be at least 1 (got {num_perm})")
        self.num_perm = num_perm
        self.seed = seed
        self._a, self._b = _permutations(num_perm, seed)

    def signatures(self, hashes: U32, offsets: npt.NDArray[np.int64]) -> U32:
        """One signature per set: set i is ``hashes[offsets[i]:offsets[i+1]]``.

        Every set must be non-empty. Returns an array of shape ``(len(offsets)-1, num_perm)``.
        """
        n_sets = len(offsets) - 1
        out = np.full((n_sets, self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        if n_sets == 0:
            return out
        sizes = np.diff(offsets)
        if (sizes <= 0).any():
            raise ValueError("every set needs at least one shingle")
        mixed = _fmix32(hashes.astype(np.uint32, copy=False))
        set_of = np.repeat(np.arange(n_sets), sizes)
        a = self._a[:, None]
        b = self._b[:, None]
        total = len(mixed)
        for pos in range(0, total, _BLOCK):
            end = min(total, pos + _BLOCK)
            # (num_perm, block) layout: the min-reduction runs along contiguous memory.
            block = a * mixed[None, pos:end] + b
            sets = set_of[pos:end]
            starts = np.flatnonzero(np.r_[True, sets[1:] != sets[:-1]])
            mins = np.minimum.reduceat(block, starts, axis=1).T
            ids = sets[starts]
            # A set cut by a block boundary gets the minimum of both parts.
            out[ids] = np.minimum(out[ids], mins)
        return out
