"""Reports checked against an index: ``dedup new REPORT --db`` and ``dedup scan --db``.

For each report the index proposes candidates (:meth:`CorpusIndex.candidates`: up to
MAX_SOURCES documents sharing its rarer keys, and MAX_WITNESSES holding most of its stock
keys); their stored texts join the corpus, marked ``indexed``, and the normal pipeline
analyses it, aligning only pairs that involve a report. So labels, passages and stock
phrases come from the same code as a scan, and ``boilerplate_docs`` is counted over the
documents analysed (the reports and the candidates). An indexed document whose path is
one of the reports' is never its candidate: a report is not compared with itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from dedup import ingest
from dedup.config import Config
from dedup.errors import NoInputError
from dedup.index.features import Features, features_of
from dedup.index.store import CorpusIndex
from dedup.model import Document, ScanResult, Skipped
from dedup.pipeline import analyze_documents
from dedup.prepare import detect_lang, prepare

__all__ = ["MAX_SCAN_INDEXED", "MAX_SOURCES", "MAX_WITNESSES", "check_against_index",
           "scan_with_index"]

Progress = Callable[[str, int, int], None]

#: Indexed documents analysed with a report, ranked by shared rare keys. Bounds the cost
#: of a check whatever the size of the index: the analysis of one report with 50 other
#: documents takes ~0.8 s here (2-core VM). On synthetic corpora every lifted source was
#: ranked in the top 5 (see dedup/index/features.py), so 40 leaves room for reports
#: copied from many others.
MAX_SOURCES = 40

#: Indexed documents added for a report's stock phrasing (phrases too common in the index
#: to rank sources): with them a stock phrase is found in enough analysed documents to
#: be labelled boilerplate rather than new.
MAX_WITNESSES = 10

#: At most this many indexed documents join a ``scan --db`` in all (each report's best
#: candidates first), so a scan of many reports stays bounded too.
MAX_SCAN_INDEXED = 1000


def _keys(doc: Document, index: CorpusIndex, config: Config) -> list[Features]:
    """The report's keys for every language the index holds documents of."""
    prep = prepare(doc, 0)
    own = detect_lang([prep]) if config.lang == "auto" else config.lang
    langs = index.langs() or [own]
    return [features_of(prep, lang, index.params) for lang in langs]


def _resolved(path: str) -> str | None:
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError):
        return None


def _excluded(index: CorpusIndex, docs: Sequence[Document]) -> set[int]:
    """Indexed documents stored under the path of one of ``docs``."""
    paths = [p for p in (_resolved(d.path) for d in docs) if p]
    return {found.doc for found in index.by_path(paths).values()}


def _candidates(index: CorpusIndex, doc: Document, config: Config, exclude: set[int]
                ) -> list[int]:
    ranked = index.candidates(_keys(doc, index, config), limit=MAX_SOURCES,
                              witnesses=MAX_WITNESSES, exclude=exclude)
    return [d for d, _ in ranked]


def _unique_ids(docs: list[Document], taken: set[str]) -> list[Document]:
    """``docs`` renamed ``id~2``... where an id is already taken (adds to ``taken``)."""
    out = []
    for d in docs:
        ident, n = d.id, 2
        while ident in taken:
            ident = f"{d.id}~{n}"
            n += 1
        taken.add(ident)
        out.append(d if ident == d.id else replace(d, id=ident))
    return out


def _annotate(result: ScanResult, db: Path, indexed: int, seconds: float) -> ScanResult:
    result.config.update(db=str(db), index_sources=MAX_SOURCES,
                         index_witnesses=MAX_WITNESSES, indexed_documents=indexed)
    result.timings = {"index": round(seconds, 3), **result.timings}
    return result


def check_against_index(report: str, db: str | Path, config: Config, *,
                        against: Sequence[str] = (), progress: Progress | None = None
                        ) -> tuple[ScanResult, int]:
    """What is new in ``report`` compared with the index ``db`` (and ``against``).

    Returns the result and the index of ``report`` in it (0), as
    :func:`~dedup.pipeline.check_new` does.
    """
    db = Path(db)
    doc = ingest.read_document(report, config)
    others: list[Document] = []
    skipped: list[Skipped] = []
    if against:
        others, skipped = ingest.load(against, config, progress=progress)
        mine = _resolved(doc.path)
        others = [d for d in others if _resolved(d.path) != mine]
    started = time.perf_counter()
    with CorpusIndex.open(db) as index:
        if progress is not None:
            progress("index", 0, 1)
        exclude = _excluded(index, [doc, *others])
        chosen = index.documents(_candidates(index, doc, config, exclude))
        if progress is not None:
            progress("index", 1, 1)
    seconds = time.perf_counter() - started
    corpus = _unique_ids([doc, *others, *chosen], set())
    result = analyze_documents(corpus, config, skipped=skipped, progress=progress, focus={0})
    return _annotate(result, db, len(chosen), seconds), 0


def scan_with_index(paths: Sequence[str], db: str | Path, config: Config, *,
                    progress: Progress | None = None) -> ScanResult:
    """Scan the documents under ``paths`` with each other and against the index ``db``.

    Every pair of the documents read is analysed, as in a scan, and every pair of one
    of them with an indexed candidate; indexed documents come last, marked ``indexed``.
    """
    db = Path(db)
    started = time.perf_counter()
    docs, skipped = ingest.load(paths, config, progress=progress)
    if not docs:
        names = ", ".join(paths) or "(no paths)"
        raise NoInputError(f"no readable documents in {names}")
    read = time.perf_counter() - started
    started = time.perf_counter()
    with CorpusIndex.open(db) as index:
        exclude = _excluded(index, docs)
        ranked: list[list[int]] = []
        for i, doc in enumerate(docs):
            ranked.append(_candidates(index, doc, config, exclude))
            if progress is not None:
                progress("index", i + 1, len(docs))
        # Round robin over the reports' rankings: each report's best candidates first.
        chosen: dict[int, None] = {}
        depth = max((len(r) for r in ranked), default=0)
        for rank in range(depth):
            for r in ranked:
                if rank < len(r) and len(chosen) < MAX_SCAN_INDEXED:
                    chosen.setdefault(r[rank])
        indexed = index.documents(list(chosen))
    seconds = time.perf_counter() - started
    corpus = _unique_ids([*docs, *indexed], set())
    result = analyze_documents(corpus, config, skipped=skipped, progress=progress,
                               focus=range(len(docs)))
    result.timings = {"read": round(read, 3), **result.timings}
    return _annotate(result, db, len(indexed), seconds)
