"""The hostile corpus at full size: wall time and peak memory of ``dedup scan`` on it.

    python bench/hostile.py                 # builds it in a temporary folder, scans, prints
    python bench/hostile.py --keep ../bench-data/hostile --jobs 1

The corpus is tests/ingest_fixtures.hostile_corpus (every odd input of the robustness
issue: encodings, empty and binary files, corrupt, encrypted and textless PDFs, a
truncated .docx, a 64 MiB docx bomb, symlink loops, hostile names...) plus the big ones:

- ``line.txt``: a 20 MB line of Chinese without a punctuation mark or a space
  (6.99 million characters drawn with a fixed seed);
- ``line-copy.txt`` (next to the corpus, added in the second run only): the same line in
  another file, so that candidates and alignment have 20 MB to match;
- ``bomb-600.docx``: 7 KB of zip that would expand to 600 MiB (honest headers);
- ``bomb-lying.docx``: the same, its headers claiming 1000 bytes;
- ``sparse.txt``: a 300 MiB file of zeros (sparse on disk), over the 200 MiB size limit.

Each run is ``python -m dedup scan CORPUS --out OUT`` in a subprocess; printed: exit code,
wall time, the peak resident memory of its whole process tree (sampled, bench/common.py),
the kernel's peak for its largest single process (``ru_maxrss`` from ``wait4``; at the
end ``getrusage(RUSAGE_CHILDREN)``, the largest over all runs), and the stderr lines.
Runs: the corpus; the corpus and the copy of the line; the corpus with
``--max-file-size 10000000``, which refuses the line. Needs the test extras (python-docx,
reportlab) to build the corpus.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench.common import load_average, machine, machine_line, python, run_measured

#: Characters in the punctuation-free line: 20 MB of UTF-8 (3 bytes each).
LINE_CHARS = 20_000_000 // 3
SEED = 20


def build(root: Path) -> Path:
    """Write the corpus under ``root`` (``hostile/`` and ``line-copy.txt``)."""
    from ingest_fixtures import hostile_corpus, write_docx_bomb

    corpus = hostile_corpus(root).root
    rng = random.Random(SEED)
    line = "".join(chr(0x4E00 + rng.randrange(6000)) for _ in range(LINE_CHARS))
    (corpus / "line.txt").write_text(line, encoding="utf-8")
    (root / "line-copy.txt").write_text(line, encoding="utf-8")
    write_docx_bomb(corpus / "bomb-600.docx", megabytes=600)
    write_docx_bomb(corpus / "bomb-lying.docx", megabytes=600, lie=True)
    with (corpus / "sparse.txt").open("wb") as f:
        f.truncate(300 * 1024 * 1024)
    return corpus


def scan(paths: list[Path], out: Path, extra: list[str], shown: str) -> None:
    cmd = [python(), "-m", "dedup", "scan", *map(str, paths), "--out", str(out), "--quiet",
           *extra]
    m = run_measured(cmd)
    lines = m.stderr.strip().splitlines()
    print(f"$ dedup scan {shown} --quiet {' '.join(extra)}".rstrip())
    print(f"  exit {m.returncode}; {m.wall:.1f} s; peak RSS of the process tree "
          f"{m.peak_rss_tree / 2**20:,.0f} MiB; largest single process "
          f"{m.maxrss_single / 2**20:,.0f} MiB")
    print(f"  {len(lines)} stderr lines; tracebacks: {m.stderr.count('Traceback')}")
    for line in lines:
        print(f"    {line[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    parser.add_argument("--jobs", default="0", help="passed to dedup scan (default: all cores)")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build is not None:
        build(args.build)
        return
    root = args.keep or Path(tempfile.mkdtemp(prefix="dedup-hostile-"))
    try:
        if not (root / "hostile").is_dir():
            root.mkdir(parents=True, exist_ok=True)
            # In a process of its own: a scan forked from this one would otherwise count
            # the memory spent building the 20 MB line in its own peak (ru_maxrss).
            subprocess.run([python(), __file__, "--build", str(root)], check=True)
        corpus = root / "hostile"
        print(machine_line(machine()))
        print(f"load average before: {load_average()}")
        size = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()
                   and not p.is_symlink() and p.name != "sparse.txt")
        print(f"corpus: {corpus} ({size / 1e6:,.1f} MB besides the sparse file)")
        jobs = ["--jobs", args.jobs]
        scan([corpus], root / "reports", jobs, "hostile/")
        scan([corpus, root / "line-copy.txt"], root / "reports-copy", jobs,
             "hostile/ line-copy.txt")
        scan([corpus], root / "reports-limited", [*jobs, "--max-file-size", "10000000"],
             "hostile/")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"getrusage(RUSAGE_CHILDREN).ru_maxrss over all runs: {peak / 1024:,.0f} MiB")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
