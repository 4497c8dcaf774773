"""Fixtures shared by the core pipeline tests: the seeds, in-memory corpora, tmp corpora.

Hand-made corpora are built in memory as :class:`~dedup.model.Document` lists (no files),
or written to a temporary folder when a test needs paths (CLI, ``run``).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

# The suite never writes into the user's cache (~/.cache/dedup); CLI subprocesses inherit it.
if "DEDUP_CACHE_DIR" not in os.environ:
    os.environ["DEDUP_CACHE_DIR"] = tempfile.mkdtemp(prefix="dedup-test-cache-")
    atexit.register(shutil.rmtree, os.environ["DEDUP_CACHE_DIR"], ignore_errors=True)

from dedup.config import Config
from dedup.model import Document, ScanResult
from dedup.normalize import normalize
from dedup.pipeline import analyze_documents

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

#: Sentences in the style of the seed reports, each about a different subject, so that
#: any two of them share no passage. Tests build corpora from them.
ZH_SENTENCES = (
    "全年地区生产总值增长5.2%，完成固定资产投资120亿元，一般公共预算收入突破三十亿元大关。",
    "我们深入实施创新驱动发展战略，新认定高新技术企业八十六家，研发经费投入强度持续提高。",
    "城乡居民收入稳步增长，新增城镇就业岗位一万二千个，农村低收入人口实现应保尽保。",
    "生态环境质量明显改善，空气优良天数比例达到百分之九十，主要河流断面水质全部达标。",
    "持续优化营商环境，企业开办时间压缩至一个工作日，政务服务事项全部实现网上可办。",
    "扎实推进乡村振兴，建成高标准农田十五万亩，粮食总产量连续五年稳定在百万吨以上。",
    "今年我们还将举办首届国际茶文化博览会，邀请海内外客商前来洽谈合作共谋发展。",
    "老旧小区改造涉及居民四千余户，加装电梯一百二十部，群众满意度调查位居全省前列。",
)
EN_SENTENCES = (
    "The city opened three new schools and two hospitals, and it repaired every old bridge.",
    "Public spending rose by 5% while the number of new businesses grew steadily all year.",
    "Our harbour handled more container traffic than ever before despite the winter storms.",
    "The council adopted a plan to plant ten thousand trees along the river within a decade.",
    "Volunteers from twelve villages cleaned the beaches and recorded every species of bird.",
    "A new bus line now links the railway station with the university and the main hospital.",
)


def make_document(ident: str, text: str) -> Document:
    """A document as ingest would return it for a UTF-8 file ``<ident>.txt``."""
    return Document(id=ident, path=f"{ident}.txt", text=text, encoding="utf-8",
                    sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    assert SEEDS.is_dir(), f"{SEEDS} is missing"
    return SEEDS


@pytest.fixture(scope="session")
def zh() -> tuple[str, ...]:
    """Unrelated Chinese sentences (see ZH_SENTENCES)."""
    return ZH_SENTENCES


@pytest.fixture(scope="session")
def en() -> tuple[str, ...]:
    """Unrelated English sentences."""
    return EN_SENTENCES


@pytest.fixture(scope="session")
def docs() -> Callable[..., list[Document]]:
    """``docs("text a", "text b", ...)``: documents d0, d1, ... in memory."""

    def build(*texts: str) -> list[Document]:
        return [make_document(f"d{i}", t) for i, t in enumerate(texts)]

    return build


@pytest.fixture(scope="session")
def analyze() -> Callable[..., ScanResult]:
    """``analyze(texts, config=None)``: the pipeline after ingest on documents d0, d1, ..."""

    def go(texts: Sequence[str], config: Config | None = None) -> ScanResult:
        documents = [make_document(f"d{i}", t) for i, t in enumerate(texts)]
        return analyze_documents(documents, config or Config(jobs=1))

    return go


def check_result(result: ScanResult) -> None:
    """The invariants of DESIGN.md that every scan result keeps.

    Spans: half-open, sorted, disjoint, maximal, on non-whitespace at both ends, covering
    every non-whitespace character; labels agree with their sources; shares sum to 1.
    Matches lie inside the texts and are labelled with their source. Phrase occurrences
    point at the phrase and are boilerplate.
    """
    k_docs = result.config["boilerplate_docs"]
    cap = result.config["max_span_sources"]
    label_at: list[dict[int, tuple[str, tuple[int, ...], int]]] = []
    for i, rep in enumerate(result.documents):
        text = rep.document.text
        nonspace = {j for j, c in enumerate(text) if not c.isspace()}
        covered: dict[int, tuple[str, tuple[int, ...], int]] = {}
        prev = None
        for s in rep.spans:
            assert 0 <= s.start < s.end <= len(text)
            assert not text[s.start].isspace() and not text[s.end - 1].isspace()
            assert prev is None or prev.end <= s.start, "sorted and disjoint"
            if prev is not None and not text[prev.end : s.start].strip():
                assert (prev.label, prev.sources) != (s.label, s.sources), "not merged"
            assert (s.label == "unique") == (s.source_count == 0)
            if s.label != "unique":
                assert (s.label == "boilerplate") == (s.source_count + 1 >= k_docs)
            assert len(s.sources) == min(s.source_count, cap)
            assert list(s.sources) == sorted(set(s.sources)) and i not in s.sources
            for j in range(s.start, s.end):
                covered[j] = (s.label, s.sources, s.source_count)
            prev = s
        assert nonspace <= set(covered), "every non-whitespace character has a label"
        assert rep.chars == len(nonspace)
        shares = (rep.novelty, rep.shared, rep.boilerplate)
        assert all(0.0 <= x <= 1.0 for x in shares)
        assert abs(sum(shares) - (1.0 if nonspace else 0.0)) <= 1e-3
        label_at.append(covered)
    for p in result.pairs:
        assert 0 <= p.a < p.b < len(result.documents) and p.matches
        for x in (p.similarity, p.a_in_b, p.b_in_a):
            assert 0.0 <= x <= 1.0
        lo, hi = sorted((p.a_in_b, p.b_in_a))
        assert lo - 1e-3 <= p.similarity <= hi + 1e-3
        for m in p.matches:
            for doc, other, start, end in ((p.a, p.b, m.a_start, m.a_end),
                                           (p.b, p.a, m.b_start, m.b_end)):
                text = result.documents[doc].document.text
                assert 0 <= start < end <= len(text)
                for j in range(start, end):
                    if not text[j].isspace():
                        label, sources, count = label_at[doc][j]
                        assert label != "unique", (doc, j)
                        assert other in sources or count > len(sources)
    for ph in result.phrases:
        assert len(ph.documents) >= k_docs
        assert list(ph.documents) == sorted(set(ph.documents))
        assert ph.count == len(ph.occurrences) >= len(ph.documents)
        assert {o.doc for o in ph.occurrences} == set(ph.documents)
        for o in ph.occurrences:
            text = result.documents[o.doc].document.text
            assert normalize(text[o.start : o.end]).text == ph.norm
            assert all(label_at[o.doc][j][0] == "boilerplate"
                       for j in range(o.start, o.end) if not text[j].isspace())


@pytest.fixture(scope="session")
def invariants() -> Callable[[ScanResult], None]:
    """``invariants(result)`` asserts what every scan result keeps (see check_result)."""
    return check_result


@pytest.fixture
def write_corpus(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """``write_corpus({"a.txt": "...", "sub/b.txt": b"..."})``: a folder holding them."""

    def write(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "corpus"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                with path.open("w", encoding="utf-8", newline="") as f:
                    f.write(content)
        return root

    return write
