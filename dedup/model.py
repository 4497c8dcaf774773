"""Plain data exchanged between the pipeline stages.

All offsets are code-point indices into ``Document.text``; every range is half-open
``[start, end)``. Documents are referred to by their index in the scan's document list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Label = Literal["unique", "shared", "boilerplate"]
SegmentKind = Literal["heading", "sentence", "clause"]
EditOp = Literal["replace", "insert", "delete"]


@dataclass(frozen=True, slots=True)
class Document:
    """One input as dedup read it. ``text`` is what every offset indexes into."""

    id: str
    path: str
    text: str
    encoding: str
    sha256: str
    format: str = "text"
    #: Things the reader had to do that the user should know (e.g. invalid bytes replaced).
    notes: tuple[str, ...] = ()
    #: Read from a corpus index (``--db``) rather than from a path given to this run.
    indexed: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that could not be read, and why.

    ``ignored`` marks a file found in a folder that is not a document type dedup reads
    (a .tsv manifest, an image): reported, but not an error.
    """

    path: str
    reason: str
    ignored: bool = False


@dataclass(frozen=True, slots=True)
class Segment:
    """A heading, sentence or clause: ``text[start:end]`` with its token range."""

    doc: int
    start: int
    end: int
    kind: SegmentKind
    tok_start: int
    tok_end: int


@dataclass(frozen=True, slots=True)
class Edit:
    """A difference inside a matched passage (text offsets on both sides)."""

    op: EditOp
    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass(frozen=True, slots=True)
class Match:
    """A passage of document ``a`` that was found in document ``b``."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    score: float
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True, slots=True)
class Pair:
    """Two documents that share at least one passage (``a < b`` by index)."""

    a: int
    b: int
    similarity: float
    a_in_b: float
    b_in_a: float
    matches: tuple[Match, ...]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of a document's text with one label and one set of source documents."""

    start: int
    end: int
    label: Label
    sources: tuple[int, ...] = ()
    source_count: int = 0


@dataclass(frozen=True, slots=True)
class DocumentReport:
    """A document with its labelled spans and the shares of each label."""

    document: Document
    spans: tuple[Span, ...]
    chars: int
    novelty: float
    shared: float
    boilerplate: float


@dataclass(frozen=True, slots=True)
class PhraseOccurrence:
    doc: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Phrase:
    """Stock phrasing: a normalised text found in at least ``boilerplate_docs`` documents."""

    text: str
    norm: str
    documents: tuple[int, ...]
    count: int
    occurrences: tuple[PhraseOccurrence, ...]


@dataclass(slots=True)
class ScanResult:
    """Everything a scan found; renderers and the JSON writer read only this."""

    config: dict[str, Any]
    documents: list[DocumentReport]
    pairs: list[Pair]
    phrases: list[Phrase]
    skipped: list[Skipped] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def doc_id(self, index: int) -> str:
        return self.documents[index].document.id
