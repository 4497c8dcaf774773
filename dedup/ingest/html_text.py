"""HTML bytes -> the visible text, block structure kept as line breaks (inscriptis).

The character set comes from a BOM, then a ``<meta charset>`` declaration in the first
2 KiB, then the same detection as for plain text. Script, style and head content is not
visible and is dropped.
"""

from __future__ import annotations

import codecs
import re

from inscriptis import get_text
from inscriptis.model.config import ParserConfig

from dedup.ingest.decode import Decoded, decode_text
from dedup.ingest.failure import Unreadable

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)
#: Labels whose real-world content is a superset encoding (WHATWG Encoding Standard).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "iso8859-1": "cp1252", "ascii": "cp1252"}
_PREFIX = 2048


def html_to_text(data: bytes) -> Decoded:
    """The visible text of an HTML document, and the charset it was decoded with.

    >>> html_to_text(b"<p>Hello<script>x()</script></p><p>world</p>").text
    'Hello\\n\\nworld\\n'
    """
    decoded = _decode(data)
    try:
        text = get_text(decoded.text, ParserConfig(display_images=False, display_links=False))
    except (ValueError, TypeError) as exc:  # lxml refuses some malformed documents outright
        raise Unreadable(f"could not parse the HTML ({exc})") from exc
    return Decoded(text, decoded.encoding, decoded.notes)


def _decode(data: bytes) -> Decoded:
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_text(data)
    declared = _declared_charset(data[:_PREFIX])
    if declared is None:
        return decode_text(data)
    try:
        return Decoded(data.decode(declared), declared)
    except UnicodeDecodeError:
        detected = decode_text(data)
        note = f"declared charset {declared} does not match; read as {detected.encoding}"
        return Decoded(detected.text, detected.encoding, (*detected.notes, note))


def _declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):
        return None  # a meta tag readable as ASCII cannot be UTF-16: the label is wrong
    return _SUPERSETS.get(name, name)
