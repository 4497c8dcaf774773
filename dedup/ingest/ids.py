"""Stable, unique document ids from file paths.

An id is the file's path relative to the folder it was found under, without extension,
with ``/`` separators (``seeds/000_x.txt`` scanned as ``seeds/`` -> ``000_x``); a file
named directly is its name without extension. Ids depend only on the names, never on
file contents or on which files could be read, so they do not change between runs.
Collisions are resolved step by step, each step only for the ids that still collide:
keep the extension (``a.txt``, ``a.md``), then prefix the root folder's name
(``2022/a.txt``, ``2023/a.txt``), then number them (``a~2``, ``a~3``) in input order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from dedup.ingest.discover import Entry

#: A suffix counts as an extension (and is dropped from the id) when it is one of these or
#: looks like one: 1-5 letters/digits with a letter. "Report 2023.05" keeps its ".05".
DOCUMENT_EXTENSIONS = frozenset({".markdown", ".xhtml"})
_EXTENSION = re.compile(r"\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")


def assign_ids(entries: Sequence[Entry]) -> list[str]:
    """One id per entry, in the same order; all distinct.

    >>> e = lambda rel, root="r": Entry(rel, rel, root, explicit=False)
    >>> assign_ids([e("a.txt"), e("a.md"), e("sub/b.txt"), e("v1.05")])
    ['a.txt', 'a.md', 'sub/b', 'v1.05']
    >>> assign_ids([e("a.txt", "x"), e("a.txt", "y"), e("c.txt", "y"), e("c.txt", "y")])
    ['x/a.txt', 'y/a.txt', 'y/c.txt', 'y/c.txt~2']
    """
    ids = [_clean(_strip_extension(e.rel)) for e in entries]
    ids = _resolve(ids, entries, lambda e: _clean(e.rel))
    ids = _resolve(ids, entries, lambda e: _clean(f"{e.root}/{e.rel}" if e.root else e.rel))
    return _number(ids)


def _resolve(ids: list[str], entries: Sequence[Entry], longer: Callable[[Entry], str]) -> list[str]:
    counts = Counter(ids)
    return [longer(e) if counts[i] > 1 else i for i, e in zip(ids, entries, strict=True)]


def _number(ids: list[str]) -> list[str]:
    planned = set(ids)
    used: set[str] = set()
    out: list[str] = []
    for i in ids:
        new, n = i, 2
        while new in used or (new != i and new in planned):  # never take another's id
            new = f"{i}~{n}"
            n += 1
        used.add(new)
        out.append(new)
    return out


def _strip_extension(rel: str) -> str:
    path = PurePosixPath(rel)
    suffix = path.suffix
    if suffix and (suffix.lower() in DOCUMENT_EXTENSIONS or _EXTENSION.fullmatch(suffix)):
        return rel[: -len(suffix)]
    return rel


def _clean(name: str) -> str:
    """File names that are not valid UTF-8 come back from the OS with lone surrogates,
    which cannot be written to JSON or a terminal; they become U+FFFD in the id."""
    return name.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
