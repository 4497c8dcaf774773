"""How dedup's time and memory grow with the corpus, and what it finds, on synthetic corpora.

    python bench/scale.py                                # 1000, 2000, 10000 documents
    python bench/scale.py --sizes 1000,10000,100000 --jobs 2
    python bench/scale.py --sizes 1000 --handwritten 0 --json bench/results/scale.json

For each size it generates a corpus with bench/synth.py (or reuses one cached under
``$DEDUP_BENCH_DATA``, default ``../bench-data``), runs the real command line in a
subprocess, ``dedup scan DOCS --no-html --json OUT --quiet --out TMP``, and prints:
wall time, documents/s, MB/s, peak memory of the process tree (RSS summed over processes,
PSS, and the largest single process), dedup's own per-stage ``timings``, and the pairs
found against the corpus's truth.json (recall of the pairs that share a passage, by kind;
reported pairs outside the truth, split into those explained by stock text alone and the
rest). Then the growth exponent: the least-squares slope of log(time) against log(n).

``--handwritten N[,N...]`` (default 2000, 0 to skip) also runs bench/handwritten.py, the
datasketch + rapidfuzz baseline of the issue, on those corpora.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.common import (
    REPO,
    Measured,
    PairScore,
    Truth,
    data_dir,
    iter_json_array,
    load_average,
    load_truth,
    machine,
    machine_line,
    python,
    read_json_key,
    run_measured,
    score_pairs,
)

DEFAULT_SIZES = (1000, 2000, 10000)


@dataclass
class Row:
    """One measured run."""

    tool: str
    n: int
    bytes: int
    wall: float
    peak_rss_tree: int
    peak_pss_tree: int
    maxrss_single: int
    returncode: int
    stages: dict[str, float] = field(default_factory=dict)
    pairs: int = 0
    score: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    load: str = ""  # load averages (1, 5, 15 min) when the run ended

    @property
    def docs_per_s(self) -> float:
        return self.n / self.wall

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.wall


def corpus_for(n: int, seed: int, opts: synth.Options, root: Path) -> Path:
    """The cached corpus of ``n`` documents, generated first when missing or stale."""
    out = root / f"synth-n{n}-s{seed}-b{opts.doc_bytes}-v{synth.VERSION}"
    if not synth.is_complete(out, n, seed, opts):
        print(f"generating {n} documents in {out} ...", file=sys.stderr, flush=True)
        stats = synth.generate(out, n, seed=seed, opts=opts, force=True)
        print(f"  {stats['bytes'] / 1e6:.0f} MB in {stats['seconds']} s", file=sys.stderr)
    return out


def corpus_bytes(corpus: Path) -> int:
    stats: dict[str, Any] = read_json_key(corpus / "truth.json", "stats")
    return int(stats["bytes"])


def score_dict(score: PairScore) -> dict[str, Any]:
    return {"true_pairs": score.true_pairs, "found": score.found, "recall": score.recall,
            "reported": score.reported, "extra": score.extra,
            "stock_only": score.stock_only, "other": score.other,
            "by_kind": {k: list(v) for k, v in score.by_kind.items()}}


def from_measured(tool: str, n: int, size: int, m: Measured) -> Row:
    return Row(tool=tool, n=n, bytes=size, wall=m.wall, peak_rss_tree=m.peak_rss_tree,
               peak_pss_tree=m.peak_pss_tree, maxrss_single=m.maxrss_single,
               returncode=m.returncode,
               note="timed out" if m.timed_out else "over memory limit" if m.over_memory else "")


def run_dedup(corpus: Path, truth: Truth, work: Path, *, jobs: int | None,
              limits: dict[str, Any]) -> Row:
    out_json = work / "scan.json"
    cmd = [python(), "-m", "dedup", "scan", str(corpus / "docs"), "--no-html",
           "--json", str(out_json), "--quiet", "--out", str(work / "report")]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    m = run_measured(cmd, cwd=REPO, **limits)
    row = from_measured("dedup", truth.documents, corpus_bytes(corpus), m)
    row.load = load_average()
    if m.returncode not in (0, 1) or not out_json.exists():
        row.note = row.note or f"exit {m.returncode}: {m.stderr.strip()[-300:]}"
        return row
    row.stages = {k: float(v) for k, v in read_json_key(out_json, "timings").items()}
    reported = (
        (p["a"], p["b"], [(x["a_start"], x["a_end"]) for x in p.get("matches", [])])
        for p in iter_json_array(out_json, "pairs"))
    score = score_pairs(truth, reported)
    row.pairs, row.score = score.reported, score_dict(score)
    return row


def run_handwritten(corpus: Path, truth: Truth, work: Path, *,
                    limits: dict[str, Any]) -> Row:
    out_json = work / "handwritten.json"
    cmd = [python(), str(REPO / "bench" / "handwritten.py"), str(corpus / "docs"),
           "--json", str(out_json)]
    m = run_measured(cmd, cwd=REPO, **limits)
    row = from_measured("handwritten", truth.documents, corpus_bytes(corpus), m)
    row.load = load_average()
    if m.returncode != 0 or not out_json.exists():
        row.note = row.note or f"exit {m.returncode}: {m.stderr.strip()[-300:]}"
        return row
    data = json.loads(out_json.read_text(encoding="utf-8"))
    row.stages = {k: float(v) for k, v in data["timings"].items()}
    score = score_pairs(truth, ((p["a"], p["b"], [tuple(x) for x in p["matches"]])
                                for p in data["pairs"]))
    row.pairs, row.score = score.reported, score_dict(score)
    return row


def growth_exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) against log(n); None with fewer than 2 sizes."""
    pts = [(math.log(n), math.log(t)) for n, t in points if t > 0]
    if len({x for x, _ in pts}) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    return (sum((x - mx) * (y - my) for x, y in pts)
            / sum((x - mx) ** 2 for x, _ in pts))


def _mb(b: int) -> str:
    return f"{b / 2**20:,.0f}"


PEAK = "_peak_mb"


def _peak(r: Row) -> str:
    """dedup's own high-water mark after each stage (its main process), as ``a/b/c/d``."""
    peaks = [f"{v:,.0f}" for k, v in r.stages.items() if k.endswith(PEAK)]
    return "/".join(peaks) or "-"


def table(rows: list[Row], *, markdown: bool = False) -> str:
    """The results as a fixed-width (or Markdown) table."""
    stages: list[str] = []
    for r in rows:
        stages += [s for s in r.stages if s not in stages and not s.endswith(PEAK)]
    head = ["tool", "docs", "MB", "wall s", "docs/s", "MB/s", "RSS tree MiB", "PSS tree MiB",
            "max proc MiB", *[f"{s} s" for s in stages], "stage peaks MiB", "pairs", "recall",
            "family", "near-dup", "lifted", "extra stock", "extra other", "load", "note"]
    lines = []
    for r in rows:
        sc = r.score
        kind = sc.get("by_kind", {})

        def k(name: str, kind: dict[str, list[int]] = kind) -> str:
            f, t = kind.get(name, (0, 0))
            return f"{f}/{t}" if t else "-"

        lines.append([
            r.tool, f"{r.n:,}", f"{r.bytes / 1e6:,.1f}", f"{r.wall:,.1f}",
            f"{r.docs_per_s:,.1f}", f"{r.mb_per_s:.2f}", _mb(r.peak_rss_tree),
            _mb(r.peak_pss_tree) if r.peak_pss_tree else "-", _mb(r.maxrss_single),
            *[f"{r.stages[s]:,.1f}" if s in r.stages else "-" for s in stages],
            _peak(r),
            f"{r.pairs:,}" if sc else "-", f"{sc['recall']:.3f}" if sc else "-",
            k("family"), k("near_duplicate"), k("lifted"),
            f"{sc['stock_only']:,}" if sc else "-", f"{sc['other']:,}" if sc else "-",
            r.load, r.note])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(x) for x in col) for col in zip(head, *lines, strict=True)]
    return "\n".join("  ".join(x.rjust(w) for x, w in zip(line, widths, strict=True)).rstrip()
                     for line in [head, *lines])


def exponents(rows: list[Row], tool: str = "dedup") -> dict[str, float | None]:
    """Growth exponents of a tool's wall time and of each of its stages."""
    ok = [r for r in rows if r.tool == tool and r.returncode in (0, 1) and not r.note]
    out = {"wall": growth_exponent([(r.n, r.wall) for r in ok])}
    for stage in {s for r in ok for s in r.stages if not s.endswith(PEAK)}:
        out[stage] = growth_exponent([(r.n, r.stages[stage]) for r in ok if stage in r.stages])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scale.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated corpus sizes [%(default)s]")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--doc-bytes", type=int, default=synth.Options.doc_bytes)
    parser.add_argument("--data", type=Path, default=None,
                        help=f"where corpora are cached [{data_dir()}]")
    parser.add_argument("--jobs", type=int, default=None, help="dedup scan --jobs")
    parser.add_argument("--handwritten", default="2000",
                        help="also run the baseline on these sizes (0: skip) [%(default)s]")
    parser.add_argument("--timeout", type=float, default=None,
                        help="stop a run after this many seconds")
    parser.add_argument("--memory-limit", type=float, default=None,
                        help="stop a run whose process tree uses more than this many GiB (PSS)")
    parser.add_argument("--keep", action="store_true", help="keep the scans' JSON output")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--report", type=Path, default=None,
                        help="print the table of an earlier --json file; run nothing")
    args = parser.parse_args(argv)
    if args.report is not None:
        saved = json.loads(args.report.read_text(encoding="utf-8"))
        fields = set(Row.__dataclass_fields__)
        print(machine_line(saved["machine"]))
        print(table([Row(**{k: v for k, v in r.items() if k in fields})
                     for r in saved["rows"]], markdown=args.markdown))
        return 0
    try:
        sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
        baseline = sorted({int(x) for x in args.handwritten.split(",") if x.strip()} - {0})
    except ValueError:
        parser.error("--sizes and --handwritten take numbers separated by commas")
    root = args.data or data_dir()
    root.mkdir(parents=True, exist_ok=True)
    opts = synth.Options(doc_bytes=args.doc_bytes)
    info = machine()
    print(machine_line(info), file=sys.stderr)
    rows: list[Row] = []
    todo = [("dedup", n) for n in sizes] + [("handwritten", n) for n in baseline]
    for tool, n in todo:
        corpus = corpus_for(n, args.seed, opts, root)
        truth = load_truth(corpus / "truth.json")
        work = Path(tempfile.mkdtemp(prefix=f"scale-{tool}-{n}-", dir=root))
        print(f"{tool} on {n} documents ...", file=sys.stderr, flush=True)
        limits = {"timeout": args.timeout, "memory_limit":
                  None if args.memory_limit is None else int(args.memory_limit * 2**30)}
        if tool == "dedup":
            row = run_dedup(corpus, truth, work, jobs=args.jobs, limits=limits)
        else:
            row = run_handwritten(corpus, truth, work, limits=limits)
        rows.append(row)
        print(table([row]), file=sys.stderr, flush=True)
        if args.keep:
            print(f"  output kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(machine_line(info))
    print(table(rows, markdown=args.markdown))
    exps = {tool: exponents(rows, tool) for tool in ("dedup", "handwritten")}
    for tool, exp in exps.items():
        if exp["wall"] is not None:
            print(f"{tool} growth exponent (slope of log time vs log n): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in sorted(exp.items())
                              if v is not None))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(
            {"machine": info, "seed": args.seed, "options": asdict(opts),
             "rows": [asdict(r) | {"docs_per_s": r.docs_per_s, "mb_per_s": r.mb_per_s}
                      for r in rows],
             "exponents": exps}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if all(r.returncode in (0, 1) and not r.note for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
