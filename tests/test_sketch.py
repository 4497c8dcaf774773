"""dedup.sketch: vectorised MinHash against datasketch itself, and k-gram hashes.

The reference for signatures is ``datasketch.MinHash`` updated one shingle at a time;
the reference for k-gram hashes is plain string equality of the k-grams.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import sketch
from dedup.sketch import MinHasher, code_points, kgram_hashes, shingle_hashes


def reference_signature(values: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda h: h)
    m.update_batch(values.tolist())
    return np.asarray(m.hashvalues, dtype=np.uint32)


def random_sets(sizes: list[int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sets = [rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32) for n in sizes]
    offsets = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    return np.concatenate(sets), offsets


@pytest.mark.parametrize(("num_perm", "seed"), [(8, 1), (16, 1), (128, 1), (128, 42)])
@pytest.mark.parametrize("sizes", [[1], [2, 3], [1, 1, 1], [50, 1, 300, 7]])
def test_signatures_equal_datasketch(num_perm: int, seed: int, sizes: list[int]) -> None:
    hashes, offsets = random_sets(sizes, seed=len(sizes) * 1000 + num_perm)
    sigs = MinHasher(num_perm=num_perm, seed=seed).signatures(hashes, offsets)
    assert sigs.shape == (len(sizes), num_perm) and sigs.dtype == np.uint32
    for i in range(len(sizes)):
        expected = reference_signature(hashes[offsets[i] : offsets[i + 1]], num_perm, seed)
        assert (sigs[i] == expected).all(), f"set {i} of sizes {sizes}"


@pytest.mark.parametrize("sizes", [[7, 1, 20, 3, 9], [6, 6, 6], [13], [1] * 15])
def test_sets_cut_by_block_boundaries(monkeypatch: pytest.MonkeyPatch, sizes: list[int]) -> None:
    """With tiny blocks every set straddles a boundary; minima must combine across them."""
    monkeypatch.setattr(sketch, "_BLOCK", 4)
    hashes, offsets = random_sets(sizes, seed=sum(sizes))
    sigs = MinHasher(num_perm=16, seed=1).signatures(hashes, offsets)
    for i in range(len(sizes)):
        assert (sigs[i] == reference_signature(hashes[offsets[i] : offsets[i + 1]], 16, 1)).all()


def test_real_block_boundary() -> None:
    """A set larger than one block, and a set cut exactly at the block boundary."""
    block = sketch._BLOCK
    sizes = [block - 5, 10, block + 3, 2]
    hashes, offsets = random_sets(sizes, seed=3)
    sigs = MinHasher(num_perm=8, seed=1).signatures(hashes, offsets)
    for i in range(len(sizes)):
        assert (sigs[i] == reference_signature(hashes[offsets[i] : offsets[i + 1]], 8, 1)).all()


def test_a_signature_does_not_depend_on_the_other_sets() -> None:
    hashes, offsets = random_sets([5, 9, 5], seed=11)
    hasher = MinHasher(num_perm=32, seed=1)
    together = hasher.signatures(hashes, offsets)
    alone = hasher.signatures(hashes[5:14], np.array([0, 9], dtype=np.int64))
    assert (together[1] == alone[0]).all()
    # Order and duplicates inside a set do not matter.
    shuffled = np.r_[hashes[5:14][::-1], hashes[5:7]]
    again = hasher.signatures(shuffled, np.array([0, len(shuffled)], dtype=np.int64))
    assert (again[0] == alone[0]).all()


def test_minhasher_validates_its_input() -> None:
    with pytest.raises(ValueError, match="num_perm"):
        MinHasher(num_perm=0, seed=1)
    hasher = MinHasher(num_perm=8, seed=1)
    assert hasher.signatures(np.zeros(0, np.uint32), np.array([0], np.int64)).shape == (0, 8)
    with pytest.raises(ValueError, match="at least one shingle"):
        hasher.signatures(np.array([1, 2], np.uint32), np.array([0, 0, 2], np.int64))


def test_shingle_hashes_match_the_docstring_example_of_datasketch() -> None:
    shingles = shingle_hashes("增强四个意识坚定四个自信", 2)
    sig = MinHasher(num_perm=16, seed=1).signatures(shingles, np.array([0, len(shingles)]))[0]
    assert (sig == reference_signature(shingles, 16, 1)).all()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    common=st.integers(0, 300), only_a=st.integers(0, 300), only_b=st.integers(0, 300),
    seed=st.integers(0, 2**32 - 1),
)
def test_estimate_is_close_to_exact_jaccard(common: int, only_a: int, only_b: int,
                                            seed: int) -> None:
    if common + only_a == 0 or common + only_b == 0:
        common += 1
    rng = np.random.default_rng(seed)
    pool = rng.choice(2**32, size=common + only_a + only_b, replace=False).astype(np.uint32)
    a = pool[: common + only_a]
    b = np.r_[pool[:common], pool[common + only_a :]]
    num_perm = 256
    sigs = MinHasher(num_perm=num_perm, seed=1).signatures(
        np.r_[a, b], np.array([0, len(a), len(a) + len(b)], dtype=np.int64))
    estimate = float(np.mean(sigs[0] == sigs[1]))
    exact = common / (common + only_a + only_b)
    sigma = math.sqrt(exact * (1 - exact) / num_perm)
    assert abs(estimate - exact) <= 5 * sigma + 2 / num_perm, (estimate, exact)


# --- k-gram and shingle hashes ------------------------------------------------------------


def test_kgram_hashes_example() -> None:
    h = kgram_hashes("abcab", 2)
    assert h.dtype == np.uint64 and len(h) == 4
    assert h[0] == h[3] and h[0] != h[1]
    assert len(kgram_hashes("abc", 4)) == 0
    assert len(kgram_hashes("", 1)) == 0


def test_kgram_hashes_are_stable() -> None:
    """The same k-gram hashes the same in every process and release (corpus indexes store
    them): pinned values."""
    h = kgram_hashes("四个意识", 4)
    assert h.tolist() == [1745240670339487241]
    assert h[0] == kgram_hashes("增强四个意识", 4)[2]
    assert shingle_hashes("四个意识", 2).tolist() == [1168204526, 2054519851, 3840124498]
    assert code_points("a四").tolist() == [0x61, 0x56DB]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(alphabet="ab四个", max_size=25), st.text(alphabet="ab四个", max_size=25),
       st.integers(1, 5))
def test_kgram_hash_equality_iff_kgram_equality(x: str, y: str, k: int) -> None:
    text = x + y
    h = kgram_hashes(text, k)
    grams = [text[i : i + k] for i in range(len(text) - k + 1)]
    assert len(h) == len(grams)
    for i, gi in enumerate(grams):
        for j, gj in enumerate(grams):
            assert (h[i] == h[j]) == (gi == gj)
    # Equal k-grams hash equally in another document, too.
    hx = kgram_hashes(x, k)
    for i in range(len(hx)):
        assert hx[i] == h[i]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.text(alphabet="ab四个意识", max_size=30), st.integers(1, 4))
def test_shingle_hashes_are_the_distinct_ngrams(text: str, n: int) -> None:
    sh = shingle_hashes(text, n)
    assert sh.dtype == np.uint32
    assert (np.diff(sh.astype(np.int64)) > 0).all(), "sorted and distinct"
    if not text:
        assert len(sh) == 0
    elif len(text) < n:
        assert len(sh) == 1 and sh[0] == shingle_hashes(text, len(text))[0]
    else:
        assert len(sh) == len({text[i : i + n] for i in range(len(text) - n + 1)})
