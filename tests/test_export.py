"""dedup.export: the ``dedup.scan/1`` contract, its schema, and atomic writing."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from dedup import __version__, export
from dedup.config import Config
from dedup.export import SCHEMA_ID, atomic_write_text, dumps, load_schema, to_json, write_json
from dedup.model import ScanResult, Skipped
from dedup.pipeline import run

Analyze = Callable[..., ScanResult]

# The contract of DESIGN.md, and the fields export.py documents beyond it.
CONTRACT = {
    "top": {"schema", "tool", "config", "documents", "pairs", "phrases"},
    "document": {"id", "path", "sha256", "encoding", "chars", "novelty", "shared",
                 "boilerplate", "spans"},
    "span": {"start", "end", "label"},
    "pair": {"a", "b", "similarity", "a_in_b", "b_in_a", "matches"},
    "match": {"a_start", "a_end", "b_start", "b_end", "score"},
    "phrase": {"text", "documents", "count"},
}
EXTRAS = {
    "top": {"summary", "skipped", "timings"},
    "document": {"format", "notes"},
    "span": {"sources", "source_count"},
    "pair": {"identical"},
    "match": {"edits"},
    "phrase": {"occurrences", "length"},
}


@pytest.fixture(scope="module")
def seeds_json(seeds_dir: Path) -> dict[str, Any]:
    return to_json(run([str(seeds_dir)], Config(jobs=1)))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def assert_valid(validator: Draft202012Validator, data: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_schema_file() -> None:
    schema = load_schema()
    assert schema["title"] == SCHEMA_ID == "dedup.scan/1"
    assert schema["properties"]["schema"] == {"const": SCHEMA_ID}


def test_seeds_json_validates(seeds_json: dict[str, Any], validator: Draft202012Validator
                              ) -> None:
    assert_valid(validator, seeds_json)
    assert seeds_json["schema"] == SCHEMA_ID
    assert seeds_json["tool"] == {"name": "dedup", "version": __version__}


def test_fields_are_the_contract_and_the_documented_extras(seeds_json: dict[str, Any]) -> None:
    def check(kind: str, obj: dict[str, Any]) -> None:
        keys = set(obj)
        assert CONTRACT[kind] <= keys, f"{kind} lacks {CONTRACT[kind] - keys}"
        assert keys <= CONTRACT[kind] | EXTRAS[kind], f"{kind} has undocumented {keys}"

    check("top", seeds_json)
    assert seeds_json["pairs"] and seeds_json["phrases"]
    for d in seeds_json["documents"]:
        check("document", d)
        for s in d["spans"]:
            check("span", s)
    for p in seeds_json["pairs"]:
        check("pair", p)
        for m in p["matches"]:
            check("match", m)
    for ph in seeds_json["phrases"]:
        check("phrase", ph)


def test_types_ids_and_offsets(seeds_json: dict[str, Any]) -> None:
    def is_int(x: object) -> bool:
        return type(x) is int

    ids = [d["id"] for d in seeds_json["documents"]]
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids)
    assert ids[0] == "000_f350a27f9ad2a090"
    for d in seeds_json["documents"]:
        assert is_int(d["chars"])
        assert all(isinstance(x, float) or x in (0, 1)
                   for x in (d["novelty"], d["shared"], d["boilerplate"]))
        for s in d["spans"]:
            assert is_int(s["start"]) and is_int(s["end"])
            if s["label"] == "unique":
                assert "sources" not in s and "source_count" not in s
            else:
                assert s["sources"] and set(s["sources"]) <= set(ids) - {d["id"]}
                assert is_int(s["source_count"]) and s["source_count"] >= len(s["sources"])
    for p in seeds_json["pairs"]:
        assert p["a"] in ids and p["b"] in ids and p["a"] != p["b"]
        for m in p["matches"]:
            assert all(is_int(m[k]) for k in ("a_start", "a_end", "b_start", "b_end"))
            for e in m["edits"]:
                assert all(is_int(e[k]) for k in ("a_start", "a_end", "b_start", "b_end"))
    for ph in seeds_json["phrases"]:
        assert set(ph["documents"]) <= set(ids)
        for o in ph["occurrences"]:
            assert o["doc"] in ids and is_int(o["start"]) and is_int(o["end"])
    sims = [p["similarity"] for p in seeds_json["pairs"]]
    assert sims == sorted(sims, reverse=True)
    assert seeds_json["summary"]["documents"] == 5
    assert seeds_json["summary"]["pairs"] == len(seeds_json["pairs"])


def test_config_holds_every_effective_parameter(seeds_json: dict[str, Any]) -> None:
    config = seeds_json["config"]
    for name in ("threshold", "boilerplate_docs", "lang", "kgram", "min_passage", "num_perm",
                 "seed", "lsh_threshold", "max_pair_docs"):
        assert config[name] is not None, name
    assert config["lang"] == "zh" and config["boilerplate_docs"] == 3
    json.dumps(config)  # plain data


@pytest.mark.parametrize("mutate", [
    lambda d: d.pop("schema"),
    lambda d: d["documents"][0].pop("spans"),
    lambda d: d["documents"][0]["spans"][0].update(label="copied"),
    lambda d: d["documents"][0]["spans"][0].update(start=-1),
    lambda d: d["documents"][0].update(novelty=1.5),
    lambda d: d["pairs"][0].update(similarity="0.5"),
    lambda d: next(s for s in d["documents"][0]["spans"] if s["label"] == "unique").update(
        sources=["x"], source_count=1),
    lambda d: next(s for s in d["documents"][0]["spans"] if s["label"] != "unique").pop(
        "sources"),
])
def test_schema_rejects_broken_output(seeds_json: dict[str, Any],
                                      validator: Draft202012Validator,
                                      mutate: Callable[[dict[str, Any]], object]) -> None:
    data = copy.deepcopy(seeds_json)
    mutate(data)
    assert not validator.is_valid(data)


def test_small_results_validate(analyze: Analyze, zh: tuple[str, ...],
                                validator: Draft202012Validator) -> None:
    for texts in ([zh[0]], [zh[0], zh[0]], ["", zh[1]], [zh[0] + zh[1], zh[2] + zh[1]]):
        assert_valid(validator, to_json(analyze(texts)))


def test_identical_documents_are_flagged(analyze: Analyze, zh: tuple[str, ...]) -> None:
    data = to_json(analyze([zh[0] + zh[1], zh[0] + zh[1], zh[2] + zh[3], zh[4] + zh[3]]))
    flags = {(p["a"], p["b"]): p["identical"] for p in data["pairs"]}
    assert flags == {("d0", "d1"): True, ("d2", "d3"): False}


def test_skipped_inputs_are_listed(analyze: Analyze, zh: tuple[str, ...],
                                   validator: Draft202012Validator) -> None:
    result = analyze([zh[0]])
    result.skipped.append(Skipped("bad.pdf", "the file is damaged"))
    data = to_json(result)
    (entry,) = data["skipped"]
    assert (entry["path"], entry["reason"]) == ("bad.pdf", "the file is damaged")
    assert data["summary"]["skipped"] == 1
    assert_valid(validator, data)


# --- writing ------------------------------------------------------------------------------


def test_write_json_is_readable_utf8(tmp_path: Path, analyze: Analyze, zh: tuple[str, ...]
                                     ) -> None:
    result = analyze([zh[i] + "增强“四个意识”、坚定“四个自信”" for i in range(3)])
    assert result.phrases
    path = tmp_path / "out" / "scan.json"
    write_json(result, path)
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert "四个意识" in text and "\\u" not in text
    assert text.endswith("\n") and not raw.startswith(b"\xef\xbb\xbf")
    assert json.loads(text) == to_json(result)
    assert dumps(to_json(result)) == text
    assert [p.name for p in path.parent.iterdir()] == ["scan.json"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "scan.json")


@pytest.mark.parametrize("failure", ["fsync", "replace", "interrupt"])
def test_atomic_write_never_leaves_half_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              failure: str) -> None:
    path = tmp_path / "scan.json"
    path.write_text("old content\n", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt if failure == "interrupt" else OSError(28, "No space left")

    if failure == "replace":
        monkeypatch.setattr(Path, "replace", boom)
    else:
        monkeypatch.setattr(export.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt if failure == "interrupt" else OSError):
        atomic_write_text(path, "新内容" * 100_000)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old content\n"
    assert _leftovers(tmp_path) == []


def test_atomic_write_failure_while_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """An error part-way through the data (a lone surrogate cannot be encoded)."""
    path = tmp_path / "scan.json"
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(path, "前" * 10_000 + "\ud800" + "后")
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_and_creates_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "out.txt"
    atomic_write_text(path, "one\r\n")
    atomic_write_text(path, "two\r\n")
    assert path.read_bytes() == b"two\r\n"  # no newline translation
    assert [p.name for p in path.parent.iterdir()] == ["out.txt"]
