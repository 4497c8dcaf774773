"""dedup.analyze: stock tokens, phrases, labelled spans and pair figures.

The seeds are the real case (five government work reports); hand-made corpora pin the
label rules: unique without sources, boilerplate when the documents holding a text, the
document itself included, number at least ``boilerplate_docs``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align import PairPassages
from dedup.analyze import Interval, label_documents, stock_tokens
from dedup.candidates import kgram_index
from dedup.config import Config
from dedup.model import Document, Match, Phrase, PhraseOccurrence, ScanResult
from dedup.normalize import normalize
from dedup.pipeline import run
from dedup.prepare import detect_lang, prepare

Analyze = Callable[..., ScanResult]
Check = Callable[[ScanResult], None]
Docs = Callable[..., list[Document]]


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> ScanResult:
    return run([str(seeds_dir)], Config(jobs=1))


def doc_index(result: ScanResult, prefix: str) -> int:
    return next(i for i, r in enumerate(result.documents) if r.document.id.startswith(prefix))


def labels_over(result: ScanResult, doc: int, lo: int, hi: int) -> set[str]:
    text = result.documents[doc].document.text
    out = set()
    for j in range(lo, hi):
        if not text[j].isspace():
            out |= {s.label for s in result.documents[doc].spans if s.start <= j < s.end}
    return out


# --- the seeds ----------------------------------------------------------------------------


def test_seed_invariants(seeds: ScanResult, invariants: Check) -> None:
    assert len(seeds.documents) == 5
    invariants(seeds)


def test_seeds_have_all_three_labels(seeds: ScanResult) -> None:
    labels = {s.label for r in seeds.documents for s in r.spans}
    assert labels == {"unique", "shared", "boilerplate"}
    for r in seeds.documents:
        assert r.novelty > 0.5, "the seeds are mostly their own text"
        assert r.boilerplate > 0.0


def test_stock_phrase_with_different_punctuation(seeds: ScanResult) -> None:
    """增强“四个意识”、坚定“四个自信”、做到“两个维护”, punctuated differently in each report."""
    want = normalize("增强“四个意识”、坚定“四个自信”、做到“两个维护”").text
    docs = {doc_index(seeds, p) for p in ("002_", "003_", "004_")}
    found = [ph for ph in seeds.phrases if want in ph.norm and docs <= set(ph.documents)]
    assert found, [ph.text for ph in seeds.phrases]
    ph = found[0]
    assert ph.count >= 3
    for o in ph.occurrences:
        text = seeds.documents[o.doc].document.text
        assert want in normalize(text[o.start : o.end]).text
        assert "四个意识" in text[o.start : o.end]
    # The display text is one report's own writing of it.
    assert "四个意识" in ph.text and "两个维护" in ph.text


def test_common_seed_phrases(seeds: ScanResult) -> None:
    norms = {ph.norm: ph for ph in seeds.phrases}
    for phrase in ("全面从严治党", "党风廉政建设"):
        ph = norms[normalize(phrase).text]
        assert len(ph.documents) == 5 and ph.count >= 5
    # Most widely shared first.
    sizes = [len(ph.documents) for ph in seeds.phrases]
    assert sizes == sorted(sizes, reverse=True)


# --- labels on hand-made corpora ----------------------------------------------------------


def test_labels_follow_the_number_of_documents(analyze: Analyze, zh: tuple[str, ...],
                                               invariants: Check) -> None:
    """zh[6] in all four documents: boilerplate; zh[7] in two: shared; the rest unique."""
    texts = [zh[0] + zh[6] + zh[7], zh[1] + zh[6] + zh[7], zh[2] + zh[6], zh[3] + zh[6]]
    result = analyze(texts)
    invariants(result)
    for d, text in enumerate(texts):
        lo = text.index(zh[6])
        assert labels_over(result, d, lo, lo + len(zh[6])) == {"boilerplate"}
        assert labels_over(result, d, 0, len(zh[d])) == {"unique"}
    for d in (0, 1):
        lo = texts[d].index(zh[7])
        assert labels_over(result, d, lo, lo + len(zh[7])) == {"shared"}
        shared = [s for s in result.documents[d].spans if s.label == "shared"]
        assert [s.sources for s in shared] == [(1 - d,)]


@pytest.mark.parametrize(("k_docs", "label"), [(2, "boilerplate"), (3, "shared")])
def test_boilerplate_docs_sets_the_bar(analyze: Analyze, zh: tuple[str, ...], k_docs: int,
                                       label: str) -> None:
    texts = [zh[0] + zh[6], zh[1] + zh[6]]
    result = analyze(texts, Config(jobs=1, boilerplate_docs=k_docs))
    assert result.config["boilerplate_docs"] == k_docs
    lo = texts[0].index(zh[6])
    assert labels_over(result, 0, lo, lo + len(zh[6])) == {label}


def test_boilerplate_sentence_includes_its_full_stop(analyze: Analyze,
                                                     zh: tuple[str, ...]) -> None:
    texts = [zh[i] + zh[6] for i in range(3)]
    result = analyze(texts)
    for d, text in enumerate(texts):
        lo = text.index(zh[6])
        assert labels_over(result, d, lo, len(text)) == {"boilerplate"}


def test_labels_do_not_depend_on_document_order(analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = zh[0] + zh[0]
    b = zh[0] + zh[1] + zh[0]

    def spans(result: ScanResult, doc: int) -> list[tuple[int, int, str]]:
        return [(s.start, s.end, s.label) for s in result.documents[doc].spans]

    ab, ba = analyze([a, b]), analyze([b, a])
    assert spans(ab, 0) == spans(ba, 1)
    assert spans(ab, 1) == spans(ba, 0)


def test_every_copy_of_a_found_sentence_is_shared(analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = zh[3] + zh[0]
    b = zh[0] + zh[1] + zh[0]
    result = analyze([a, b])
    assert labels_over(result, 1, 0, len(zh[0])) == {"shared"}
    assert labels_over(result, 1, len(b) - len(zh[0]), len(b)) == {"shared"}


def test_sources_are_capped_but_counted(analyze: Analyze, zh: tuple[str, ...],
                                        invariants: Check) -> None:
    texts = [zh[i] + zh[7] for i in range(5)]
    result = analyze(texts, Config(jobs=1, max_span_sources=2))
    invariants(result)
    span = next(s for s in result.documents[0].spans if s.label == "boilerplate")
    assert span.sources == (1, 2) and span.source_count == 4


def test_whitespace_is_never_labelled(analyze: Analyze, zh: tuple[str, ...],
                                      invariants: Check) -> None:
    a = "  " + zh[0] + "\n\n\t" + zh[1] + " \r\n" + zh[2] + "\u3000\n"
    b = zh[3] + "\n" + zh[1] + "\n" + zh[4]
    result = analyze([a, b])
    invariants(result)
    assert [s.label for s in result.documents[0].spans] == ["unique", "shared", "unique"]
    assert result.documents[0].chars == len("".join(a.split()))


def test_empty_and_whitespace_documents(analyze: Analyze, zh: tuple[str, ...],
                                        invariants: Check) -> None:
    result = analyze(["", "  \n ", zh[0], "。！"])
    invariants(result)
    for r in result.documents[:2]:
        assert r.spans == () and r.chars == 0
        assert (r.novelty, r.shared, r.boilerplate) == (0.0, 0.0, 0.0)
    # Punctuation only: labelled (unique) but has no tokens to match.
    assert [s.label for s in result.documents[3].spans] == ["unique"]


# --- stock tokens and pair figures --------------------------------------------------------


def test_stock_tokens_mark_kgrams_in_enough_documents(docs: Docs, zh: tuple[str, ...]) -> None:
    p = zh[6]
    prepared = [prepare(d, i) for i, d in enumerate(docs(zh[0] + p, zh[1] + p, zh[2] + p, zh[3]))]
    resolved = Config().resolve(n_documents=4, lang=detect_lang(prepared))
    kg = kgram_index(prepared, resolved)
    stock = stock_tokens(prepared, kg, resolved)
    for d in range(3):
        n0 = len(normalize(zh[d]).text)
        assert len(stock[d]) == len(prepared[d].tokens)
        assert not stock[d][:n0].any() and stock[d][n0:].all()
    assert not stock[3].any()
    four = Config(boilerplate_docs=4).resolve(n_documents=4, lang=resolved.lang)
    assert not any(s.any() for s in stock_tokens(prepared, kg, four))
    # A long stretch in enough documents is a copied passage, not stock phrasing.
    long = Config(min_passage=2).resolve(n_documents=4, lang=resolved.lang)
    assert not any(s.any() for s in stock_tokens(prepared, kg, long))


def test_pair_figures(analyze: Analyze, zh: tuple[str, ...], invariants: Check) -> None:
    a = zh[0] + zh[1] + zh[2] + zh[3]
    b = zh[1] + zh[6]
    result = analyze([a, b])
    invariants(result)
    (pair,) = result.pairs
    shared = len(zh[1]) - zh[1].count(" ")
    assert pair.a_in_b == pytest.approx(shared / result.documents[0].chars, abs=1e-4)
    assert pair.b_in_a == pytest.approx(shared / result.documents[1].chars, abs=1e-4)
    total = result.documents[0].chars + result.documents[1].chars
    assert pair.similarity == pytest.approx(2 * shared / total, abs=1e-4)


def test_similarity_is_symmetric(analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = zh[0] + zh[1] + zh[2].replace("稳步", "持续") + zh[3]
    b = zh[5] + zh[2] + zh[6] + zh[0]
    (ab,) = analyze([a, b]).pairs
    (ba,) = analyze([b, a]).pairs
    assert ab.similarity == ba.similarity
    assert (ab.a_in_b, ab.b_in_a) == (ba.b_in_a, ba.a_in_b)


def test_phrase_occurrences_point_at_the_phrase(analyze: Analyze, zh: tuple[str, ...],
                                                invariants: Check) -> None:
    stock = "坚持以习近平新时代中国特色社会主义思想为指导"
    texts = [zh[0] + stock + "，" + zh[1], zh[2] + "“" + stock + "”。" + zh[3],
             stock + "。" + zh[4] + stock + "！"]
    result = analyze(texts)
    invariants(result)
    (ph,) = result.phrases
    assert ph.norm == normalize(stock).text and ph.documents == (0, 1, 2) and ph.count == 4
    for o in ph.occurrences:
        # A phrase ending a sentence takes its full stop (and closing quote) with it.
        assert texts[o.doc][o.start : o.end] in (stock, stock + "”。", stock + "。", stock + "！")
    # The closing quote stays with the phrase.
    assert any("”" in texts[o.doc][o.start : o.end] for o in ph.occurrences)


def test_phrase_figures_are_masked_in_the_display_text(analyze: Analyze,
                                                       zh: tuple[str, ...]) -> None:
    texts = [zh[i] + f"全年新增城镇就业{n}万人以上目标任务" + zh[i + 4]
             for i, n in enumerate(("1.2", "3", "15"))]
    result = analyze(texts)
    (ph,) = result.phrases
    assert ph.documents == (0, 1, 2)
    assert not any(c.isdigit() for c in ph.text) and "*" in ph.text


def test_nested_phrases_are_both_found(analyze: Analyze, zh: tuple[str, ...],
                                       invariants: Check) -> None:
    """P in five documents and "P，Q" in three of them: two phrases, each maximal."""
    p, q = "坚持以习近平新时代中国特色社会主义思想为指导", "深入贯彻落实党的二十大精神"
    texts = [zh[i] + p + "，" + q + "。" for i in range(3)]
    texts += [zh[i] + p + "，努力工作。" for i in range(3, 5)]
    result = analyze(texts)
    invariants(result)
    by_norm = {ph.norm: ph for ph in result.phrases}
    assert by_norm[normalize(p).text].documents == (0, 1, 2, 3, 4)
    assert by_norm[normalize(p + q).text].documents == (0, 1, 2)
    assert len(result.phrases) == 2
    assert result.phrases[0].norm == normalize(p).text, "most documents first"


# --- label_documents against a per-character reference ------------------------------------


@st.composite
def labelling_case(draw: st.DrawFn) -> tuple[list[str], list[PairPassages], list[Phrase], int]:
    n_docs = draw(st.integers(1, 4))
    texts = [draw(st.text(alphabet="四个意识 \n。ab", min_size=1, max_size=25))
             for _ in range(n_docs)]

    def interval(d: int) -> tuple[int, int]:
        lo = draw(st.integers(0, len(texts[d]) - 1))
        return lo, draw(st.integers(lo + 1, len(texts[d])))

    passages = []
    for a in range(n_docs):
        for b in range(a + 1, n_docs):
            matches = []
            for _ in range(draw(st.integers(0, 2))):
                (a0, a1), (b0, b1) = interval(a), interval(b)
                matches.append(Match(a0, a1, b0, b1, 1.0))
            if matches:
                passages.append(PairPassages(a, b, tuple(matches)))
    phrases = []
    for _ in range(draw(st.integers(0, 2))):
        docs = tuple(sorted(draw(st.sets(st.integers(0, n_docs - 1), min_size=1))))
        occ = tuple(PhraseOccurrence(d, *interval(d)) for d in docs)
        phrases.append(Phrase("x", "x", docs, len(occ), occ))
    return texts, passages, phrases, draw(st.integers(2, 4))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(labelling_case())
def test_labels_agree_with_a_per_character_reference(
        case: tuple[list[str], list[PairPassages], list[Phrase], int]) -> None:
    texts, passages, phrases, k_docs = case
    documents = [Document(f"d{i}", f"d{i}.txt", t, "utf-8", "0" * 64)
                 for i, t in enumerate(texts)]
    prepared = [prepare(d, i) for i, d in enumerate(documents)]
    resolved = Config(boilerplate_docs=k_docs).resolve(n_documents=len(texts), lang="zh")
    common: list[list[Interval]] = [[] for _ in texts]
    reports = label_documents(documents, prepared, passages, phrases, common, resolved)
    for d, (text, rep) in enumerate(zip(texts, reports, strict=True)):
        sources: list[set[int]] = [set() for _ in text]
        for pp in passages:
            for m in pp.matches:
                if pp.a == d:
                    for j in range(m.a_start, m.a_end):
                        sources[j].add(pp.b)
                if pp.b == d:
                    for j in range(m.b_start, m.b_end):
                        sources[j].add(pp.a)
        for ph in phrases:
            for o in ph.occurrences:
                if o.doc == d:
                    for j in range(o.start, o.end):
                        sources[j] |= set(ph.documents) - {d}
        got = {j: (s.label, s.sources) for s in rep.spans for j in range(s.start, s.end)}
        counts = {"unique": 0, "shared": 0, "boilerplate": 0}
        for j, c in enumerate(text):
            if c.isspace():
                continue
            src = sources[j]
            label = ("unique" if not src else
                     "boilerplate" if len(src) + 1 >= k_docs else "shared")
            counts[label] += 1
            assert got[j] == (label, tuple(sorted(src))), (d, j)
        total = sum(counts.values())
        if total:
            assert rep.novelty == round(counts["unique"] / total, 4)
            assert rep.shared == round(counts["shared"] / total, 4)
            assert rep.boilerplate == round(counts["boilerplate"] / total, 4)
