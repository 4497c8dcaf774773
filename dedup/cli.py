"""The ``dedup`` command line: a thin layer over the library.

Options map onto :class:`~dedup.config.Config` in exactly one place
(:func:`config_from_options`); exceptions become exit codes and one stderr line in
exactly one place (:func:`_guard`). Exit codes: 0 ok, 1 some inputs skipped or nothing
readable, 2 usage error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).

Ctrl-C and SIGTERM stop a command at once: worker processes are killed rather than left
to finish their queued work, files being written are removed (every output goes to a
temporary name first), and one line on stderr says what was left.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dedup import __version__
from dedup.config import (
    MAX_DECOMPRESSED_SIZE,
    MAX_FILE_SIZE,
    PDF_TIMEOUT_SECONDS,
    Config,
    Engine,
    Lang,
)
from dedup.errors import ConfigError, DedupError, NoInputError, OutputError
from dedup.ingest.failure import human_size
from dedup.model import ScanResult, Skipped
from dedup.render.terminal import plain

app = typer.Typer(
    name="dedup",
    help="Find what each report copied, what is stock phrasing, and what is its own.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")

EXIT_OK, EXIT_SKIPPED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> NoReturn:
    # Messages quote paths and file contents: control characters are shown, not obeyed.
    _stderr().print(plain(f"dedup: {message}"))
    raise typer.Exit(code)


class _Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


#: Set by :func:`main`: on Ctrl-C or SIGTERM the process cleans up and exits from the
#: signal handler itself. An exception raised from a handler lands wherever the main
#: thread happens to be (inside os.fork's hooks, a thread start, a pool's bookkeeping),
#: where it can be swallowed or turned into a traceback. Run in-process (CliRunner, a
#: host program), the handler raises :class:`_Stopped` instead and leaves the exit to
#: the caller.
_exit_on_signal = False
#: True while the progress bar is drawn (it hides the cursor).
_bar_drawn = False


def _stop_children() -> None:
    """Kill every process this one started, and theirs (pool workers, the PDF reader,
    Dask's nannies and workers).

    Left alone they would finish the work already queued for them, or wait forever on a
    queue. Found through /proc where there is one, so that a worker forked an instant
    before the signal (not yet in multiprocessing's books) is found too.
    """
    pids = {child.pid for child in multiprocessing.active_children() if child.pid}
    pids.update(_descendants(os.getpid()))
    for pid in pids:
        with suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _descendants(root: int) -> set[int]:
    """Every process below ``root`` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    with suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:  # noqa: PTH123 - procfs
                    stat = f.read()
                # The command name may hold spaces and parentheses; fields follow the last ')'.
                ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def _stop_message(signum: int, interrupted: Callable[[], str] | None) -> str:
    what = "terminated" if signum == signal.SIGTERM else "interrupted"
    left = interrupted() if interrupted is not None else "no output file was written"
    return f"{what}; {left}"


@contextmanager
def _signals_handled(interrupted: Callable[[], str] | None) -> Iterator[None]:
    """While a command runs, Ctrl-C and SIGTERM stop it at once.

    In the real program the handler kills every process below this one, removes the
    outputs being written (:func:`dedup.export.discard_temporaries`), prints one line and
    exits (130, or 143 for SIGTERM). In-process it raises :class:`_Stopped`. Forked
    workers inherit the handler; in them it only exits (the main process reports).
    Only the main thread can install handlers: elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    main = os.getpid()

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != main:
            os._exit(128 + signum)
        if not _exit_on_signal:
            # In-process: the library's own finally blocks clean up; the host's other
            # child processes are not ours to kill.
            raise _Stopped(signum)
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut this short
            signal.signal(sig, signal.SIG_IGN)
        from dedup.export import discard_temporaries

        _stop_children()
        discard_temporaries()
        if _bar_drawn and sys.stderr.isatty():
            sys.stderr.write("\r\x1b[2K\x1b[?25h")  # clear the bar's line, show the cursor
        _stderr().print(plain(f"dedup: {_stop_message(signum, interrupted)}"))
        sys.stderr.flush()
        os._exit(128 + signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _guard(fn: Callable[[], T], *, interrupted: Callable[[], str] | None = None) -> T:
    """Run ``fn``; turn dedup's errors, Ctrl-C and SIGTERM into one stderr line and an
    exit code. ``interrupted()`` says what an interrupt left behind."""
    try:
        with _signals_handled(interrupted):
            return fn()
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except NoInputError as exc:
        _fail(str(exc), EXIT_SKIPPED)
    except DedupError as exc:
        _fail(str(exc), EXIT_SKIPPED)
    except BrokenPipeError:
        # stdout was closed early (dedup text FILE | head): stop quietly, and keep Python
        # from complaining again when it flushes stdout at exit.
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(EXIT_SKIPPED) from None
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, _Stopped) else signal.SIGINT
        _fail(_stop_message(signum, interrupted), 128 + signum)


# --- shared options ------------------------------------------------------------------

PathsArg = Annotated[list[str], typer.Argument(
    help="Files, folders (recursive), globs, or - for stdin.")]
OutOpt = Annotated[Path, typer.Option(
    "--out", help="Folder for the report (HTML + scan.json).")]
JsonOpt = Annotated[str | None, typer.Option(
    "--json", help="Also write the JSON here; - for stdout (then nothing else goes to stdout).")]
ThresholdOpt = Annotated[float | None, typer.Option(
    "--threshold", help="Minimum similarity (0-1) of two passages to count as reuse.",
    min=0.0, max=1.0)]
BoilerOpt = Annotated[int | None, typer.Option(
    "--boilerplate-docs",
    help="Text found in at least this many reports (itself included) is boilerplate "
         "[default: 3, or 5% of the corpus when more].", min=2)]
LangOpt = Annotated[str, typer.Option(
    "--lang", help="auto, zh or en: how to size phrases and shingles.")]
JobsOpt = Annotated[int, typer.Option(
    "--jobs", help="Worker processes; 0 = all cores.", min=0)]
EngineOpt = Annotated[str, typer.Option(
    "--engine", help="local (in-process) or dask.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (with --engine dask).")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No summary and no progress bar.")]
MaxSizeOpt = Annotated[int | None, typer.Option(
    "--max-file-size", help="Skip input files larger than this many bytes "
                            f"[default: {MAX_FILE_SIZE}, {human_size(MAX_FILE_SIZE)}].",
    min=1, show_default=False)]
MaxUnzipOpt = Annotated[int | None, typer.Option(
    "--max-decompressed-size", help="Skip a .docx that would expand to more than this many "
                                    f"bytes, a zip bomb [default: {MAX_DECOMPRESSED_SIZE}, "
                                    f"{human_size(MAX_DECOMPRESSED_SIZE)}].",
    min=1, show_default=False)]
PdfTimeoutOpt = Annotated[float | None, typer.Option(
    "--pdf-timeout", help="Stop reading the text of one PDF after this many seconds "
                          f"[default: {PDF_TIMEOUT_SECONDS:g}].", min=0.001, show_default=False)]
HtmlOpt = Annotated[str | None, typer.Option(
    "--html", help="Also write the view as one HTML page here; - for stdout.")]
WidthOpt = Annotated[int | None, typer.Option(
    "--width", help="Width of the terminal view in cells [default: the terminal's].", min=40)]
DbCheckOpt = Annotated[Path | None, typer.Option(
    "--db", help="Also check against this corpus index (see dedup index add).",
    show_default=False)]
ViewQuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q",
    help="No progress bar; and no terminal view when the result goes to a file "
         "(--html, --json, --csv).")]


def config_from_options(
    *,
    threshold: float | None = None,
    boilerplate_docs: int | None = None,
    lang: str = "auto",
    jobs: int = 0,
    engine: str = "local",
    scheduler: str | None = None,
    max_file_size: int | None = None,
    max_decompressed_size: int | None = None,
    pdf_timeout: float | None = None,
) -> Config:
    """The one place where command-line options become a :class:`Config`."""
    if lang not in ("auto", "zh", "en"):
        raise ConfigError(f"--lang must be auto, zh or en (got {lang!r})")
    if engine not in ("local", "dask"):
        raise ConfigError(f"--engine must be local or dask (got {engine!r})")
    kwargs: dict[str, Any] = {}
    if threshold is not None:
        kwargs["threshold"] = threshold
    if max_file_size is not None:
        kwargs["max_file_size"] = max_file_size
    if max_decompressed_size is not None:
        kwargs["max_decompressed_size"] = max_decompressed_size
    if pdf_timeout is not None:
        kwargs["pdf_timeout"] = pdf_timeout
    lang_value: Lang = lang  # type: ignore[assignment]  # checked above
    engine_value: Engine = engine  # type: ignore[assignment]  # checked above
    return Config(boilerplate_docs=boilerplate_docs, lang=lang_value, jobs=jobs,
                  engine=engine_value, scheduler=scheduler, **kwargs)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on stderr, handed to the library as a callback."""
    if not enabled:
        yield None
        return
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description:<10}"), BarColumn(),
                  TextColumn("{task.fields[count]}"),
                  TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            count = f"{done}/{total}" if total else str(done)  # total 0: not known yet
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None, count=count)
            bar.update(tasks[stage], completed=done, total=total or None, count=count)

        global _bar_drawn
        _bar_drawn = True
        try:
            yield update
        finally:
            _bar_drawn = False


def _report_skipped(result: ScanResult) -> int:
    """One stderr line per unreadable input, one for all ignored files; the exit code."""
    err = _stderr()
    errors = [s for s in result.skipped if not s.ignored]
    for s in errors:
        err.print(plain(f"dedup: skipped {s.path!r}: {s.reason}"))
    ignored = [s for s in result.skipped if s.ignored]
    if ignored:
        names = ", ".join(repr(s.path) for s in ignored[:3]) + (" …" if len(ignored) > 3 else "")
        what = "file that is not a document" if len(ignored) == 1 else \
            "files that are not documents"
        err.print(plain(f"dedup: ignored {len(ignored)} {what} ({names}); name a file on the "
                        "command line to read it as text"))
    return EXIT_SKIPPED if errors else EXIT_OK


def _stdout_console(width: int | None = None) -> Console:
    return Console(highlight=False, width=width)


def _one_stdout(**outputs: str | None) -> None:
    """At most one output may go to stdout (``-``)."""
    to_stdout = [f"--{name}" for name, dest in outputs.items() if dest == "-"]
    if len(to_stdout) > 1:
        raise ConfigError(f"only one of {' and '.join(to_stdout)} can be - (stdout); "
                          "write the others to files")


def _emit(dest: str, content: str, *, bom: bool = False) -> None:
    """Write ``content`` to the file ``dest`` (atomically; with a UTF-8 BOM if ``bom``),
    or to stdout when ``dest`` is ``-``."""
    from dedup.errors import OutputError
    from dedup.export import atomic_write_text

    if dest == "-":
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    try:
        atomic_write_text(Path(dest), ("\ufeff" if bom else "") + content)
    except OSError as exc:
        raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from exc


def _html_renderer(name: str) -> Callable[..., str]:
    """``dedup.render.html.<name>``, or a usage error when this build has no HTML pages."""
    why = "it is missing"
    try:
        html: object = importlib.import_module("dedup.render.html")
    except ImportError as exc:
        html, why = None, f"it cannot be loaded: {exc}"
    fn = getattr(html, name, None)
    if not callable(fn):
        raise ConfigError(f"--html is not available: this dedup has no HTML renderer "
                          f"(dedup.render.html.{name}; {why}); leave out --html")
    return fn  # type: ignore[no-any-return]  # checked callable; returns the page as str


def _show_view(render: Callable[[Console], None], width: int | None,
               *outputs: str | None) -> None:
    """Print a view on stdout, then the files written (outputs that are not stdout)."""
    console = _stdout_console(width)
    render(console)
    for dest in outputs:
        if dest is not None and dest != "-":
            console.print(plain(f"written: {dest}"), style="dim")


def _view_wanted(quiet: bool, *outputs: str | None) -> bool:
    """Print the terminal view unless stdout holds a file format, or ``--quiet`` and the
    result goes to a file."""
    if "-" in outputs:
        return False
    return not (quiet and any(o is not None for o in outputs))


@app.command()
def scan(
    paths: PathsArg,
    out: OutOpt = Path("reports"),
    json_out: JsonOpt = None,
    no_html: Annotated[bool, typer.Option(
        "--no-html", help="Write scan.json only, no HTML pages.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace --out even if it was not written by dedup.")] = False,
    max_pair_pages: Annotated[int | None, typer.Option(
        "--max-pair-pages", help="Write at most this many pair pages (most similar first).",
        min=0)] = None,
    threshold: ThresholdOpt = None,
    boilerplate_docs: BoilerOpt = None,
    lang: LangOpt = "auto",
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    max_file_size: MaxSizeOpt = None,
    max_decompressed_size: MaxUnzipOpt = None,
    pdf_timeout: PdfTimeoutOpt = None,
    quiet: QuietOpt = False,
    db: DbCheckOpt = None,
) -> None:
    """Scan reports: similarity matrix, reused passages, stock phrases, what is new.

    With --db, each report is also checked against a corpus index: the indexed documents
    it shares text with join the scan (marked "indexed": true in the JSON)."""

    earlier = _report_stamp(out)

    def work() -> int:
        from dedup.export import dumps, to_json
        from dedup.output import write_report_folder
        from dedup.pipeline import run
        from dedup.render.terminal import render_summary

        config = config_from_options(threshold=threshold, boilerplate_docs=boilerplate_docs,
                                     lang=lang, jobs=jobs, engine=engine, scheduler=scheduler,
                                     max_file_size=max_file_size,
                                     max_decompressed_size=max_decompressed_size,
                                     pdf_timeout=pdf_timeout)
        json_to_stdout = json_out == "-"
        started = time.perf_counter()
        with _progress(not quiet) as progress:
            if db is None:
                result = run(paths, config, progress=progress)
            else:
                from dedup.index import scan_with_index

                result = scan_with_index(paths, db, config, progress=progress)
        written: list[tuple[str, Path]] = []
        try:
            json_path = write_report_folder(
                result, out, html=not no_html, force=force, max_pair_pages=max_pair_pages,
                jobs=config.effective_jobs if config.engine == "local" else 1)
        except OSError as exc:
            raise OutputError(f"cannot write the report to {out}: {exc.strerror or exc}"
                              ) from exc
        if not no_html:
            written.append(("report", out / "index.html"))
        written.append(("json", json_path))
        if json_out is not None and not json_to_stdout:
            _emit(json_out, dumps(to_json(result)))
            written.append(("json", Path(json_out)))
        elapsed = time.perf_counter() - started
        code = _report_skipped(result)
        if json_to_stdout:
            sys.stdout.write(dumps(to_json(result)))
            sys.stdout.flush()
        elif not quiet:
            # Paths the user typed are shown, control characters and all, never obeyed.
            shown = [(what, Path(plain(str(path)).plain)) for what, path in written]
            render_summary(result, _stdout_console(), elapsed=elapsed, written=shown)
        return code

    def interrupted() -> str:
        now = _report_stamp(out)
        if now is not None and now != earlier:
            return f"the report in {out} had been written"
        if earlier is not None:
            return f"{out} still holds the earlier report"
        return "no report was written"

    code = _guard(work, interrupted=interrupted)
    raise typer.Exit(code)


def _report_stamp(out: Path) -> tuple[int, int] | None:
    """Which report is in ``out`` (its marker's inode and time), or None."""
    from dedup.output import MARKER

    try:
        st = (out / MARKER).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


@app.command()
def text(
    file: Annotated[str, typer.Argument(
        help="Any input dedup reads (.txt .md .html .docx .pdf, or - for stdin).")],
    max_file_size: MaxSizeOpt = None,
    max_decompressed_size: MaxUnzipOpt = None,
    pdf_timeout: PdfTimeoutOpt = None,
) -> None:
    """Print the text dedup reads from FILE; every offset dedup reports indexes into it."""

    def work() -> None:
        from dedup.ingest import read_document

        config = config_from_options(max_file_size=max_file_size,
                                     max_decompressed_size=max_decompressed_size,
                                     pdf_timeout=pdf_timeout)
        doc = read_document(file, config)
        sys.stdout.write(doc.text)
        sys.stdout.flush()

    _guard(work)


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="Report A (left column).")],
    b: Annotated[str, typer.Argument(help="Report B (right column).")],
    html_out: HtmlOpt = None,
    json_out: Annotated[str | None, typer.Option(
        "--json", help="Also write the alignment (figures, passages with edits, rows) as JSON "
                       "here; - for stdout (then nothing else goes to stdout).")] = None,
    width: WidthOpt = None,
    context: Annotated[int | None, typer.Option(
        "--context", help="Shorten text only one side has to this many characters at each "
                          "end, with '… N characters …' between [default: show everything].",
        min=0)] = None,
    threshold: ThresholdOpt = None,
    boilerplate_docs: BoilerOpt = None,
    lang: LangOpt = "auto",
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    max_file_size: MaxSizeOpt = None,
    max_decompressed_size: MaxUnzipOpt = None,
    pdf_timeout: PdfTimeoutOpt = None,
    quiet: ViewQuietOpt = False,
) -> None:
    """Show reports A and B side by side: shared passages, edits, moves, each one's own text."""

    def work() -> int:
        from dedup.export import dumps
        from dedup.pipeline import compare
        from dedup.render.diffview import diff_data, find_pair, render_diff

        config = config_from_options(threshold=threshold, boilerplate_docs=boilerplate_docs,
                                     lang=lang, jobs=jobs, engine=engine, scheduler=scheduler,
                                     max_file_size=max_file_size,
                                     max_decompressed_size=max_decompressed_size,
                                     pdf_timeout=pdf_timeout)
        _one_stdout(json=json_out, html=html_out)
        page = _html_renderer("render_pair_page") if html_out is not None else None
        with _progress(not quiet) as progress:
            result = compare(a, b, config, progress=progress)
        if json_out is not None:
            _emit(json_out, dumps(diff_data(result)))
        if page is not None and html_out is not None:
            _emit(html_out, page(result, find_pair(result, 0, 1)))
        if _view_wanted(quiet, json_out, html_out):
            _show_view(lambda c: render_diff(result, c, context=context), width,
                       json_out, html_out)
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command()
def new(
    report: Annotated[str, typer.Argument(help="The report to check.")],
    more: Annotated[list[str] | None, typer.Argument(
        help="More paths to compare with (as after --against), so that --against *.txt works.",
        show_default=False)] = None,
    against: Annotated[list[str] | None, typer.Option(
        "--against", help="Reports to compare with: files, folders, globs (repeatable; more "
                          "paths may follow without the flag).", show_default=False)] = None,
    html_out: HtmlOpt = None,
    json_out: Annotated[str | None, typer.Option(
        "--json", help="Also write REPORT's entry (spans with sources, shares), its sources "
                       "and its pairs as JSON here; - for stdout.")] = None,
    width: WidthOpt = None,
    threshold: ThresholdOpt = None,
    boilerplate_docs: BoilerOpt = None,
    lang: LangOpt = "auto",
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    max_file_size: MaxSizeOpt = None,
    max_decompressed_size: MaxUnzipOpt = None,
    pdf_timeout: PdfTimeoutOpt = None,
    quiet: ViewQuietOpt = False,
    db: DbCheckOpt = None,
) -> None:
    """Show what is new in REPORT compared with other reports, and where the rest came from.

    The other reports are those given with --against, and with --db those of a corpus
    index that share text with REPORT."""

    def work() -> int:
        from dedup.export import dumps
        from dedup.pipeline import check_new
        from dedup.render.newview import new_data, render_new

        config = config_from_options(threshold=threshold, boilerplate_docs=boilerplate_docs,
                                     lang=lang, jobs=jobs, engine=engine, scheduler=scheduler,
                                     max_file_size=max_file_size,
                                     max_decompressed_size=max_decompressed_size,
                                     pdf_timeout=pdf_timeout)
        others = [*(against or []), *(more or [])]
        if not against and db is None:
            raise ConfigError("give the reports to compare with: --against PATH... "
                              "or --db INDEX")
        if more and not against:
            raise ConfigError(f"unexpected extra argument {more[0]!r}; to compare with more "
                              "reports, use --against PATH...")
        _one_stdout(json=json_out, html=html_out)
        page = _html_renderer("render_report_page") if html_out is not None else None
        with _progress(not quiet) as progress:
            if db is None:
                result, index = check_new(report, others, config, progress=progress)
            else:
                from dedup.index import check_against_index

                result, index = check_against_index(report, db, config, against=others,
                                                    progress=progress)
        code = _report_skipped(result)
        if len(result.documents) < 2 and db is None:
            raise NoInputError(f"nothing to compare {report} with: no readable documents "
                               f"in {', '.join(others)}")
        if json_out is not None:
            _emit(json_out, dumps(new_data(result, index)))
        if page is not None and html_out is not None:
            _emit(html_out, page(result, index, standalone=True))
        if _view_wanted(quiet, json_out, html_out):
            _show_view(lambda c: render_new(result, index, c), width, json_out, html_out)
        return code

    raise typer.Exit(_guard(work))


@app.command()
def phrases(
    paths: PathsArg,
    min_docs: Annotated[int | None, typer.Option(
        "--min-docs", "--boilerplate-docs",
        help="A phrase must occur in at least this many reports [default: 3, or 5% of the "
             "corpus when more].", min=2)] = None,
    sort: Annotated[str, typer.Option(
        "--sort", help="count (occurrences), length, or docs (reports).")] = "count",
    limit: Annotated[int | None, typer.Option(
        "--limit", help="Show at most this many phrases (files get the same selection).",
        min=1)] = None,
    json_out: Annotated[str | None, typer.Option(
        "--json", help="Also write the catalogue as JSON here; - for stdout.")] = None,
    csv_out: Annotated[str | None, typer.Option(
        "--csv", help="Also write the catalogue as CSV (UTF-8, header row; a BOM in files, "
                      "for Excel) here; - for stdout.")] = None,
    width: WidthOpt = None,
    threshold: ThresholdOpt = None,
    lang: LangOpt = "auto",
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    max_file_size: MaxSizeOpt = None,
    max_decompressed_size: MaxUnzipOpt = None,
    pdf_timeout: PdfTimeoutOpt = None,
    quiet: ViewQuietOpt = False,
) -> None:
    """List the stock phrases: text found in many reports, with how often it occurs."""

    def work() -> int:
        from io import StringIO

        from dedup.export import dumps
        from dedup.pipeline import run
        from dedup.render.phrasesview import (
            SORT_KEYS,
            phrases_csv,
            phrases_data,
            render_phrases,
            sort_phrases,
        )

        if sort not in SORT_KEYS:
            raise ConfigError(f"--sort must be one of {', '.join(SORT_KEYS)} (got {sort!r})")
        config = config_from_options(threshold=threshold, boilerplate_docs=min_docs, lang=lang,
                                     jobs=jobs, engine=engine, scheduler=scheduler,
                                     max_file_size=max_file_size,
                                     max_decompressed_size=max_decompressed_size,
                                     pdf_timeout=pdf_timeout)
        _one_stdout(json=json_out, csv=csv_out)
        with _progress(not quiet) as progress:
            result = run(paths, config, progress=progress)
        code = _report_skipped(result)
        chosen = sort_phrases(result.phrases, sort)[:limit]  # sort narrowed by the check
        if json_out is not None:
            _emit(json_out, dumps(phrases_data(result, chosen)))
        if csv_out is not None:
            buffer = StringIO(newline="")
            phrases_csv(result, chosen, buffer)
            _emit(csv_out, buffer.getvalue(), bom=csv_out != "-")
        if _view_wanted(quiet, json_out, csv_out):
            _show_view(lambda c: render_phrases(result, chosen, c), width, json_out, csv_out)
        return code

    raise typer.Exit(_guard(work))


# --- dedup index ---------------------------------------------------------------------

index_app = typer.Typer(
    name="index",
    help="A persistent corpus index (one SQLite file) to check new reports against many.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(index_app, name="index")

DbOpt = Annotated[Path, typer.Option(
    "--db", help="The index file (SQLite); index add creates it.", show_default=False)]


def _skipped_only(skipped: list[Skipped]) -> ScanResult:
    return ScanResult(config={}, documents=[], pairs=[], phrases=[], skipped=skipped)


@index_app.command("add")
def index_add(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive), globs.")],
    db: DbOpt,
    lang: LangOpt = "auto",
    jobs: JobsOpt = 0,
    max_file_size: MaxSizeOpt = None,
    max_decompressed_size: MaxUnzipOpt = None,
    pdf_timeout: PdfTimeoutOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Add reports to the index (created if missing).

    Files already indexed are skipped when unchanged (same sha256) and replaced when
    changed. Each batch of files is stored in one transaction: an interrupted add keeps
    what it had stored and can simply be run again."""

    def work() -> int:
        from dedup.index import CorpusIndex, add_paths
        from dedup.render.indexview import render_add

        config = config_from_options(lang=lang, jobs=jobs, max_file_size=max_file_size,
                                     max_decompressed_size=max_decompressed_size,
                                     pdf_timeout=pdf_timeout)
        with _progress(not quiet) as progress:
            report = add_paths(db, paths, config, progress=progress)
        code = _report_skipped(_skipped_only(report.skipped))
        if not quiet:
            with CorpusIndex.open(db) as index:
                stats = index.stats()
            render_add(report, _stdout_console(), stats)
        return code

    raise typer.Exit(_guard(work, interrupted=lambda: (
        f"{db} keeps the documents stored before (each batch is one transaction); "
        "run the same add again to finish")))


@index_app.command("stats")
def index_stats(
    db: DbOpt,
    json_out: Annotated[bool, typer.Option(
        "--json", help="Print the figures as JSON.")] = False,
) -> None:
    """What the index holds: documents, size on disk, fingerprints, schema, last update."""

    def work() -> int:
        from dedup.export import dumps
        from dedup.index import CorpusIndex
        from dedup.render.indexview import render_stats, stats_data

        with CorpusIndex.open(db) as index:
            stats = index.stats()
        if json_out:
            _emit("-", dumps(stats_data(stats)))
        else:
            render_stats(stats, _stdout_console())
        return EXIT_OK

    raise typer.Exit(_guard(work))


@index_app.command("rm")
def index_rm(
    refs: Annotated[list[str], typer.Argument(
        help="Documents to remove: their ids (as index add printed them) or file paths.")],
    db: DbOpt,
    quiet: QuietOpt = False,
) -> None:
    """Remove documents from the index (all in one transaction)."""

    def work() -> int:
        from dedup.index import CorpusIndex
        from dedup.render.indexview import render_removed

        with CorpusIndex.open(db, write=True) as index:
            found = {ref: index.find(ref) for ref in refs}
            chosen = {f.doc: f.name for f in found.values() if f is not None}
            index.remove(list(chosen))
            index.checkpoint()
            stats = index.stats()
        missing = [ref for ref, f in found.items() if f is None]
        for ref in missing:
            _stderr().print(f"dedup: not in the index: {ref!r}", markup=False)
        if not quiet:
            render_removed(list(chosen.values()), stats, _stdout_console())
        return EXIT_SKIPPED if missing else EXIT_OK

    raise typer.Exit(_guard(work, interrupted=lambda: (
        f"{db} is as it was, or without all of them (one transaction)")))


def _version(value: bool) -> None:
    if value:
        print(f"dedup {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the version and exit.")] = False,
) -> None:
    """dedup: reused passages, stock phrases and new content across reports."""


def main() -> None:
    """Console-script entry point."""
    global _exit_on_signal
    _exit_on_signal = True
    try:
        app()
    except KeyboardInterrupt:  # before a command started (or after it ended)
        _stderr().print("dedup: interrupted", markup=False)
        sys.exit(EXIT_INTERRUPTED)
