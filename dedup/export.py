"""The ``dedup.scan/1`` JSON document, its schema, and atomic writing of output files.

The contract (see DESIGN.md) changes only by adding fields or by bumping the version.
Fields beyond the contract: ``documents[].format``, ``documents[].notes``,
``documents[].spans[].source_count`` (sources are listed up to ``max_span_sources``),
``pairs[].matches[].edits``, ``pairs[].identical``, ``documents[].indexed`` (present and
true for documents drawn from a corpus index by ``--db``), ``phrases[].occurrences``,
``phrases[].length``, ``skipped``, ``timings``, ``summary``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from dedup import __version__
from dedup.model import ScanResult

__all__ = ["SCHEMA_ID", "atomic_write_text", "discard_temporaries", "load_schema", "temporary",
           "to_json", "write_json"]

SCHEMA_ID = "dedup.scan/1"


def to_json(result: ScanResult) -> dict[str, Any]:
    """The whole result as ``dedup.scan/1`` data (plain dicts, lists, str, numbers)."""
    ids = [r.document.id for r in result.documents]
    documents = []
    for rep in result.documents:
        doc = rep.document
        documents.append({
            "id": doc.id,
            "path": doc.path,
            "sha256": doc.sha256,
            "encoding": doc.encoding,
            "format": doc.format,
            "chars": rep.chars,
            "novelty": rep.novelty,
            "shared": rep.shared,
            "boilerplate": rep.boilerplate,
            "notes": list(doc.notes),
            **({"indexed": True} if doc.indexed else {}),
            "spans": [
                {"start": s.start, "end": s.end, "label": s.label,
                 **({"sources": [ids[i] for i in s.sources], "source_count": s.source_count}
                    if s.source_count else {})}
                for s in rep.spans
            ],
        })
    sha = [r.document.sha256 for r in result.documents]
    pairs = [
        {
            "a": ids[p.a],
            "b": ids[p.b],
            "similarity": p.similarity,
            "a_in_b": p.a_in_b,
            "b_in_a": p.b_in_a,
            "identical": sha[p.a] == sha[p.b],
            "matches": [
                {"a_start": m.a_start, "a_end": m.a_end, "b_start": m.b_start, "b_end": m.b_end,
                 "score": m.score,
                 "edits": [{"op": e.op, "a_start": e.a_start, "a_end": e.a_end,
                            "b_start": e.b_start, "b_end": e.b_end} for e in m.edits]}
                for m in p.matches
            ],
        }
        for p in sorted(result.pairs, key=lambda p: (-p.similarity, p.a, p.b))
    ]
    phrases = [
        {"text": ph.text, "documents": [ids[d] for d in ph.documents], "count": ph.count,
         "length": len(ph.norm),
         "occurrences": [{"doc": ids[o.doc], "start": o.start, "end": o.end}
                         for o in ph.occurrences]}
        for ph in result.phrases
    ]
    total_chars = sum(r.chars for r in result.documents)
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "dedup", "version": __version__},
        "config": result.config,
        "summary": {
            "documents": len(documents),
            "characters": total_chars,
            "pairs": len(pairs),
            "phrases": len(phrases),
            "skipped": sum(1 for s in result.skipped if not s.ignored),
            "ignored": sum(1 for s in result.skipped if s.ignored),
        },
        "documents": documents,
        "pairs": pairs,
        "phrases": phrases,
        "skipped": [{"path": s.path, "reason": s.reason, "ignored": s.ignored}
                    for s in result.skipped],
        "timings": result.timings,
    }


#: Results with more documents than this are written without indentation: the JSON of
#: a thousand reports is tens of megabytes, and tools read it either way.
INDENT_MAX_DOCUMENTS = 200


def dumps(data: dict[str, Any]) -> str:
    """JSON text with Chinese kept readable; indented unless the result is large.

    orjson writes it: the standard library's indenting encoder is pure Python and took
    most of the run time on a thousand reports.
    """
    docs = data.get("documents")
    indent = not isinstance(docs, list) or len(docs) <= INDENT_MAX_DOCUMENTS
    options = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE if indent else \
        orjson.OPT_APPEND_NEWLINE
    return orjson.dumps(data, option=options).decode("utf-8")


#: Temporary files and folders being written right now (see :func:`temporary`).
_TEMPORARY: set[Path] = set()


@contextmanager
def temporary(path: Path) -> Iterator[Path]:
    """Note ``path`` as a temporary being written while the block runs.

    A process that must exit at once (the command line on Ctrl-C, from its signal
    handler) calls :func:`discard_temporaries` first, so that no half-written output is
    left behind even though no ``finally`` block runs.
    """
    _TEMPORARY.add(path)
    try:
        yield path
    finally:
        _TEMPORARY.discard(path)


def discard_temporaries() -> None:
    """Remove every temporary file or folder noted by :func:`temporary` and still there."""
    for path in list(_TEMPORARY):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        _TEMPORARY.discard(path)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new, never half.

    The data goes to a temporary file in the same folder, is flushed to disk, and is
    renamed over ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with temporary(Path(tmp)):
        try:
            # mkstemp makes the file private; the result should be as readable as any file
            # the user creates (their umask decides).
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def write_json(result: ScanResult, path: Path) -> None:
    """Write the result as ``dedup.scan/1`` JSON to ``path``, atomically."""
    atomic_write_text(path, dumps(to_json(result)))


def load_schema() -> dict[str, Any]:
    """The JSON Schema of ``dedup.scan/1`` shipped with the package."""
    text = resources.files("dedup").joinpath("schema/scan-1.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
