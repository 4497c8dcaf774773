"""How well dedup finds new content in edited copies of reports, per edit type and language.

Generates the annotated cases of ``tests/quality/cases.py`` (seeds, English and, when the
corpora are present, the provincial reports), scans each with dedup and prints precision,
recall and F1 of the ``unique`` label against the truly new text, next to two difflib
baselines ("sent": a sentence diff, the plain comparison the evaluation quotes at F1 ~0.6;
"tok": token-level SequenceMatcher blocks). Tune on ``--split dev``; check on
``--split test``, whose source reports the dev cases never edit.

    python bench/quality.py                      # dev split, 2 cases per kind and set
    python bench/quality.py --split test --cases 4
    python bench/quality.py --provincial-only --cases 3 --tags
    python bench/quality.py --baseline-only      # difflib only, no scan
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from quality.cases import (  # found through the path above
    KINDS,
    Case,
    CaseScore,
    Counts,
    Total,
    aggregate,
    english_cases,
    provincial_cases,
    provincial_dir,
    run_case,
    score_baselines,
    seed_cases,
    total,
)

SETS = ("zh-seed", "en", "zh-prov")


def build(args: argparse.Namespace) -> list[Case]:
    opts = {"split": args.split, "per_kind": args.cases, "seed": args.seed, "kinds": args.kinds}
    cases: list[Case] = []
    if not args.provincial_only:
        cases += seed_cases(**opts) + english_cases(**opts)
    prov = provincial_cases(**opts)
    if not prov:
        print(f"(provincial reports not found at {provincial_dir()}; skipped)", file=sys.stderr)
    return cases + prov


def run(cases: Sequence[Case], args: argparse.Namespace) -> list[CaseScore]:
    units = [u for u in args.baselines.split(",") if u]
    if args.baseline_only:
        return [CaseScore(c.name, c.lang, c.kind, Counts(), {}, score_baselines(c, units))
                for c in cases]
    from dedup import Config, scan

    overrides: dict[str, object] = {}
    for item in args.config:
        key, _, value = item.partition("=")
        default = getattr(Config(), key)
        overrides[key] = type(default)(value) if default is not None else int(value)
    config = Config(jobs=args.jobs, **overrides)  # type: ignore[arg-type]
    scores = []
    with tempfile.TemporaryDirectory(prefix="dedup-quality-") as tmp:
        for i, case in enumerate(cases, 1):
            t0 = time.perf_counter()
            score = run_case(case, Path(tmp), lambda p: scan(p, config), baselines=units)
            scores.append(score)
            if args.verbose:
                c = score.counts
                print(f"[{i}/{len(cases)}] {case.name:32} P={c.precision:.3f} "
                      f"R={c.recall:.3f} F1={c.f1:.3f} {time.perf_counter() - t0:.1f}s",
                      file=sys.stderr)
    return scores


def _family(name: str) -> str:
    return next((f for f in SETS if name.startswith(f + "-")), "?")


def table(scores: Sequence[CaseScore], units: Sequence[str], *, dedup: bool) -> str:
    head = f"{'set':8} {'lang':4} {'kind':9} {'cases':>5}"
    if dedup:
        head += f" {'P':>6} {'R':>6} {'F1':>6}"
    head += "".join(f" {'dl-' + u[:4] + ' F1':>11}" for u in units)
    lines = [head, "-" * len(head)]

    def row(label: tuple[str, str, str], t: Total) -> str:
        c = t.counts
        line = f"{label[0]:8} {label[1]:4} {label[2]:9} {t.cases:5d}"
        if dedup:
            line += f" {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
        return line + "".join(f" {t.baselines.get(u, Counts()).f1:11.3f}" for u in units)

    for fam in SETS:
        mine = [s for s in scores if _family(s.name) == fam]
        if not mine:
            continue
        per_kind = aggregate(mine, lambda s: s.kind)
        for kind in KINDS:
            if kind in per_kind:
                lines.append(row((fam, mine[0].lang, kind), per_kind[kind]))
        lines.append(row((fam, mine[0].lang, "ALL"), total(mine)))
        lines.append("")
    for lang, t in sorted(aggregate(scores, lambda s: s.lang).items()):
        lines.append(row(("ALL", lang, "ALL"), t))
    lines.append(row(("ALL", "all", "ALL"), total(scores)))
    return "\n".join(lines)


def tag_table(scores: Sequence[CaseScore]) -> str:
    """Share of each kind of piece that dedup labelled unique (errors, except 'added')."""
    lines = [f"{'lang':4} {'piece tag':10} {'chars':>8} {'unique':>7}"]
    for lang, t in sorted(aggregate(scores, lambda s: s.lang).items()):
        for tag, (hit, n) in sorted(t.tags.items()):
            lines.append(f"{lang:4} {tag:10} {n:8d} {hit / n if n else 0:7.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--cases", type=int, default=2, help="cases per kind and set (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--provincial-only", action="store_true")
    ap.add_argument("--kinds", type=lambda s: tuple(s.split(",")), default=KINDS,
                    help="comma-separated kinds (default: all)")
    ap.add_argument("--baselines", default="sentence,token",
                    help="difflib baselines to score: sentence,token (empty for none)")
    ap.add_argument("--baseline-only", action="store_true", help="difflib only, no scan")
    ap.add_argument("--jobs", type=int, default=1, help="dedup's --jobs (default 1)")
    ap.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                    help="override a Config field, e.g. threshold=0.6 (repeatable)")
    ap.add_argument("--tags", action="store_true", help="also print per-piece-tag shares")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    args = ap.parse_args(argv)
    unknown = set(args.kinds) - set(KINDS)
    if unknown:
        ap.error(f"unknown kinds {sorted(unknown)}; use {','.join(KINDS)}")

    t0 = time.perf_counter()
    cases = build(args)
    scores = run(cases, args)
    units = [u for u in args.baselines.split(",") if u]
    print(f"split={args.split} seed={args.seed} cases={len(cases)} "
          f"({time.perf_counter() - t0:.0f}s)")
    print(table(scores, units, dedup=not args.baseline_only))
    if args.tags and not args.baseline_only:
        print()
        print(tag_table(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
