"""The index file: schema, creation, and refusing anything that is not a dedup index.

An index is an SQLite database (WAL mode: readers never wait for a writer) whose header
carries :data:`APPLICATION_ID` and whose ``user_version`` is the schema version. A file is
opened only after its first 100 bytes say it is a dedup index, so a foreign database, an
empty or random file is reported and never touched; a newer schema is refused with a
message to upgrade. Every SQLite error becomes a :class:`~dedup.errors.CorpusIndexError`
that names the file and says what to do.

Tables (schema 1)::

    meta(key, value)                      magic, schema, params, probe, counters, times
    documents(doc, name, path, sha256, format, encoding, notes, bytes, chars, lang,
              kgrams, bands, added)       one row per indexed file; path is the key
    texts(doc, z)                         the text dedup read, UTF-8, zlib-compressed
    kgrams(hash, doc)                     winnowed k-gram fingerprints   (WITHOUT ROWID)
    bands(key, doc)                       sentence MinHash band keys     (WITHOUT ROWID)
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from dedup import __version__
from dedup.errors import CorpusIndexError
from dedup.index.features import Params, probe_digest

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT",
    "MAGIC",
    "SCHEMA_VERSION",
    "connect",
    "create",
    "sqlite_errors",
]

#: ``PRAGMA application_id`` of every dedup index ("ddup" in ASCII).
APPLICATION_ID = 0x64647570
#: ``PRAGMA user_version``: bumped whenever the tables change incompatibly.
SCHEMA_VERSION = 1
#: ``meta.magic``: a second, readable mark.
MAGIC = "dedup corpus index"

#: Seconds a process waits for another one's write transaction (one batch of an ``add``)
#: before giving up with a message. Batches are bounded (see ``add``), so waiting this
#: long means something is stuck, not busy.
BUSY_TIMEOUT = 600.0

_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER = 100

_TABLES = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID",
    """CREATE TABLE documents (
        doc INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        format TEXT NOT NULL,
        encoding TEXT NOT NULL,
        notes TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        chars INTEGER NOT NULL,
        lang TEXT NOT NULL,
        kgrams INTEGER NOT NULL,
        bands INTEGER NOT NULL,
        added REAL NOT NULL)""",
    "CREATE INDEX documents_lang ON documents (lang)",
    "CREATE TABLE texts (doc INTEGER PRIMARY KEY, z BLOB NOT NULL)",
    """CREATE TABLE kgrams (hash INTEGER NOT NULL, doc INTEGER NOT NULL,
        PRIMARY KEY (hash, doc)) WITHOUT ROWID""",
    """CREATE TABLE bands (key INTEGER NOT NULL, doc INTEGER NOT NULL,
        PRIMARY KEY (key, doc)) WITHOUT ROWID""",
)

#: Counters kept in ``meta`` (updated in the transaction that changes them), so that
#: ``stats`` never counts 10^8 rows.
COUNTERS = ("documents", "chars", "bytes", "kgrams", "bands")

_REBUILD = "delete it and build it again with: dedup index add PATH... --db {path}"


@contextmanager
def sqlite_errors(path: Path | str) -> Iterator[None]:
    """Turn SQLite's errors into :class:`CorpusIndexError` naming ``path``."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise CorpusIndexError(
                f"{path}: the index is busy: another dedup has been writing to it for over "
                f"{BUSY_TIMEOUT:.0f} s; try again when it has finished") from exc
        if "readonly" in text or "read-only" in text:
            raise CorpusIndexError(
                f"{path}: the index cannot be written ({text}); check the permissions of "
                "the file and its folder") from exc
        if "disk is full" in text:
            raise CorpusIndexError(f"{path}: the disk is full; the index is unchanged by "
                                   "the last batch; free some space and run again") from exc
        raise CorpusIndexError(f"{path}: cannot use the index ({text})") from exc
    except sqlite3.DatabaseError as exc:
        raise CorpusIndexError(
            f"{path}: the index is damaged ({exc}); {_REBUILD.format(path=path)}") from exc


def _check_header(path: Path) -> None:
    """Raise unless ``path`` starts like a dedup index (never opens it with SQLite)."""
    if not path.is_file():
        raise CorpusIndexError(f"{path} is not a file; give the index file with --db")
    try:
        with path.open("rb") as f:
            head = f.read(_HEADER)
    except OSError as exc:
        raise CorpusIndexError(f"{path}: cannot read the index ({exc.strerror or exc})") from exc
    not_index = f"{path} is not a dedup index"
    advice = "; give another --db (a new file name creates a new index)"
    if not head:
        raise CorpusIndexError(f"{not_index} (it is empty){advice}")
    if not head.startswith(_SQLITE_MAGIC):
        raise CorpusIndexError(f"{not_index} (not an SQLite database){advice}")
    if len(head) < _HEADER:
        raise CorpusIndexError(f"{path}: the index is truncated; {_REBUILD.format(path=path)}")
    app_id = int.from_bytes(head[68:72], "big")
    if app_id != APPLICATION_ID:
        raise CorpusIndexError(f"{not_index} (an SQLite database of another application)"
                               f"{advice}")


def connect(path: Path, *, write: bool) -> tuple[sqlite3.Connection, Params]:
    """Open the existing index at ``path`` after checking that it is one we can read.

    Returns the connection (autocommit: callers use explicit transactions) and the
    parameters its keys were computed with.
    """
    if not path.exists():
        raise CorpusIndexError(f"no index at {path}; create one with: "
                               f"dedup index add PATH... --db {path}")
    _check_header(path)
    uri = f"file:{quote(str(path.resolve()))}?mode={'rw' if write else 'ro'}"
    with sqlite_errors(path):
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None,
                              check_same_thread=False)
    try:
        with sqlite_errors(path):
            params = _validate(con, path)
    except BaseException:
        con.close()
        raise
    return con, params


def _validate(con: sqlite3.Connection, path: Path) -> Params:
    version = int(con.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise CorpusIndexError(
            f"{path} was written by a newer dedup (index schema {version}; this dedup "
            f"{__version__} reads schema {SCHEMA_VERSION}); upgrade dedup to use it")
    if version < SCHEMA_VERSION:
        raise CorpusIndexError(f"{path} has index schema {version}, which this dedup does "
                               f"not read; {_REBUILD.format(path=path)}")
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("magic") != MAGIC:
        raise CorpusIndexError(f"{path}: the index is damaged (no dedup marker); "
                               f"{_REBUILD.format(path=path)}")
    try:
        params = Params.from_dict(json.loads(str(meta["params"])))
    except (KeyError, ValueError, TypeError) as exc:
        raise CorpusIndexError(f"{path}: the index is damaged (parameters unreadable); "
                               f"{_REBUILD.format(path=path)}") from exc
    if meta.get("probe") != probe_digest(params):
        raise CorpusIndexError(
            f"{path} was built by a dedup that reads text differently (version "
            f"{meta.get('dedup_version', '?')}); its fingerprints would not match this "
            f"dedup's: {_REBUILD.format(path=path)}")
    _check_size(con, path)
    return params


def _check_size(con: sqlite3.Connection, path: Path) -> None:
    """A file shorter than its header says was truncated (checked when no WAL holds pages
    that have not been copied back yet)."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return
    pages = int(con.execute("PRAGMA page_count").fetchone()[0])
    size = int(con.execute("PRAGMA page_size").fetchone()[0])
    if path.stat().st_size < pages * size:
        raise CorpusIndexError(f"{path}: the index is truncated "
                               f"({path.stat().st_size} of {pages * size} bytes); "
                               f"{_REBUILD.format(path=path)}")


def create(path: Path, params: Params) -> None:
    """Create an empty index at ``path``, unless a file appears there first.

    The index is built under a temporary name and linked into place, so no other process
    ever sees a half-made file; when two processes create the same index at once, one
    link wins and the other process uses that index.
    """
    folder = path.parent if str(path.parent) else Path()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=folder)
    except OSError as exc:
        raise CorpusIndexError(f"cannot create {path}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as readable as any file the user creates
        os.close(fd)
        with sqlite_errors(path):
            con = sqlite3.connect(tmp, isolation_level=None)
            try:
                _initialise(con, params)
            finally:
                con.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it meanwhile: use theirs
        except OSError:  # no hard links here (some network and FAT file systems)
            if not path.exists():
                tmp.replace(path)
    except OSError as exc:
        raise CorpusIndexError(f"cannot create {path}: {exc.strerror or exc}") from exc
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"),
                         tmp.with_name(tmp.name + "-shm")):
            with suppress(OSError):
                leftover.unlink()


def _initialise(con: sqlite3.Connection, params: Params) -> None:
    con.execute("PRAGMA journal_mode = WAL")
    now = time.time()
    con.execute("BEGIN")
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    for ddl in _TABLES:
        con.execute(ddl)
    meta: dict[str, object] = {
        "magic": MAGIC, "schema": SCHEMA_VERSION, "params": json.dumps(params.as_dict()),
        "probe": probe_digest(params), "dedup_version": __version__, "created": now,
        "updated": now, **dict.fromkeys(COUNTERS, 0),
    }
    con.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
    con.execute("COMMIT")
