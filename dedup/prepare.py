"""Turn documents into what the matching stages read: tokens and segments.

This is the "segment" stage of the pipeline. It also guesses the corpus's dominant
script for ``--lang auto``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from dedup.model import Document, Segment, SegmentKind
from dedup.normalize import Tokens, normalize
from dedup.segment import CLAUSE, segment_arrays

__all__ = ["Layer", "Prepared", "detect_lang", "nonspace_prefix", "prepare"]

#: Every code point Python's ``str.isspace`` accepts.
_WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


@dataclass(frozen=True, slots=True)
class Layer:
    """Disjoint segments of one level (sentences and headings, or clauses), as arrays.

    Segment ``i`` is ``text[start[i]:end[i]]`` and owns tokens ``[tok_start[i], tok_end[i])``;
    all arrays are sorted.
    """

    doc: int
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    kind: npt.NDArray[np.int32]
    tok_start: npt.NDArray[np.int32]
    tok_end: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.start)

    def __getitem__(self, i: int) -> Segment:
        names: tuple[SegmentKind, ...] = ("heading", "sentence", "clause")
        return Segment(self.doc, int(self.start[i]), int(self.end[i]), names[int(self.kind[i])],
                       int(self.tok_start[i]), int(self.tok_end[i]))

    def within(self, lo: int, hi: int) -> bool:
        """Whether some segment lies entirely inside tokens ``[lo, hi)``."""
        if hi <= lo:
            return False
        i = int(np.searchsorted(self.tok_start, lo))
        return i < len(self.start) and int(self.tok_end[i]) <= hi

    def index(self, tok: int) -> int:
        """Index of the segment whose token range contains token ``tok``, else -1."""
        i = bisect.bisect_right(self.tok_start, tok) - 1
        return i if i >= 0 and self.tok_end[i] > tok else -1

    def containing(self, tok: int) -> Segment | None:
        """The segment whose token range contains token ``tok``, if any."""
        i = self.index(tok)
        return self[i] if i >= 0 else None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document's tokens and segments, and a prefix count of its non-space characters.

    Arrays rather than objects, so a prepared document is compact and cheap to send
    between processes.
    """

    tokens: Tokens
    nonspace: npt.NDArray[np.int32]
    sentences: Layer
    clauses: Layer

    def nonspace_between(self, start: int, end: int) -> int:
        """Number of non-whitespace characters in ``text[start:end]``."""
        return int(self.nonspace[end] - self.nonspace[start])

    def innermost(self, tok: int) -> Segment | None:
        """The clause containing token ``tok``, else its sentence or heading."""
        return self.clauses.containing(tok) or self.sentences.containing(tok)

    @property
    def segments(self) -> list[Segment]:
        """All segments as objects, sentences before their clauses (for inspection)."""
        out = [self.sentences[i] for i in range(len(self.sentences))]
        out.extend(self.clauses[i] for i in range(len(self.clauses)))
        out.sort(key=lambda s: (s.start, s.kind == "clause"))
        return out


def nonspace_prefix(text: str) -> npt.NDArray[np.int32]:
    """``out[i]`` = non-whitespace characters in ``text[:i]`` (length ``len(text) + 1``)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    flags = ~np.isin(cps, _WHITESPACE)
    out = np.zeros(len(text) + 1, dtype=np.int32)
    np.cumsum(flags, out=out[1:])
    return out


def prepare(doc: Document, index: int) -> Prepared:
    """Normalise and segment one document (``index`` is its position in the corpus)."""
    tokens = normalize(doc.text)
    start, end, kind, tok_start, tok_end = segment_arrays(doc.text, tokens)
    sent = kind != CLAUSE
    clause = ~sent
    return Prepared(
        tokens,
        nonspace_prefix(doc.text),
        Layer(index, start[sent], end[sent], kind[sent], tok_start[sent], tok_end[sent]),
        Layer(index, start[clause], end[clause], kind[clause], tok_start[clause], tok_end[clause]),
    )


def detect_lang(prepared: list[Prepared]) -> Literal["zh", "en"]:
    """``zh`` when most tokens of the corpus are single characters of unspaced scripts."""
    words = sum(int(np.count_nonzero(p.tokens.is_word)) for p in prepared)
    total = sum(len(p.tokens) for p in prepared)
    return "en" if total and words * 2 > total else "zh"
