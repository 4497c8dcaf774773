"""Properties of the whole pipeline on random small corpora (hypothesis, derandomised).

Documents are built from a pool of Chinese and English sentences, some edited the way
reused reports are (figures changed, characters replaced, filler inserted), with
headings, stock phrases and assorted whitespace in between. Whatever the corpus, the
pipeline must not raise, and its result must keep the invariants of DESIGN.md
(``conftest.check_result``): offsets within bounds, spans partitioning the
non-whitespace text, every character of a reported match labelled as found elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import Config
from dedup.model import ScanResult
from dedup.normalize import normalize

Analyze = Callable[..., ScanResult]
Check = Callable[[ScanResult], None]
Pool = tuple[tuple[str, ...], tuple[str, ...]]  # (Chinese sentences, English sentences)

STOCK = ("坚持以习近平新时代中国特色社会主义思想为指导，",
         "增强“四个意识”、坚定“四个自信”、做到“两个维护”。")
HEADINGS = ("一、总体情况", "（二）主要做法", "第三章 下一步打算", "# Summary", "1. Introduction")
SEPARATORS = ("", "", "\n", "\r\n", "\n\n", " ", "\u3000", "\t")
FILLERS = ("进一步", "切实", "全面", "really ", "")


@pytest.fixture(scope="module")
def pool(zh: tuple[str, ...], en: tuple[str, ...]) -> Pool:
    return zh, en


@st.composite
def sentence(draw: st.DrawFn, pool: Pool) -> str:
    kind = draw(st.sampled_from(("zh", "zh", "en", "stock", "heading")))
    if kind == "stock":
        return draw(st.sampled_from(STOCK))
    if kind == "heading":
        return draw(st.sampled_from(HEADINGS))
    s = draw(st.sampled_from(pool[0] if kind == "zh" else pool[1]))
    edit = draw(st.sampled_from(("none", "none", "figure", "char", "filler", "cut")))
    if edit == "figure":
        s = "".join(str(draw(st.integers(0, 9))) if c.isdigit() else c for c in s)
        s = s.replace("三十", "4*")
    elif edit == "char" and len(s) > 4:
        i = draw(st.integers(0, len(s) - 2))
        s = s[:i] + draw(st.sampled_from("甲乙xyz")) + s[i + 1 :]
    elif edit == "filler":
        i = draw(st.integers(0, len(s)))
        s = s[:i] + draw(st.sampled_from(FILLERS)) + s[i:]
    elif edit == "cut":
        s = s[: draw(st.integers(1, len(s)))]
    return s


@st.composite
def document(draw: st.DrawFn, pool: Pool) -> str:
    parts = draw(st.lists(st.tuples(sentence(pool), st.sampled_from(SEPARATORS)), max_size=7))
    return "".join(s + sep for s, sep in parts)


@st.composite
def substantial(draw: st.DrawFn, pool: Pool) -> str:
    """A document of at least three whole sentences from the pool."""
    sentences = pool[0] + pool[1] + STOCK
    parts = draw(st.lists(st.tuples(st.sampled_from(sentences), st.sampled_from(SEPARATORS)),
                          min_size=3, max_size=6))
    return "".join(s + sep for s, sep in parts)


def corpus(pool: Pool, min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[list[str]]:
    return st.lists(document(pool), min_size=min_size, max_size=max_size)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(data=st.data())
def test_pipeline_keeps_its_invariants(analyze: Analyze, invariants: Check, pool: Pool,
                                       data: st.DataObject) -> None:
    texts = data.draw(corpus(pool))
    result = analyze(texts)
    assert [r.document.text for r in result.documents] == texts
    invariants(result)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.data(), k_docs=st.integers(2, 4))
def test_invariants_hold_for_any_boilerplate_bar(analyze: Analyze, invariants: Check,
                                                 pool: Pool, data: st.DataObject,
                                                 k_docs: int) -> None:
    texts = data.draw(corpus(pool))
    invariants(analyze(texts, Config(jobs=1, boilerplate_docs=k_docs)))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.data())
def test_a_copied_document_is_found_whole(analyze: Analyze, pool: Pool,
                                          data: st.DataObject) -> None:
    """A document and its exact copy: every word, figure and character of the copy is
    found in the original (or in more documents). (Punctuation is not a token: it is
    labelled with its neighbours, or not at all.)"""
    original = data.draw(substantial(pool))
    others = data.draw(corpus(pool, 0, 3))
    result = analyze([original, *others, original])
    for doc in (0, len(others) + 1):
        for span in result.documents[doc].spans:
            if span.label == "unique":
                piece = original[span.start : span.end]
                assert normalize(piece).text == "", (doc, piece)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.data())
def test_pair_figures_do_not_depend_on_document_order(analyze: Analyze, pool: Pool,
                                                      data: st.DataObject) -> None:
    a, b = data.draw(document(pool)), data.draw(document(pool))
    ab, ba = analyze([a, b]), analyze([b, a])
    assert len(ab.pairs) == len(ba.pairs)
    for x, y in zip(ab.pairs, ba.pairs, strict=True):
        assert x.similarity == y.similarity
        assert (x.a_in_b, x.b_in_a) == (y.b_in_a, y.a_in_b)
    assert [r.novelty for r in ab.documents] == [r.novelty for r in reversed(ba.documents)]


ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=150)
PIECES = st.lists(st.sampled_from([
    "四个意识", "增强", "。", "\n", " ", "X", "×", "5.2", "Mr.", "the", "The", "“", "”", "\r\n",
    "一、", "\ud800", "\ue000", "a", "1,000", "\u3000", "…",
]), max_size=60).map("".join)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_any_text_at_all(analyze: Analyze, invariants: Check, pool: Pool,
                         data: st.DataObject) -> None:
    """Arbitrary code points (lone surrogates, private use, controls) never break a scan."""
    texts = data.draw(st.lists(st.one_of(ANY_TEXT, PIECES, document(pool)),
                               min_size=1, max_size=4))
    invariants(analyze(texts))
