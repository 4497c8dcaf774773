"""Score dedup on a PAN text-alignment corpus (pan13-mini by default) with PAN's plagdet.

    python bench/pan.py                              # dedup on ../shared/corpora/pan13-mini
    python bench/pan.py --baseline difflib           # ... and a plain difflib baseline
    python bench/pan.py --out runs/pan --json runs/pan.json --category 03-random-obfuscation
    python bench/pan.py --config threshold=0.6 --config min_passage=24

Prints one table per detector: category, pairs, cases, plagdet, recall, precision,
granularity, detections and seconds, plus overall. ``--out`` writes PAN-format detection
XML (``<out>/<detector>/<category>/<susp>-<src>.xml``) that PAN's own script can score;
``--json`` writes the figures, e.g. to raise the floors in tests/quality/pan_baseline.json.

Exit codes: 0 done, 2 corpus missing or bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

# Run from a checkout without installing: make the package next to bench/ importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup.config import Config
from dedup.errors import DedupError
from dedup.eval.pan import (
    CORPORA_ENV,
    Detector,
    PanCorpus,
    PanPair,
    dedup_detector,
    default_pan_dir,
    difflib_detector,
    format_table,
    read_corpus,
    run_corpus,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/pan.py",
        description="Score dedup on a PAN text-alignment corpus with PAN's plagdet.",
    )
    parser.add_argument(
        "--corpus", type=Path, default=None,
        help=f"PAN corpus folder (default: ${CORPORA_ENV}/pan13-mini, else "
        "<repo>/../shared/corpora/pan13-mini)",
    )
    parser.add_argument("--out", type=Path, default=None,
                        help="write PAN detection XML under OUT/<detector>/")
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--baseline", choices=["difflib"], action="append", default=[],
                        help="also score a baseline detector")
    parser.add_argument("--no-dedup", action="store_true",
                        help="score only the baselines (e.g. while the pipeline is broken)")
    parser.add_argument("--category", action="append", default=None,
                        help="score only this category (repeatable)")
    parser.add_argument(
        "--jobs", type=int, default=1,
        help="dedup worker processes (default 1: each scan is only two documents)",
    )
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="set a dedup Config field; VALUE is read as JSON, else as text")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser.parse_args(argv)


def build_config(jobs: int, settings: list[str]) -> Config:
    """``Config(jobs=jobs, **settings)``; a KEY=VALUE value is JSON if it parses."""
    values: dict[str, Any] = {"jobs": jobs}
    for item in settings:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise DedupError(f"--config wants KEY=VALUE (got {item!r}), e.g. threshold=0.6")
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            values[key] = raw
    try:
        return Config(**values)
    except TypeError as exc:
        raise DedupError(f"--config: {exc}") from exc


def show_progress(index: int, total: int, pair: PanPair) -> None:
    sys.stderr.write(f"\r[{index + 1:>4}/{total}] {pair.category} {pair.susp} {pair.src}  ")
    if index + 1 == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        corpus: PanCorpus = read_corpus(args.corpus or default_pan_dir(),
                                        categories=args.category)
        config = build_config(args.jobs, args.config)
    except DedupError as exc:
        print(f"bench/pan.py: {exc}", file=sys.stderr)
        return 2

    detectors: list[tuple[str, Detector]] = []
    if not args.no_dedup:
        detectors.append(("dedup", dedup_detector(config)))
    if "difflib" in args.baseline:
        detectors.append(("difflib", difflib_detector()))
    if not detectors:
        print("bench/pan.py: nothing to score (--no-dedup without --baseline)", file=sys.stderr)
        return 2

    progress = None if args.quiet or not sys.stderr.isatty() else show_progress
    figures: dict[str, Any] = {}
    for name, detector in detectors:
        started = time.perf_counter()
        out = args.out / name if args.out is not None else None
        report = run_corpus(corpus, detector, name=name, out=out, progress=progress)
        wall = time.perf_counter() - started
        print(format_table(report))
        print(f"{name}: {len(report.runs)} pairs in {wall:.1f} s "
              f"({wall / max(1, len(report.runs)):.2f} s a pair)")
        print()
        figures[name] = report.as_dict()
        if name == "dedup":
            figures[name]["config"] = {k: v for k, v in config.as_dict().items() if k != "extra"}

    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
