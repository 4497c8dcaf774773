"""Writing the report folder: all of it or none of it.

The folder is built under a temporary name next to its destination and renamed into
place at the end, so an interrupted scan never leaves a result that looks complete. A
folder is only replaced when it is empty or was written by dedup (it holds the marker
file), unless ``force`` is given.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from dedup.errors import OutputError
from dedup.export import dumps, to_json
from dedup.model import ScanResult

__all__ = ["MARKER", "write_report_folder"]

#: Present in every folder dedup writes; says the folder may be replaced by a new scan.
MARKER = ".dedup-report"


def _replaceable(out: Path, force: bool) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder; choose another --out")
    # A folder holding only hidden files (.gitkeep, .DS_Store) counts as empty.
    if force or (out / MARKER).exists() or all(p.name.startswith(".") for p in out.iterdir()):
        return
    raise OutputError(
        f"{out} is not empty and was not written by dedup; choose another --out "
        "or add --force to replace it"
    )


def write_report_folder(
    result: ScanResult,
    out: Path,
    *,
    html: bool = True,
    force: bool = False,
    max_pair_pages: int | None = None,
) -> Path:
    """Write ``scan.json`` (and the HTML pages) to ``out``; returns the JSON's path."""
    _replaceable(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; a report folder is not
    try:
        data = to_json(result)
        (staging / "scan.json").write_text(dumps(data), encoding="utf-8")
        if html:
            from dedup.render.html import write_site

            write_site(result, data, staging, max_pair_pages=max_pair_pages)
        (staging / MARKER).write_text("written by dedup; a new scan may replace this folder\n",
                                      encoding="utf-8")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out / "scan.json"


def _swap(staging: Path, out: Path) -> None:
    """Move ``staging`` to ``out``; the old folder is removed only after the rename."""
    if not out.exists():
        staging.rename(out)
        return
    old = staging.with_name(staging.name + ".old")
    out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
