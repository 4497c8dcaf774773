"""Helpers shared by the benchmark scripts: paths, measured subprocesses, machine details,
and scoring reported document pairs against a synthetic corpus's ``truth.json``.

Nothing here imports dedup: the scripts time the real command line in a subprocess.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import mmap
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

#: The repository (the folder holding bench/).
REPO = Path(__file__).resolve().parents[1]

#: Environment variable naming the shared corpora folder (as in dedup.eval.pan).
CORPORA_ENV = "DEDUP_CORPORA"

#: Environment variable naming where generated corpora are cached.
DATA_ENV = "DEDUP_BENCH_DATA"

#: How often the process tree's RSS is sampled while a command runs (from /proc/PID/statm,
#: cheap); peaks shorter than this can be missed.
POLL_SECONDS = 0.25
#: PSS is read from /proc/PID/smaps_rollup, which walks the page tables: 14 ms of CPU for
#: a 1.3 GB Python process (measured here), so only every PSS_EVERY-th sample. Reading it
#: every 0.1 s from three such processes took a fifth of a core from the measured run.
PSS_EVERY = 8


def corpora_dir() -> Path:
    """The shared corpora: ``$DEDUP_CORPORA``, else ``<repo>/../shared/corpora``."""
    env = os.environ.get(CORPORA_ENV)
    return Path(env) if env else REPO.parent / "shared" / "corpora"


def data_dir() -> Path:
    """Where generated corpora go: ``$DEDUP_BENCH_DATA``, else ``<repo>/../bench-data``.

    Outside the repository on purpose: 100k documents are ~1.6 GB.
    """
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else REPO.parent / "bench-data"


# --- measured subprocesses ------------------------------------------------------------

@dataclass
class Measured:
    """What one command cost: wall time and memory of its whole process tree."""

    returncode: int
    wall: float
    #: Largest sum of resident memory over the process and all its descendants, sampled
    #: every POLL_SECONDS (an upper bound: pages shared after fork count once per process).
    peak_rss_tree: int
    #: Largest sum of proportional set size (shared pages split between sharers), sampled
    #: every PSS_EVERY * POLL_SECONDS when the kernel offers /proc/PID/smaps_rollup; else 0.
    peak_pss_tree: int
    #: Largest resident memory of any single process in the tree (kernel's ru_maxrss).
    maxrss_single: int
    stderr: str = ""
    samples: int = 0
    timed_out: bool = False
    over_memory: bool = False


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:  # noqa: PTH123 (hot loop)
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; fields follow the last ')'.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _tree(root: int) -> list[int]:
    kids = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, ()))
    return out


def _rss(pid: int) -> int:
    """Resident memory of one process in bytes; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:  # noqa: PTH123 (hot loop)
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _pss(pid: int) -> int:
    """Proportional set size of one process in bytes; 0 when unknown or gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:  # noqa: PTH123 (hot loop)
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_measured(cmd: Sequence[str], *, env: dict[str, str] | None = None,
                 cwd: Path | None = None, timeout: float | None = None,
                 memory_limit: int | None = None) -> Measured:
    """Run ``cmd``, sampling its process tree's memory; stdout is discarded.

    Uses ``os.wait4`` for the kernel's peak RSS of the child (its largest single process,
    waited-for descendants included) so runs in one script do not mix their peaks. The
    command runs in its own session; after ``timeout`` seconds, or once the tree's PSS
    (RSS where there is no PSS) exceeds ``memory_limit`` bytes (to spare a shared
    machine), that session (and only it) is sent SIGTERM.
    """
    peak = [0, 0, 0]  # rss, pss, samples
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env, cwd=cwd, start_new_session=True)
    timed_out, over_memory = threading.Event(), threading.Event()

    def stop(why: threading.Event) -> None:
        why.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    done = threading.Event()
    err_chunks: list[bytes] = []

    def drain() -> None:
        assert proc.stderr is not None
        err_chunks.append(proc.stderr.read())

    def sample() -> None:
        while not done.wait(POLL_SECONDS):
            if timeout is not None and time.perf_counter() - started > timeout:
                stop(timed_out)
                return
            pids = _tree(proc.pid)
            rss = sum(_rss(pid) for pid in pids)
            peak[0] = max(peak[0], rss)
            pss = 0
            if peak[2] % PSS_EVERY == 0:
                pss = sum(_pss(pid) for pid in pids)
                peak[1] = max(peak[1], pss)
            peak[2] += 1
            # The limit is on PSS (memory really used: forked workers share pages), or
            # on RSS where the kernel gives no PSS.
            used = pss if peak[1] else rss
            if memory_limit is not None and used > memory_limit:
                stop(over_memory)
                return

    threads = [threading.Thread(target=drain, daemon=True),
               threading.Thread(target=sample, daemon=True)]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for t in threads:
        t.join()
    return Measured(returncode=proc.returncode, wall=wall, peak_rss_tree=peak[0],
                    peak_pss_tree=peak[1], maxrss_single=usage.ru_maxrss * 1024,
                    stderr=b"".join(err_chunks).decode("utf-8", "replace"),
                    samples=peak[2], timed_out=timed_out.is_set(),
                    over_memory=over_memory.is_set())


# --- reading big JSON ------------------------------------------------------------------

#: Bytes decoded at a time when streaming a JSON array.
CHUNK = 8 << 20


def iter_json_array(path: Path, key: str) -> Iterator[Any]:
    """The elements of the array under ``"key"`` in the JSON file ``path``, one at a time.

    A scan of 100k documents writes gigabytes of JSON; loading it whole would take more
    memory than the scan. The key must occur once, as a key (as ``pairs`` does in
    ``dedup.scan/1``: inside strings a quote is escaped, so it cannot match there).
    """
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        m = re.compile(rb'"' + key.encode() + rb'"\s*:\s*\[').search(mm)
        if m is None:
            raise ValueError(f"{path}: no array {key!r}")
        decoder = json.JSONDecoder()
        utf8 = codecs.getincrementaldecoder("utf-8")()
        pos, buf, i = m.end(), "", 0

        def more() -> bool:
            nonlocal pos, buf, i
            data = mm[pos:pos + CHUNK]
            pos += len(data)
            buf, i = buf[i:] + utf8.decode(data, final=not data), 0
            return bool(data)

        while True:
            while i < len(buf) and buf[i] in " \t\r\n,":
                i += 1
            if i >= len(buf):
                if not more():
                    raise ValueError(f"{path}: array {key!r} is not closed")
                continue
            if buf[i] == "]":
                return
            try:
                obj, end = decoder.raw_decode(buf, i)
            except json.JSONDecodeError:
                if not more():
                    raise
                continue
            yield obj
            i = end


def read_json_key(path: Path, key: str, *, limit: int = 1 << 20) -> Any:
    """The value under ``"key"`` (a small object such as ``timings``) in a big JSON file."""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        # The last one: timings and summary are top-level, and unique as keys.
        m = max(re.compile(rb'"' + key.encode() + rb'"\s*:\s*').finditer(mm),
                key=lambda x: x.start(), default=None)
        if m is None:
            raise ValueError(f"{path}: no key {key!r}")
        text = mm[m.end():m.end() + limit].decode("utf-8", "ignore")
        return json.JSONDecoder().raw_decode(text)[0]


# --- machine details ------------------------------------------------------------------

def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python and package versions, date: for results tables."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions = {}
    for name in ("dedup", "datasketch", "rapidfuzz", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return {
        "dedup_commit": _git("rev-parse", "--short", "HEAD"),
        "dedup_dirty": bool(_git("status", "--porcelain", "--", "dedup")),
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "usable_cores": len(os.sched_getaffinity(0)),
        "ram_gb": round(ram / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                              timeout=30, check=False)
    except OSError:
        return ""
    return done.stdout.strip()


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other users of a shared machine show here)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])
    except OSError:
        return "-"


def machine_line(m: dict[str, Any]) -> str:
    """One line for a results table: ``Intel ... · 2 cores · 23 GB · Python 3.11.7 ...``."""
    pk = " ".join(f"{k} {v}" for k, v in m["packages"].items())
    dirty = " (dedup/ modified)" if m.get("dedup_dirty") else ""
    return (f"{m['cpu']} · {m['cores']} cores ({m['usable_cores']} usable) · "
            f"{m['ram_gb']} GB RAM · {m['os']} · Python {m['python']} · {pk} · "
            f"commit {m.get('dedup_commit') or '-'}{dirty} · {m['date']}")


# --- truth -----------------------------------------------------------------------------

Pair = tuple[str, str]


def pair(a: str, b: str) -> Pair:
    """A document pair in canonical order."""
    return (a, b) if a <= b else (b, a)


@dataclass
class Truth:
    """The parts of a synthetic corpus's ``truth.json`` that scoring needs."""

    pairs: dict[Pair, str]  # pair -> kind (family, near_duplicate, lifted)
    stock_spans: dict[str, list[tuple[int, int]]]  # document id -> merged [start, end)
    documents: int = 0
    info: dict[str, Any] = field(default_factory=dict)


def load_truth(path: Path) -> Truth:
    """Read ``truth.json`` as written by bench/synth.py."""
    data = json.loads(path.read_text(encoding="utf-8"))
    pairs = {pair(p["a"], p["b"]): p["kind"] for p in data["pairs"]}
    spans = {d["id"]: [(s, e) for s, e in d["stock_spans"]] for d in data["documents"]}
    info = {k: v for k, v in data.items() if k not in ("documents", "pairs")}
    return Truth(pairs=pairs, stock_spans=spans, documents=len(data["documents"]), info=info)


@dataclass
class PairScore:
    """Reported pairs against the truth."""

    true_pairs: int
    reported: int
    found: int
    by_kind: dict[str, tuple[int, int]]  # kind -> (found, true)
    #: Reported pairs not in the truth whose every match lies (mostly) in stock text.
    stock_only: int = 0
    #: Reported pairs not in the truth with a match outside stock text (or of unknown
    #: extent): chance collisions of synthetic text, or false positives.
    other: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.true_pairs if self.true_pairs else 1.0

    @property
    def extra(self) -> int:
        return self.reported - self.found


def _stock_fraction(spans: list[tuple[int, int]], start: int, end: int) -> float:
    if end <= start:
        return 1.0
    covered = 0
    for s, e in spans:
        if e <= start:
            continue
        if s >= end:
            break
        covered += min(e, end) - max(s, start)
    return covered / (end - start)


#: A reported match counts as stock when at least this share of it lies in stock text
#: (stock sentences, stock phrases, headings from the pool, the header). Below 1 because
#: an aligned passage often runs a few characters past a stock sentence's end.
STOCK_MATCH_SHARE = 0.5


def score_pairs(truth: Truth,
                reported: Iterable[tuple[str, str, Sequence[tuple[int, int]] | None]]
                ) -> PairScore:
    """Score ``(a, b, a-side match spans or None)`` triples against ``truth``.

    A reported pair outside the truth is ``stock_only`` when every match span in ``a``
    lies mostly in ``a``'s stock text; without spans (a baseline that reports none) it
    counts as ``other``.
    """
    seen: set[Pair] = set()
    stock_only = other = 0
    for a, b, spans in reported:
        key = pair(a, b)
        if key in seen:
            continue
        seen.add(key)
        if key in truth.pairs:
            continue
        stock = truth.stock_spans.get(a, [])
        if spans is not None and all(_stock_fraction(stock, s, e) >= STOCK_MATCH_SHARE
                                     for s, e in spans):
            stock_only += 1
        else:
            other += 1
    by_kind: dict[str, tuple[int, int]] = {}
    for key, kind in truth.pairs.items():
        f, t = by_kind.get(kind, (0, 0))
        by_kind[kind] = (f + (key in seen), t + 1)
    found = sum(f for f, _ in by_kind.values())
    return PairScore(true_pairs=len(truth.pairs), reported=len(seen), found=found,
                     by_kind=by_kind, stock_only=stock_only, other=other)


def python() -> str:
    """The interpreter running this script (the venv's when run from it)."""
    return sys.executable
