"""``dedup new``: one report with what is new in it, in the terminal (rich) and as JSON.

The report's text is printed whole. New text stands out; reused text is dimmed and
bracketed with the numbers of the reports it was found in; stock phrasing is bracketed
differently; inside a reused passage, whatever the report changed (an updated figure, an
inserted word) is highlighted as new. Colour is never the only cue::

    new text   ⟨reused text⟩[1,3]   ⟪stock phrase⟫   ⟨… grew {+12+}% …⟩[1]

The numbers are the sources ranked by how much of the report they cover; the table after
the text names them. A character counts as *changed* when every matched passage that
covers it has it inside an edit: text copied verbatim from any one source is not new.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from dedup.export import to_json
from dedup.model import ScanResult, Span
from dedup.render.diffview import INS_CLOSE, INS_OPEN, fold, marked, pct, show_text
from dedup.render.terminal import LABEL_STYLES, plain

__all__ = [
    "NEW_SCHEMA_ID",
    "SourceShare",
    "changed_ranges",
    "new_data",
    "new_renderable",
    "render_new",
    "source_shares",
]

#: Identifies the JSON written by ``dedup new --json``; bumped on incompatible changes.
NEW_SCHEMA_ID = "dedup.new/1"

#: Sources listed after the text (besides any a marker in the text refers to).
TOP_SOURCES = 10
#: Source numbers shown in one marker; the rest are counted ("[1,2,3+4]").
MARKER_SOURCES = 3

STYLE_NEW = LABEL_STYLES["unique"]
STYLE_CHANGED = f"bold underline {LABEL_STYLES['unique']}"
STYLE_REUSED = f"dim {LABEL_STYLES['shared']}"
STYLE_MARKER = LABEL_STYLES["shared"]
STYLE_STOCK = "dim italic"
REUSED_OPEN, REUSED_CLOSE = "⟨", "⟩"
STOCK_OPEN, STOCK_CLOSE = "⟪", "⟫"


@dataclass(frozen=True, slots=True)
class SourceShare:
    """How much of the report one other document covers.

    ``covers``: share of the report's non-whitespace characters found in ``doc`` (reuse
    and stock phrasing); ``reused``: the part of it that is reuse, not stock phrasing;
    ``marker``: the number that refers to ``doc`` in the view (1 = covers most).
    """

    doc: int
    marker: int
    covers: float
    reused: float
    passages: int
    similarity: float


def _ink(text: str, lo: int, hi: int) -> int:
    """Non-whitespace characters in ``text[lo:hi]`` (what shares are measured in)."""
    return sum(not c.isspace() for c in text[lo:hi])


def source_shares(result: ScanResult, index: int) -> list[SourceShare]:
    """Every document that covers part of document ``index``, most first.

    Only the sources listed on spans count (at most ``max_span_sources`` per span).
    """
    rep = result.documents[index]
    text = rep.document.text
    covers: dict[int, int] = {}
    reused: dict[int, int] = {}
    for span in rep.spans:
        if not span.sources:
            continue
        ink = _ink(text, span.start, span.end)
        for d in span.sources:
            covers[d] = covers.get(d, 0) + ink
            if span.label == "shared":
                reused[d] = reused.get(d, 0) + ink
    pairs = {p.b if p.a == index else p.a: p for p in result.pairs if index in (p.a, p.b)}
    total = max(rep.chars, 1)
    ranked = sorted(covers, key=lambda d: (-covers[d], -reused.get(d, 0), d))
    out = []
    for rank, d in enumerate(ranked, start=1):
        pair = pairs.get(d)
        out.append(SourceShare(
            doc=d, marker=rank, covers=round(covers[d] / total, 4),
            reused=round(reused.get(d, 0) / total, 4),
            passages=len(pair.matches) if pair else 0,
            similarity=pair.similarity if pair else 0.0,
        ))
    return out


def changed_ranges(result: ScanResult, index: int) -> list[tuple[int, int]]:
    """Ranges of document ``index``, inside reused or stock text, that it changed.

    A character is changed when it lies in at least one matched passage and inside an
    edit of every matched passage that covers it. Whitespace is never changed.
    """
    rep = result.documents[index]
    text = rep.document.text
    n = len(text)
    cover = [0] * (n + 1)
    edited = [0] * (n + 1)
    for p in result.pairs:
        if index not in (p.a, p.b):
            continue
        side_a = p.a == index
        for m in p.matches:
            lo, hi = (m.a_start, m.a_end) if side_a else (m.b_start, m.b_end)
            cover[lo] += 1
            cover[hi] -= 1
            spans = sorted((e.a_start, e.a_end) if side_a else (e.b_start, e.b_end)
                           for e in m.edits)
            end = -1
            for e_lo, e_hi in spans:  # count each character once per passage
                e_lo = max(e_lo, end, lo)
                e_hi = min(e_hi, hi)
                if e_hi > e_lo:
                    edited[e_lo] += 1
                    edited[e_hi] -= 1
                    end = e_hi
    reused = [False] * n
    for s in rep.spans:
        if s.label != "unique":
            reused[s.start:s.end] = [True] * (s.end - s.start)
    out: list[tuple[int, int]] = []
    for i, (c, e) in enumerate(zip(accumulate(cover[:n]), accumulate(edited[:n]),
                                   strict=True)):
        if c > 0 and e >= c and reused[i] and not text[i].isspace():
            if out and out[-1][1] == i:
                out[-1] = (out[-1][0], i + 1)
            else:
                out.append((i, i + 1))
    return out


def _blocks(spans: tuple[Span, ...], text: str) -> list[tuple[int, int, Span]]:
    """Spans joined into runs to bracket as one: neighbours with the same label (and,
    for reuse, the same sources) separated by whitespace only."""
    out: list[tuple[int, int, Span]] = []
    for s in spans:
        if out:
            lo, hi, first = out[-1]
            same = s.label == first.label and (s.label != "shared" or s.sources == first.sources)
            if same and not text[hi:s.start].strip():
                out[-1] = (lo, s.end, first)
                continue
        out.append((s.start, s.end, s))
    return out


def _marker(span: Span, numbers: dict[int, int]) -> str:
    nums = sorted(numbers[d] for d in span.sources if d in numbers)
    shown = nums[:MARKER_SOURCES]
    more = max(span.source_count, len(nums)) - len(shown)
    return "[" + ",".join(map(str, shown)) + (f"+{more}" if more else "") + "]"


def _report_text(result: ScanResult, index: int, numbers: dict[int, int]) -> Text:
    rep = result.documents[index]
    text = rep.document.text
    changes = changed_ranges(result, index)
    out = Text()
    pos = 0
    for lo, hi, span in _blocks(rep.spans, text):
        out.append(show_text(text[pos:lo]))
        if span.label == "unique":
            out.append(show_text(text[lo:hi]), style=STYLE_NEW)
        elif span.label == "shared":
            out.append(REUSED_OPEN, style=STYLE_MARKER)
            out.append_text(marked(text, lo, hi, changes, opening=INS_OPEN, closing=INS_CLOSE,
                                   style=STYLE_CHANGED, base=STYLE_REUSED))
            out.append(REUSED_CLOSE + _marker(span, numbers), style=STYLE_MARKER)
        else:
            out.append(STOCK_OPEN, style=STYLE_STOCK)
            out.append_text(marked(text, lo, hi, changes, opening=INS_OPEN, closing=INS_CLOSE,
                                   style=STYLE_CHANGED, base=STYLE_STOCK))
            out.append(STOCK_CLOSE, style=STYLE_STOCK)
        pos = hi
    out.append(show_text(text[pos:]).rstrip())
    return out


def _legend() -> Text:
    return Text.assemble(
        ("new text", STYLE_NEW), "   ",
        (f"{REUSED_OPEN}reused{REUSED_CLOSE}[n]", STYLE_MARKER), " found in source n   ",
        (f"{STOCK_OPEN}stock phrase{STOCK_CLOSE}", STYLE_STOCK), "   ",
        (f"{INS_OPEN}x{INS_CLOSE}", STYLE_CHANGED), " changed inside reused text",
    )


def _sources_table(result: ScanResult, shares: list[SourceShare], shown: set[int]
                   ) -> RenderableType:
    if not shares:
        return Text("No other report shares any of its text.", style="dim")
    table = Table(title="Sources (share of this report found in each)", title_justify="left",
                  box=None, padding=(0, 1), pad_edge=False)
    table.add_column("", justify="right", no_wrap=True)
    table.add_column("report", overflow="fold")
    table.add_column("covers", justify="right", no_wrap=True)
    table.add_column("reused", justify="right", no_wrap=True)
    table.add_column("passages", justify="right", no_wrap=True)
    table.add_column("similarity", justify="right", no_wrap=True)
    for s in shares:
        if s.marker in shown:
            table.add_row(Text(f"[{s.marker}]", style=STYLE_MARKER),
                          plain(result.doc_id(s.doc)), pct(s.covers), pct(s.reused),
                          str(s.passages), pct(s.similarity))
    hidden = len(shares) - len(shown)
    if hidden:
        return Group(table, Text(f"… and {hidden} more (all of them with --json)",
                                 style="dim"))
    return table


def new_renderable(result: ScanResult, index: int, width: int) -> RenderableType:
    """The whole view of document ``index`` for a console ``width`` cells wide."""
    rep = result.documents[index]
    shares = source_shares(result, index)
    numbers = {s.doc: s.marker for s in shares}
    body = _report_text(result, index, numbers)
    shown = {s.marker for s in shares[:TOP_SOURCES]}
    for span in rep.spans:
        if span.label == "shared":
            shown.update(numbers[d] for d in span.sources[:MARKER_SOURCES] if d in numbers)
    others = len(result.documents) - 1
    head = Text.assemble(("new in ", "bold"), plain(rep.document.path),
                         (f"  ({rep.chars:,} characters, against {others} "
                          f"report{'s' if others != 1 else ''})", "dim"))
    novelty = Text.assemble(
        ("new ", "bold"), (pct(rep.novelty), STYLE_NEW), "  ·  ",
        ("reused ", "bold"), pct(rep.shared), "  ·  ",
        ("stock phrasing ", "bold"), pct(rep.boilerplate),
    )
    return Group(fold(head, width), fold(_legend(), width), Rule(style="dim"),
                 fold(body, width), Rule(style="dim"), fold(novelty, width), Text(),
                 _sources_table(result, shares, shown))


def render_new(result: ScanResult, index: int, console: Console) -> None:
    """Print document ``index`` of ``result`` with what is new in it on ``console``."""
    console.print(new_renderable(result, index, console.width))


def new_data(result: ScanResult, index: int) -> dict[str, Any]:
    """What is new in document ``index`` as ``dedup.new/1`` JSON data.

    ``report``: its ``dedup.scan/1`` document entry (spans with sources, shares);
    ``sources``: every document covering part of it, most first, with ``marker`` as in
    the terminal view (``indexed: true`` when it came from a corpus index); ``changes``:
    ``[start, end]`` ranges it changed inside reused text;
    ``pairs``: the ``dedup.scan/1`` pair entries that involve it.
    """
    scan = to_json(result)
    report = scan["documents"][index]
    ident = report["id"]
    return {
        "schema": NEW_SCHEMA_ID,
        "tool": scan["tool"],
        "config": scan["config"],
        "report": report,
        "sources": [
            {"marker": s.marker, "id": result.doc_id(s.doc),
             "path": result.documents[s.doc].document.path, "covers": s.covers,
             "reused": s.reused, "passages": s.passages, "similarity": s.similarity,
             **({"indexed": True} if result.documents[s.doc].document.indexed else {})}
            for s in source_shares(result, index)
        ],
        "changes": [list(r) for r in changed_ranges(result, index)],
        "pairs": [p for p in scan["pairs"] if ident in (p["a"], p["b"])],
        "skipped": scan["skipped"],
    }
