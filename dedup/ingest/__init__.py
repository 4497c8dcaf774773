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
            try:
                docs.append(read_entry(item, ids[item], config, pdf))
            except Unreadable as exc:
                skipped.append(Skipped(item.path, exc.reason))
            except MemoryError:
                skipped.append(Skipped(item.path, "not enough memory to read this file"))
            except Exception as exc:  # one bad file must never stop a scan
                reason = f"unexpected error while reading ({type(exc).__name__}: {exc})"
                skipped.append(Skipped(item.path, reason + "; please report it"))
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
        what = "is a folder" if len(entries) > 1 or not entries else "matches several files"
        raise InputError(path, f"{what}; name a single file")
    docs, skipped = _read_one(entries[0], config)
    if skipped is not None:
        raise InputError(skipped.path, skipped.reason)
    assert docs is not None
    return docs


def _read_one(entry: Entry, config: Config) -> tuple[Document | None, Skipped | None]:
    with PdfExtractor(timeout=config.pdf_timeout) as pdf:
        try:
            return read_entry(entry, assign_ids([entry])[0], config, pdf), None
        except Unreadable as exc:
            return None, Skipped(entry.path, exc.reason)
