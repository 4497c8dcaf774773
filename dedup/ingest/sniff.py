"""Recognise well-known binary formats from their first bytes.

Used to name what a non-text file is ("PNG image") when it is refused, and to route inputs
without a telling extension (stdin, ``README``, ``.dat``) to the right reader.
"""

from __future__ import annotations

import io
import zipfile

#: (magic prefix, offset, name). Only formats common in document folders; the order
#: matters where one prefix starts another.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "PDF document"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"II*\x00", 0, "TIFF image"),
    (b"MM\x00*", 0, "TIFF image"),
    (b"BM", 0, "BMP image"),
    (b"WEBP", 8, "WebP image"),
    (b"PK\x03\x04", 0, "zip archive"),
    (b"PK\x05\x06", 0, "zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "legacy Office file (.doc/.xls/.ppt)"),
    (b"{\\rtf", 0, "RTF document"),
    (b"\x7fELF", 0, "ELF executable"),
    (b"MZ", 0, "Windows executable"),
    (b"\xca\xfe\xba\xbe", 0, "Mach-O or Java class file"),
    (b"\xcf\xfa\xed\xfe", 0, "Mach-O executable"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"BZh", 0, "bzip2 archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd archive"),
    (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"OggS", 0, "Ogg media"),
    (b"ID3", 0, "MP3 audio"),
    (b"fLaC", 0, "FLAC audio"),
    (b"ftyp", 4, "MP4/QuickTime media"),
    (b"\x00asm", 0, "WebAssembly module"),
)

#: Magic prefixes short enough to begin ordinary text ("BM…", "MZ…", "BZh…", "ID3…"): they
#: only count when the data also fails to decode as text.
_WEAK = frozenset({"BMP image", "Windows executable", "bzip2 archive", "MP3 audio", "RTF document"})


def binary_kind(data: bytes, *, strong_only: bool = False) -> str | None:
    """The name of the binary format ``data`` starts with, or None.

    With ``strong_only``, prefixes that could also begin plain text are ignored.

    >>> binary_kind(b"\\x89PNG\\r\\n\\x1a\\n...."), binary_kind(b"hello")
    ('PNG image', None)
    """
    for magic, offset, name in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            if strong_only and name in _WEAK:
                continue
            if name == "zip archive":
                return _zip_kind(data)
            return name
    return None


def _zip_kind(data: bytes) -> str:
    """Tell a .docx (or other OOXML/ODF file) from a plain zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip archive"
    if "word/document.xml" in names:
        return "Word document (.docx)"
    if "xl/workbook.xml" in names:
        return "Excel workbook (.xlsx)"
    if "ppt/presentation.xml" in names:
        return "PowerPoint presentation (.pptx)"
    if "content.xml" in names and "mimetype" in names:
        return "OpenDocument file"
    return "zip archive"


def looks_like_html(data: bytes) -> bool:
    """True when ``data`` plainly starts as an HTML document (doctype or ``<html``).

    >>> looks_like_html(b"\\xef\\xbb\\xbf <!DOCTYPE html><p>x"), looks_like_html(b"<p>x")
    (True, False)
    """
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml"):
        return b"<html" in head
    return head.startswith((b"<!doctype html", b"<html"))
