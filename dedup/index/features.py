"""What the corpus index keeps of each document to find it again: two kinds of keys.

- **k-gram fingerprints** find exact reuse. Every k-gram of the normalised tokens is
  hashed with :func:`~dedup.sketch.kgram_hashes` (the pipeline's own hashes); *winnowing*
  keeps the smallest hash of every window of ``window`` consecutive k-grams. Two texts
  that share a run of at least ``window + k - 1`` tokens therefore share a fingerprint
  (the window inside the run has the same minimum in both), whatever surrounds it, while
  only about ``2 / (window + 1)`` of the k-grams are stored.
- **sentence band keys** find edited reuse. Every distinct normalised sentence (as the
  pipeline's fuzzy stage sees it) gets a MinHash signature of ``bands * rows`` values
  over its shingles; each band of ``rows`` values hashes to one key. Two sentences share
  a key with probability ``1 - (1 - J**rows)**bands`` for shingle Jaccard ``J``.

Keys are the top 48 bits of 64-bit hashes, as signed integers: SQLite stores them in 6
bytes instead of 8, and at 10^8 stored keys a false match stays below one in 10^6 per
lookup. Every parameter is recorded in the index, so a key computed now matches one
stored by an earlier run with the same parameters.

>>> p = Params()
>>> f = features(Document("a", "a.txt", "增强四个意识、坚定四个自信、做到两个维护。" * 3,
...                       "utf-8", "0" * 64), p)
>>> f.lang, len(f.kgrams) > 0, len(f.bands)
('zh', True, 2)
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from dedup.candidates import MIN_FUZZY_WEIGHT
from dedup.config import KGRAM_CHARS, KGRAM_WORDS
from dedup.model import Document
from dedup.prepare import Prepared, detect_lang, prepare
from dedup.sketch import MinHasher, kgram_hashes

__all__ = ["Features", "Params", "features", "features_of", "probe_digest", "winnow"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

#: Winnowing window (k-grams). Chosen on synthetic corpora with known reuse
#: (bench/synth.py, 2000 documents, 500 lifted passages of 1-3 lightly edited
#: sentences): with the band keys below, every lifted source ranked in the top 5
#: candidates at 12, 16 and 24; 16 guarantees a shared fingerprint for any exact run of
#: 21 characters (Chinese) and stores ~600 fingerprints per 16 kB report (24: ~410, and
#: recall of lifted passages from fingerprints alone fell from 0.97 to 0.92).
WINDOW = 16

#: Sentence band keys: BANDS bands of ROWS MinHash values. Two bands of five keep ~270
#: keys per report and found 99.6% of lifted sources in the top 5 on their own (the
#: 50%-probability point is Jaccard ~0.8; edited sentences below that usually still
#: share a fingerprint). More bands cost rows in proportion and gained < 0.5% there.
BANDS = 2
ROWS = 5

#: Seed of the band MinHash permutations (fixed: keys must be the same in every run).
SEED = 1

#: Text whose keys identify the tokeniser, segmenter and hashes: an index built by code
#: that normalises or hashes differently cannot be queried or updated correctly.
PROBE = ("一、2023年工作回顾\n全年地区生产总值增长5.2%，增强“四个意识”、坚定“四个自信”、"
         "做到“两个维护”。The city opened 3 new schools; public spending rose by 5%.\n")


@dataclass(frozen=True, kw_only=True)
class Params:
    """How keys are computed; stored in the index when it is created."""

    kgram_chars: int = KGRAM_CHARS
    kgram_words: int = KGRAM_WORDS
    window: int = WINDOW
    bands: int = BANDS
    rows: int = ROWS
    seed: int = SEED

    def kgram(self, lang: Literal["zh", "en"]) -> int:
        """k-gram length (tokens) for documents of ``lang``."""
        return self.kgram_chars if lang == "zh" else self.kgram_words

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """Parameters read back from an index; raises ValueError/TypeError when malformed."""
        names = set(cls.__dataclass_fields__)
        if set(data) != names or not all(isinstance(v, int) for v in data.values()):
            raise ValueError(f"expected integer parameters {sorted(names)}")
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Features:
    """A document's keys (sorted, distinct) and the language they were computed for."""

    lang: Literal["zh", "en"]
    kgrams: I64
    bands: I64


def _top48(h: U64) -> I64:
    return (h >> np.uint64(16)).astype(np.int64)


def winnow(hashes: I64, window: int) -> I64:
    """The distinct minima of every ``window`` consecutive values (all if fewer).

    >>> winnow(np.array([5, 3, 8, 1, 9, 2]), 3).tolist()
    [1, 3]
    """
    if len(hashes) == 0:
        return hashes
    if len(hashes) <= window:
        return np.unique(hashes[[int(np.argmin(hashes))]])
    return np.unique(sliding_window_view(hashes, window).min(axis=1))


_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(h: U64) -> U64:
    """SplitMix64's finaliser: spreads every input bit over the whole word."""
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


def _band_keys(prep: Prepared, lang: Literal["zh", "en"], params: Params) -> I64:
    tok = prep.tokens
    layer = prep.sentences
    n = 2 if lang == "zh" else 1
    seen: set[str] = set()
    spans: list[tuple[int, int]] = []
    for lo, hi in zip(layer.tok_start.tolist(), layer.tok_end.tolist(), strict=True):
        # Sentences of weight MIN_FUZZY_WEIGHT have at least 4 tokens, so >= n.
        if tok.weight(lo, hi) < MIN_FUZZY_WEIGHT:
            continue
        text = tok.text[lo:hi]
        if text not in seen:
            seen.add(text)
            spans.append((lo, hi - n + 1))
    if not spans:
        return np.zeros(0, dtype=np.int64)
    # The shingle set of each sentence, as shingle_hashes(sentence, n) computes it, from
    # one pass over the whole text: a shingle's hash depends only on its n tokens.
    shingles = (kgram_hashes(tok.text, n) >> np.uint64(32)).astype(np.uint64)
    starts = np.array([lo for lo, _ in spans], dtype=np.int64)
    sizes = np.array([hi - lo for lo, hi in spans], dtype=np.int64)
    sentence = np.repeat(np.arange(len(spans), dtype=np.uint64), sizes)
    offsets_in = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    keyed = np.unique((sentence << np.uint64(32)) | shingles[np.repeat(starts, sizes)
                                                               + offsets_in])
    owner = (keyed >> np.uint64(32)).astype(np.int64)
    counts = np.bincount(owner, minlength=len(spans))
    hashes = (keyed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    # As in the pipeline's LSH, a sentence with a single shingle takes no part.
    keep = np.repeat(counts >= 2, counts)
    counts = counts[counts >= 2]
    if len(counts) == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    sigs = MinHasher(num_perm=params.bands * params.rows, seed=params.seed).signatures(
        hashes[keep], offsets).astype(np.uint64)
    keys = []
    with np.errstate(over="ignore"):  # wrapping multiplication is the point
        for band in range(params.bands):
            acc = np.full(len(counts), (band + 1) * int(_GOLDEN) % 2**64, dtype=np.uint64)
            for j in range(band * params.rows, (band + 1) * params.rows):
                acc = _mix(acc ^ sigs[:, j])
            keys.append(_top48(acc))
    return np.unique(np.concatenate(keys))


def features_of(prep: Prepared, lang: Literal["zh", "en"], params: Params) -> Features:
    """The keys of an already prepared document, computed for language ``lang``."""
    hashes = _top48(kgram_hashes(prep.tokens.text, params.kgram(lang)))
    return Features(lang, winnow(hashes, params.window), _band_keys(prep, lang, params))


def features(doc: Document, params: Params, lang: Literal["auto", "zh", "en"] = "auto"
             ) -> Features:
    """Prepare ``doc`` and compute its keys; ``auto`` takes the document's dominant script."""
    prep = prepare(doc, 0)
    resolved: Literal["zh", "en"] = detect_lang([prep]) if lang == "auto" else lang
    return features_of(prep, resolved, params)


def probe_digest(params: Params) -> str:
    """A digest of the keys of :data:`PROBE` in both languages: changes whenever the
    tokens, sentences or hashes the keys come from change.

    >>> len(probe_digest(Params()))
    16
    """
    doc = Document("probe", "probe", PROBE, "utf-8", "0" * 64)
    prep = prepare(doc, 0)
    digest = hashlib.sha256()
    for lang in ("zh", "en"):
        f = features_of(prep, lang, params)
        digest.update(f.kgrams.tobytes())
        digest.update(f.bands.tobytes())
    return digest.hexdigest()[:16]
