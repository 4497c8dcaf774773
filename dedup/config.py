"""The one validated settings object, and the tuned constants behind its defaults.

``Config`` is frozen and keyword-only; it checks every value when it is built, so a bad
call fails early with a message that says how to fix it. Values that depend on the corpus
(``boilerplate_docs``, ``lang``, ``kgram``) are resolved once by :meth:`Config.resolve`
into a :class:`Resolved` that the pipeline stages read.

>>> Config(threshold=0.7).threshold
0.7
>>> Config(threshold=2)
Traceback (most recent call last):
...
dedup.errors.ConfigError: threshold must be between 0 and 1 (got 2); try 0.6
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from dedup.errors import ConfigError

Lang = Literal["auto", "zh", "en"]
Engine = Literal["local", "dask"]

# --- Tuned constants -------------------------------------------------------------------
# Each default below was chosen on the data named next to it; the evaluation harnesses in
# bench/ and tests/quality re-measure them.

#: Minimum similarity (0-1) of two segments, after normalisation, to count as one passage.
#: Chosen on the annotated Chinese cases and pan13-mini: below ~0.5 unrelated sentences
#: built from the same stock vocabulary start to match; above ~0.7 sentences with 5-10%
#: of their characters changed stop matching.
DEFAULT_THRESHOLD = 0.55

#: Jaccard threshold the segment LSH is tuned for. Lower than DEFAULT_THRESHOLD because
#: the Jaccard of shingle sets falls faster under edits than the alignment score; at 0.3
#: the LSH proposes ~95% of sentence pairs whose alignment score is >= 0.8 (see bench/).
LSH_THRESHOLD = 0.3

#: MinHash permutations per segment. 128 keeps the standard error of a Jaccard estimate
#: near 0.04 at J=0.3 (1/sqrt(128*J*(1-J)) relative), enough for candidate generation.
NUM_PERM = 128

#: Seed of the MinHash permutations (datasketch's convention); fixed so runs repeat.
SEED = 1

#: Length in tokens of the exact k-grams used as alignment seeds and for stock phrases.
#: A token is one CJK character or one word. 6 characters is the shortest Chinese stock
#: phrase worth reporting (增强四个意识); 3 words is the English equivalent.
KGRAM_CHARS = 6
KGRAM_WORDS = 3

#: Minimum weight of a passage shared by two documents (a CJK character weighs 1, a word
#: 2): shorter common strings are ordinary language, not reuse. Chinese: 16, a clause of
#: 16 characters (the annotated Chinese cases lose recall of reuse above ~20 and
#: precision below ~12). Spaced scripts: 40, about 20 words or one sentence; shorter
#: shared word sequences between English documents are mostly set phrases and citations
#: (measured on pan13-mini, whose true cases are all longer than 170 characters).
MIN_PASSAGE_WEIGHT = 16
MIN_PASSAGE_WEIGHT_WORDS = 40

#: Whole sentences lighter than the minimum passage still count as reuse when at least
#: this weight aligns with similarity >= 0.8: a short heading or sentence moved alone.
MIN_SENTENCE_WEIGHT = 5
MIN_SENTENCE_WEIGHT_WORDS = 8

#: Text found in more than this many documents is common phrasing, not a passage lifted
#: from one specific report: it is labelled from the corpus-wide count of documents that
#: contain it (shared, or boilerplate from ``boilerplate_docs`` on) and never expanded
#: into document pairs. This keeps the pair list and the work near-linear when stock
#: sentences occur in hundreds or thousands of documents (a sentence in n documents
#: would otherwise make n(n-1)/2 pairs). 10 is above the size of the template families
#: seen in practice (a unit's reports over a few years, a handful of units copying one
#: model); corpora of at most 10 documents are never affected.
MAX_PAIR_DOCS = 10

#: At most this many source documents are listed per span in the JSON; the full count is
#: kept in ``source_count``. Bounds output size for boilerplate shared by huge corpora
#: (with 50, the spans' source lists were two thirds of the JSON of 1,000 reports; 10
#: also halves the time spent labelling them).
MAX_SPAN_SOURCES = 10

#: Limits on inputs (issue: robustness). Larger files are refused with a clear message.
MAX_FILE_SIZE = 200 * 1024 * 1024
MAX_DECOMPRESSED_SIZE = 500 * 1024 * 1024
PDF_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True, kw_only=True)
class Config:
    """Every parameter of a scan. Build it once; it cannot change afterwards."""

    threshold: float = DEFAULT_THRESHOLD
    boilerplate_docs: int | None = None
    lang: Lang = "auto"
    jobs: int = 0
    engine: Engine = "local"
    scheduler: str | None = None
    num_perm: int = NUM_PERM
    seed: int = SEED
    lsh_threshold: float = LSH_THRESHOLD
    kgram: int | None = None
    kgram_window: int | None = None
    min_passage: int | None = None
    min_sentence: int | None = None
    max_pair_docs: int = MAX_PAIR_DOCS
    max_span_sources: int = MAX_SPAN_SOURCES
    max_file_size: int = MAX_FILE_SIZE
    max_decompressed_size: int = MAX_DECOMPRESSED_SIZE
    pdf_timeout: float = PDF_TIMEOUT_SECONDS
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check(0.0 < self.threshold <= 1.0, "threshold", self.threshold, "between 0 and 1", 0.6)
        _check(
            0.0 < self.lsh_threshold < 1.0, "lsh_threshold", self.lsh_threshold,
            "between 0 and 1", LSH_THRESHOLD,
        )
        if self.boilerplate_docs is not None:
            _check(self.boilerplate_docs >= 2, "boilerplate_docs", self.boilerplate_docs,
                   "at least 2 (a text in one document is not shared)", 3)
        _check(self.lang in ("auto", "zh", "en"), "lang", self.lang, "auto, zh or en", "auto")
        _check(self.engine in ("local", "dask"), "engine", self.engine, "local or dask", "local")
        _check(self.jobs >= 0, "jobs", self.jobs, "0 (all cores) or more", 0)
        _check(8 <= self.num_perm <= 1024, "num_perm", self.num_perm, "between 8 and 1024", 128)
        if self.kgram_window is not None:
            _check(1 <= self.kgram_window <= 16, "kgram_window", self.kgram_window,
                   "between 1 (every k-gram) and 16", 4)
        if self.kgram is not None:
            _check(2 <= self.kgram <= 32, "kgram", self.kgram, "between 2 and 32", KGRAM_CHARS)
        if self.min_passage is not None:
            _check(self.min_passage >= 1, "min_passage", self.min_passage, "at least 1", 16)
        if self.min_sentence is not None:
            _check(self.min_sentence >= 1, "min_sentence", self.min_sentence, "at least 1", 5)
        _check(self.max_pair_docs >= 2, "max_pair_docs", self.max_pair_docs, "at least 2", 100)
        _check(self.max_span_sources >= 1, "max_span_sources", self.max_span_sources,
               "at least 1", MAX_SPAN_SOURCES)
        _check(self.max_file_size > 0, "max_file_size", self.max_file_size, "positive",
               MAX_FILE_SIZE)
        _check(self.max_decompressed_size > 0, "max_decompressed_size",
               self.max_decompressed_size, "positive", MAX_DECOMPRESSED_SIZE)
        _check(self.pdf_timeout > 0, "pdf_timeout", self.pdf_timeout, "positive",
               PDF_TIMEOUT_SECONDS)
        clash = sorted(set(self.extra) & {f for f in self.__dataclass_fields__ if f != "extra"})
        if clash:
            raise ConfigError(f"extra may not set parameters ({', '.join(clash)}); pass them as "
                              "keyword arguments of Config instead")
        if self.scheduler is not None and self.engine != "dask":
            raise ConfigError("scheduler is only used with engine='dask'; add --engine dask")

    @property
    def effective_jobs(self) -> int:
        """Worker processes to use: ``jobs``, or every core when it is 0."""
        return self.jobs or (os.cpu_count() or 1)

    def resolve(self, *, n_documents: int, lang: Literal["zh", "en"]) -> Resolved:
        """Fix the corpus-dependent values for a corpus of ``n_documents``.

        ``lang`` is the detected dominant script, used when ``self.lang`` is ``auto``.

        >>> Config().resolve(n_documents=100, lang="zh").boilerplate_docs
        5
        >>> Config().resolve(n_documents=10, lang="zh").boilerplate_docs
        3
        """
        effective_lang: Literal["zh", "en"] = lang if self.lang == "auto" else self.lang
        k = self.boilerplate_docs
        if k is None:
            k = max(3, math.ceil(0.05 * n_documents))
        zh = effective_lang == "zh"
        kgram = self.kgram or (KGRAM_CHARS if zh else KGRAM_WORDS)
        min_passage = self.min_passage or (MIN_PASSAGE_WEIGHT if zh else MIN_PASSAGE_WEIGHT_WORDS)
        min_sentence = self.min_sentence or (
            MIN_SENTENCE_WEIGHT if zh else MIN_SENTENCE_WEIGHT_WORDS)
        return Resolved(config=self, boilerplate_docs=k, lang=effective_lang, kgram=kgram,
                        min_passage=min_passage, min_sentence=min_sentence)

    def as_dict(self) -> dict[str, Any]:
        """Every parameter as plain JSON-able data."""
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class Resolved:
    """A :class:`Config` with the values that depend on the corpus fixed."""

    config: Config
    boilerplate_docs: int
    lang: Literal["zh", "en"]
    kgram: int
    min_passage: int
    min_sentence: int

    def as_dict(self) -> dict[str, Any]:
        """Every effective parameter, for the JSON ``config`` field."""
        # Extra entries describe the run (e.g. where an index lives); they never override
        # a parameter, so the JSON always reports what the scan used.
        out = dict(self.config.extra)
        out.update(self.config.as_dict())
        out.pop("extra", None)
        out.update(boilerplate_docs=self.boilerplate_docs, lang=self.lang, kgram=self.kgram,
                   min_passage=self.min_passage, min_sentence=self.min_sentence)
        return out


def _check(ok: bool, name: str, value: object, expected: str, example: object) -> None:
    if not ok:
        raise ConfigError(f"{name} must be {expected} (got {value!r}); try {example!r}")
