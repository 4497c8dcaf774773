"""``run(paths, config) -> ScanResult``: the pipeline, stage by stage.

ingest -> prepare (normalise, segment) -> candidates (k-gram self-join, segment LSH)
-> align (verify, chain into passages) -> analyze (labels, pairs, phrases).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dedup import ingest
from dedup.align import align_pairs, fuzzy_seeds
from dedup.analyze import (
    common_text,
    find_phrases,
    label_documents,
    pair_figures,
    stock_tokens,
)
from dedup.candidates import Forms, RunTable, build_forms, kgram_index, lsh_candidates
from dedup.config import Config
from dedup.engine import Engine, open_engine
from dedup.errors import NoInputError
from dedup.model import Document, ScanResult, Skipped
from dedup.prepare import Prepared, detect_lang, prepare

__all__ = ["Progress", "analyze_documents", "check_new", "compare", "run"]

#: ``progress(stage, done, total)``; called as work advances (total 0 when unknown).
Progress = Callable[[str, int, int], None]


def run(paths: Sequence[str], config: Config, *, progress: Progress | None = None) -> ScanResult:
    """Read every document under ``paths`` and analyse the corpus.

    Unreadable inputs are listed in ``ScanResult.skipped``; raises :class:`NoInputError`
    when nothing could be read.
    """
    started = time.perf_counter()
    docs, skipped = ingest.load(paths, config, progress=progress)
    if not docs:
        names = ", ".join(paths) or "(no paths)"
        raise NoInputError(f"no readable documents in {names}")
    read = round(time.perf_counter() - started, 3)
    result = analyze_documents(docs, config, skipped=skipped, progress=progress)
    result.timings = {"read": read, **result.timings}
    return result


def _peak_mb() -> float | None:
    """Peak resident memory of this process so far, in MiB (None where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _prepare_chunk(context: None, chunk: Sequence[tuple[int, Document]]) -> list[Prepared]:
    return [prepare(doc, i) for i, doc in chunk]


def analyze_documents(
    docs: list[Document],
    config: Config,
    *,
    skipped: list[Skipped] | None = None,
    progress: Progress | None = None,
    focus: Collection[int] | None = None,
) -> ScanResult:
    """Analyse documents already in memory (the stages after ingest).

    ``focus``: indices of the documents that matter (the reports checked against an
    index). Only pairs with at least one of them are aligned, so the cost grows with the
    focus, not with the square of the corpus; their spans are exactly what a full
    analysis gives, while the other documents' spans show only what they share with
    the focus documents and stock phrasing.
    """
    with open_engine(config) as engine:
        return _analyze(docs, config, engine, skipped=skipped, progress=progress, focus=focus)


def _analyze(
    docs: list[Document],
    config: Config,
    engine: Engine,
    *,
    skipped: list[Skipped] | None,
    progress: Progress | None,
    focus: Collection[int] | None = None,
) -> ScanResult:
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    stages = ("segment", "candidates", "align", "analyze")

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        peak = _peak_mb()
        if peak is not None:  # a high-water mark: which stage first needed the memory
            timings[f"{stage}_peak_mb"] = peak
        clock = now
        if progress is not None:
            progress("analyse", stages.index(stage) + 1, len(stages))

    prepared: list[Prepared] = engine.map(_prepare_chunk, None, list(enumerate(docs)))
    resolved = config.resolve(n_documents=len(docs), lang=detect_lang(prepared))
    lap("segment")
    kg = kgram_index(prepared, resolved)
    forms = build_forms(prepared, resolved, kg)
    candidates = lsh_candidates(forms, resolved)
    forms.lsh_shingles = None  # only LSH needs them; not shipped to workers
    runs = kg.table
    focused = None if focus is None else set(focus)
    if focused is not None:
        candidates, runs = _focused(focused, forms, candidates, runs)
    fuzzy = fuzzy_seeds(prepared, forms, candidates, resolved, engine)
    if focused is not None:
        fuzzy = {pair: seeds for pair, seeds in fuzzy.items() if not focused.isdisjoint(pair)}
    lap("candidates")
    stock = stock_tokens(prepared, kg, resolved)
    texts = [d.text for d in docs]
    passages = align_pairs(prepared, texts, runs, fuzzy, stock, forms, resolved,
                           engine=engine)
    lap("align")
    phrases = find_phrases(prepared, texts, kg, resolved)
    common = common_text(prepared, texts, kg, resolved)
    reports = label_documents(docs, prepared, passages, phrases, common, resolved, engine)
    pairs = pair_figures(passages, prepared)
    lap("analyze")
    out = resolved.as_dict()
    out["engine"] = engine.name
    return ScanResult(
        config=out,
        documents=reports,
        pairs=pairs,
        phrases=phrases,
        skipped=list(skipped or []),
        timings=timings,
    )


def _focused(
    focus: set[int], forms: Forms, candidates: npt.NDArray[np.int64], runs: RunTable,
) -> tuple[npt.NDArray[np.int64], RunTable]:
    """Form pairs and exact runs that concern at least one focus document."""
    in_focus = np.array([any(d in focus for d, _ in occ) for occ in forms.occurrences],
                        dtype=bool)
    if len(candidates):
        candidates = candidates[in_focus[candidates[:, 0]] | in_focus[candidates[:, 1]]]
    wanted = np.array(sorted(focus), dtype=np.int64)
    return candidates, runs.select(np.isin(runs.a, wanted) | np.isin(runs.b, wanted))


def compare(path_a: str, path_b: str, config: Config, *,
            progress: Progress | None = None) -> ScanResult:
    """Scan exactly two documents (for ``dedup diff``); either unreadable is an error."""
    docs_a = ingest.read_document(path_a, config)
    docs_b = ingest.read_document(path_b, config)
    if docs_b.id == docs_a.id:
        docs_b = replace(docs_b, id=f"{docs_b.id}~2")
    return analyze_documents([docs_a, docs_b], config, progress=progress)


def check_new(report: str, against: Sequence[str], config: Config, *,
              progress: Progress | None = None) -> tuple[ScanResult, int]:
    """Scan ``report`` with the documents under ``against`` (for ``dedup new``).

    Returns the result and the index of ``report`` in it. The report is read even if it
    also lies under one of the ``against`` paths, and is not compared with itself.
    """
    doc = ingest.read_document(report, config)
    others, skipped = ingest.load(against, config, progress=progress)
    others = [d for d in others if not _same_file(d.path, report)]
    taken = {doc.id}
    renamed = []
    for d in others:
        ident = d.id
        n = 2
        while ident in taken:
            ident = f"{d.id}~{n}"
            n += 1
        taken.add(ident)
        renamed.append(d if ident == d.id else replace(d, id=ident))
    result = analyze_documents([doc, *renamed], config, skipped=skipped, progress=progress)
    return result, 0


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False
