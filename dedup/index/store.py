"""``CorpusIndex``: documents, their texts and their keys in one SQLite file.

Reading (``candidates``, ``documents``, ``stats``) works while another process writes:
the file is in WAL mode, so a reader sees the index as of the last finished transaction.
Writing happens in transactions of whole documents (``insert``, ``remove``): a process
killed half-way leaves the index as it was before the transaction.

>>> import tempfile, pathlib
>>> from dedup.index.features import features
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> doc = Document("a", str(folder / "a.txt"), "增强四个意识、坚定四个自信、做到两个维护。",
...                "utf-8", "0" * 64)
>>> with CorpusIndex.open(folder / "index.db", write=True, create=True) as index:
...     _ = index.insert([Entry(doc, features(doc, index.params), 63)])
...     index.stats().documents
1
"""

from __future__ import annotations

import heapq
import json
import sqlite3
import time
import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

import numpy as np

from dedup.errors import CorpusIndexError
from dedup.index import db
from dedup.index.features import Features, Params, features_of
from dedup.model import Document
from dedup.prepare import prepare

__all__ = ["MAX_KEY_DOCS", "CorpusIndex", "Entry", "IndexStats", "Indexed"]

#: A key found in more indexed documents than this is stock text (a set phrase, a
#: standard sentence): it says nothing about where a report comes from, so it does not
#: rank candidates (it may pick stock witnesses, see ``candidates``). Looking up such a
#: key reads at most MAX_KEY_DOCS + 1 rows, which bounds the cost of every lookup.
MAX_KEY_DOCS = 100

#: zlib level of stored texts: 6 is zlib's default; 9 saved < 0.1% on Chinese reports.
_ZLIB_LEVEL = 6

#: Rows per ``executemany`` call when inserting keys (bounds the temporary Python lists).
_ROWS_PER_CALL = 200_000


@dataclass(frozen=True, slots=True)
class Entry:
    """A document to store, with its keys and the size of its file in bytes."""

    document: Document
    features: Features
    bytes: int


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What ``dedup index stats`` prints."""

    path: str
    documents: int
    chars: int
    bytes: int
    kgrams: int
    bands: int
    file_bytes: int
    schema: int
    params: dict[str, int]
    created: float
    updated: float
    dedup_version: str
    langs: dict[str, int]


@dataclass(frozen=True, slots=True)
class Indexed:
    """One indexed document's row (without its text)."""

    doc: int
    name: str
    path: str
    sha256: str
    lang: Literal["zh", "en"]


class CorpusIndex:
    """An open index file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path, connection: sqlite3.Connection, params: Params) -> None:
        self.path = path
        self.params = params
        self._con = connection

    # --- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, write: bool = False, create: bool = False) -> CorpusIndex:
        """Open the index at ``path`` (``create``: make an empty one if there is none).

        Raises :class:`~dedup.errors.CorpusIndexError` for a missing file (unless
        ``create``), a file that is not a dedup index, a damaged one or a newer schema.
        """
        path = Path(path)
        if create and not path.exists():
            db.create(path, Params())
        con, params = db.connect(path, write=write or create)
        index = cls(path, con, params)
        if write or create:
            with db.sqlite_errors(path):
                # A large page cache keeps a big batch from re-reading the key tables.
                con.execute("PRAGMA cache_size = -262144")
                con.execute("PRAGMA synchronous = NORMAL")
                con.execute("PRAGMA journal_size_limit = 67108864")
        return index

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> CorpusIndex:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------

    def stats(self) -> IndexStats:
        """Counts, sizes, schema and parameters (from counters: no table is scanned)."""
        with db.sqlite_errors(self.path):
            meta = dict(self._con.execute("SELECT key, value FROM meta").fetchall())
            langs = dict(self._con.execute(
                "SELECT lang, count(*) FROM documents GROUP BY lang").fetchall())
        size = sum(p.stat().st_size for p in (self.path, self._sidecar("-wal"))
                   if p.exists())
        return IndexStats(
            path=str(self.path), documents=int(meta["documents"]), chars=int(meta["chars"]),
            bytes=int(meta["bytes"]), kgrams=int(meta["kgrams"]), bands=int(meta["bands"]),
            file_bytes=size, schema=int(meta["schema"]), params=self.params.as_dict(),
            created=float(meta["created"]), updated=float(meta["updated"]),
            dedup_version=str(meta["dedup_version"]), langs=langs)

    def _sidecar(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def langs(self) -> list[Literal["zh", "en"]]:
        """The languages whose keys the index holds."""
        with db.sqlite_errors(self.path):
            return [lang for lang in ("zh", "en") if self._con.execute(
                "SELECT EXISTS (SELECT 1 FROM documents WHERE lang = ?)", (lang,)).fetchone()[0]]

    def find(self, ref: str) -> Indexed | None:
        """The document named ``ref`` (its id), or stored under the path ``ref``."""
        with db.sqlite_errors(self.path):
            row = self._con.execute(
                "SELECT doc, name, path, sha256, lang FROM documents WHERE name = ?",
                (ref,)).fetchone()
            if row is None:
                row = self._con.execute(
                    "SELECT doc, name, path, sha256, lang FROM documents WHERE path = ?",
                    (_key_path(ref),)).fetchone()
        return None if row is None else Indexed(*row)

    def names(self, docs: Iterable[int]) -> dict[int, str]:
        """The names (ids) of documents ``docs``; unknown numbers are left out."""
        out: dict[int, str] = {}
        with db.sqlite_errors(self.path):
            for d in docs:
                row = self._con.execute("SELECT name FROM documents WHERE doc = ?",
                                        (d,)).fetchone()
                if row is not None:
                    out[d] = row[0]
        return out

    def by_path(self, paths: Iterable[str]) -> dict[str, Indexed]:
        """Indexed documents stored under any of ``paths`` (keyed by the path given)."""
        out: dict[str, Indexed] = {}
        with db.sqlite_errors(self.path):
            for p in paths:
                row = self._con.execute(
                    "SELECT doc, name, path, sha256, lang FROM documents WHERE path = ?",
                    (_key_path(p),)).fetchone()
                if row is not None:
                    out[p] = Indexed(*row)
        return out

    def candidates(self, keys: Sequence[Features], *, limit: int, witnesses: int = 0,
                   exclude: Collection[int] = ()) -> list[tuple[int, float]]:
        """Indexed documents sharing keys with a report, best first: ``(doc, score)``.

        ``keys`` are the report's features (one per language the index holds). A key
        stored for ``n <= MAX_KEY_DOCS`` documents adds ``1/n`` to each of them (a rare
        shared key is strong evidence); at most ``limit`` such sources are returned,
        ranked by score. Then up to ``witnesses`` more documents: those holding the most
        of the report's stock keys (found in more than MAX_KEY_DOCS documents), so that
        the report's stock phrasing is found in enough documents to be recognised as
        such. Their score is 0. Documents in ``exclude`` are never returned.
        """
        score: defaultdict[int, float] = defaultdict(float)
        stock: defaultdict[int, int] = defaultdict(int)
        with db.sqlite_errors(self.path):
            for table, column, values in self._lookups(keys):
                for docs in self._postings(table, column, values):
                    if len(docs) > MAX_KEY_DOCS:
                        for d in docs:
                            stock[d] += 1
                        continue
                    weight = 1.0 / len(docs)
                    for d in docs:
                        score[d] += weight
        for d in exclude:
            score.pop(d, None)
            stock.pop(d, None)
        best = heapq.nsmallest(limit, score.items(), key=lambda kv: (-kv[1], kv[0]))
        chosen = {d for d, _ in best}
        extra = heapq.nsmallest(witnesses, ((d, n) for d, n in stock.items() if d not in chosen),
                                key=lambda kv: (-kv[1], kv[0]))
        return [(d, round(s, 4)) for d, s in best] + [(d, 0.0) for d, _ in extra]

    @staticmethod
    def _lookups(keys: Sequence[Features]) -> Iterator[tuple[str, str, list[int]]]:
        if not keys:
            return
        yield "kgrams", "hash", np.unique(np.concatenate([f.kgrams for f in keys])).tolist()
        yield "bands", "key", np.unique(np.concatenate([f.bands for f in keys])).tolist()

    def _postings(self, table: str, column: str, values: list[int]) -> Iterator[list[int]]:
        """For each value, the documents holding it (at most MAX_KEY_DOCS + 1 of them).

        One statement per value with a LIMIT: a stock key stored for 10^5 documents
        costs as little as a rare one.
        """
        sql = f"SELECT doc FROM {table} WHERE {column} = ? LIMIT {MAX_KEY_DOCS + 1}"
        execute = self._con.execute
        for v in values:
            docs = [row[0] for row in execute(sql, (v,))]
            if docs:
                yield docs

    def documents(self, docs: Sequence[int]) -> list[Document]:
        """The stored documents ``docs`` (in that order; missing ones left out), marked
        ``indexed``; their text is exactly the text that was indexed."""
        out: list[Document] = []
        with db.sqlite_errors(self.path):
            for d in docs:
                row = self._con.execute(
                    "SELECT name, path, sha256, encoding, format, notes, z FROM documents "
                    "JOIN texts USING (doc) WHERE doc = ?", (d,)).fetchone()
                if row is None:
                    continue
                name, path, sha256, encoding, fmt, notes, z = row
                out.append(Document(name, path, self._text(z, name), encoding, sha256, fmt,
                                    tuple(json.loads(notes)), indexed=True))
        return out

    def _text(self, z: bytes, name: str) -> str:
        try:
            return zlib.decompress(z).decode("utf-8", "surrogatepass")
        except (zlib.error, UnicodeDecodeError) as exc:
            raise CorpusIndexError(
                f"{self.path}: the stored text of {name} is damaged ({exc}); remove it "
                f"with: dedup index rm {name} --db {self.path}, then add its file again"
            ) from exc

    # --- writing -------------------------------------------------------------------

    def insert(self, entries: Sequence[Entry]) -> list[tuple[str, str]]:
        """Store ``entries`` in one transaction; returns each one's name in the index and
        what happened: ``added``, ``replaced`` (a changed file at an indexed path: the old
        document is removed, the name kept) or ``unchanged`` (same path and sha256 already
        indexed, perhaps by another process meanwhile).

        Names are the documents' ids, made unique against the index (``id~2``...).
        """
        out: list[tuple[str, str]] = []
        rows: list[tuple[int, Features]] = []
        totals = dict.fromkeys(db.COUNTERS, 0)
        with db.sqlite_errors(self.path):
            con = self._con
            con.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()
                for entry in entries:
                    doc = entry.document
                    key = _key_path(doc.path)
                    old = con.execute("SELECT doc, name, sha256 FROM documents WHERE path = ?",
                                      (key,)).fetchone()
                    if old is not None and old[2] == doc.sha256:
                        out.append((old[1], "unchanged"))
                        continue
                    if old is not None:
                        self._delete(old[0], totals)
                        name = old[1]
                    else:
                        name = self._free_name(doc.id)
                    f = entry.features
                    z = zlib.compress(doc.text.encode("utf-8", "surrogatepass"), _ZLIB_LEVEL)
                    cur = con.execute(
                        "INSERT INTO documents (name, path, sha256, format, encoding, notes, "
                        "bytes, chars, lang, kgrams, bands, added) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (name, key, doc.sha256, doc.format, doc.encoding,
                         json.dumps(list(doc.notes), ensure_ascii=False), entry.bytes,
                         len(doc.text), f.lang, len(f.kgrams), len(f.bands), now))
                    number = int(cur.lastrowid or 0)
                    con.execute("INSERT INTO texts (doc, z) VALUES (?, ?)", (number, z))
                    rows.append((number, f))
                    for counter, n in (("documents", 1), ("chars", len(doc.text)),
                                       ("bytes", entry.bytes), ("kgrams", len(f.kgrams)),
                                       ("bands", len(f.bands))):
                        totals[counter] += n
                    out.append((name, "replaced" if old is not None else "added"))
                self._insert_keys("kgrams", "hash", [(d, f.kgrams) for d, f in rows])
                self._insert_keys("bands", "key", [(d, f.bands) for d, f in rows])
                self._bump(totals, now)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        return out

    def _free_name(self, wanted: str) -> str:
        name, n = wanted, 2
        while self._con.execute("SELECT 1 FROM documents WHERE name = ?", (name,)).fetchone():
            name = f"{wanted}~{n}"
            n += 1
        return name

    def _insert_keys(self, table: str, column: str, parts: list[tuple[int, np.ndarray]]) -> None:
        """Insert ``(key, doc)`` rows sorted by key: neighbouring rows land on the same
        B-tree pages, which is what makes a large batch cheap."""
        if not parts:
            return
        keys = np.concatenate([k for _, k in parts])
        docs = np.concatenate([np.full(len(k), d, dtype=np.int64) for d, k in parts])
        order = np.argsort(keys, kind="stable")
        keys, docs = keys[order], docs[order]
        sql = f"INSERT INTO {table} ({column}, doc) VALUES (?, ?)"
        for lo in range(0, len(keys), _ROWS_PER_CALL):
            hi = lo + _ROWS_PER_CALL
            self._con.executemany(sql, zip(keys[lo:hi].tolist(), docs[lo:hi].tolist(),
                                           strict=True))

    def _bump(self, totals: dict[str, int], now: float) -> None:
        self._con.executemany("UPDATE meta SET value = value + ? WHERE key = ?",
                              [(n, k) for k, n in totals.items() if n])
        self._con.execute("UPDATE meta SET value = ? WHERE key = 'updated'", (now,))

    def remove(self, docs: Collection[int]) -> int:
        """Remove documents (numbers from :meth:`find`) in one transaction; returns how
        many were there."""
        if not docs:
            return 0
        totals = dict.fromkeys(db.COUNTERS, 0)
        removed = 0
        with db.sqlite_errors(self.path):
            con = self._con
            con.execute("BEGIN IMMEDIATE")
            try:
                for d in docs:
                    removed += self._delete(d, totals)
                self._bump(totals, time.time())
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        return removed

    def _delete(self, doc: int, totals: dict[str, int]) -> int:
        """Delete one document and its keys (inside a transaction); counters go down.

        Its keys are computed again from its stored text (the probe check at open
        guarantees the same keys come out); should fewer rows match than were stored,
        the remaining ones are found by a full scan, so nothing is ever left behind.
        """
        con = self._con
        row = con.execute(
            "SELECT name, lang, chars, bytes, kgrams, bands, z FROM documents "
            "JOIN texts USING (doc) WHERE doc = ?", (doc,)).fetchone()
        if row is None:
            return 0
        name, lang, chars, size, n_kgrams, n_bands, z = row
        text = self._text(z, name)
        f = features_of(prepare(Document(name, "", text, "", ""), 0), lang, self.params)
        for table, column, keys, stored in (("kgrams", "hash", f.kgrams, n_kgrams),
                                            ("bands", "key", f.bands, n_bands)):
            cur = con.executemany(f"DELETE FROM {table} WHERE {column} = ? AND doc = ?",
                                  ((k, doc) for k in keys.tolist()))
            if cur.rowcount != stored:
                con.execute(f"DELETE FROM {table} WHERE doc = ?", (doc,))
        con.execute("DELETE FROM texts WHERE doc = ?", (doc,))
        con.execute("DELETE FROM documents WHERE doc = ?", (doc,))
        for counter, n in (("documents", 1), ("chars", chars), ("bytes", size),
                           ("kgrams", n_kgrams), ("bands", n_bands)):
            totals[counter] -= n
        return 1

    def checkpoint(self) -> None:
        """Copy the write-ahead log back into the file and truncate it (best effort: a
        reader still using it keeps it)."""
        with db.sqlite_errors(self.path):
            self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _key_path(path: str) -> str:
    """The form of a path stored in the index: absolute, symbolic links resolved."""
    return str(Path(path).resolve())
