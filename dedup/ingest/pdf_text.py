"""A .pdf -> its text layer (pdfminer.six), in a child process with a time limit.

pdfminer is pure Python and some malformed or adversarial PDFs make it run for minutes
or grow without bound, so it runs in one reusable child process: each file gets
``pdf_timeout`` seconds, after which the child is killed (and restarted for the next
PDF), and on Linux an address-space limit proportional to the file's size. The child is
started with "spawn", so it never inherits the caller's threads or locks.

Pages are separated by a blank line; trailing spaces on each page are dropped.
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing
import signal
import warnings
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType

from dedup.ingest.failure import Unreadable

ENCRYPTED = "PDF is encrypted (password-protected); remove the password and try again"
NO_TEXT = "PDF has no text layer (scanned?); OCR it first"
CORRUPT = "not a valid PDF (file is truncated or corrupt)"
TRUNCATED = "PDF is truncated (no %EOF end marker); re-download or re-export it"

#: Address space allowed to the child per task: a fixed allowance plus this many times the
#: file size (pdfminer keeps every object of a page, ~10-30x the bytes of its content).
MEMORY_BASE = 1024 * 1024 * 1024
MEMORY_PER_BYTE = 40
#: Time allowed for the child to start and import pdfminer (not counted in pdf_timeout).
START_TIMEOUT = 60.0
#: The end marker must be in the last 1024 bytes (PDF 1.7, 7.5.5).
_EOF_WINDOW = 1024


class PdfExtractor:
    """Extracts PDF text in a child process; use as a context manager, or call close()."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> PdfExtractor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def extract(self, data: bytes) -> str:
        """The text of the PDF in ``data``; raises :class:`Unreadable` with the reason."""
        if b"%%EOF" not in data[-_EOF_WINDOW:]:
            raise Unreadable(TRUNCATED)
        conn = self._start()
        try:
            conn.send_bytes(data)
            if not conn.poll(self.timeout):
                self._kill()
                raise Unreadable(
                    f"PDF text extraction took longer than {self.timeout:g} s and was stopped; "
                    "raise the limit with --pdf-timeout if the file is genuine"
                )
            status, payload = conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._kill()
            raise Unreadable("the PDF reader crashed on this file (out of memory?)") from exc
        if status != "ok":
            raise Unreadable(payload)
        return str(payload)

    def close(self) -> None:
        """Stop the child process, if one was started."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send_bytes(b"")  # asks the child to exit
        if self._proc is not None:
            self._proc.join(timeout=5)
        self._kill()

    def _start(self) -> Connection:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            return self._conn
        self._kill()
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=serve, args=(child,), name="dedup-pdf", daemon=True)
        proc.start()
        child.close()
        if not parent.poll(START_TIMEOUT):
            proc.kill()
            raise Unreadable("the PDF reader process did not start")
        parent.recv()  # "ready"
        self._proc, self._conn = proc, parent
        return parent

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join()
            self._proc.close()
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None


def serve(conn: Connection) -> None:
    """The child's loop: receive PDF bytes, send back ("ok", text) or ("error", reason)."""
    # Ctrl-C reaches every process of the terminal's group; the parent decides what it
    # means (and stops this child), so it must not print a traceback here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("pdfminer").addHandler(logging.NullHandler())
    logging.getLogger("pdfminer").propagate = False
    warnings.simplefilter("ignore")
    import pdfminer.high_level  # noqa: F401 - imported before "ready" so it is not timed

    conn.send("ready")
    while data := conn.recv_bytes():
        _limit_memory(len(data))
        try:
            conn.send(("ok", extract_text(data)))
        except Unreadable as exc:
            conn.send(("error", exc.reason))
        except MemoryError:
            conn.send(("error", "PDF needs too much memory to read"))


def extract_text(data: bytes) -> str:
    """The text layer of a PDF (runs in the caller's process: no time limit)."""
    from pdfminer.high_level import extract_text as pdfminer_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    try:
        raw = pdfminer_text(io.BytesIO(data), laparams=LAParams())
    except PDFEncryptionError as exc:
        raise Unreadable(ENCRYPTED) from exc
    except (PDFSyntaxError, PSException) as exc:
        raise Unreadable(CORRUPT) from exc
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises bare KeyError/TypeError/... on malformed files
        raise Unreadable(f"{CORRUPT}: {type(exc).__name__}") from exc
    pages = [page.rstrip() for page in raw.split("\f")]
    while pages and not pages[-1]:
        pages.pop()  # pdfminer ends every page with \f, so the last piece is empty
    text = "\n\n".join(pages)
    if not text.strip():
        raise Unreadable(NO_TEXT)
    return text


def _limit_memory(size: int) -> None:
    try:
        import resource
    except ImportError:  # not on Windows
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as statm:  # noqa: PTH123 - Linux procfs, one line
            in_use = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:  # no procfs (macOS): leave the limit alone
        return
    want = in_use + MEMORY_BASE + MEMORY_PER_BYTE * size
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))
