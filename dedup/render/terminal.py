"""The scan summary in the terminal (rich).

Everything here reads a :class:`~dedup.model.ScanResult` and prints to the console it is
given; tests pass ``Console(file=StringIO(), width=...)``. Every piece of input text goes
through :func:`plain`, so markup or escape sequences inside a report never style or move
the terminal.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from dedup.model import DocumentReport, ScanResult

__all__ = ["plain", "render_summary", "short_labels"]

#: The full matrix is drawn up to this many documents; beyond it, only the top pairs.
MATRIX_MAX_DOCS = 30
#: Row labels longer than this many terminal cells are shortened.
LABEL_CELLS = 22

LABEL_STYLES = {"unique": "green", "shared": "yellow", "boilerplate": "bright_black"}
LABEL_NAMES = {"unique": "new", "shared": "shared", "boilerplate": "boilerplate"}

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def plain(value: str, *, single_line: bool = True) -> Text:
    """Untrusted text as a rich ``Text``: no markup, control characters made visible.

    >>> plain("[bold]x\\x1b[31m").plain
    '[bold]x␛[31m'
    >>> plain("a\\nb").plain, plain("a\\nb", single_line=False).plain
    ('a b', 'a\\nb')
    """
    def show(m: re.Match[str]) -> str:
        c = m.group()
        if c == "\x1b":
            return "␛"
        if c in "\t" or (c == "\n" and not single_line):
            return c
        return " " if c in "\n\r\u2028\u2029" else "\ufffd"

    return Text(_CONTROL.sub(show, value))


def short_labels(ids: list[str], cells: int = LABEL_CELLS) -> list[str]:
    """Labels for documents that fit ``cells`` terminal cells and stay distinct.

    Long ids keep their start and end around an ellipsis ("000_f350…2a090").

    >>> short_labels(["000_f350a27f9ad2a090", "2026_上海市"], cells=12)
    ['000_f3…2a090', '2026_上海市']
    """
    from rich.cells import cell_len

    out: list[str] = []
    for ident in ids:
        if cell_len(ident) <= cells:
            out.append(ident)
            continue
        keep = cells - 1
        head, tail = "", ""
        i, j = 0, len(ident)
        while cell_len(head) + cell_len(tail) < keep:
            if cell_len(head) <= cell_len(tail):
                head += ident[i]
                i += 1
            else:
                j -= 1
                tail = ident[j] + tail
        out.append(head + "…" + tail)
    seen: dict[str, int] = {}
    for n, label in enumerate(out):
        if label in seen:
            out[n] = f"{label}#{n + 1}"
        seen[label] = n
    return out


def _heat(value: float) -> str:
    """Background colour for a similarity: grey when nothing, deeper red as it grows."""
    if value <= 0:
        return "grey23"
    if value < 0.05:
        return "rgb(60,60,90)"
    if value < 0.2:
        return "rgb(110,80,40)"
    if value < 0.5:
        return "rgb(170,90,20)"
    if value < 0.8:
        return "rgb(200,60,20)"
    return "rgb(230,20,20)"


def _matrix(result: ScanResult, labels: list[str]) -> RenderableType:
    n = len(result.documents)
    sim = {(p.a, p.b): p.similarity for p in result.pairs}
    table = Table(title="Similarity (% of the two reports' text they share)",
                  title_justify="left", box=None, pad_edge=False, padding=(0, 1),
                  min_width=52)
    table.add_column("#", justify="right", style="bold")
    table.add_column("report", no_wrap=True, max_width=LABEL_CELLS)
    for j in range(n):
        table.add_column(str(j + 1), justify="right", no_wrap=True)
    for i in range(n):
        cells: list[RenderableType] = [str(i + 1), plain(labels[i])]
        for j in range(n):
            if i == j:
                cells.append(Text("  ·", style="dim"))
                continue
            v = sim.get((min(i, j), max(i, j)), 0.0)
            if v <= 0:
                txt = "  -"
            elif v < 0.01:
                txt = " <1"
            else:
                txt = f"{round(v * 100):>3d}"
            cells.append(Text(txt, style=f"white on {_heat(v)}"))
        table.add_row(*cells)
    return table


def _percent(value: float) -> str:
    """A share as a percentage; "<1%" rather than a misleading "0%".

    >>> _percent(0.004), _percent(0), _percent(0.256)
    ('<1%', '0%', '26%')
    """
    if 0 < value < 0.005:
        return "<1%"
    return f"{value:.0%}"


def _pairs(result: ScanResult, labels: list[str], limit: int) -> RenderableType:
    table = Table(title="Most similar pairs", title_justify="left", box=None, padding=(0, 1))
    table.add_column("A", no_wrap=True, max_width=LABEL_CELLS)
    table.add_column("B", no_wrap=True, max_width=LABEL_CELLS)
    table.add_column("similar", justify="right")
    table.add_column("A in B", justify="right")
    table.add_column("B in A", justify="right")
    table.add_column("passages", justify="right")
    ranked = sorted(result.pairs, key=lambda p: (-p.similarity, p.a, p.b))[:limit]
    for p in ranked:
        table.add_row(plain(labels[p.a]), plain(labels[p.b]), _percent(p.similarity),
                      _percent(p.a_in_b), _percent(p.b_in_a), str(len(p.matches)))
    if not ranked:
        return Text("No two reports share a passage.", style="dim")
    return table


def _bar(rep: DocumentReport, width: int) -> Text:
    parts = [("unique", rep.novelty), ("shared", rep.shared), ("boilerplate", rep.boilerplate)]
    cells = [round(share * width) for _, share in parts]
    cells[0] += width - sum(cells)  # rounding remainder goes to "new"
    bar = Text()
    glyphs = {"unique": "█", "shared": "▓", "boilerplate": "░"}
    for (label, _), c in zip(parts, cells, strict=True):
        bar.append(glyphs[label] * max(0, c), style=LABEL_STYLES[label])
    return bar


def _novelty(result: ScanResult, labels: list[str], width: int) -> RenderableType:
    table = Table(title="What is new in each report  (█ new  ▓ shared  ░ boilerplate)",
                  title_justify="left", box=None, padding=(0, 1))
    table.add_column("report", no_wrap=True, max_width=LABEL_CELLS)
    table.add_column("new", justify="right")
    table.add_column("shared", justify="right")
    table.add_column("boilerpl.", justify="right")
    table.add_column("", no_wrap=True)
    bar_width = max(10, min(40, width - LABEL_CELLS - 30))
    order = sorted(range(len(result.documents)), key=lambda i: result.documents[i].novelty)
    for i in order:
        rep = result.documents[i]
        table.add_row(plain(labels[i]), f"{rep.novelty:.0%}", f"{rep.shared:.0%}",
                      f"{rep.boilerplate:.0%}", _bar(rep, bar_width))
    return table


def _phrases(result: ScanResult, limit: int) -> RenderableType:
    if not result.phrases:
        return Text("No stock phrases (none found in enough reports).", style="dim")
    table = Table(title="Stock phrases", title_justify="left", box=None, padding=(0, 1))
    table.add_column("reports", justify="right")
    table.add_column("times", justify="right")
    table.add_column("phrase", overflow="ellipsis", no_wrap=True)
    for ph in result.phrases[:limit]:
        table.add_row(str(len(ph.documents)), str(ph.count), plain(ph.text))
    return table


def render_summary(
    result: ScanResult,
    console: Console,
    *,
    elapsed: float,
    written: list[tuple[str, Path]] | None = None,
    top: int = 10,
) -> None:
    """Print the scan summary: size and time, matrix, pairs, novelty, phrases, outputs."""
    n = len(result.documents)
    chars = sum(r.chars for r in result.documents)
    labels = short_labels([r.document.id for r in result.documents])
    head = Text.assemble(
        ("dedup ", "bold"), f"scanned {n} report{'s' if n != 1 else ''} ",
        f"({chars:,} characters) in {elapsed:.1f} s; ",
        f"{len(result.pairs)} similar pair{'s' if len(result.pairs) != 1 else ''}, ",
        f"{len(result.phrases)} stock phrase{'s' if len(result.phrases) != 1 else ''}",
    )
    errors = sum(1 for s in result.skipped if not s.ignored)
    if errors:
        head.append(f"; {errors} skipped", style="bold red")
    console.print(head)
    blocks: list[RenderableType] = []
    if 1 < n <= MATRIX_MAX_DOCS:
        blocks.append(_matrix(result, labels))
    blocks.append(_pairs(result, labels, top if n <= MATRIX_MAX_DOCS else max(top, 20)))
    blocks.append(_novelty(result, labels, console.width) if n <= 60 else
                  _novelty_extremes(result, labels, console.width))
    blocks.append(_phrases(result, top))
    for block in blocks:
        console.print(Rule(style="dim"))
        console.print(block)
    if written:
        console.print(Rule(style="dim"))
        lines = [Text.assemble((f"{what}: ", "bold"), str(path)) for what, path in written]
        console.print(Panel(Group(*lines), title="written", title_align="left", expand=False))


def _novelty_extremes(result: ScanResult, labels: list[str], width: int) -> RenderableType:
    """For large corpora: the 10 least and 10 most novel reports."""
    order = sorted(range(len(result.documents)), key=lambda i: result.documents[i].novelty)
    keep = order[:10] + order[-10:]
    sub = ScanResult(result.config, [result.documents[i] for i in keep], [], [])
    return _novelty(sub, [labels[i] for i in keep], width)
