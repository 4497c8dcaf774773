"""Read inputs into :class:`~dedup.model.Document` objects.

Placeholder reading UTF-8 text only; the full reader (encodings, formats, limits) lives
in this package's modules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from dedup.config import Config
from dedup.errors import InputError
from dedup.model import Document, Skipped

Progress = Callable[[str, int, int], None]


def load(
    paths: Sequence[str], config: Config, *, progress: Progress | None = None
) -> tuple[list[Document], list[Skipped]]:
    """Every readable document under ``paths``, and the inputs that were skipped."""
    files: list[tuple[Path, Path]] = []
    for p in paths:
        root = Path(p)
        if root.is_dir():
            files.extend((root, f) for f in sorted(root.rglob("*")) if f.is_file())
        else:
            files.append((root.parent, root))
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for root, f in files:
        try:
            raw = f.read_bytes()
            text = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            skipped.append(Skipped(str(f), str(exc)))
            continue
        rel = f.relative_to(root).with_suffix("").as_posix()
        docs.append(Document(rel, str(f), text, "utf-8", hashlib.sha256(raw).hexdigest()))
    return docs, skipped


def read_document(path: str, config: Config) -> Document:
    """One document; raises :class:`InputError` when it cannot be read."""
    docs, skipped = load([path], config)
    if skipped:
        raise InputError(skipped[0].path, skipped[0].reason)
    return docs[0]
