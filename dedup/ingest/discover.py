"""Paths as the user gave them -> the files to read, in a deterministic order.

Handles files, folders (recursive, sorted by name), shell-style globs the shell did not
expand, and ``-`` for standard input. Never hangs or recurses forever: symbolic links are
followed, but a link back into a folder being scanned is reported as a loop, a dangling
link as broken, and a folder reached twice is scanned once. The same file named twice
(same resolved path) is listed once, under the first name it was found by.
"""

# os.path rather than pathlib on purpose: paths are reported exactly as the user typed them
# ("./seeds/", "a//b"), which pathlib would normalise, and os.stat/os.listdir on str keep
# undecodable file names round-tripping.
# ruff: noqa: PTH100, PTH113, PTH114, PTH116, PTH118, PTH119, PTH120, PTH207, PTH208

from __future__ import annotations

import errno
import glob
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath

from dedup.model import Skipped

STDIN = "-"
#: What standard input is called in ``Document.path`` and in messages.
STDIN_PATH = "<stdin>"

_GLOB_CHARS = frozenset("*?[")

#: The file in every report folder dedup writes (dedup.output.MARKER); folders holding it
#: are not read when found while scanning a folder (naming one explicitly still reads it).
REPORT_MARKER = ".dedup-report"


@dataclass(frozen=True, slots=True)
class Entry:
    """One file to read."""

    #: The path as the user would recognise it: as given, or joined onto the folder given.
    path: str
    #: POSIX path relative to the root it was found under, with extension (ids come from it).
    rel: str
    #: The name of that root folder, used only to tell apart ids that collide.
    root: str
    #: Named by the user (always attempted) rather than found while scanning a folder.
    explicit: bool
    is_stdin: bool = False

    @property
    def extension(self) -> str:
        """The lower-cased extension with its dot (``.txt``), or ``""``."""
        return PurePosixPath(self.rel).suffix.lower()


#: Extensions read when found in a folder (files without an extension are sniffed).
TEXT_EXTENSIONS = frozenset({".txt", ".text", ".md", ".markdown", ""})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
DOCUMENT_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | {".docx", ".pdf"}

Item = Entry | Skipped


def discover(paths: Sequence[str]) -> list[Item]:
    """The files under ``paths`` and the paths that cannot be read, in order.

    >>> discover(["-", "-"])
    [Entry(path='<stdin>', rel='stdin', root='', explicit=True, is_stdin=True)]
    >>> discover(["no/such/file.txt"])
    [Skipped(path='no/such/file.txt', reason='no such file or folder', ignored=False)]
    """
    scan = _Scan()
    for path in paths:
        scan.add(path)
    return scan.items


class _Scan:
    """State shared by every path of one call: what was seen, what was found."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.seen_files: set[str] = set()
        self.seen_dirs: set[tuple[int, int]] = set()
        self.stdin_done = False

    def add(self, path: str) -> None:
        if path == STDIN:
            if not self.stdin_done:
                self.stdin_done = True
                self.items.append(Entry(STDIN_PATH, "stdin", "", explicit=True, is_stdin=True))
            return
        if not os.path.lexists(path) and _GLOB_CHARS & set(path):
            self._add_glob(path)
            return
        try:
            st = os.stat(path)
        except OSError as exc:
            self.items.append(Skipped(path, _stat_error(path, exc, explicit=True)))
            return
        if stat.S_ISDIR(st.st_mode):
            self._walk(path, path, _root_name(path), st)
        else:
            parent = os.path.dirname(os.path.abspath(path))
            self._add_file(path, PurePath(path).name, os.path.basename(parent), explicit=True)

    def _add_glob(self, pattern: str) -> None:
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            self.items.append(Skipped(pattern, "no files match this pattern"))
            return
        # ids are relative to the part of the pattern before its first wildcard, so that
        # "reports/*/*.txt" gives "2022/a", "2023/a".
        parts = PurePath(pattern).parts
        fixed = list(_takewhile_fixed(parts))
        root = os.path.join(*fixed) if fixed else "."
        for match in matches:
            try:
                st = os.stat(match)
            except OSError as exc:
                self.items.append(Skipped(match, _stat_error(match, exc, explicit=True)))
                continue
            if stat.S_ISDIR(st.st_mode):
                self._walk(match, root, _root_name(root), st)
            else:
                rel = PurePath(os.path.relpath(match, root)).as_posix()
                self._add_file(match, rel, _root_name(root), explicit=True)

    def _add_file(self, path: str, rel: str, root: str, *, explicit: bool) -> None:
        real = os.path.realpath(path)
        if real in self.seen_files:
            return
        self.seen_files.add(real)
        ext = PurePosixPath(rel).suffix.lower()
        if not explicit and ext not in DOCUMENT_EXTENSIONS:
            # Found while scanning a folder: manifests, spreadsheets and images sit next
            # to reports all the time and are not reports themselves.
            self.items.append(Skipped(
                path, f"not a document type dedup reads ({ext}); name the file to read it as text",
                ignored=True))
            return
        self.items.append(Entry(path, rel, root, explicit=explicit))

    def _walk(self, start: str, root: str, root_name: str, start_stat: os.stat_result) -> None:
        """Depth-first, entries sorted by name; iterative so deep trees cannot overflow."""
        key = (start_stat.st_dev, start_stat.st_ino)
        self.seen_dirs.add(key)
        stack: list[tuple[Iterator[str], str, frozenset[tuple[int, int]]]] = []
        names = self._list(start)
        if names is not None:
            stack.append((iter(names), start, frozenset({key})))
        while stack:
            names_iter, folder, ancestors = stack[-1]
            name = next(names_iter, None)
            if name is None:
                stack.pop()
                continue
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError as exc:
                self.items.append(Skipped(path, _stat_error(path, exc, explicit=False)))
                continue
            if stat.S_ISDIR(st.st_mode):
                sub = (st.st_dev, st.st_ino)
                if sub in ancestors:
                    self.items.append(Skipped(path, "symbolic link loop (it points back to a "
                                                    "folder that contains it)"))
                elif os.path.isfile(os.path.join(path, REPORT_MARKER)):
                    # dedup's own output (reports/ inside the scanned folder): reading it
                    # back would make every report look copied from its own report page.
                    self.items.append(Skipped(path, "a report folder written by dedup, not "
                                                    "a document", ignored=True))
                elif sub not in self.seen_dirs:  # else: already scanned under another name
                    self.seen_dirs.add(sub)
                    sub_names = self._list(path)
                    if sub_names is not None:
                        stack.append((iter(sub_names), path, ancestors | {sub}))
            elif stat.S_ISREG(st.st_mode):
                rel = PurePath(os.path.relpath(path, root)).as_posix()
                self._add_file(path, rel, root_name, explicit=False)
            else:
                self.items.append(Skipped(path, f"not a regular file ({_file_kind(st.st_mode)})"))

    def _list(self, folder: str) -> list[str] | None:
        """Visible names in ``folder``, sorted; hidden ones (``.git``, ``.DS_Store``) left out."""
        try:
            names = os.listdir(folder)
        except OSError as exc:
            reason = "permission denied (cannot list the folder)" if isinstance(
                exc, PermissionError) else f"cannot list the folder ({exc.strerror})"
            self.items.append(Skipped(folder, reason))
            return None
        return sorted(n for n in names if not n.startswith("."))


def _takewhile_fixed(parts: Sequence[str]) -> Iterator[str]:
    for part in parts[:-1]:
        if _GLOB_CHARS & set(part):
            return
        yield part


def _root_name(folder: str) -> str:
    return os.path.basename(os.path.abspath(folder))


def _stat_error(path: str, exc: OSError, *, explicit: bool) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return "broken symbolic link (its target does not exist)"
        return "no such file or folder" if explicit else "disappeared while the folder was read"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot access ({exc.strerror or exc})"


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"
