"""The ``dedup`` command line: a thin layer over the library.

Options map onto :class:`~dedup.config.Config` in exactly one place
(:func:`config_from_options`); exceptions become exit codes and one stderr line in
exactly one place (:func:`_guard`). Exit codes: 0 ok, 1 some inputs skipped or nothing
readable, 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dedup import __version__
from dedup.config import Config, Engine, Lang
from dedup.errors import ConfigError, DedupError, NoInputError
from dedup.model import ScanResult

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
    _stderr().print(f"dedup: {message}", markup=False)
    raise typer.Exit(code)


def _guard(fn: Callable[[], T]) -> T:
    """Run ``fn``; turn dedup's errors and Ctrl-C into one stderr line and an exit code."""
    try:
        return fn()
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except NoInputError as exc:
        _fail(str(exc), EXIT_SKIPPED)
    except DedupError as exc:
        _fail(str(exc), EXIT_SKIPPED)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", EXIT_INTERRUPTED)


# --- shared options ------------------------------------------------------------------

PathsArg = Annotated[list[str], typer.Argument(help="Files, folders (recursive), globs, or - for stdin.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Folder for the report (HTML + scan.json).")]
JsonOpt = Annotated[str | None, typer.Option("--json", help="Also write the JSON here; - for stdout (then nothing else goes to stdout).")]
ThresholdOpt = Annotated[float | None, typer.Option("--threshold", help="Minimum similarity (0-1) of two passages to count as reuse.", min=0.0, max=1.0)]
BoilerOpt = Annotated[int | None, typer.Option("--boilerplate-docs", help="Text found in at least this many reports (itself included) is boilerplate [default: 3, or 5% of the corpus when more].", min=2)]
LangOpt = Annotated[str, typer.Option("--lang", help="auto, zh or en: how to size phrases and shingles.")]
JobsOpt = Annotated[int, typer.Option("--jobs", help="Worker processes; 0 = all cores.", min=0)]
EngineOpt = Annotated[str, typer.Option("--engine", help="local (in-process) or dask.")]
SchedulerOpt = Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (with --engine dask).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No summary and no progress bar.")]
MaxSizeOpt = Annotated[int | None, typer.Option("--max-file-size", help="Skip input files larger than this many bytes.", min=1)]


def config_from_options(
    *,
    threshold: float | None = None,
    boilerplate_docs: int | None = None,
    lang: str = "auto",
    jobs: int = 0,
    engine: str = "local",
    scheduler: str | None = None,
    max_file_size: int | None = None,
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
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield update


def _report_skipped(result: ScanResult) -> None:
    err = _stderr()
    for s in result.skipped:
        err.print(f"dedup: skipped {s.path!r}: {s.reason}", markup=False)


def _stdout_console() -> Console:
    return Console(highlight=False)


@app.command()
def scan(
    paths: PathsArg,
    out: OutOpt = Path("reports"),
    json_out: JsonOpt = None,
    no_html: Annotated[bool, typer.Option("--no-html", help="Write scan.json only, no HTML pages.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace --out even if it was not written by dedup.")] = False,
    max_pair_pages: Annotated[int | None, typer.Option("--max-pair-pages", help="Write at most this many pair pages (most similar first).", min=0)] = None,
    threshold: ThresholdOpt = None,
    boilerplate_docs: BoilerOpt = None,
    lang: LangOpt = "auto",
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    max_file_size: MaxSizeOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Scan reports: similarity matrix, reused passages, stock phrases, what is new."""

    def work() -> int:
        from dedup.export import atomic_write_text, dumps, to_json
        from dedup.output import write_report_folder
        from dedup.pipeline import run
        from dedup.render.terminal import render_summary

        config = config_from_options(threshold=threshold, boilerplate_docs=boilerplate_docs,
                                     lang=lang, jobs=jobs, engine=engine, scheduler=scheduler,
                                     max_file_size=max_file_size)
        json_to_stdout = json_out == "-"
        started = time.perf_counter()
        with _progress(not quiet) as progress:
            result = run(paths, config, progress=progress)
        written: list[tuple[str, Path]] = []
        json_path = write_report_folder(result, out, html=not no_html, force=force,
                                        max_pair_pages=max_pair_pages)
        if not no_html:
            written.append(("report", out / "index.html"))
        written.append(("json", json_path))
        if json_out is not None and not json_to_stdout:
            atomic_write_text(Path(json_out), dumps(to_json(result)))
            written.append(("json", Path(json_out)))
        elapsed = time.perf_counter() - started
        _report_skipped(result)
        if json_to_stdout:
            sys.stdout.write(dumps(to_json(result)))
            sys.stdout.flush()
        elif not quiet:
            render_summary(result, _stdout_console(), elapsed=elapsed, written=written)
        return EXIT_SKIPPED if result.skipped else EXIT_OK

    code = _guard(work)
    raise typer.Exit(code)


@app.command()
def text(
    file: Annotated[str, typer.Argument(help="Any input dedup reads (.txt .md .html .docx .pdf, or - for stdin).")],
    max_file_size: MaxSizeOpt = None,
) -> None:
    """Print the text dedup reads from FILE; every offset dedup reports indexes into it."""

    def work() -> None:
        from dedup.ingest import read_document

        config = config_from_options(max_file_size=max_file_size)
        doc = read_document(file, config)
        sys.stdout.write(doc.text)
        sys.stdout.flush()

    _guard(work)


def _version(value: bool) -> None:
    if value:
        print(f"dedup {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """dedup: reused passages, stock phrases and new content across reports."""


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        _stderr().print("dedup: interrupted", markup=False)
        sys.exit(EXIT_INTERRUPTED)
