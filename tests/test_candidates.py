"""dedup.candidates: the exact k-gram self-join and the fuzzy segment candidates.

Corpora are hand-made from unrelated sentences, so every expected run and candidate
is known in advance; a brute-force self-join is the reference for the exact runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np
import pytest
from datasketch import MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.candidates import (
    MAX_REPEAT,
    MIN_FUZZY_WEIGHT,
    _order_by,
    _stable_order,
    build_forms,
    corpus_wide_tokens,
    kgram_index,
    lsh_candidates,
    lsh_params,
)
from dedup.config import Config, Resolved
from dedup.model import Document
from dedup.normalize import normalize
from dedup.prepare import Prepared, detect_lang, prepare

Docs = Callable[..., list[Document]]


def setup(documents: list[Document], config: Config | None = None
          ) -> tuple[list[Prepared], Resolved]:
    prepared = [prepare(d, i) for i, d in enumerate(documents)]
    resolved = (config or Config()).resolve(n_documents=len(documents),
                                            lang=detect_lang(prepared))
    return prepared, resolved


def ntok(text: str) -> int:
    return len(normalize(text).text)


def runs_of(documents: list[Document], config: Config | None = None
            ) -> dict[tuple[int, int], list[list[int]]]:
    prepared, resolved = setup(documents, config)
    return {k: v.tolist() for k, v in kgram_index(prepared, resolved).runs.items()}


# --- exact runs ---------------------------------------------------------------------------


def test_shared_passage_is_one_exact_run(docs: Docs, zh: tuple[str, ...]) -> None:
    shared = zh[4]
    a = zh[0] + shared + zh[1]
    b = zh[2] + zh[3] + shared + zh[5]
    runs = runs_of(docs(a, b))
    assert runs == {(0, 1): [[ntok(zh[0]), ntok(zh[2] + zh[3]), ntok(shared)]]}


def test_two_passages_in_another_order_are_two_runs(docs: Docs, zh: tuple[str, ...]) -> None:
    a = zh[0] + zh[1] + zh[2] + zh[3]
    b = zh[6] + zh[3] + zh[7] + zh[1]
    runs = runs_of(docs(a, b))
    expected = sorted([
        [ntok(zh[0]), ntok(zh[6] + zh[3] + zh[7]), ntok(zh[1])],
        [ntok(zh[0] + zh[1] + zh[2]), ntok(zh[6]), ntok(zh[3])],
    ])
    assert sorted(runs[(0, 1)]) == expected


def test_unrelated_documents_share_no_run(docs: Docs, zh: tuple[str, ...]) -> None:
    assert runs_of(docs(*zh)) == {}


def test_a_run_shorter_than_k_is_not_found(docs: Docs, zh: tuple[str, ...]) -> None:
    five = "国际茶文化"  # k = 6 characters for Chinese
    assert runs_of(docs(zh[0] + five + zh[1], zh[2] + five + zh[3])) == {}
    six = "国际茶文化节"
    assert runs_of(docs(zh[0] + six + zh[1], zh[2] + six + zh[3])) != {}


def test_english_kgrams_are_words(docs: Docs, en: tuple[str, ...]) -> None:
    a = en[0] + " " + en[1]
    b = en[2] + " " + en[1] + " " + en[3]
    runs = runs_of(docs(a, b))
    assert runs == {(0, 1): [[ntok(en[0]), ntok(en[2]), ntok(en[1])]]}


def test_doc_frequency_and_groups(docs: Docs, zh: tuple[str, ...]) -> None:
    p, q = zh[6], zh[7]
    texts = [zh[0] + p + q, zh[1] + p + q, zh[2] + p, zh[3]]
    prepared, resolved = setup(docs(*texts))
    kg = kgram_index(prepared, resolved)
    k = kg.k
    assert k == 6
    lo = ntok(zh[0])
    df0 = kg.df[0].tolist()
    assert len(df0) == ntok(texts[0]) - k + 1
    # k-grams inside p: in documents 0, 1, 2; inside q: 0 and 1; inside zh[0]: only 0.
    assert set(df0[lo : lo + ntok(p) - k + 1]) == {3}
    assert set(df0[lo + ntok(p) : lo + ntok(p) + ntok(q) - k + 1]) == {2}
    assert set(df0[: lo - k + 1]) == {1}
    assert set(kg.df[3].tolist()) == {1}
    g = int(kg.group[0][lo])
    assert kg.docs_of(g) == frozenset({0, 1, 2})
    assert int(kg.group[1][ntok(zh[1])]) == g == int(kg.group[2][ntok(zh[2])])
    assert kg.docs_of(int(kg.group[3][0])) == frozenset({3})


def test_empty_corpus_and_short_documents(docs: Docs) -> None:
    prepared, resolved = setup(docs("", "短", "。"))
    kg = kgram_index(prepared, resolved)
    assert kg.runs == {} and [len(d) for d in kg.df] == [0, 0, 0]


@pytest.mark.parametrize("repeats", [MAX_REPEAT, MAX_REPEAT + 1])
def test_kgrams_repeated_all_over_a_document_seed_nothing(docs: Docs, zh: tuple[str, ...],
                                                          repeats: int) -> None:
    p = zh[6]
    a = "".join(zh[i] + p for i in range(repeats))
    b = zh[7] + p
    runs = runs_of(docs(a, b))
    if repeats <= MAX_REPEAT:
        assert len(runs[(0, 1)]) == repeats
        assert all(r[2] == ntok(p) for r in runs[(0, 1)])
    else:
        assert runs == {}


@pytest.mark.parametrize(("max_pair_docs", "boilerplate_docs", "pairs"), [
    (3, 3, 0),   # in 4 documents > cap 3: corpus-wide, counted but not paired
    (4, 3, 6),   # cap 4: every pair of the 4 documents
    (2, 5, 0),   # the cap applies below boilerplate_docs too (labelled corpus-wide)
])
def test_kgrams_in_too_many_documents_are_not_paired(
        docs: Docs, zh: tuple[str, ...], max_pair_docs: int, boilerplate_docs: int,
        pairs: int) -> None:
    p = zh[6]
    texts = [zh[i] + p for i in range(4)]
    config = Config(max_pair_docs=max_pair_docs, boilerplate_docs=boilerplate_docs)
    prepared, resolved = setup(docs(*texts), config)
    kg = kgram_index(prepared, resolved)
    assert len(kg.runs) == pairs
    assert set(kg.df[0][ntok(zh[0]) :].tolist()) == {4}  # counted either way


def brute_force_runs(tokens: list[str], k: int) -> dict[tuple[int, int], set[tuple[int, int, int]]]:
    """Maximal diagonal runs of equal k-grams between every two documents."""
    grams = [{i: t[i : i + k] for i in range(len(t) - k + 1)} for t in tokens]
    out: dict[tuple[int, int], set[tuple[int, int, int]]] = defaultdict(set)
    for a in range(len(tokens)):
        for b in range(a + 1, len(tokens)):
            for i, g in grams[a].items():
                for j, h in grams[b].items():
                    if g != h or grams[a].get(i - 1) == grams[b].get(j - 1) is not None:
                        continue  # not equal, or not the start of a run
                    n = 0
                    while grams[a].get(i + n) is not None and \
                            grams[a].get(i + n) == grams[b].get(j + n):
                        n += 1
                    out[(a, b)].add((i, j, n + k - 1))
    return out


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.text(alphabet="甲乙丙丁", min_size=0, max_size=14), min_size=2, max_size=4))
def test_runs_agree_with_brute_force(texts: list[str]) -> None:
    """Without the stock and repeat caps, runs are exactly the maximal diagonal runs."""
    documents = [Document(f"d{i}", f"d{i}.txt", t, "utf-8", "0" * 64)
                 for i, t in enumerate(texts)]
    config = Config(kgram=3, max_pair_docs=100, boilerplate_docs=100)
    prepared, resolved = setup(documents, config)
    kg = kgram_index(prepared, resolved)
    tokens = [p.tokens.text for p in prepared]
    # Only k-grams repeated at most MAX_REPEAT times in every document seed runs.
    counts = [defaultdict(int) for _ in tokens]
    for c, t in zip(counts, tokens, strict=True):
        for i in range(len(t) - 2):
            c[t[i : i + 3]] += 1
    if any(v > MAX_REPEAT for c in counts for v in c.values()):
        return
    expected = brute_force_runs(tokens, 3)
    got = {key: {tuple(r) for r in rows.tolist()} for key, rows in kg.runs.items()}
    assert got == {key: v for key, v in expected.items() if v}


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=300), st.integers(0, 63))
def test_stable_order_is_a_stable_argsort(values: list[int], shift: int) -> None:
    """Also when many different hashes agree on their top bits (the re-sorted runs)."""
    h = np.array([v >> shift << shift | (v & 0b11) for v in values], dtype=np.uint64)
    order, sorted_h = _stable_order(h)
    expected = np.argsort(h, kind="stable")
    assert order.tolist() == expected.tolist()
    assert sorted_h.tolist() == h[expected].tolist()


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 2**20), st.integers(0, 3)),
                unique=True, max_size=60),
       st.booleans())
def test_order_by_packs_or_lexsorts_alike(rows: list[tuple[int, int, int]], wide: bool) -> None:
    cols = [np.array([r[i] for r in rows], dtype=np.int64) for i in range(3)]
    widths = (3, 60 if wide else 21, 2)  # 65 bits: lexsort; 26 bits: one packed key
    order = _order_by(*zip(cols, widths, strict=True))
    assert [rows[i] for i in order] == sorted(rows)


# --- forms and LSH ------------------------------------------------------------------------


def test_identical_segments_collapse_to_one_form(docs: Docs, zh: tuple[str, ...]) -> None:
    s = zh[4]
    texts = [zh[0] + s, s + zh[1], zh[2] + "\n" + s, zh[3]]
    prepared, resolved = setup(docs(*texts))
    forms = build_forms(prepared, resolved)
    assert len(forms.texts) == len(set(forms.texts)), "one form per distinct text"
    f = forms.texts.index(normalize(s).text)
    assert sorted(d for d, _ in forms.occurrences[f]) == [0, 1, 2]
    assert forms.n == 2


def test_light_segments_are_not_forms(docs: Docs) -> None:
    prepared, resolved = setup(docs("短句一。短句二。", "短句一。"))
    forms = build_forms(prepared, resolved)
    assert forms.texts == []
    assert ntok("短句一") < MIN_FUZZY_WEIGHT


def test_english_forms_use_word_shingles(docs: Docs, en: tuple[str, ...]) -> None:
    prepared, resolved = setup(docs(*en))
    forms = build_forms(prepared, resolved)
    assert resolved.lang == "en" and forms.n == 1
    assert all(len(sh) == len(set(t)) for sh, t in zip(forms.shingles, forms.texts, strict=True))


def edited_corpus(zh: tuple[str, ...]) -> list[str]:
    near = zh[0].replace("5.2", "6.1").replace("突破", "超过").replace("完成", "全面完成")
    return [zh[0] + zh[1] + zh[2], zh[3] + near + zh[4], zh[5] + zh[6] + zh[7]]


def test_lsh_proposes_near_duplicates_and_not_unrelated(docs: Docs, zh: tuple[str, ...]) -> None:
    texts = edited_corpus(zh)
    prepared, resolved = setup(docs(*texts))
    forms = build_forms(prepared, resolved)
    cands = lsh_candidates(forms, resolved)
    assert cands.dtype == np.int64 and cands.shape[1] == 2
    assert (cands[:, 0] < cands[:, 1]).all()
    assert len(np.unique(cands, axis=0)) == len(cands)
    pairs = {tuple(p) for p in cands.tolist()}
    original = forms.texts.index(normalize(zh[0]).text)
    edited = forms.texts.index(normalize(texts[1][len(zh[3]) : -len(zh[4])]).text)
    assert (min(original, edited), max(original, edited)) in pairs
    unrelated = [forms.texts.index(normalize(s).text) for s in zh[1:3] + zh[5:8]]
    for i in unrelated:
        for j in unrelated:
            assert (i, j) not in pairs


def test_corpus_wide_text_does_not_make_lsh_candidates(docs: Docs, zh: tuple[str, ...]) -> None:
    """A stock clause in front of otherwise different sentences, in more documents than
    max_pair_docs: without it the sentences share nothing, so LSH must not pair them."""
    clause = "坚持以习近平新时代中国特色社会主义思想为指导全面贯彻党的二十大精神，"
    tails = [s[: len(s) // 2] + "。" for s in zh[:8]]
    texts = [clause + tail for tail in tails]
    config = Config(max_pair_docs=3, boilerplate_docs=3)
    prepared, resolved = setup(docs(*texts), config)
    kg = kgram_index(prepared, resolved)
    wide = corpus_wide_tokens(prepared[0], kg, 0, config.max_pair_docs)
    n_clause = len(normalize(clause).text)
    assert wide[: n_clause - 1].all() and not wide[n_clause + 1 :].any()
    plain = lsh_candidates(build_forms(prepared, resolved), resolved)
    masked = lsh_candidates(build_forms(prepared, resolved, kg), resolved)
    assert len(plain) > 0  # the clause alone makes them look alike
    assert len(masked) == 0
    # The full shingle sets (for verification) are unchanged.
    forms = build_forms(prepared, resolved, kg)
    assert forms.lsh_shingles is not None
    assert all(len(m) < len(s) for m, s in zip(forms.lsh_shingles, forms.shingles, strict=True))


def test_lsh_is_deterministic_and_seeded(docs: Docs, zh: tuple[str, ...]) -> None:
    prepared, resolved = setup(docs(*edited_corpus(zh)))
    forms = build_forms(prepared, resolved)
    first = lsh_candidates(forms, resolved)
    assert (lsh_candidates(forms, resolved) == first).all()
    prepared2, resolved2 = setup(docs(*edited_corpus(zh)))
    assert (lsh_candidates(build_forms(prepared2, resolved2), resolved2) == first).all()


def test_lsh_with_fewer_than_two_forms(docs: Docs, zh: tuple[str, ...]) -> None:
    prepared, resolved = setup(docs("只有一句话而且很短。"))
    assert lsh_candidates(build_forms(prepared, resolved), resolved).shape == (0, 2)


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.3, 128), (0.5, 64), (0.8, 256)])
def test_lsh_params_are_datasketchs(threshold: float, num_perm: int) -> None:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    bands, rows = lsh_params(threshold, num_perm)
    assert (bands, rows) == (lsh.b, lsh.r)
    assert bands * rows <= num_perm
