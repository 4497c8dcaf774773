"""``dedup diff``: two documents side by side in the terminal (rich), and as JSON.

The rows come from :func:`~dedup.render.pairview.pair_rows`: shared passages sit opposite
each other, each side's own text gets rows of its own, and a passage out of order is
marked *moved* with its position in B. Colour is never the only cue: every row carries a
gutter symbol, and inline edits are bracketed the way ``wdiff`` does it::

    =  same passage     ~  same passage with edits: [-A's text-] {+B's text+}
    <  only in A        >  only in B        ↕  moved (B's line and offset shown)

Cells are wrapped by :func:`fold`, which measures in terminal cells, breaks Chinese
between any two characters (never before a closing or after an opening punctuation mark)
and English at spaces, so every line fits its column.
"""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from dedup.export import to_json
from dedup.model import Edit, EditOp, Match, Pair, ScanResult
from dedup.render.pairview import Row, pair_rows
from dedup.render.terminal import plain

__all__ = [
    "DIFF_SCHEMA_ID",
    "diff_data",
    "diff_renderable",
    "diff_rows",
    "find_pair",
    "fold",
    "marked",
    "merge_marks",
    "pct",
    "render_diff",
    "show_text",
]

#: Identifies the JSON written by ``dedup diff --json``; bumped on incompatible changes.
DIFF_SCHEMA_ID = "dedup.diff/1"

#: Cells between the two columns: a space, the row's symbol, a space.
GUTTER = 3
#: Columns are never narrower than this; on a tinier console the view overflows.
MIN_COLUMN = 10
#: With ``context``, a stretch is shortened only when that hides at least this many
#: characters (hiding fewer saves less than the marker costs).
MIN_ELIDED = 20

#: Characters that must not begin a line (closing punctuation) or end one (opening).
#: ``-`` and ``+`` keep the closing brackets of inline edits (``-]``, ``+}``) on their line.
NO_LINE_START = frozenset("，。、；：？！…—）》」』】〕〉”’,.;:?!)]}%％·-+")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")

GUTTER_SAME, GUTTER_EDITED, GUTTER_MOVED, GUTTER_A, GUTTER_B = "=", "~", "↕", "<", ">"

STYLE_OWN = "dim"
STYLE_DEL = "bold red"
STYLE_INS = "bold green"
STYLE_MOVED = "bold magenta"
STYLE_ELIDED = "italic cyan"
#: Brackets around A's and B's side of an inline edit (wdiff's convention).
DEL_OPEN, DEL_CLOSE, INS_OPEN, INS_CLOSE = "[-", "-]", "{+", "+}"

#: A space that :func:`fold` never breaks at.
NBSP = "\u00a0"

_BREAK = re.compile(r"[^\S\n]*\n\s*")
_FLIP: dict[EditOp, EditOp] = {"insert": "delete", "delete": "insert", "replace": "replace"}


# --- text helpers, shared with the ``new`` view ------------------------------------------


def show_text(raw: str) -> str:
    """Document text as displayed: one line break for any run of blank lines and
    indentation, ``\\r\\n`` as ``\\n``, a tab as a space (a terminal would expand it past
    the column), control characters made visible (:func:`plain`).

    Display only; offsets always index the original text.

    >>> show_text("a\\r\\n\\r\\n\\u3000\\u3000b\\tc\\x1b[1m")
    'a\\nb c␛[1m'
    """
    text = _BREAK.sub("\n", raw.replace("\r\n", "\n")).replace("\t", " ")
    return plain(text, single_line=False).plain


def pct(value: float) -> str:
    """A share as a percentage: one decimal below 10%, whole numbers above.

    >>> pct(0.0325), pct(0.25), pct(0), pct(1)
    ('3.2%', '25%', '0%', '100%')
    """
    if 0 < value < 0.1:
        return f"{value * 100:.1f}%"
    return f"{value:.0%}"


def _units(s: str) -> list[tuple[int, int, str]]:
    """Pieces of ``s`` that a line break may not split: ``(start, end, kind)``.

    ``kind`` is ``space``, ``newline`` or ``word``. A wide (CJK) character is a word of
    its own; a run of narrow non-space characters is one word; punctuation that may not
    start a line is glued to the word before it, punctuation that may not end one to the
    word after it.
    """
    units: list[tuple[int, int, str]] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\n":
            units.append((i, i + 1, "newline"))
            i += 1
            continue
        j = i + 1
        if c.isspace() and c != NBSP:
            while j < n and s[j].isspace() and s[j] not in "\n" + NBSP:
                j += 1
            units.append((i, j, "space"))
        else:
            if cell_len(c) == 1:
                while j < n and (s[j] == NBSP or not s[j].isspace()) and cell_len(s[j]) == 1:
                    j += 1
            units.append((i, j, "word"))
        i = j
    glued: list[tuple[int, int, str]] = []
    pending: int | None = None  # start of an opening mark waiting for the next word
    for start, end, kind in units:
        if kind != "word":
            if pending is not None:
                glued.append((pending, start, "word"))
                pending = None
            glued.append((start, end, kind))
            continue
        if pending is not None:
            start, pending = pending, None
        if s[start] in NO_LINE_START and glued and glued[-1][2] == "word" \
                and glued[-1][1] == start:
            start = glued.pop()[0]
        if s[end - 1] in NO_LINE_END:
            pending = start
            continue
        glued.append((start, end, "word"))
    if pending is not None:
        glued.append((pending, n, "word"))
    return glued


def _line_ranges(s: str, width: int) -> list[tuple[int, int]]:
    """``[start, end)`` of each line when ``s`` is wrapped to ``width`` cells.

    Spaces where a line breaks, and at the start of a line, belong to no line.
    """
    width = max(width, 2)  # a wide character needs two cells
    lines: list[tuple[int, int]] = []
    start: int | None = None  # None while the current line is empty
    end = used = gap = 0  # gap: cells of spaces since the last word on the line

    def close(at: int) -> None:
        nonlocal start, used, gap
        lines.append((start, end) if start is not None else (at, at))
        start, used, gap = None, 0, 0

    for lo, hi, kind in _units(s):
        if kind == "newline":
            close(lo)
            continue
        w = cell_len(s[lo:hi])
        if kind == "space":
            if start is not None:
                gap += w
            continue
        if start is not None and used + gap + w > width:
            close(lo)
        if start is None and w > width:
            # A word wider than a line: cut it at cell boundaries; its tail stays open.
            piece, cells = lo, 0
            for k in range(lo, hi):
                cw = cell_len(s[k])
                if cells + cw > width:
                    start, end = piece, k
                    close(k)
                    piece, cells = k, 0
                cells += cw
            start, end, used = piece, hi, cells
            continue
        if start is None:
            start, used = lo, w
        else:
            used += gap + w
        end, gap = hi, 0
    if start is not None:
        lines.append((start, end))
    return lines


def fold(text: Text, width: int) -> Text:
    """``text`` with line breaks so that no line is wider than ``width`` cells.

    Styles are kept; spaces at a break are dropped; existing line breaks stay.

    >>> fold(Text("领导班子坚持以习近平新时代，hello world"), 12).plain.split("\\n")
    ['领导班子坚持', '以习近平新时', '代，hello', 'world']
    """
    ranges = _line_ranges(text.plain, width)
    cuts = sorted({p for r in ranges for p in r})
    pieces = text.divide(cuts)
    by_start: dict[int, Text] = {}
    for start, piece in zip([0, *cuts], pieces, strict=True):
        if piece.plain:
            by_start[start] = piece
    # Ranges are disjoint and every end is a cut, so a non-empty range is one whole piece.
    lines = [by_start[lo] if hi > lo else Text() for lo, hi in ranges]
    out = Text("\n").join(lines)
    out.end = text.end
    return out


# --- the side-by-side view ---------------------------------------------------------------


def find_pair(result: ScanResult, a: int, b: int) -> Pair:
    """The pair of documents ``a`` and ``b`` (an empty one when they share nothing)."""
    lo, hi = min(a, b), max(a, b)
    for p in result.pairs:
        if (p.a, p.b) == (lo, hi):
            return p
    return Pair(lo, hi, 0.0, 0.0, 0.0, ())


def _oriented(pair: Pair, a: int) -> tuple[Match, ...]:
    """The pair's matches with document ``a`` as side A (a pair stores the lower index
    as A; asking for the other order swaps the sides and turns inserts into deletes)."""
    if pair.a == a:
        return pair.matches
    return tuple(
        Match(m.b_start, m.b_end, m.a_start, m.a_end, m.score,
              tuple(Edit(_FLIP[e.op], e.b_start, e.b_end, e.a_start, e.a_end) for e in m.edits))
        for m in pair.matches
    )


def diff_rows(result: ScanResult, a: int = 0, b: int = 1) -> list[Row]:
    """The rows of the side-by-side view of documents ``a`` and ``b``."""
    return pair_rows(result.documents[a].document.text, result.documents[b].document.text,
                     _oriented(find_pair(result, a, b), a))


def merge_marks(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Non-empty ranges of ``text``, sorted; ranges that overlap, touch or have only
    whitespace between them are joined (one bracket reads better than many).

    >>> merge_marks("ab cd xefg", [(7, 9), (0, 2), (3, 5), (9, 9)])
    [(0, 5), (7, 9)]
    """
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(r for r in ranges if r[1] > r[0]):
        if out and (lo <= out[-1][1] or not text[out[-1][1]:lo].strip()):
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def marked(raw: str, lo: int, hi: int, marks: list[tuple[int, int]], *, opening: str,
           closing: str, style: str, base: str = "") -> Text:
    """``raw[lo:hi]`` for display in style ``base``, with the ``marks`` ranges (joined by
    :func:`merge_marks`) between ``opening`` and ``closing`` in ``style``."""
    out = Text(end="")
    pos = lo
    for m_lo, m_hi in merge_marks(raw, marks):
        m_lo, m_hi = max(m_lo, pos), min(m_hi, hi)
        if m_lo >= m_hi:
            continue
        out.append(show_text(raw[pos:m_lo]), style=base)
        out.append(opening + show_text(raw[m_lo:m_hi]) + closing, style=style)
        pos = m_hi
    out.append(show_text(raw[pos:hi]), style=base)
    return out


def _own(raw: str, lo: int, hi: int, context: int | None) -> Text:
    """A stretch only one side has; with ``context``, only its ends around
    "… N characters …"."""
    if context is None or hi - lo - 2 * context < MIN_ELIDED:
        return Text(show_text(raw[lo:hi]), style=STYLE_OWN, end="")
    out = Text(end="")
    if context:
        out.append(show_text(raw[lo:lo + context]), style=STYLE_OWN)
        out.append(" ")
    marker = f"… {hi - lo - 2 * context:,} characters …".replace(" ", NBSP)
    out.append(marker, style=STYLE_ELIDED)
    if context:
        out.append(" ")
        out.append(show_text(raw[hi - context:hi]), style=STYLE_OWN)
    return out


def _line_of(raw: str, offset: int) -> int:
    return raw.count("\n", 0, offset) + 1


def _row_cells(row: Row, text_a: str, text_b: str, context: int | None
               ) -> tuple[Text, str, Text]:
    """Left cell, gutter symbol, right cell."""
    if row.a is None:
        assert row.b is not None  # a "b" row
        return Text(), GUTTER_B, _own(text_b, *row.b, context)
    if row.b is None:  # an "a" row
        return _own(text_a, *row.a, context), GUTTER_A, Text()
    left = marked(text_a, *row.a, [(e.a_start, e.a_end) for e in row.edits],
                  opening=DEL_OPEN, closing=DEL_CLOSE, style=STYLE_DEL)
    right = marked(text_b, *row.b, [(e.b_start, e.b_end) for e in row.edits],
                   opening=INS_OPEN, closing=INS_CLOSE, style=STYLE_INS)
    if row.moved:
        moved = Text(end="")
        moved.append(f"{GUTTER_MOVED} moved: in B at line {_line_of(text_b, row.b[0])} "
                     f"(char {row.b[0]})\n", style=STYLE_MOVED)
        moved.append_text(right)
        return left, GUTTER_MOVED, moved
    edited = any(e.a_end > e.a_start or e.b_end > e.b_start for e in row.edits)
    return left, GUTTER_EDITED if edited else GUTTER_SAME, right


def _columns(width: int) -> tuple[int, int]:
    inner = max(width - GUTTER, 2 * MIN_COLUMN)
    return inner // 2, inner - inner // 2


def _legend() -> Text:
    return Text.assemble(
        (GUTTER_SAME, "bold"), " same   ",
        (GUTTER_EDITED, "bold"), " edited: ", (f"{DEL_OPEN}A{DEL_CLOSE}", STYLE_DEL), " ",
        (f"{INS_OPEN}B{INS_CLOSE}", STYLE_INS), "   ",
        (GUTTER_A, "bold"), " only in A   ", (GUTTER_B, "bold"), " only in B   ",
        (GUTTER_MOVED, STYLE_MOVED), " moved",
    )


def _header(result: ScanResult, a: int, b: int, rows: list[Row]) -> Text:
    pair = find_pair(result, a, b)
    head = Text()
    for tag, i in (("A", a), ("B", b)):
        rep = result.documents[i]
        head.append(f"{tag}  ", style="bold")
        head.append_text(plain(rep.document.path))
        head.append(f"  ({rep.chars:,} characters)\n", style="dim")
    a_in_b, b_in_a = (pair.a_in_b, pair.b_in_a) if pair.a == a else (pair.b_in_a, pair.a_in_b)
    moved = sum(r.moved for r in rows)
    n = len(pair.matches)
    head.append_text(Text.assemble(
        ("similarity ", "bold"), pct(pair.similarity), "  ·  ",
        ("A in B ", "bold"), pct(a_in_b), "  ·  ", ("B in A ", "bold"), pct(b_in_a), "  ·  ",
        f"{n} shared passage{'s' if n != 1 else ''}", f" ({moved} moved)" if moved else "",
    ))
    if result.documents[a].document.sha256 == result.documents[b].document.sha256:
        head.append("  ·  identical files", style="bold")
    return head


def diff_renderable(result: ScanResult, width: int, *, a: int = 0, b: int = 1,
                    context: int | None = None) -> RenderableType:
    """The whole view (header, legend, rows) for a console ``width`` cells wide."""
    text_a = result.documents[a].document.text
    text_b = result.documents[b].document.text
    rows = diff_rows(result, a, b)
    col_a, col_b = _columns(width)
    table = Table(box=None, show_edge=False, pad_edge=False, padding=0, header_style="bold")
    for tag, i, col in (("A", a, col_a), ("", -1, GUTTER), ("B", b, col_b)):
        title = Text(f"{tag}  ") + plain(result.documents[i].document.id) if tag else Text()
        table.add_column(fold(title, col), width=col, no_wrap=True, justify="left")
    for row in rows:
        left, symbol, right = _row_cells(row, text_a, text_b, context)
        table.add_row()  # a blank line before every row (``leading`` needs a box)
        table.add_row(fold(left, col_a), Text(f" {symbol}", style="bold"), fold(right, col_b))
    return Group(fold(_header(result, a, b, rows), width), fold(_legend(), width), Text(),
                 table)


def render_diff(result: ScanResult, console: Console, *, a: int = 0, b: int = 1,
                context: int | None = None) -> None:
    """Print documents ``a`` and ``b`` of ``result`` side by side on ``console``.

    ``context``: show at most this many characters at each end of a stretch that only
    one side has, with "… N characters …" between (default: everything).
    """
    console.print(diff_renderable(result, console.width, a=a, b=b, context=context))


# --- JSON ------------------------------------------------------------------------------


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "a": list(row.a) if row.a else None,
        "b": list(row.b) if row.b else None,
        "moved": row.moved,
        "score": row.score,
        "edits": [{"op": e.op, "a_start": e.a_start, "a_end": e.a_end,
                   "b_start": e.b_start, "b_end": e.b_end} for e in row.edits],
    }


def diff_data(result: ScanResult, *, a: int = 0, b: int = 1) -> dict[str, Any]:
    """The alignment of documents ``a`` and ``b`` as ``dedup.diff/1`` JSON data.

    ``documents``: the two ``dedup.scan/1`` document entries, each with its ``text``;
    ``pair``: the ``dedup.scan/1`` pair entry with A first (figures, matches with edits;
    zeros and no matches when they share nothing); ``rows``: the side-by-side rows, ranges
    as ``[start, end]`` offsets into each document's ``text``.
    """
    scan = to_json(result)
    docs = [dict(scan["documents"][i], text=result.documents[i].document.text) for i in (a, b)]
    pair = find_pair(result, a, b)
    matches = _oriented(pair, a)
    a_in_b, b_in_a = (pair.a_in_b, pair.b_in_a) if pair.a == a else (pair.b_in_a, pair.a_in_b)
    return {
        "schema": DIFF_SCHEMA_ID,
        "tool": scan["tool"],
        "config": scan["config"],
        "documents": docs,
        "pair": {
            "a": docs[0]["id"], "b": docs[1]["id"],
            "similarity": pair.similarity, "a_in_b": a_in_b, "b_in_a": b_in_a,
            "identical": docs[0]["sha256"] == docs[1]["sha256"],
            "matches": [
                {"a_start": m.a_start, "a_end": m.a_end, "b_start": m.b_start,
                 "b_end": m.b_end, "score": m.score,
                 "edits": [{"op": e.op, "a_start": e.a_start, "a_end": e.a_end,
                            "b_start": e.b_start, "b_end": e.b_end} for e in m.edits]}
                for m in matches
            ],
        },
        "rows": [_row_json(r) for r in diff_rows(result, a, b)],
    }
