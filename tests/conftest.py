"""Fixtures shared by the core pipeline tests: the seeds, in-memory corpora, tmp corpora.

Hand-made corpora are built in memory as :class:`~dedup.model.Document` lists (no files),
or written to a temporary folder when a test needs paths (CLI, ``run``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from dedup.config import Config
from dedup.model import Document, ScanResult
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
        return analyze_documents(documents, config or Config())

    return go


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
