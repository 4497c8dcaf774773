"""dedup.align: segment verification and passages, on small hand-made corpora.

Corpora are built from unrelated sentences (conftest), so the truth is known exactly:
which sentences were reused, edited, moved, added or dropped. Tests check behaviour
(what is found, with which boundaries and edits), not tuned scores.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest

from dedup.align import MAX_GAP, _between, _Cluster, _merge_abutting, similarity, verify
from dedup.config import Config
from dedup.model import Match, Pair, ScanResult
from dedup.normalize import normalize
from dedup.sketch import shingle_hashes

Analyze = Callable[..., ScanResult]


def check_matches(result: ScanResult, texts: list[str]) -> None:
    """Offsets within bounds, boundaries on text, edits inside their match."""
    for p in result.pairs:
        assert 0 <= p.a < p.b < len(texts)
        assert p.matches
        for m in p.matches:
            ta, tb = texts[p.a], texts[p.b]
            assert 0 <= m.a_start < m.a_end <= len(ta)
            assert 0 <= m.b_start < m.b_end <= len(tb)
            for text, lo, hi in ((ta, m.a_start, m.a_end), (tb, m.b_start, m.b_end)):
                assert not text[lo].isspace() and not text[hi - 1].isspace()
            assert 0.0 <= m.score <= 1.0
            for e in m.edits:
                assert m.a_start <= e.a_start <= e.a_end <= m.a_end
                assert m.b_start <= e.b_start <= e.b_end <= m.b_end
                if e.op == "insert":
                    assert e.a_start == e.a_end and e.b_start < e.b_end
                elif e.op == "delete":
                    assert e.b_start == e.b_end and e.a_start < e.a_end
                else:
                    assert e.a_start < e.a_end and e.b_start < e.b_end


def the_pair(result: ScanResult) -> Pair:
    assert len(result.pairs) == 1, result.pairs
    return result.pairs[0]


def span_of(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    assert text.find(piece, start + 1) < 0, "ambiguous piece"
    return start, start + len(piece)


def match_covering(pair: Pair, a: tuple[int, int], b: tuple[int, int]) -> Match | None:
    for m in pair.matches:
        if m.a_start <= a[0] and a[1] <= m.a_end and m.b_start <= b[0] and b[1] <= m.b_end:
            return m
    return None


def labels_over(result: ScanResult, doc: int, lo: int, hi: int) -> set[str]:
    """Labels of the non-whitespace characters of ``[lo, hi)`` (unlabelled = unique)."""
    text = result.documents[doc].document.text
    found = set()
    for i in range(lo, hi):
        if text[i].isspace():
            continue
        label = next((s.label for s in result.documents[doc].spans if s.start <= i < s.end),
                     None)
        assert label is not None, f"character {i} has no span"
        found.add(label)
    return found


# --- verify -------------------------------------------------------------------------------


def tokens_and_shingles(text: str, n: int = 2) -> tuple[str, np.ndarray]:
    t = normalize(text).text
    return t, shingle_hashes(t, n)


BASE = "全年地区生产总值增长5.2%，完成固定资产投资120亿元，一般公共预算收入突破三十亿元大关。"


@pytest.mark.parametrize("edited", [
    BASE,
    BASE.replace("5.2", "6.1").replace("120", "98"),  # figures
    BASE.replace("突破", "超过"),  # two characters
    BASE.replace("地区", "全区"),  # one character
    BASE.replace("完成", "切实完成").replace("突破", "进一步突破"),  # filler words
    # clauses in another order
    "一般公共预算收入突破三十亿元大关，全年地区生产总值增长5.2%，完成固定资产投资120亿元。",
    # inside a longer sentence
    "今年我们还将举办首届国际茶文化博览会，邀请海内外客商前来洽谈合作。" + BASE,
])
def test_verify_accepts_edited_sentences(edited: str) -> None:
    (a, sa), (b, sb) = tokens_and_shingles(BASE), tokens_and_shingles(edited)
    found = verify(a, b, sa, sb, Config().threshold)
    assert found is not None
    a_lo, a_hi, b_lo, b_hi = found
    assert 0 <= a_lo < a_hi <= len(a) and 0 <= b_lo < b_hi <= len(b)
    assert a_hi - a_lo >= 0.5 * len(a)


@pytest.mark.parametrize("other", [
    "我们深入实施创新驱动发展战略，新认定高新技术企业八十六家，研发经费投入强度持续提高。",
    "生态环境质量明显改善，空气优良天数比例达到百分之九十，主要河流断面水质全部达标。",
    "全年新增城镇就业岗位一万二千个，农村低收入人口实现应保尽保，群众满意度位居全省前列。",
])
def test_verify_rejects_unrelated_sentences(other: str) -> None:
    (a, sa), (b, sb) = tokens_and_shingles(BASE), tokens_and_shingles(other)
    assert verify(a, b, sa, sb, Config().threshold) is None


def test_verify_english_word_shingles(en: tuple[str, ...]) -> None:
    s = en[0]
    (a, sa) = tokens_and_shingles(s, 1)
    swapped = ("and it repaired every old bridge, "
               "the city opened three new schools and two hospitals.")
    (b, sb) = tokens_and_shingles(s.replace("three", "five"), 1)
    assert verify(a, b, sa, sb, 0.55) is not None
    (c, sc) = tokens_and_shingles(swapped, 1)
    assert verify(a, c, sa, sc, 0.55) is not None
    (d, sd) = tokens_and_shingles(en[2], 1)
    assert verify(a, d, sa, sd, 0.55) is None


def test_similarity_scale() -> None:
    assert similarity("四个意识", "四个意识") == 1.0
    assert similarity("四个意识", "两个维护") == pytest.approx(0.25)  # one of 4 in common
    assert similarity("abc", "xyz") == 0.0
    x, y = "增强四个意识", "切实增强四个意识"
    assert similarity(x, y) == similarity(y, x)


# --- passages -----------------------------------------------------------------------------


def test_verbatim_passage_has_exact_offsets(analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = zh[0] + zh[1] + zh[2] + zh[3]
    b = zh[6] + zh[1] + zh[7]
    result = analyze([a, b])
    check_matches(result, [a, b])
    pair = the_pair(result)
    assert [(m.a_start, m.a_end, m.b_start, m.b_end) for m in pair.matches] == [
        (*span_of(a, zh[1]), *span_of(b, zh[1]))]
    assert pair.matches[0].score == 1.0 and pair.matches[0].edits == ()


def test_changed_figures_reported_whole_with_replace_edits(analyze: Analyze,
                                                          zh: tuple[str, ...]) -> None:
    edited = zh[0].replace("5.2", "6.1").replace("120", "150")
    a = zh[0] + zh[1]
    b = zh[6] + edited + zh[7]
    result = analyze([a, b])
    check_matches(result, [a, b])
    pair = the_pair(result)
    m = match_covering(pair, span_of(a, zh[0]), span_of(b, edited))
    assert m is not None
    # The whole sentence, its full stop included, and nothing of its neighbours.
    assert (m.a_start, m.a_end) == span_of(a, zh[0])
    assert (m.b_start, m.b_end) == span_of(b, edited)
    changed = {(a[e.a_start : e.a_end], b[e.b_start : e.b_end]) for e in m.edits
               if e.op == "replace"}
    assert {("5.2", "6.1"), ("120", "150")} <= changed
    assert labels_over(result, 1, *span_of(b, edited)) == {"shared"}


def test_changed_figure_at_sentence_start(analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = zh[1] + "2022年全市新建改建农村公路三百公里，完成危桥改造四十座，实现村村通客车。" + zh[2]
    b = zh[3] + "2023年全市新建改建农村公路三百公里，完成危桥改造四十座，实现村村通客车。" + zh[4]
    result = analyze([a, b])
    check_matches(result, [a, b])
    m = the_pair(result).matches[0]
    assert a[m.a_start : m.a_end].startswith("2022年") and a[m.a_end - 1] == "。"
    assert any(a[e.a_start : e.a_end] == "2022" and b[e.b_start : e.b_end] == "2023"
               for e in m.edits)


@pytest.mark.parametrize("edit", ["chars", "filler", "clauses"])
def test_edited_sentence_is_one_whole_passage(analyze: Analyze, zh: tuple[str, ...],
                                              edit: str) -> None:
    s = zh[1]
    edited = {
        "chars": s.replace("深入", "全面").replace("持续", "不断"),
        "filler": s.replace("实施", "切实实施").replace("新认定", "进一步新认定"),
        "clauses": "新认定高新技术企业八十六家，我们深入实施创新驱动发展战略，"
                   "研发经费投入强度持续提高。",
    }[edit]
    a = zh[0] + s + zh[2]
    b = zh[5] + edited + zh[6]
    result = analyze([a, b])
    check_matches(result, [a, b])
    pair = the_pair(result)
    m = match_covering(pair, span_of(a, s), span_of(b, edited))
    assert m is not None
    assert labels_over(result, 0, *span_of(a, s)) == {"shared"}
    assert labels_over(result, 1, *span_of(b, edited)) == {"shared"}
    assert labels_over(result, 1, *span_of(b, zh[6])) == {"unique"}
    changes = [(e.op, a[e.a_start : e.a_end], b[e.b_start : e.b_end]) for e in m.edits]
    if edit == "chars":
        assert sorted(changes) == [("replace", "持续", "不断"), ("replace", "深入", "全面")]
    elif edit == "filler":
        assert {op for op, _, _ in changes} == {"insert"}
        assert Counter("".join(new for _, _, new in changes)) == Counter("切实进一步")


def test_moved_sentences_are_found(analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = zh[0] + zh[1] + zh[2] + zh[3]
    b = zh[2] + zh[6] + zh[0] + zh[7]
    result = analyze([a, b])
    check_matches(result, [a, b])
    pair = the_pair(result)
    for s in (zh[0], zh[2]):
        assert match_covering(pair, span_of(a, s), span_of(b, s)) is not None, s
    assert labels_over(result, 0, *span_of(a, zh[1])) == {"unique"}
    assert labels_over(result, 1, *span_of(b, zh[6])) == {"unique"}


# Tried: refusing to chain clusters that cross (after on one side, before on the other)
# when both hold whole sentences. It passes this test but costs PAN random obfuscation
# 0.797 -> 0.767 plagdet: PAN counts a passage with its sentences reordered as one case.
@pytest.mark.xfail(strict=True, reason="BUG: two adjacent sentences swapped are chained into "
                   "one crossing passage (score below the threshold; edits delete and re-insert "
                   "a whole sentence) instead of two moved passages")
def test_swapped_adjacent_sentences_are_two_passages(analyze: Analyze,
                                                     zh: tuple[str, ...]) -> None:
    a = zh[0] + zh[1] + zh[2]
    b = zh[6] + zh[1] + zh[0] + zh[7]
    pair = the_pair(analyze([a, b]))
    assert sorted((m.a_start, m.a_end, m.b_start, m.b_end, m.score) for m in pair.matches) == [
        (*span_of(a, zh[0]), *span_of(b, zh[0]), 1.0),
        (*span_of(a, zh[1]), *span_of(b, zh[1]), 1.0)]


def test_added_sentence_between_reused_ones_stays_unique(analyze: Analyze,
                                                        zh: tuple[str, ...]) -> None:
    a = zh[0] + zh[1] + zh[2]
    b = zh[0] + zh[1] + zh[6] + zh[2]
    result = analyze([a, b])
    check_matches(result, [a, b])
    assert labels_over(result, 1, *span_of(b, zh[6])) == {"unique"}
    for s in (zh[0], zh[1], zh[2]):
        assert labels_over(result, 1, *span_of(b, s)) == {"shared"}
    assert result.documents[0].novelty == 0.0


def test_dropped_sentence_stays_unique(analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = zh[0] + zh[1] + zh[2] + zh[3]
    b = zh[0] + zh[1] + zh[3]
    result = analyze([a, b])
    check_matches(result, [a, b])
    assert labels_over(result, 0, *span_of(a, zh[2])) == {"unique"}
    assert labels_over(result, 0, *span_of(a, zh[3])) == {"shared"}
    assert result.documents[1].novelty == 0.0


def test_stock_phrase_alone_makes_no_pair(analyze: Analyze, zh: tuple[str, ...]) -> None:
    stock = "坚持以习近平新时代中国特色社会主义思想为指导，"
    texts = [zh[6] + stock + zh[0], zh[1] + stock + zh[2], stock + zh[3] + zh[4]]
    result = analyze(texts)
    assert result.pairs == []
    for d, text in enumerate(texts):
        lo, hi = span_of(text, stock.rstrip("，"))
        assert labels_over(result, d, lo, hi) == {"boilerplate"}
    # In two documents only (fewer than boilerplate_docs), the same text is a shared passage.
    two = analyze(texts[:2])
    assert len(two.pairs) == 1
    assert labels_over(two, 0, *span_of(texts[0], stock.rstrip("，"))) == {"shared"}


def test_stock_phrase_does_not_split_a_passage(analyze: Analyze, zh: tuple[str, ...]) -> None:
    stock = "坚持以习近平新时代中国特色社会主义思想为指导。"
    reused = zh[0] + stock + zh[1]
    texts = [zh[4] + reused + zh[5], zh[6] + reused + zh[7], zh[2] + stock, zh[3] + stock]
    result = analyze(texts)
    check_matches(result, texts)
    pair = the_pair(result)
    assert (pair.a, pair.b) == (0, 1)
    assert [(m.a_start, m.a_end, m.b_start, m.b_end) for m in pair.matches] == [
        (*span_of(texts[0], reused), *span_of(texts[1], reused))]
    lo = texts[0].index(stock)
    assert labels_over(result, 0, lo, lo + len(stock)) == {"boilerplate"}
    assert labels_over(result, 0, *span_of(texts[0], zh[1])) == {"shared"}


def test_short_common_words_are_not_a_passage(analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = "今年将举办国际茶文化博览会，吸引客商。" + zh[0]
    b = zh[1] + "去年成功举办国际茶文化博览会并签约项目。"
    assert analyze([a, b]).pairs == []


def test_unrelated_documents_make_no_pairs(analyze: Analyze, zh: tuple[str, ...],
                                           en: tuple[str, ...]) -> None:
    assert analyze(list(zh)).pairs == []
    assert analyze(list(en)).pairs == []


def test_identical_documents(analyze: Analyze, zh: tuple[str, ...]) -> None:
    text = "一、总体情况\n" + "".join(zh[:4]) + "\n二、下一步打算\n" + zh[4]
    result = analyze([text, text])
    check_matches(result, [text, text])
    pair = the_pair(result)
    assert (pair.similarity, pair.a_in_b, pair.b_in_a) == (1.0, 1.0, 1.0)
    assert all(d.shared == 1.0 and d.novelty == 0.0 for d in result.documents)


def test_english_paragraph_with_an_edited_word(analyze: Analyze, en: tuple[str, ...]) -> None:
    para = en[0] + " " + en[1]
    edited = para.replace("steadily", "quickly")
    a = en[2] + "\n\n" + para + "\n\n" + en[3]
    b = en[4] + "\n\n" + edited + "\n\n" + en[5]
    result = analyze([a, b])
    check_matches(result, [a, b])
    m = match_covering(the_pair(result), span_of(a, para), span_of(b, edited))
    assert m is not None
    assert any(a[e.a_start : e.a_end] == "steadily" for e in m.edits)
    assert labels_over(result, 1, *span_of(b, en[5])) == {"unique"}


def test_english_sentence_reused_alone(analyze: Analyze, en: tuple[str, ...]) -> None:
    a = en[2] + " " + en[3]
    b = en[4] + " " + en[2] + " " + en[1]
    result = analyze([a, b])
    assert match_covering(the_pair(result), span_of(a, en[2]), span_of(b, en[2])) is not None


def test_english_sentence_reused_alone_before_a_common_word(analyze: Analyze,
                                                            en: tuple[str, ...]) -> None:
    a = en[2] + " " + en[3]            # en[3] starts with "The"
    b = en[4] + " " + en[2] + " " + en[0]  # so does en[0]
    result = analyze([a, b])
    assert result.pairs, "the reused sentence was not found"
    assert match_covering(the_pair(result), span_of(a, en[2]), span_of(b, en[2])) is not None


def test_threshold_decides_heavily_edited_sentences(analyze: Analyze,
                                                    zh: tuple[str, ...]) -> None:
    """Every fifth character changed: no exact k-gram survives, only verification finds it,
    and a stricter threshold never finds more."""
    s = zh[1]
    edited = "".join("甲" if i % 5 == 4 and c not in "，。" else c for i, c in enumerate(s))
    texts = [zh[0] + s + zh[2], zh[3] + edited + zh[4]]
    shares = [analyze(texts, Config(threshold=t)).documents[1].shared for t in (0.3, 0.55, 0.95)]
    assert shares[0] >= shares[1] >= shares[2]
    assert shares[1] > 0.0 and shares[2] == 0.0


# --- chaining details -----------------------------------------------------------------------


def cluster(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> _Cluster:
    return _Cluster(a_lo, a_hi, b_lo, b_hi, [(a_lo, a_hi, b_lo, b_hi)])


def test_a_far_off_match_in_the_gap_does_not_block_chaining() -> None:
    c, s = cluster(0, 50, 0, 50), cluster(70, 120, 60, 110)
    phrase_elsewhere = cluster(55, 60, 5000, 5005)  # in a's gap, far away in b
    assert not _between(c, s, [c, phrase_elsewhere, s])


def test_a_nearby_cluster_in_the_gap_blocks_chaining_around_it() -> None:
    c, s = cluster(0, 50, 0, 50), cluster(70, 120, 60, 110)
    on_the_way = cluster(55, 60, 52, 57)
    swapped_nearby = cluster(55, 60, 115 + MAX_GAP // 2, 120 + MAX_GAP // 2)
    assert _between(c, s, [c, on_the_way, s])
    assert _between(c, s, [c, swapped_nearby, s])


def test_abutting_passages_are_joined() -> None:
    a = "甲甲甲甲。乙乙乙乙。丙丙丙丙"
    b = "丁丁。甲甲甲甲。 乙乙乙乙。"
    spans = [(0, 5, 3, 8), (5, 10, 9, 14)]  # only "" / " " between them
    assert _merge_abutting(spans, a, b) == [(0, 10, 3, 14)]
    # Text between them on one side, or another order: two passages.
    assert _merge_abutting([(0, 5, 3, 8), (10, 14, 9, 14)], a, b) == [(0, 5, 3, 8),
                                                                     (10, 14, 9, 14)]
    assert _merge_abutting([(0, 5, 9, 14), (5, 10, 3, 8)], a, b) == [(0, 5, 9, 14),
                                                                    (5, 10, 3, 8)]


def test_pieces_of_one_passage_meeting_at_a_full_stop_are_one_match(
        analyze: Analyze, zh: tuple[str, ...]) -> None:
    a = zh[6] + zh[0] + zh[1] + zh[7]
    b = zh[2] + zh[0] + zh[1] + zh[3]
    pair = the_pair(analyze([a, b]))
    start, _ = span_of(a, zh[0])
    _, end = span_of(a, zh[1])
    assert [(m.a_start, m.a_end) for m in pair.matches] == [(start, end)]
