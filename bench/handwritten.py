"""The hand-written baseline of the scale issue: datasketch + rapidfuzz, as a user writes it.

    python bench/handwritten.py DIR --json pairs.json

1. MinHash of every document (character 5-grams, 128 permutations, ``update_batch``);
2. MinHashLSH at document level (Jaccard threshold 0.5, datasketch's usual example);
3. for every candidate pair, ``rapidfuzz.process.cdist`` of the two documents' sentences
   with ``fuzz.ratio``; a pair with at least one sentence pair scoring >= 80 is reported.

Pairs that share only a few passages are rarely proposed by step 2: that is the weakness
the issue names, and what bench/scale.py measures against the truth. Writes
``{"pairs": [{"a", "b", "matches": [[a_start, a_end], ...]}], "timings": {...}}`` with
ids as dedup gives them (path under DIR without the extension).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz, process

NUM_PERM = 128
SHINGLE = 5
LSH_THRESHOLD = 0.5
RATIO = 80
MIN_SENTENCE = 10  # shorter sentences (headings, 各位代表：) match too easily

SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each sentence of at least MIN_SENTENCE characters."""
    out = []
    for m in SENTENCE.finditer(text):
        s = m.group().strip()
        if len(s) >= MIN_SENTENCE:
            out.append((m.start(), m.end(), s))
    return out


def run(root: Path, *, threshold: float = LSH_THRESHOLD, ratio: float = RATIO,
        workers: int = -1) -> dict[str, Any]:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    files = sorted(root.rglob("*.txt"))
    ids = [str(p.relative_to(root).with_suffix("")) for p in files]
    texts = [p.read_text(encoding="utf-8") for p in files]
    timings["read"] = time.perf_counter() - t

    t = time.perf_counter()
    minhashes = []
    for text in texts:
        flat = re.sub(r"\s+", "", text)
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([flat[i:i + SHINGLE].encode("utf-8")
                        for i in range(len(flat) - SHINGLE + 1)])
        minhashes.append(m)
    timings["minhash"] = time.perf_counter() - t

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    for i, m in enumerate(minhashes):
        lsh.insert(str(i), m)
    candidates = set()
    for i, m in enumerate(minhashes):
        for key in lsh.query(m):
            j = int(key)
            if j != i:
                candidates.add((min(i, j), max(i, j)))
    timings["lsh"] = time.perf_counter() - t

    t = time.perf_counter()
    sents = [sentences(text) for text in texts]
    pairs = []
    for i, j in sorted(candidates):
        if not sents[i] or not sents[j]:
            continue
        scores = process.cdist([s for _, _, s in sents[i]], [s for _, _, s in sents[j]],
                               scorer=fuzz.ratio, score_cutoff=ratio, workers=workers)
        hits = sorted({int(a) for a in scores.nonzero()[0]})
        if hits:
            pairs.append({"a": ids[i], "b": ids[j],
                          "matches": [[sents[i][a][0], sents[i][a][1]] for a in hits]})
    timings["cdist"] = time.perf_counter() - t
    return {"documents": len(files), "candidates": len(candidates), "pairs": pairs,
            "config": {"num_perm": NUM_PERM, "shingle": SHINGLE, "lsh_threshold": threshold,
                       "ratio": ratio, "min_sentence": MIN_SENTENCE},
            "timings": {k: round(v, 3) for k, v in timings.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/handwritten.py", description=__doc__.split(
        "\n")[0])
    parser.add_argument("root", type=Path, help="folder of .txt reports")
    parser.add_argument("--json", type=Path, required=True, help="write the pairs here")
    parser.add_argument("--threshold", type=float, default=LSH_THRESHOLD,
                        help="MinHashLSH Jaccard threshold [%(default)s]")
    parser.add_argument("--ratio", type=float, default=RATIO,
                        help="fuzz.ratio of a matching sentence pair [%(default)s]")
    parser.add_argument("--workers", type=int, default=-1,
                        help="rapidfuzz cdist threads (-1: all cores) [%(default)s]")
    args = parser.parse_args(argv)
    result = run(args.root, threshold=args.threshold, ratio=args.ratio, workers=args.workers)
    args.json.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    print(f"{result['documents']} documents, {result['candidates']} candidate pairs, "
          f"{len(result['pairs'])} pairs; seconds {result['timings']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
