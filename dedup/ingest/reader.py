"""One discovered file -> a :class:`~dedup.model.Document`, or :class:`Unreadable`.

The bytes are read once, with the size limit applied while reading (a file that grows
after it was listed is still cut off), and ``sha256`` is of exactly those bytes. The
format comes from the extension; inputs without a telling one (stdin, no extension,
unknown extensions) are sniffed.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from typing import BinaryIO

from dedup.config import Config
from dedup.ingest.decode import decode_text
from dedup.ingest.discover import HTML_EXTENSIONS, TEXT_EXTENSIONS, Entry
from dedup.ingest.docx_text import docx_to_text
from dedup.ingest.failure import BinaryContent, Unreadable, human_size, not_supported
from dedup.ingest.html_text import html_to_text
from dedup.ingest.pdf_text import PdfExtractor
from dedup.ingest.sniff import binary_kind, looks_like_html
from dedup.model import Document


def read_entry(entry: Entry, doc_id: str, config: Config, pdf: PdfExtractor) -> Document:
    """Read, decode and extract one file; raises :class:`Unreadable` with the reason."""
    data = read_bytes(entry, config.max_file_size)
    if not data:
        raise Unreadable("empty file")
    sha256 = hashlib.sha256(data).hexdigest()
    fmt = choose_format(entry, data)
    notes: tuple[str, ...] = ()
    if fmt == "pdf":
        text, encoding = pdf.extract(data), "pdf"
    elif fmt == "docx":
        text, encoding = docx_to_text(data, max_decompressed=config.max_decompressed_size), "docx"
        if not text.strip():
            raise Unreadable("document contains no text")
    elif fmt == "html":
        decoded = html_to_text(data)
        text, encoding, notes = decoded.text, decoded.encoding, decoded.notes
        if not text.strip():
            raise Unreadable("HTML has no visible text")
    else:
        try:
            decoded = decode_text(data)
        except BinaryContent as exc:
            if entry.explicit or entry.extension in TEXT_EXTENSIONS:
                raise
            raise Unreadable(not_supported(exc.kind)) from exc
        text, encoding, notes = decoded.text, decoded.encoding, decoded.notes
        if not text.strip():
            raise Unreadable("contains only whitespace")
    return Document(doc_id, entry.path, text, encoding, sha256, fmt, notes)


def choose_format(entry: Entry, data: bytes) -> str:
    """``text``, ``html``, ``docx`` or ``pdf``: by extension, else by content."""
    ext = entry.extension
    if entry.is_stdin:
        ext = ""
    if ext in HTML_EXTENSIONS:
        return "html"
    if ext == ".docx":
        return "docx"
    if ext == ".pdf":
        return "pdf"
    if ext in TEXT_EXTENSIONS - {""}:
        return "text"
    kind = binary_kind(data, strong_only=True)
    if kind == "PDF document":
        return "pdf"
    if kind == "Word document (.docx)":
        return "docx"
    if kind is not None and not entry.explicit:
        raise Unreadable(not_supported(kind))
    if looks_like_html(data):
        return "html"
    return "text"


def read_bytes(entry: Entry, limit: int) -> bytes:
    """The file's bytes, read once (read-only); refuses more than ``limit`` bytes."""
    too_large = f"over the {human_size(limit)} limit; raise it with --max-file-size"
    if entry.is_stdin:
        data = _read_at_most(sys.stdin.buffer, limit + 1)
        if len(data) > limit:
            raise Unreadable(f"standard input is {too_large}")
        return data
    try:
        with open(entry.path, "rb") as f:  # noqa: PTH123 - one fd for fstat and read
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise Unreadable("is a folder, not a file")
            if stat.S_ISREG(st.st_mode) and st.st_size > limit:
                raise Unreadable(f"file is {human_size(st.st_size)}, {too_large}")
            # read(n) allocates n bytes up front: ask for what the file says it holds (+1 to
            # notice growth), not for the limit.
            expected = st.st_size if stat.S_ISREG(st.st_mode) else 0
            data = _read_at_most(f, limit + 1, first=expected + 1)
    except FileNotFoundError as exc:
        raise Unreadable("file disappeared before it could be read") from exc
    except PermissionError as exc:
        raise Unreadable("permission denied (cannot read the file)") from exc
    except IsADirectoryError as exc:
        raise Unreadable("is a folder, not a file") from exc
    except OSError as exc:
        raise Unreadable(f"cannot read the file ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise Unreadable(f"file grew while it was read and is {too_large}")
    return data


_CHUNK = 1024 * 1024


def _read_at_most(stream: BinaryIO, most: int, *, first: int = _CHUNK) -> bytes:
    """Up to ``most`` bytes of ``stream``, without allocating ``most`` bytes up front."""
    chunks: list[bytes] = []
    got = 0
    want = min(first, most)
    while got < most:
        chunk = stream.read(want)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
        want = min(_CHUNK, most - got)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
