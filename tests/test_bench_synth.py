"""bench/synth.py: the synthetic corpus generator is deterministic and its truth is right.

Small corpora trained on the repository's seeds only, so the tests need no shared corpora.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not installed

from bench import common, synth

ROOT = Path(__file__).resolve().parents[1]

N_DOCS = 60
SMALL = synth.Options(doc_bytes=3000)


@pytest.fixture(scope="module")
def sources() -> synth.Sources:
    return synth.load_sources(sorted((ROOT / "seeds").glob("*.txt")))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, sources: synth.Sources) -> Path:
    out = tmp_path_factory.mktemp("synth") / "c"
    synth.generate(out, N_DOCS, seed=7, opts=SMALL, sources=sources)
    return out


@pytest.fixture(scope="module")
def truth(corpus: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    return data


def texts(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "docs").iterdir())}


def test_same_seed_same_corpus(corpus: Path, sources: synth.Sources, tmp_path: Path) -> None:
    synth.generate(tmp_path / "again", N_DOCS, seed=7, opts=SMALL, sources=sources)
    assert texts(tmp_path / "again") == texts(corpus)
    again = json.loads((tmp_path / "again" / "truth.json").read_text(encoding="utf-8"))
    first = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    again["stats"].pop("seconds")
    first["stats"].pop("seconds")
    assert again == first


def test_other_seed_other_corpus(corpus: Path, sources: synth.Sources, tmp_path: Path) -> None:
    synth.generate(tmp_path / "other", N_DOCS, seed=8, opts=SMALL, sources=sources)
    assert texts(tmp_path / "other") != texts(corpus)


def test_files_and_sizes(corpus: Path, truth: dict[str, Any]) -> None:
    docs = truth["documents"]
    assert len(docs) == N_DOCS == truth["stats"]["documents"]
    assert len({d["id"] for d in docs}) == N_DOCS
    assert sorted(p.name for p in (corpus / "docs").iterdir()) == sorted(
        f"{d['id']}.txt" for d in docs)
    sizes = [d["bytes"] for d in docs]
    assert sum(sizes) == truth["stats"]["bytes"]
    assert 0.6 * SMALL.doc_bytes < sum(sizes) / len(sizes) < 1.5 * SMALL.doc_bytes
    assert synth.is_complete(corpus, N_DOCS, 7, SMALL)
    assert not synth.is_complete(corpus, N_DOCS, 8, SMALL)
    assert not (corpus / synth.PARTIAL).exists()


def test_roles_and_pairs_agree(truth: dict[str, Any]) -> None:
    docs = {d["id"]: d for d in truth["documents"]}
    pairs = {(p["a"], p["b"]): p["kind"] for p in truth["pairs"]}
    kinds = set(pairs.values())
    assert kinds == {"family", "near_duplicate", "lifted"}, "60 documents hold every kind"
    # shares_with is symmetric and is exactly the pair list.
    from_docs = {tuple(sorted((d["id"], o))) for d in docs.values() for o in d["shares_with"]}
    assert from_docs == set(pairs)
    for (a, b), kind in pairs.items():
        da, db = docs[a], docs[b]
        if kind == "family":
            assert da["family"] is not None and da["family"] == db["family"]
        elif kind == "near_duplicate":
            assert b in (da.get("copy_of"), da.get("copied_by"))
        else:
            assert da.get("lifted_from") == b or db.get("lifted_from") == a
    for fam in truth["families"]:
        members = fam["documents"]
        assert len(members) >= SMALL.family_size[0]
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                assert pairs.get((a, b)) == "family", "family members all share passages"
    for d in docs.values():
        if "lifted_from" in d:
            assert tuple(sorted((d["id"], d["lifted_from"]))) in pairs
        if "copy_of" in d:
            assert pairs[tuple(sorted((d["id"], d["copy_of"])))] == "near_duplicate"


def new_text(corpus: Path, doc: dict[str, Any]) -> str:
    """The document with its stock spans blanked, punctuation dropped, figures folded."""
    text = list((corpus / doc["file"]).read_text(encoding="utf-8"))
    for s, e in doc["stock_spans"]:
        text[s:e] = ["|"] * (e - s)
    return re.sub(r"\d+", "0", re.sub(r"[^\w|]", "", "".join(text)))


def grams(text: str, k: int) -> set[str]:
    return {text[i:i + k] for i in range(len(text) - k + 1) if "|" not in text[i:i + k]}


def test_true_pairs_share_new_text_and_others_do_not(corpus: Path,
                                                     truth: dict[str, Any]) -> None:
    docs = truth["documents"]
    g = {d["id"]: grams(new_text(corpus, d), 12) for d in docs}
    pairs = {(p["a"], p["b"]) for p in truth["pairs"]}
    for a, b in pairs:
        assert g[a] & g[b], f"{a} and {b} should share a passage"
    ids = sorted(g)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if (a, b) not in pairs:
                assert not g[a] & g[b], f"{a} and {b} share new text but are not a pair"


def test_stock_spans(corpus: Path, truth: dict[str, Any]) -> None:
    stock = [s["text"] for s in truth["stock"]["sentences"]]
    used = 0
    for d in truth["documents"]:
        text = (corpus / d["file"]).read_text(encoding="utf-8")
        spans = d["stock_spans"]
        assert all(0 <= s < e <= len(text) for s, e in spans)
        assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(spans))
        assert len(text) == d["chars"]
        for i in d["stock_sentences"]:
            at = text.find(stock[i])
            assert at >= 0
            assert any(s <= at and at + len(stock[i]) <= e for s, e in spans)
            used += 1
    assert used > 0
    counts = {s["id"]: s["documents"] for s in truth["stock"]["sentences"]}
    assert sum(counts.values()) == used


def test_markov_chain_is_seeded_and_fluent_enough(sources: synth.Sources) -> None:
    model = synth.Markov(sources.body, order=2, alpha=0.5)
    a = model.generate(np.random.default_rng(3), 4, 400)
    b = model.generate(np.random.default_rng(3), 4, 400)
    assert a == b and len(a) == 4 and all(len(s) == 400 for s in a)
    bigrams = {sources.body[i:i + 2] for i in range(len(sources.body) - 1)}
    seen = [s[i:i + 2] in bigrams for s in a for i in range(len(s) - 1)]
    # Jumps (see Markov.generate) join unrelated states; the rest follows real pairs.
    assert sum(seen) / len(seen) > 0.8, "most character pairs occur in real text"
    assert all(synth.sentences_of(s) for s in a)


def test_refuses_a_foreign_folder(tmp_path: Path, sources: synth.Sources) -> None:
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError, match="force"):
        synth.generate(tmp_path, 5, seed=1, opts=SMALL, sources=sources)
    assert (tmp_path / "mine.txt").exists()


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="family_size"):
        synth.Options(family_size=(1, 4))
    with pytest.raises(ValueError, match="shares"):
        synth.Options(family_share=0.6, near_dup_share=0.4)


def test_score_pairs_counts_recall_and_stock_only() -> None:
    truth = common.Truth(pairs={("a", "b"): "family", ("a", "c"): "lifted"},
                         stock_spans={"b": [(0, 10)], "c": [(0, 10)]})
    score = common.score_pairs(truth, [
        ("b", "a", [(0, 5)]),  # a true pair, either order
        ("b", "c", [(2, 9)]),  # not true, inside b's stock text
        ("c", "d", [(5, 30)]),  # not true, mostly outside stock text
    ])
    assert (score.true_pairs, score.found, score.reported) == (2, 1, 3)
    assert score.recall == 0.5
    assert score.by_kind == {"family": (1, 1), "lifted": (0, 1)}
    assert (score.stock_only, score.other) == (1, 1)


def test_iter_json_array_streams_pairs_across_chunks(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"summary": {"pairs": 3}, "documents": [{"text": '"pairs": [1]'}],
            "pairs": [{"a": f"文{i}", "b": "x", "matches": [{"a_start": i}]} for i in range(50)],
            "timings": {"read": 0.5}}
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    monkeypatch.setattr(common, "CHUNK", 7)  # objects and characters cut across chunks
    assert list(common.iter_json_array(path, "pairs")) == data["pairs"]
    assert common.read_json_key(path, "timings") == {"read": 0.5}


def test_a_corpus_is_the_prefix_of_a_bigger_one(tmp_path: Path, sources: synth.Sources,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "BLOCK", 20)  # whole blocks are shared, as 1000 are
    synth.generate(tmp_path / "small", 20, seed=3, opts=SMALL, sources=sources)
    synth.generate(tmp_path / "big", 40, seed=3, opts=SMALL, sources=sources)
    small, big = texts(tmp_path / "small"), texts(tmp_path / "big")
    assert len(big) == 40
    assert all(big[name] == data for name, data in small.items())
