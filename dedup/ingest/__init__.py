"""Read inputs into :class:`~dedup.model.Document` objects (the "ingest" stage).

``load`` takes the paths a user typed (files, folders, unexpanded globs, ``-``) and
returns every readable document plus a :class:`~dedup.model.Skipped` entry, with a reason
a user can act on, for each input that could not be read. It never raises for a bad
input and never prints. ``read_document`` reads one file and raises
:class:`~dedup.errors.InputError` instead.

Modules: :mod:`.discover` (paths -> files), :mod:`.ids` (files -> ids), :mod:`.reader`
(one file -> Document), :mod:`.decode` and :mod:`.cjk` (bytes -> text),
:mod:`.html_text`, :mod:`.docx_text`, :mod:`.pdf_text` (formats), :mod:`.sniff`
(binary signatures), :mod:`.failure` (reasons).

The text of a Document is what every offset dedup reports indexes into: for plain text
it is the decoded file with no newline translation.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from dedup.config import Config
from dedup.errors import InputError
from dedup.ingest.discover import Entry, discover
from dedup.ingest.failure import Unreadable
from dedup.ingest.ids import assign_ids
from dedup.ingest.pdf_text import PdfExtractor
from dedup.ingest.reader import read_entry
from dedup.model import Document, Skipped

__all__ = ["Progress", "load", "read_document"]

Progress = Callable[[str, int, int], None]


def load(
    paths: Sequence[str], config: Config, *, progress: Progress | None = None
) -> tuple[list[Document], list[Skipped]]:
    """Every readable document under ``paths``, and the inputs that were skipped.

    Both lists keep the order in which the inputs were found (paths in the order given,
    folders sorted by name). ``progress("read", done, total)`` is called as files are read.
    """
    items = discover(paths)
    entries = [item for item in items if isinstance(item, Entry)]
    ids = dict(zip(entries, assign_ids(entries), strict=True))
    docs: list[Document] = []
    skipped: list[Skipped] = []
    done = 0
    if progress is not None:
        progress("read", 0, len(entries))
    with PdfExtractor(timeout=config.pdf_timeout) as pdf:
        for item in items:
            if isinstance(item, Skipped):
                skipped.append(item)
                continue
            result = _read(item, ids[item], config, pdf)
            if isinstance(result, Document):
                docs.append(result)
            else:
                skipped.append(result)
            done += 1
            if progress is not None:
                progress("read", done, len(entries))
    return docs, skipped


def read_document(path: str, config: Config) -> Document:
    """The one document at ``path`` (a file or ``-``); raises :class:`InputError`."""
    items = discover([path])
    entries = [item for item in items if isinstance(item, Entry)]
    if len(entries) != 1 or len(items) != 1:
        for item in items:
            if isinstance(item, Skipped):
                raise InputError(item.path, item.reason)
        what = "is a folder" if os.path.isdir(path) else "matches several files"  # noqa: PTH112
        raise InputError(path, f"{what}; name a single file")
    with PdfExtractor(timeout=config.pdf_timeout) as pdf:
        result = _read(entries[0], assign_ids(entries)[0], config, pdf)
    if isinstance(result, Skipped):
        raise InputError(result.path, result.reason)
    return result


def _read(entry: Entry, doc_id: str, config: Config, pdf: PdfExtractor) -> Document | Skipped:
    """Read one file; every failure becomes a Skipped with a reason, never an exception."""
    try:
        return read_entry(entry, doc_id, config, pdf)
    except Unreadable as exc:
        return Skipped(entry.path, exc.reason)
    except MemoryError:
        return Skipped(entry.path, "not enough memory to read this file")
    except Exception as exc:  # one bad file must never stop a scan
        reason = f"unexpected error while reading ({type(exc).__name__}: {exc})"
        return Skipped(entry.path, reason + "; please report it")
