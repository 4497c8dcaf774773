"""Tests of the quality cases themselves: the generator's truth and the scorer's arithmetic.

Nothing here runs dedup's pipeline; the scorer is fed hand-made ScanResults.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from dedup.model import Document, DocumentReport, ScanResult, Span

try:
    from quality import cases as qc
except ModuleNotFoundError:  # tests/ itself is a package
    from tests.quality import cases as qc  # type: ignore[no-redef]  # same module, other name


@pytest.fixture(scope="module")
def all_cases() -> list[qc.Case]:
    out: list[qc.Case] = []
    for split in ("dev", "test"):
        out += qc.seed_cases(split=split, per_kind=2) + qc.english_cases(split=split, per_kind=2)
    return out


def _pool(case: qc.Case) -> list[str]:
    """Every text the case's sentences may come from."""
    if case.family == "en":
        return list(qc.english_texts().values())
    return list(qc.seed_texts().values())


# --- Generator --------------------------------------------------------------------------


def test_pieces_tile_b_and_truth_is_exactly_the_new_pieces(all_cases: list[qc.Case]) -> None:
    for case in all_cases:
        b = case.docs[qc.B_NAME]
        pieces = case.pieces[qc.B_NAME]
        pos = 0
        for p in pieces:
            assert p.start >= pos, case.name
            assert b[pos:p.start].isspace() or pos == p.start, case.name
            assert b[p.start:p.end] == b[p.start:p.end].strip() != "", case.name
            pos = p.end
        assert b[pos:].isspace()
        new = [(p.start, p.end) for p in pieces if p.new]
        assert case.truth[qc.B_NAME] == qc.merge(new), case.name
        for s, e in case.truth[qc.B_NAME]:
            assert b[s:e].strip() == b[s:e], case.name


def test_new_pieces_are_sentences_of_another_report_absent_from_the_corpus(
    all_cases: list[qc.Case],
) -> None:
    for case in all_cases:
        b = case.docs[qc.B_NAME]
        corpus = [t for n, t in case.docs.items() if n != qc.B_NAME]
        grams: set[str] = set()
        for doc in corpus:
            grams |= qc.kgrams(qc.tokens(doc, case.lang), qc.NOVELTY_K[case.lang])
        outside = [t for t in _pool(case) if t not in corpus]
        for p in case.pieces[qc.B_NAME]:
            text = b[p.start:p.end]
            if p.new:
                assert p.tags == ("added",)
                assert qc.is_sentence(text, case.lang)
                assert not any(text in doc for doc in corpus), (case.name, text)
                assert any(text in doc for doc in outside), (case.name, text)
                assert qc.stock_share(text, grams, case.lang) <= qc.MAX_STOCK_SHARE
            else:
                assert "added" not in p.tags


def test_reused_pieces_come_from_a(all_cases: list[qc.Case]) -> None:
    for case in all_cases:
        a, b = case.docs[qc.A_NAME], case.docs[qc.B_NAME]
        for p in case.pieces[qc.B_NAME]:
            if not p.new and set(p.tags) <= {"verbatim", "moved"}:
                assert b[p.start:p.end] in a, case.name


def test_generation_is_deterministic() -> None:
    one = qc.seed_cases(per_kind=1, seed=3) + qc.english_cases(per_kind=1, seed=3)
    two = qc.seed_cases(per_kind=1, seed=3) + qc.english_cases(per_kind=1, seed=3)
    assert one == two
    other = qc.seed_cases(per_kind=1, seed=4, kinds=("mixed",))
    assert other[0].docs[qc.B_NAME] != one[qc.KINDS.index("mixed")].docs[qc.B_NAME]


def test_every_kind_applies_its_edit(all_cases: list[qc.Case]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for case in all_cases:
        tags = {t for p in case.pieces[qc.B_NAME] for t in p.tags}
        assert "added" in tags, case.name  # every case has new text to find
        if case.kind in qc.TEXT_EDITS or case.kind == "moved":
            assert case.kind in tags, case.name
        if case.kind in ("dropped", "mixed"):
            a_sents = sum(map(len, qc.paragraphs(case.docs[qc.A_NAME], case.lang)))
            reused = sum(not p.new for p in case.pieces[qc.B_NAME])
            assert reused < a_sents, case.name
        if case.kind == "mixed":
            assert set(qc.KINDS) - {"verbatim", "mixed"} <= set(case.edits), case.name
        seen[case.lang, case.kind] = seen.get((case.lang, case.kind), 0) + 1
    assert set(seen) == {(lang, kind) for lang in ("zh", "en") for kind in qc.KINDS}


def test_mixed_cases_have_realistic_rates(all_cases: list[qc.Case]) -> None:
    for case in all_cases:
        if case.kind != "mixed":
            continue
        pieces = case.pieces[qc.B_NAME]
        share_new = sum(p.new for p in pieces) / len(pieces)
        assert 0.15 <= share_new <= 0.45, (case.name, share_new)


def test_most_cases_have_two_documents_a_few_more(all_cases: list[qc.Case]) -> None:
    sizes = [len(c.docs) for c in all_cases]
    assert sizes.count(2) > 0.8 * len(sizes)
    assert any(3 <= n <= 5 for n in sizes)


def test_splits_edit_different_reports() -> None:
    dev = {c.source for c in qc.seed_cases(split="dev", per_kind=3)}
    test = {c.source for c in qc.seed_cases(split="test", per_kind=3)}
    assert dev and test and not dev & test
    assert {c.source for c in qc.english_cases(split="dev", per_kind=1)} == {"source"}
    assert {c.source for c in qc.english_cases(split="test", per_kind=1)} == {"other"}


def test_cases_are_as_hard_as_the_evaluation() -> None:
    """A plain sentence diff scores F1 ~0.6 on the evaluation's edited copies; so here."""
    cases = qc.seed_cases(per_kind=2, kinds=("mixed",)) + qc.english_cases(
        per_kind=2, kinds=("mixed",))
    counts = qc.Counts()
    for case in cases:
        counts += qc.score_baselines(case, ("sentence",))["sentence"]
    assert 0.45 <= counts.f1 <= 0.75, counts


@pytest.mark.corpora
def test_provincial_cases() -> None:
    if not qc.provincial_dir().is_dir():
        pytest.skip(f"provincial reports not found at {qc.provincial_dir()}")
    texts = qc.provincial_texts()
    assert len(texts) == 31
    assert not any(t.startswith("下载\n打印") for t in texts.values())
    dev = qc.provincial_cases(split="dev", per_kind=1, kinds=("mixed", "added"))
    test = qc.provincial_cases(split="test", per_kind=1, kinds=("mixed",))
    assert not {c.source for c in dev} & {c.source for c in test}
    for case in dev + test:
        b = case.docs[qc.B_NAME]
        for s, e in case.truth[qc.B_NAME]:
            assert not any(b[s:e] in t for n, t in case.docs.items() if n != qc.B_NAME)


# --- Edits of one sentence --------------------------------------------------------------

ZH = "2022年，全市地区生产总值增长5.2%，完成固定资产投资**亿元，新建学校12所、医院3家。"
EN = ("In 2022 the authority carried 61.8 million passengers, an increase of 14.2%, "
      "and it opened 12 new stations across the region.")


def test_split_sentences_keeps_punctuation_and_quotes() -> None:
    line = "他说：“要抓落实。”我们照办！是否可行？一是；二是"
    assert qc.split_sentences(line, "zh") == ["他说：“要抓落实。”", "我们照办！", "是否可行？",
                                              "一是；", "二是"]
    assert qc.split_sentences("Growth was 5.2% in 2023. It rose! Next", "en") == [
        "Growth was 5.2% in 2023.", "It rose!", "Next"]
    spans = qc.sentence_spans("甲。乙！\n  丙。", "zh")
    assert spans == [(0, 2), (2, 4), (7, 9)]


@pytest.mark.parametrize("seed", range(20))
def test_edit_figures_changes_every_number_and_nothing_else(seed: int) -> None:
    rng = random.Random(seed)
    for s, lang in ((ZH, "zh"), (EN, "en")):
        out = qc.edit_figures(s, rng, lang)  # type: ignore[arg-type]
        assert re.sub(r"[\d.,*]+", "0", out) == re.sub(r"[\d.,*]+", "0", s)
        before, after = qc._NUMBER.findall(s), qc._NUMBER.findall(out)
        assert len(before) == len(after)
        assert all(x != y for x, y in zip(before, after, strict=True) if x[0].isdigit())


@pytest.mark.parametrize("seed", range(20))
def test_edit_chars_changes_five_to_ten_percent(seed: int) -> None:
    rng = random.Random(seed)
    out = qc.edit_chars(ZH * 3, rng, "zh")
    diff = sum(x != y for x, y in zip(out, ZH * 3, strict=True))
    n = qc.nonws(ZH * 3)
    assert round(0.05 * n) <= diff <= round(0.10 * n) + 1
    out_en = qc.edit_chars(EN, rng, "en")
    assert out_en != EN
    ratio = 1 - __import__("difflib").SequenceMatcher(None, EN, out_en).ratio()
    assert 0.01 <= ratio <= 0.2


@pytest.mark.parametrize("seed", range(20))
def test_edit_filler_only_inserts_filler_words(seed: int) -> None:
    rng = random.Random(seed)
    out = qc.edit_filler(ZH, rng, "zh")
    stripped = out
    for w in sorted(qc.ZH_FILLERS, key=len, reverse=True):
        stripped = stripped.replace(w, "")
    assert stripped == ZH
    assert 0.05 * qc.nonws(ZH) <= len(out) - len(ZH) <= 0.10 * qc.nonws(ZH) + 3
    out_en = qc.edit_filler(EN, rng, "en")
    assert out_en != EN
    assert out_en.split()[0] == "In"
    assert set(out_en.split()) - set(EN.split()) <= {w for f in qc.EN_FILLERS for w in f.split()}


@pytest.mark.parametrize("seed", range(20))
def test_edit_clauses_swaps_without_losing_text(seed: int) -> None:
    rng = random.Random(seed)
    out = qc.edit_clauses(ZH, rng, "zh")
    assert out != ZH and sorted(out) == sorted(ZH) and out.endswith("。")
    out_en = qc.edit_clauses(EN, rng, "en")
    assert out_en != EN and out_en[0].isupper() and out_en.endswith(".")
    assert sorted(out_en.lower().split()) != [] and sorted(
        re.findall(r"\w+", out_en.lower())) == sorted(re.findall(r"\w+", EN.lower()))


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown case kind"):
        qc.recipe("paraphrase", random.Random(0))


# --- Scorer -----------------------------------------------------------------------------


def _report(path: str, text: str, spans: list[tuple[int, int, str]]) -> DocumentReport:
    doc = Document(id=Path(path).stem, path=path, text=text, encoding="utf-8", sha256="0")
    return DocumentReport(
        document=doc, spans=tuple(Span(s, e, label) for s, e, label in spans),
        chars=qc.nonws(text), novelty=0.0, shared=0.0, boilerplate=0.0,
    )


def test_count_ignores_whitespace_and_follows_the_conventions() -> None:
    text = "甲乙 丙丁\n戊己"
    c = qc.count(text, [(0, 5)], [(1, 7)])  # truth 甲乙丙丁 (space skipped); pred 乙丙丁戊
    assert (c.tp, c.fp, c.fn, c.tn) == (3, 1, 1, 1)
    assert c.precision == 0.75 and c.recall == 0.75 and c.f1 == 0.75
    none = qc.count(text, [(0, 2)], [])
    assert none.precision == 1.0 and none.recall == 0.0 and none.f1 == 0.0
    nothing_new = qc.count(text, [], [])
    assert nothing_new.precision == nothing_new.recall == nothing_new.f1 == 1.0
    c += none
    assert (c.tp, c.fp, c.fn, c.tn) == (3, 1, 3, 5)


def _hand_case() -> qc.Case:
    a = "第一句话在这里。第二句话在这里。"
    b = "第一句话在这里。全新的内容出现。\n第二句话在这里。"
    piece = [qc.Piece(0, 8, False, ("verbatim",)), qc.Piece(8, 16, True, ("added",)),
             qc.Piece(17, 25, False, ("verbatim", "moved"))]
    return qc.Case("hand", "zh", ("added",), {"a.txt": a, "b.txt": b},
                   {"b.txt": [(8, 16)]}, {"b.txt": piece}, family="zh-seed")


def test_score_case_maps_documents_by_path(tmp_path: Path) -> None:
    case = _hand_case()
    paths = qc.write_case(case, tmp_path)
    b = case.docs["b.txt"]
    result = ScanResult(config={}, pairs=[], phrases=[], documents=[
        _report(str(paths["b.txt"]), b, [(0, 8, "shared"), (8, 20, "unique"),
                                         (20, 25, "shared")]),
        _report(str(paths["a.txt"]), case.docs["a.txt"], [(0, 16, "shared")]),
    ])
    score = qc.score_case(case, result, paths, baselines=("sentence", "token"))
    c = score.counts
    assert (c.tp, c.fp, c.fn) == (8, 3, 0)  # 第二句 of the moved sentence called unique
    assert score.tags == {"verbatim": [3, 16], "added": [8, 8], "moved": [3, 8]}
    assert score.baselines["sentence"].f1 == 1.0
    assert score.baselines["token"].f1 > 0.8  # token blocks can straddle a boundary
    totals = qc.aggregate([score, score], lambda s: s.kind)
    assert totals["added"].cases == 2 and totals["added"].counts.tp == 16
    assert qc.total([score]).tags["moved"] == [3, 8]


def test_find_report_falls_back_to_the_file_name(tmp_path: Path) -> None:
    case = _hand_case()
    paths = qc.write_case(case, tmp_path)
    relative = ScanResult(config={}, pairs=[], phrases=[], documents=[
        _report("hand/b.txt", case.docs["b.txt"], [(8, 16, "unique")])])
    score = qc.score_case(case, relative, paths)
    assert score.counts.f1 == 1.0
    with pytest.raises(LookupError):
        qc.find_report(ScanResult(config={}, pairs=[], phrases=[], documents=[]),
                       paths["b.txt"])
    wrong_text = ScanResult(config={}, pairs=[], phrases=[], documents=[
        _report(str(paths["b.txt"]), "另一个文本", [])])
    with pytest.raises(ValueError, match="different text"):
        qc.score_case(case, wrong_text, paths)


def test_difflib_baselines() -> None:
    a = "The board met twice. Costs rose by 5%. Staff were thanked."
    b = "Costs rose by 5%. A wholly new idea appeared today. The board met twice."
    new = (b.index("A wholly"), b.index(" The board"))
    for unit in ("sentence", "token"):
        pred = qc.difflib_unique(b, [a], lang="en", unit=unit)
        assert qc.count(b, [new], pred).recall == 1.0
        # difflib aligns in order: one of the two swapped sentences is called new.
        assert qc.count(b, [new], pred).precision < 1.0
        assert qc.difflib_unique(a, [a], lang="en", unit=unit) == []
    edited = "Costs rose by 6%. The board met twice."
    assert qc.difflib_unique(edited, [a], lang="en", unit="sentence") == [(0, 17)]
