"""A .docx -> its paragraph text, one paragraph per line, tables in document order.

The zip is checked before python-docx sees it, because a few kilobytes can expand to
gigabytes (a zip bomb): the sizes the archive declares must stay within
``max_decompressed_size`` in total and within a possible compression ratio, and every
member is then actually decompressed in bounded chunks. Python's zipfile stops each
member at its declared size and checks its CRC, so a member that lies about its size
fails the check instead of expanding further; nothing is ever held in memory beyond
the declared (and checked) sizes.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import docx

from dedup.ingest.failure import Unreadable, human_size

CORRUPT = "not a valid .docx (zip is truncated or corrupt)"
MISMATCH = ("not a valid .docx (a member's data does not match its declared size or "
            "checksum: corrupt, or a zip bomb lying about its size)")
#: Real .docx XML compresses 5-20:1 (100:1 for pages of empty table cells); deflate's
#: ceiling is ~1032:1, reached only by runs of one byte, i.e. by a bomb. Members under
#: RATIO_FLOOR are not judged by ratio (tiny files compress oddly).
MAX_RATIO = 500
RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024


def docx_to_text(data: bytes, *, max_decompressed: int) -> str:
    """The text of a .docx; raises :class:`Unreadable` for corrupt files and zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise Unreadable(CORRUPT) from exc
    with archive:
        check_archive(archive, max_decompressed=max_decompressed)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, lxml errors... for bad packages
        raise Unreadable(f"not a valid .docx ({type(exc).__name__}: {exc})") from exc
    return "\n".join(_lines(document))


def check_archive(archive: zipfile.ZipFile, *, max_decompressed: int) -> None:
    """Refuse archives that would expand beyond ``max_decompressed`` bytes, or are corrupt."""
    infos = archive.infolist()
    if "word/document.xml" not in {i.filename for i in infos}:
        raise Unreadable("not a valid .docx (no word/document.xml: is it another kind of zip?)")
    declared = sum(i.file_size for i in infos)
    limit = f"the {human_size(max_decompressed)} limit (max_decompressed_size)"
    hint = "zip bomb? (if the file is genuine, raise the limit with --max-decompressed-size)"
    if declared > max_decompressed:
        raise Unreadable(f".docx expands to {human_size(declared)}, over {limit}; {hint}")
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Unreadable(
                f".docx member {info.filename} claims an impossible compression ratio "
                f"({info.file_size // max(info.compress_size, 1)}:1); zip bomb?"
            )
    total = 0
    for info in infos:
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > max_decompressed:
                        raise Unreadable(f".docx expands beyond {limit}; {hint}")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                RuntimeError) as exc:  # RuntimeError: encrypted member
            if "CRC" in str(exc):  # reading stops at the declared size, then the check fails
                raise Unreadable(MISMATCH) from exc
            raise Unreadable(CORRUPT) from exc


def _lines(document: Any) -> Iterator[str]:
    """Paragraphs and table cells in document order; a merged cell is read once."""
    yield from _block_lines(document)


def _block_lines(container: Any) -> Iterator[str]:
    for block in container.iter_inner_content():
        if isinstance(block, docx.table.Table):
            for row in block.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell appears once per grid column
                        continue
                    seen.add(id(cell._tc))
                    yield from _block_lines(cell)
        else:
            yield block.text
