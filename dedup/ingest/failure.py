"""Why an input could not be read: the one exception the readers raise.

Readers raise :class:`Unreadable` with a reason a user can act on; :func:`dedup.ingest.load`
turns it into a :class:`~dedup.model.Skipped` entry and :func:`dedup.ingest.read_document`
into an :class:`~dedup.errors.InputError`. The wording of shared reasons lives here so that
every reader says the same thing the same way.
"""

from __future__ import annotations

#: The extensions named when a file is refused for its type.
SUPPORTED = ".txt .md .html .docx .pdf"

CONVERT_HINT = "convert the file to UTF-8 (e.g. iconv -f GB18030 -t UTF-8) and try again"


class Unreadable(Exception):  # noqa: N818 - a verdict about an input, not a program error
    """This input cannot be read; ``reason`` says why, in words a user can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BinaryContent(Unreadable):
    """The input is binary (an image, an executable...), not text; ``kind`` names it."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"binary content ({kind}), not text")
        self.kind = kind


def not_supported(kind: str) -> str:
    """The reason given for a file found in a folder whose content dedup does not read."""
    return f"not a supported document ({kind}); supported: {SUPPORTED}"


def human_size(n: int) -> str:
    """A byte count as a short human-readable size.

    >>> human_size(512), human_size(2048), human_size(200 * 1024 * 1024)
    ('512 bytes', '2.0 KiB', '200.0 MiB')
    """
    if n < 1024:
        return f"{n} bytes"
    size = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024 or unit == "GiB":
            break
    return f"{size:.1f} {unit}"
