"""dedup.config: one frozen, keyword-only, validated settings object, resolved per corpus."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from dedup.cli import config_from_options
from dedup.config import (
    DEFAULT_THRESHOLD,
    KGRAM_CHARS,
    KGRAM_WORDS,
    MIN_PASSAGE_WEIGHT,
    MIN_PASSAGE_WEIGHT_WORDS,
    Config,
)
from dedup.errors import ConfigError, DedupError


def test_defaults() -> None:
    c = Config()
    assert c.threshold == DEFAULT_THRESHOLD and c.boilerplate_docs is None
    assert c.lang == "auto" and c.engine == "local" and c.seed == 1


def test_frozen_and_keyword_only() -> None:
    c = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.threshold = 0.9  # type: ignore[misc]
    with pytest.raises(TypeError):
        Config(0.5)  # type: ignore[misc]


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"threshold": 0}, "threshold"),
    ({"threshold": 1.5}, "threshold"),
    ({"lsh_threshold": 1.0}, "lsh_threshold"),
    ({"boilerplate_docs": 1}, "boilerplate_docs"),
    ({"lang": "fr"}, "lang"),
    ({"engine": "spark"}, "engine"),
    ({"jobs": -1}, "jobs"),
    ({"num_perm": 4}, "num_perm"),
    ({"kgram": 1}, "kgram"),
    ({"kgram": 33}, "kgram"),
    ({"min_passage": 0}, "min_passage"),
    ({"min_sentence": 0}, "min_sentence"),
    ({"max_pair_docs": 1}, "max_pair_docs"),
    ({"max_span_sources": 0}, "max_span_sources"),
    ({"max_file_size": 0}, "max_file_size"),
    ({"pdf_timeout": 0}, "pdf_timeout"),
])
def test_bad_values_fail_early_and_say_how_to_fix(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ConfigError) as info:
        Config(**kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(name) and "try" in message
    assert repr(next(iter(kwargs.values()))) in message
    assert isinstance(info.value, DedupError) and isinstance(info.value, ValueError)


def test_scheduler_needs_dask() -> None:
    with pytest.raises(ConfigError, match="--engine dask"):
        Config(scheduler="tcp://localhost:8786")
    assert Config(engine="dask", scheduler="tcp://localhost:8786").scheduler


@pytest.mark.parametrize(("n", "expected"), [(1, 3), (10, 3), (60, 3), (61, 4), (100, 5),
                                             (1000, 50)])
def test_boilerplate_docs_default(n: int, expected: int) -> None:
    assert Config().resolve(n_documents=n, lang="zh").boilerplate_docs == expected
    assert expected == max(3, math.ceil(0.05 * n))
    assert Config(boilerplate_docs=2).resolve(n_documents=n, lang="zh").boilerplate_docs == 2


def test_language_dependent_defaults() -> None:
    zh = Config().resolve(n_documents=5, lang="zh")
    en = Config().resolve(n_documents=5, lang="en")
    assert (zh.lang, zh.kgram, zh.min_passage) == ("zh", KGRAM_CHARS, MIN_PASSAGE_WEIGHT)
    assert (en.lang, en.kgram, en.min_passage) == ("en", KGRAM_WORDS, MIN_PASSAGE_WEIGHT_WORDS)
    assert zh.min_sentence < en.min_sentence
    # An explicit language wins over the detected one; explicit sizes win over both.
    assert Config(lang="en").resolve(n_documents=5, lang="zh").kgram == KGRAM_WORDS
    forced = Config(lang="zh", kgram=4, min_passage=9, min_sentence=2).resolve(
        n_documents=5, lang="en")
    assert (forced.lang, forced.kgram, forced.min_passage, forced.min_sentence) == (
        "zh", 4, 9, 2)


def test_as_dict_is_every_effective_parameter() -> None:
    config = Config(threshold=0.7, extra={"note": "x"})
    resolved = config.resolve(n_documents=100, lang="en")
    data = resolved.as_dict()
    json.dumps(data)
    fields = {f.name for f in dataclasses.fields(Config)} - {"extra"}
    assert fields <= set(data)
    assert data["threshold"] == 0.7 and data["note"] == "x" and "extra" not in data
    assert (data["boilerplate_docs"], data["lang"], data["kgram"]) == (5, "en", KGRAM_WORDS)
    assert config.as_dict()["boilerplate_docs"] is None


def test_effective_jobs() -> None:
    assert Config(jobs=3).effective_jobs == 3
    assert Config().effective_jobs >= 1


def test_cli_options_map_onto_config() -> None:
    assert config_from_options() == Config()
    c = config_from_options(threshold=0.8, boilerplate_docs=4, lang="en", jobs=2,
                            max_file_size=1000)
    assert (c.threshold, c.boilerplate_docs, c.lang, c.jobs, c.max_file_size) == (
        0.8, 4, "en", 2, 1000)
    with pytest.raises(ConfigError, match="--lang"):
        config_from_options(lang="fr")
    with pytest.raises(ConfigError, match="--engine"):
        config_from_options(engine="spark")


def test_extra_cannot_misreport_a_parameter() -> None:
    try:
        config = Config(extra={"threshold": 0.9})
    except ConfigError:
        return  # refusing the clash is fine too
    assert config.resolve(n_documents=3, lang="zh").as_dict()["threshold"] == config.threshold
