"""The corpus index at growing sizes: build time, size on disk, check time, recall.

    python bench/index_bench.py --sizes 1000 10000 100000 --queries 30 --jobs 2

Uses the synthetic corpus of bench/synth.py (cached under ``$DEDUP_BENCH_DATA``, see
bench/scale.py): the index of size n holds the first n documents, minus the query
documents, which are held out. Queries come from the first 1000 documents (whose truth
is small to read): members of template families, near-duplicates, documents with lifted
passages, and plain ones, so that every size holds their true sources. The index is
built incrementally (each size adds the documents the previous one lacked) and kept, so
a second run measures checks without rebuilding (``--rebuild`` starts afresh).

Printed per size: documents, file size, keys, build rate, then per check (library call
``check_against_index``, warm cache): median and worst wall time, of which the index
lookup; *candidate recall*, the share of the queries' true sources among the
candidates; *passage recall*, the share the analysis then reports as a pair; and the
wall time of the whole command ``dedup new REPORT --db INDEX --json FILE``, Python
start-up included.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.common import data_dir, machine, machine_line
from bench.scale import corpus_for
from dedup.config import Config
from dedup.index import CorpusIndex, add_paths, check_against_index
from dedup.index.features import features_of
from dedup.ingest import read_document
from dedup.prepare import prepare

QUERY_BLOCK = 1000


def pick_queries(truth: dict[str, Any], n: int, seed: int) -> tuple[list[str], dict[str, set[str]]]:
    """Up to ``n`` query ids, by kind in turn, and every document's true partners."""
    partners: dict[str, set[str]] = defaultdict(set)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for p in truth["pairs"]:
        partners[p["a"]].add(p["b"])
        partners[p["b"]].add(p["a"])
        for d in (p["a"], p["b"]):
            by_kind[p["kind"]].append(d)
    by_kind["plain"] = [d["id"] for d in truth["documents"] if not d["shares_with"]]
    rng = random.Random(seed)
    pools = {k: sorted(set(v)) for k, v in sorted(by_kind.items())}
    for pool in pools.values():
        rng.shuffle(pool)
    chosen: list[str] = []
    while len(chosen) < n and any(pools.values()):
        for pool in pools.values():
            while pool and len(chosen) < n:
                d = pool.pop()
                # A query's sources must stay in the index: never hold out two partners.
                if d not in chosen and not partners[d] & set(chosen):
                    chosen.append(d)
                    break
    return chosen, partners


def build(db: Path, docs: Path, n: int, held_out: set[str], jobs: int) -> tuple[float, int]:
    """Add the first ``n`` documents but the held-out ones; (seconds, documents added).

    Documents already in the index are skipped by ``add`` itself (sha256 unchanged)."""
    files = [str(docs / f"{i:06}.txt") for i in range(n) if f"{i:06}" not in held_out]
    started = time.perf_counter()
    added = 0
    step = 10_000  # progress lines; add_paths commits in batches of its own anyway
    for pos in range(0, len(files), step):
        added += len(add_paths(db, files[pos:pos + step], Config(jobs=jobs)).added)
        print(f"  {pos + len(files[pos:pos + step]):,} / {len(files):,} documents "
              f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    return time.perf_counter() - started, added


def source_ranks(db: Path, report: str, truth: set[str]) -> list[int]:
    """Where each true source of ``report`` ranks among the index's candidates."""
    doc = read_document(report, Config())
    with CorpusIndex.open(db) as index:
        prep = prepare(doc, 0)
        keys = [features_of(prep, lang, index.params) for lang in index.langs()]
        ranked = index.candidates(keys, limit=10_000)
        names = index.names(d for d, _ in ranked)
    order = {names[d]: i for i, (d, _) in enumerate(ranked, start=1)}
    return [order.get(t, 0) for t in sorted(truth)]


def measure(db: Path, docs: Path, queries: list[str], partners: dict[str, set[str]]
            ) -> dict[str, Any]:
    config = Config(jobs=1)
    walls, lookups, cand_hits, pair_hits, truths = [], [], 0, 0, 0
    ranks: list[int] = []
    for q in queries:
        report = str(docs / f"{q}.txt")
        ranks.extend(source_ranks(db, report, partners.get(q, set())))
        check_against_index(report, db, config)  # warm the page cache and imports
        started = time.perf_counter()
        result, _ = check_against_index(report, db, config)
        walls.append(time.perf_counter() - started)
        lookups.append(result.timings["index"])
        ids = [d.document.id for d in result.documents]
        paired = {ids[p.b] for p in result.pairs if p.a == 0} | \
                 {ids[p.a] for p in result.pairs if p.b == 0}
        truth = partners.get(q, set())
        truths += len(truth)
        cand_hits += len(truth & set(ids[1:]))
        pair_hits += len(truth & paired)
    cli_started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dedup", "new", str(docs / f"{queries[0]}.txt"),
                           "--db", str(db), "--json", "/dev/null", "--quiet", "--jobs", "1"],
                          capture_output=True, text=True, check=False)
    cli = time.perf_counter() - cli_started
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return {
        "check_median_s": round(statistics.median(walls), 3),
        "check_max_s": round(max(walls), 3),
        "lookup_median_s": round(statistics.median(lookups), 3),
        "candidate_recall": round(cand_hits / truths, 4) if truths else None,
        "passage_recall": round(pair_hits / truths, 4) if truths else None,
        "true_sources": truths,
        # Rank of every true source among all candidates (1 = best; 0 = not proposed):
        # what the MAX_SOURCES bound must cover.
        "source_rank_max": max(ranks, default=0),
        "source_rank_p90": sorted(ranks)[int(0.9 * (len(ranks) - 1))] if ranks else 0,
        "sources_not_proposed": ranks.count(0),
        "cli_wall_s": round(cli, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/index_bench.py", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=None,
                        help=f"where corpora and the index are kept [{data_dir()}]")
    parser.add_argument("--rebuild", action="store_true", help="start a new index")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    root = args.data or data_dir()
    opts = synth.Options()
    corpus = corpus_for(sizes[-1], args.seed, opts, root)
    head = corpus_for(min(QUERY_BLOCK, sizes[-1]), args.seed, opts, root)
    truth = json.loads((head / "truth.json").read_text(encoding="utf-8"))
    queries, partners = pick_queries(truth, args.queries, args.seed)
    held_out = set(queries)
    # One index per corpus and query set: its documents are those files.
    db = root / f"index-{corpus.name}-q{args.queries}" / "index.db"
    if args.rebuild:
        for p in db.parent.glob("index.db*"):
            p.unlink()
    db.parent.mkdir(parents=True, exist_ok=True)
    print(machine_line(machine()))
    print(f"queries: {len(queries)} held-out documents of the first {QUERY_BLOCK}, "
          f"{sum(len(partners[q]) for q in queries)} true sources")
    rows = []
    for n in sizes:
        seconds, added = build(db, corpus / "docs", n, held_out, args.jobs)
        with CorpusIndex.open(db) as index:
            stats = index.stats()
        row = {"size": n, "documents": stats.documents, "file_mb": round(stats.file_bytes / 1e6, 1),
               "text_mb": round(stats.bytes / 1e6, 1), "kgrams": stats.kgrams,
               "bands": stats.bands, "added": added, "add_s": round(seconds, 1),
               "add_docs_per_s": round(added / seconds, 1) if seconds else None,
               **measure(db, corpus / "docs", queries, partners)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print("| documents | index file | keys | add (docs/s) | check median | check max |"
          " lookup | source rank p90 / max | candidate recall | passage recall |"
          " `dedup new --db` |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rate = f"{r['add_docs_per_s']:.0f}" if r["add_docs_per_s"] else "–"
        print(f"| {r['documents']:,} | {r['file_mb']:,.0f} MB ({r['text_mb']:,.0f} MB of text) |"
              f" {r['kgrams'] + r['bands']:,} | {rate} | {r['check_median_s']:.2f} s |"
              f" {r['check_max_s']:.2f} s | {r['lookup_median_s'] * 1000:.0f} ms |"
              f" {r['source_rank_p90']} / {r['source_rank_max']} |"
              f" {r['candidate_recall']:.3f} | {r['passage_recall']:.3f} |"
              f" {r['cli_wall_s']:.2f} s |")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
