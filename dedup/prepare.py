"""Turn documents into what the matching stages read: tokens and segments.

This is the "segment" stage of the pipeline. It also guesses the corpus's dominant
script for ``--lang auto``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from dedup.model import Document, Segment
from dedup.normalize import Tokens, normalize
from dedup.segment import segment

__all__ = ["Prepared", "detect_lang", "nonspace_prefix", "prepare"]

#: Every code point Python's ``str.isspace`` accepts.
_WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


@dataclass(frozen=True, slots=True)
class Layer:
    """Disjoint segments of one level (sentences, or clauses) with a lookup by token."""

    segments: tuple[Segment, ...]
    tok_starts: npt.NDArray[np.int64]

    @classmethod
    def of(cls, segments: list[Segment]) -> Layer:
        return cls(tuple(segments), np.array([s.tok_start for s in segments], dtype=np.int64))

    def within(self, lo: int, hi: int) -> bool:
        """Whether some segment lies entirely inside tokens ``[lo, hi)``."""
        if hi <= lo:
            return False
        i = int(np.searchsorted(self.tok_starts, lo))
        return i < len(self.segments) and self.segments[i].tok_end <= hi

    def containing(self, tok: int) -> Segment | None:
        """The segment whose token range contains token ``tok``, if any."""
        i = int(np.searchsorted(self.tok_starts, tok, side="right")) - 1
        if i >= 0 and self.segments[i].tok_end > tok:
            return self.segments[i]
        return None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document's tokens and segments, and a prefix count of its non-space characters."""

    tokens: Tokens
    segments: tuple[Segment, ...]
    nonspace: npt.NDArray[np.int64]
    sentences: Layer
    clauses: Layer

    def innermost(self, tok: int) -> Segment | None:
        """The clause containing token ``tok``, else its sentence or heading."""
        return self.clauses.containing(tok) or self.sentences.containing(tok)

    def nonspace_between(self, start: int, end: int) -> int:
        """Number of non-whitespace characters in ``text[start:end]``."""
        return int(self.nonspace[end] - self.nonspace[start])


def nonspace_prefix(text: str) -> npt.NDArray[np.int64]:
    """``out[i]`` = non-whitespace characters in ``text[:i]`` (length ``len(text) + 1``)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    flags = ~np.isin(cps, _WHITESPACE)
    out = np.zeros(len(text) + 1, dtype=np.int64)
    np.cumsum(flags, out=out[1:])
    return out


def prepare(doc: Document, index: int) -> Prepared:
    """Normalise and segment one document (``index`` is its position in the corpus)."""
    tokens = normalize(doc.text)
    segments = segment(doc.text, tokens, index)
    return Prepared(
        tokens,
        tuple(segments),
        nonspace_prefix(doc.text),
        Layer.of([s for s in segments if s.kind != "clause"]),
        Layer.of([s for s in segments if s.kind == "clause"]),
    )


def detect_lang(prepared: list[Prepared]) -> Literal["zh", "en"]:
    """``zh`` when most tokens of the corpus are single characters of unspaced scripts."""
    words = sum(int(np.count_nonzero(p.tokens.is_word)) for p in prepared)
    total = sum(len(p.tokens) for p in prepared)
    return "en" if total and words * 2 > total else "zh"
