"""Writing the report folder: all of it or none of it.

The folder is built under a temporary name next to its destination and renamed into
place at the end, so an interrupted scan never leaves a result that looks complete. A
folder is only replaced when it is empty or was written by dedup (it holds the marker
file), unless ``force`` is given; a folder that holds the documents being scanned (or
the current directory) is never replaced.

Names used next to ``out`` (``reports`` here)::

    .reports.incomplete.<random>.partial   being written; holds .dedup-incomplete
    .reports.replaced.<random>.old         the earlier report, while it is swapped out

A process killed outright (SIGKILL, power loss) leaves such a folder behind: its name,
the missing marker and the ``.dedup-incomplete`` file (which names the process) say it is
unfinished. The next write to the same ``out`` removes the ones whose process is gone,
and puts an earlier report back if the kill came between the two renames of the swap.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from dedup.errors import OutputError
from dedup.export import dumps, temporary, to_json
from dedup.ingest.discover import REPORT_MARKER
from dedup.model import ScanResult

__all__ = ["MARKER", "OWNER", "clean_stale", "write_report_folder"]

#: Present in every folder dedup writes; says the folder may be replaced by a new scan.
#: (dedup.ingest.discover skips folders holding it: a report is never read as input.)
MARKER = REPORT_MARKER
#: Present only while a folder is being written: who writes it (JSON: pid, host, start).
OWNER = ".dedup-incomplete"

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers

_STAGING = ".incomplete."
_ATTEMPTS = 10
_OLD = ".replaced."


def _replaceable(out: Path, force: bool, result: ScanResult) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder; choose another --out")
    _not_an_input(out, result)
    # A folder holding only hidden files (.gitkeep, .DS_Store) counts as empty.
    if force or (out / MARKER).exists() or all(p.name.startswith(".") for p in out.iterdir()):
        return
    raise OutputError(
        f"{out} is not empty and was not written by dedup; choose another --out "
        "or add --force to replace it"
    )


def _not_an_input(out: Path, result: ScanResult) -> None:
    """Refuse (even with --force) to replace a folder holding the scan's own inputs or
    the current folder. Paths are compared as written (made absolute, no file system
    calls per document) and as resolved for the current folder."""
    targets = {Path(os.path.abspath(out)), out.resolve()}  # noqa: PTH100 - no resolving
    held = [("the current folder", Path.cwd()), ("the current folder", Path.cwd().resolve())]
    held += [(f"the scanned file {r.document.path}", Path(os.path.abspath(r.document.path)))  # noqa: PTH100
             for r in result.documents if not r.document.path.startswith("<")]
    for what, path in held:
        if targets & {path, *path.parents}:
            raise OutputError(f"{out} holds {what}; a report cannot replace it, "
                              "choose another --out")


def write_report_folder(
    result: ScanResult,
    out: Path,
    *,
    html: bool = True,
    force: bool = False,
    max_pair_pages: int | None = None,
    jobs: int = 1,
) -> Path:
    """Write ``scan.json`` (and the HTML pages) to ``out``; returns the JSON's path.

    When ``out`` is a symbolic link to a folder, the folder it points to is replaced
    and the link is kept.
    """
    if out.is_symlink() and out.is_dir():
        out = out.resolve()
    _replaceable(out, force, result)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out)
    for attempt in range(_ATTEMPTS):
        # Noted as temporary before it exists, so that no instant leaves it unaccounted.
        staging = out.parent / f".{out.name}{_STAGING}{secrets.token_hex(6)}.partial"
        with temporary(staging):
            try:
                staging.mkdir()  # as readable as any folder the user makes (their umask)
            except FileExistsError:
                if attempt + 1 == _ATTEMPTS:
                    raise
                continue
            _write(staging, out, result, html=html, max_pair_pages=max_pair_pages, jobs=jobs)
            break
    return out / "scan.json"


def _write(staging: Path, out: Path, result: ScanResult, *, html: bool,
           max_pair_pages: int | None, jobs: int = 1) -> None:
    try:
        _claim(staging)
        data = to_json(result)
        (staging / "scan.json").write_text(dumps(data), encoding="utf-8")
        if html:
            from dedup.render.html import write_site

            write_site(result, data, staging, max_pair_pages=max_pair_pages, jobs=jobs)
        # Marker first: at no instant is the folder without both (a kill leaves it owned).
        (staging / MARKER).write_text("written by dedup; a new scan may replace this folder\n",
                                      encoding="utf-8")
        (staging / OWNER).unlink()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old: Path | None = None
    with contextlib.ExitStack() as stack:
        try:
            with _interrupts_held():
                try:
                    old = _swap(staging, out)
                except BaseException:
                    shutil.rmtree(staging, ignore_errors=True)
                    raise
                if old is not None:  # noted before a held interrupt is delivered
                    stack.enter_context(temporary(old))
        finally:  # the new report is in place even if a held interrupt arrives now
            if old is not None:
                _discard(old)


def _swap(staging: Path, out: Path) -> Path | None:
    """Move ``staging`` to ``out``; returns where the earlier report went, to be removed."""
    if not out.exists():
        staging.rename(out)
        return None
    token = staging.name.removesuffix(".partial").rpartition(_STAGING)[2]
    old = out.parent / f".{out.name}{_OLD}{token}.old"
    with contextlib.suppress(OSError):  # so that a kill right after the rename is cleaned up
        _claim(out)
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        if not out.exists():
            old.rename(out)
        with contextlib.suppress(OSError):
            (out / OWNER).unlink()
        raise
    return old


def _discard(folder: Path) -> None:
    """Remove an earlier report; its marker goes first, so a removal cut short never
    leaves something that could be mistaken for (or restored as) a whole report."""
    if folder.is_symlink():
        folder.unlink()
        return
    with contextlib.suppress(OSError):
        (folder / MARKER).unlink()
    shutil.rmtree(folder, ignore_errors=True)


# --- held interrupts ------------------------------------------------------------------


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for the two renames of the swap, then deliver them.

    An interrupt between the renames would leave neither report at ``out``. Outside the
    main thread, or for a signal whose handler was not installed from Python, nothing is
    held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[signal.Signals] = []
    previous: dict[signal.Signals, Handler] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if handler is None:
            continue
        previous[sig] = handler
        signal.signal(sig, lambda signum, frame: held.append(signal.Signals(signum)))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in held:
            signal.raise_signal(sig)  # now the usual handler runs (KeyboardInterrupt...)


# --- staging folders and their owners -------------------------------------------------


def _start_time(pid: int) -> str | None:
    """The kernel's start time of process ``pid`` (tells a reused pid apart), if known."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:  # noqa: PTH123 - Linux procfs, one line
            stat = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses; fields follow the last ')'.
    return stat[stat.rindex(b")") + 2 :].split()[19].decode()


def _claim(folder: Path) -> None:
    owner = {
        "note": "an unfinished report: dedup stopped before it was complete; the next scan "
                "writing next to it removes it",
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "start": _start_time(os.getpid()),
    }
    (folder / OWNER).write_text(json.dumps(owner) + "\n", encoding="utf-8")


def _abandoned(folder: Path) -> bool:
    """True when ``folder`` holds an owner file of a process on this host that is gone."""
    try:
        owner = json.loads((folder / OWNER).read_text(encoding="utf-8"))
        pid, host, start = int(owner["pid"]), str(owner["host"]), owner.get("start")
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if host != socket.gethostname():
        return False  # a shared folder: another machine's process may still be writing
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    return start is not None and _start_time(pid) not in (None, start)


#: An empty staging folder without an owner file is left alone this long (seconds): it
#: may be one another scan has just made.
_EMPTY_GRACE = 60.0


def _empty_and_old(folder: Path) -> bool:
    try:
        return not any(folder.iterdir()) and time.time() - folder.stat().st_mtime > _EMPTY_GRACE
    except OSError:
        return False


def clean_stale(out: Path) -> list[Path]:
    """Remove what killed scans left next to ``out``; returns the folders removed.

    Only folders named as this module names them *and* holding an owner file of a
    process that no longer runs are touched. An earlier report swapped out by a scan
    killed before it could move the new one in is renamed back to ``out``.
    """
    removed: list[Path] = []
    try:
        candidates = sorted(out.parent.iterdir())
    except OSError:
        return removed
    for folder in candidates:
        name = folder.name
        staging = name.startswith(f".{out.name}{_STAGING}") and name.endswith(".partial")
        old = name.startswith(f".{out.name}{_OLD}") and name.endswith(".old")
        if not (staging or old) or folder.is_symlink() or not folder.is_dir():
            continue
        if not (folder / OWNER).exists() and _empty_and_old(folder):
            # Killed between making the folder and writing the owner file into it.
            with contextlib.suppress(OSError):
                folder.rmdir()
                removed.append(folder)
            continue
        if not _abandoned(folder):
            continue
        if old and not out.exists() and (folder / MARKER).is_file():
            with contextlib.suppress(OSError):
                (folder / OWNER).unlink()
                folder.rename(out)
                continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
