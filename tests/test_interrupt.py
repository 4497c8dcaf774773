"""Interrupting a real ``python -m dedup scan``: Ctrl-C, SIGTERM and SIGKILL while it reads,
analyses and writes. What is left must never look like a finished report.

The tests do not sleep and hope: they find the stage the scan is in and freeze it there.
Reading: the last input is a named pipe, so the scan waits inside ingest until the test
writes to it. Analysis: the forked worker processes exist only then. Writing: the
staging folder exists only then. The whole process group is stopped (SIGSTOP), the stage
is checked again, the signal is sent, and the group is continued, so a loaded machine
only makes the tests slower, never wrong. Ctrl-C is sent to the process group as a
terminal does; SIGTERM only to the main process, as ``kill PID`` does.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dedup.output import MARKER, OWNER, clean_stale

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists() or not hasattr(os, "mkfifo"),
                       reason="needs Linux /proc and named pipes"),
]

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
#: Generous: these bound a hang, not the speed of a loaded machine.
TIMEOUT = 180.0
LEFTOVER = re.compile(r"\.reports\.(incomplete|replaced)\.")


def sentences() -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return re.findall(r"[^。！？\n]+[。！？]", text)


def dense_corpus(root: Path, n: int, *, seed: int = 7) -> Path:
    """``n`` reports each made of 20-40 seed sentences with a few characters changed:
    every pair shares passages, so analysis keeps workers busy for seconds and the
    report has hundreds of pages."""
    pool = sentences()
    rng = random.Random(seed)
    root.mkdir(parents=True)
    for i in range(n):
        chars = list("".join(rng.sample(pool, rng.randint(20, 40))))
        for _ in range(len(chars) // 50):
            chars[rng.randrange(len(chars))] = chr(0x4E00 + rng.randrange(3000))
        (root / f"r{i:03d}.txt").write_text("".join(chars) + "\n", encoding="utf-8")
    return root


# --- driving a scan ------------------------------------------------------------------------


class Scan:
    """``python -m dedup scan ARGS`` in its own session (its pid is its process group)."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.cwd = cwd
        self.proc = subprocess.Popen([sys.executable, "-m", "dedup", "scan", *args], cwd=cwd,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.pid = self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def children(self) -> list[int]:
        return [pid for pid, ppid, _ in processes() if ppid == self.pid]

    def group(self) -> list[int]:
        return [pid for pid, _, pgid in processes() if pgid == self.pid]

    def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not ready():
            if not self.alive():
                _, err = self.proc.communicate()
                pytest.fail(f"dedup ended before {what}: exit {self.proc.returncode}\n"
                            f"{err.decode(errors='replace')}")
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"timed out waiting for {what}")
            time.sleep(0.005)

    def states(self) -> list[str]:
        out = []
        for pid in self.group():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{pid}/stat").read_bytes()
                state = stat[stat.rindex(b")") + 2 :].split()[0].decode()
                if state not in "ZX":
                    out.append(state)
        return out

    def freeze_when(self, ready: Callable[[], bool], what: str) -> None:
        """Stop the group at a moment when ``ready()`` holds (checked again once stopped);
        the caller sends its signal and then calls ``thaw``."""
        while True:
            self.wait_until(ready, what)
            os.killpg(self.pid, signal.SIGSTOP)
            deadline = time.monotonic() + TIMEOUT
            while any(state not in "Tt" for state in self.states()):
                assert time.monotonic() < deadline, "the group never stopped"
                time.sleep(0.002)
            if ready():
                return
            os.killpg(self.pid, signal.SIGCONT)  # the stage ended meanwhile: try again

    def thaw(self) -> None:
        os.killpg(self.pid, signal.SIGCONT)

    def finish(self) -> tuple[int, str, str]:
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"dedup did not stop within {TIMEOUT} s")
        return self.proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.proc.communicate()


def processes() -> list[tuple[int, int, int]]:
    """(pid, ppid, pgid) of every process."""
    out = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{entry.name}/stat").read_bytes()
            fields = stat[stat.rindex(b")") + 2 :].split()
            out.append((int(entry.name), int(fields[1]), int(fields[2])))
    return out


def gone(scan: Scan) -> bool:
    """True once no process of the scan's group is left (workers, the PDF reader)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not scan.group():
            return True
        time.sleep(0.05)
    return False


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if LEFTOVER.match(p.name))


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [x for x in stderr.splitlines() if x.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("dedup: "), stderr
    return lines[0]


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dense_corpus(tmp_path_factory.mktemp("dense") / "corpus", 90)


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    """An earlier report in ``tmp_path/reports`` (of the seeds), and ``tmp_path/scan.json``
    written by --json; returns the report folder."""
    out = tmp_path / "reports"
    scan = Scan([str(SEEDS), "--out", str(out), "--json", str(tmp_path / "scan.json"),
                 "--quiet"], tmp_path)
    code, _, err = scan.finish()
    assert code == 0, err
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- Ctrl-C ------------------------------------------------------------------------------------


def test_ctrl_c_while_reading(tmp_path: Path, earlier: Path) -> None:
    """The scan waits on a named pipe (after reading a PDF, so the PDF reader process is
    running too); Ctrl-C to the group stops it with one line, the earlier report intact."""
    from ingest_fixtures import ZH_SIMPLIFIED, write_pdf

    before = snapshot(earlier)
    json_before = (tmp_path / "scan.json").read_bytes()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_pdf(corpus / "a.pdf", [[ZH_SIMPLIFIED[:30]]])
    fifo = corpus / "pipe.txt"
    os.mkfifo(fifo)
    scan = Scan([str(corpus / "a.pdf"), str(SEEDS), str(fifo), "--out", str(earlier),
                 "--json", str(tmp_path / "scan.json")], tmp_path)
    writer: list[int] = []

    def reading_the_pipe() -> bool:
        try:  # succeeds only once dedup has the pipe open for reading
            writer.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            return False
        return True

    scan.wait_until(reading_the_pipe, "dedup to read the named pipe")
    try:
        started = time.monotonic()
        os.killpg(scan.pid, signal.SIGINT)
        code, out, err = scan.finish()
        took = time.monotonic() - started
    finally:
        os.close(writer[0])
    assert code == 130 and out == ""
    assert one_line(err) == f"dedup: interrupted; {earlier} still holds the earlier report"
    assert took < 30, "Ctrl-C stops the scan at once"
    assert snapshot(earlier) == before
    assert (tmp_path / "scan.json").read_bytes() == json_before
    assert leftovers(tmp_path) == []
    assert gone(scan), "no worker or PDF reader process outlives the scan"


def test_ctrl_c_during_analysis(tmp_path: Path, dense: Path) -> None:
    out = tmp_path / "reports"
    scan = Scan([str(dense), "--out", str(out), "--jobs", "2"], tmp_path)
    # Worker processes exist only while a stage of the analysis runs on them.
    scan.freeze_when(lambda: bool(scan.children()) and not leftovers(tmp_path),
                     "the analysis workers")
    workers = scan.children()
    os.killpg(scan.pid, signal.SIGINT)
    started = time.monotonic()
    scan.thaw()
    code, stdout, err = scan.finish()
    assert time.monotonic() - started < 30
    assert code == 130 and stdout == "", err
    assert one_line(err) == "dedup: interrupted; no report was written"
    assert not out.exists() and leftovers(tmp_path) == []
    assert workers and gone(scan)


def test_sigterm_to_the_main_process_during_analysis(tmp_path: Path, dense: Path) -> None:
    """``kill PID``: only the main process gets the signal; it stops its workers itself."""
    out = tmp_path / "reports"
    scan = Scan([str(dense), "--out", str(out), "--jobs", "2"], tmp_path)
    scan.freeze_when(lambda: bool(scan.children()) and not leftovers(tmp_path),
                     "the analysis workers")
    os.kill(scan.pid, signal.SIGTERM)
    scan.thaw()
    code, _, err = scan.finish()
    assert code == 143, err
    assert one_line(err) == "dedup: terminated; no report was written"
    assert not out.exists() and leftovers(tmp_path) == []
    assert gone(scan)


def writing(tmp_path: Path) -> Callable[[], bool]:
    """True while the report is being written: its staging folder exists, owned."""
    return lambda: any(".incomplete." in name and (tmp_path / name / OWNER).exists()
                       for name in leftovers(tmp_path))


def test_ctrl_c_while_writing_keeps_the_earlier_report(tmp_path: Path, dense: Path,
                                                       earlier: Path) -> None:
    before = snapshot(earlier)
    json_before = (tmp_path / "scan.json").read_bytes()
    scan = Scan([str(dense), "--out", str(earlier), "--json", str(tmp_path / "scan.json"),
                 "--jobs", "1"], tmp_path)
    scan.freeze_when(writing(tmp_path), "the report to be written")
    os.killpg(scan.pid, signal.SIGINT)
    scan.thaw()
    code, _, err = scan.finish()
    assert code == 130
    assert one_line(err) == f"dedup: interrupted; {earlier} still holds the earlier report"
    assert snapshot(earlier) == before
    assert (tmp_path / "scan.json").read_bytes() == json_before
    assert leftovers(tmp_path) == [], "the staging folder is removed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports", "scan.json"]


# --- SIGKILL -----------------------------------------------------------------------------------


def test_sigkill_while_writing_leaves_nothing_that_looks_finished(
        tmp_path: Path, dense: Path, earlier: Path) -> None:
    before = snapshot(earlier)
    json_before = (tmp_path / "scan.json").read_bytes()
    scan = Scan([str(dense), "--out", str(earlier), "--json", str(tmp_path / "scan.json"),
                 "--jobs", "1"], tmp_path)
    scan.freeze_when(writing(tmp_path), "the report to be written")
    pid = scan.pid
    os.killpg(scan.pid, signal.SIGKILL)
    scan.thaw()
    code, _, _ = scan.finish()
    assert code == -signal.SIGKILL
    assert snapshot(earlier) == before, "the earlier report is untouched"
    assert (tmp_path / "scan.json").read_bytes() == json_before
    (staging,) = leftovers(tmp_path)
    # Named as unfinished, hidden, without the marker, naming the process that wrote it.
    assert re.fullmatch(r"\.reports\.incomplete\..+\.partial", staging)
    folder = tmp_path / staging
    assert not (folder / MARKER).exists()
    owner = json.loads((folder / OWNER).read_text(encoding="utf-8"))
    assert owner["pid"] == pid and "unfinished" in owner["note"]
    # The next scan writing there removes it (its writer is gone) and writes in full.
    again = Scan([str(SEEDS), "--out", str(earlier), "--quiet"], tmp_path)
    code, _, err = again.finish()
    assert code == 0, err
    assert leftovers(tmp_path) == []
    assert (earlier / MARKER).is_file() and (earlier / "index.html").is_file()


# --- what the next scan cleans up (no signals: the folders are made by hand) ------------------


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def owned(folder: Path, pid: int, *, host: str | None = None, marker: bool = False) -> Path:
    folder.mkdir()
    (folder / "scan.json").write_text("{}", encoding="utf-8")
    (folder / OWNER).write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(),
                                            "start": None}), encoding="utf-8")
    if marker:
        (folder / MARKER).write_text("", encoding="utf-8")
    return folder


def test_stale_staging_folders_of_dead_scans_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    dead = owned(tmp_path / ".reports.incomplete.abc123.partial", dead_pid())
    assert clean_stale(out) == [dead]
    assert list(tmp_path.iterdir()) == []


def test_folders_that_may_still_be_in_use_are_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    keep = [
        owned(tmp_path / ".reports.incomplete.live.partial", os.getppid()),  # still running
        owned(tmp_path / ".reports.incomplete.other.partial", dead_pid(), host="elsewhere"),
        tmp_path / ".reports.incomplete.noowner.partial",  # no owner file: not provably ours
        owned(tmp_path / ".other.incomplete.x.partial", dead_pid()),  # another --out's
        owned(tmp_path / "reports.incomplete.x.partial", dead_pid()),  # not dedup's name
    ]
    keep[2].mkdir()
    assert clean_stale(out) == []
    assert sorted(tmp_path.iterdir()) == sorted(keep)


def test_an_empty_unowned_staging_folder_is_removed_once_old(tmp_path: Path) -> None:
    """Killed between making the staging folder and writing its owner file: the folder
    is empty; it is removed once it is old enough not to be another scan's, just made."""
    out = tmp_path / "reports"
    empty = tmp_path / ".reports.incomplete.abc.partial"
    empty.mkdir()
    assert clean_stale(out) == []
    an_hour_ago = time.time() - 3600
    os.utime(empty, (an_hour_ago, an_hour_ago))
    assert clean_stale(out) == [empty]
    assert list(tmp_path.iterdir()) == []


def test_an_earlier_report_swapped_out_by_a_killed_scan_is_put_back(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    old = owned(tmp_path / ".reports.replaced.abc.old", dead_pid(), marker=True)
    clean_stale(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "scan.json"]
    assert not old.exists()


def test_a_half_removed_earlier_report_is_not_put_back(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    owned(tmp_path / ".reports.replaced.abc.old", dead_pid(), marker=False)
    owned(tmp_path / ".reports.replaced.def.old", dead_pid(), marker=True)
    out.mkdir()  # the new report made it: the earlier one goes
    clean_stale(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
    assert list(out.iterdir()) == []
