"""Synthetic corpora of Chinese reports with known reuse, for benchmarks at 1k-100k documents.

    python bench/synth.py ../bench-data/synth-1k --docs 1000 --seed 1
    python bench/synth.py ../bench-data/synth-1k --check      # n-gram repeats of new text

Writes ``OUT/docs/NNNNNN.txt`` (UTF-8, ``\\n`` line breaks) and ``OUT/truth.json`` (last,
so its presence means the corpus is complete). Every document is built from:

- **new text**: sentences from a character-level Markov chain trained on the real reports
  (../shared/corpora/zh-provincial-2026 and seeds/). The chain is order 2 with its
  transition counts flattened (``count ** 0.5``), so that text is locally fluent but long
  n-grams rarely repeat: whole real sentences sampled at 100k documents would repeat
  hundreds of times and become boilerplate. ``--check`` measures the repeats.
- **stock text**: a pool of real sentences each used by 1-30% of documents, real clauses
  put in front of new sentences, headings from the real reports, a header (title, session,
  各位代表：) and for some documents web-page chrome lines (下载 打印 全屏).
- **reuse**, the ground truth: *template families* (members edit one hidden template:
  changed figures, a few characters changed, sentences dropped, added and moved),
  *near-duplicates* (a document and a lightly edited copy) and *lifted passages* (a
  document copies 1-3 sentences of an unrelated one: the hard case for document LSH).

``truth.json`` lists the families, near-duplicate and lifted pairs, the pairs that share a
passage beyond stock text (from the provenance of every sentence), the stock pools with
how many documents use each, and per document its role, the documents it shares passages
with and its stock spans (code-point offsets, merged).

Documents are made in blocks of 1000 (related documents are in the same block, with
shuffled names), so memory stays bounded and a corpus of n documents is the first n of
a bigger one with the same seed and options. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, corpora_dir

__all__ = ["Markov", "Options", "Sources", "check", "generate", "load_sources"]

SCHEMA = "dedup.bench.synth/1"
#: Bump when the same options would produce different documents (invalidates caches).
VERSION = 3
#: A body stops after the paragraph that reaches its target, so it ends this many UTF-8
#: bytes beyond it on average (measured: 1000 documents, seed 1); the target is lowered
#: by as much so that documents average ``doc_bytes``.
OVERSHOOT = 520
#: Documents per block; related documents never cross a block.
BLOCK = 1000
#: A sentence shared by two documents counts as a shared passage when its new (non-stock)
#: part has at least this many CJK characters: dedup's minimum passage for Chinese is 16.
TRUTH_MIN_CJK = 16

#: Anti-recitation: a chain whose last WINDOW characters carried less than MIN_BITS of
#: surprisal in all jumps to a random state (see Markov.generate).
WINDOW = 8
MIN_BITS = 16.0

CJK = re.compile(r"[\u3400-\u9fff]")
DIGITS = re.compile(r"\d+(?:\.\d+)?")
NUMERALS = "一二三四五六七八九十"
FULL_WIDTH_PUNCT = "，、；：。！？“”‘’《》（）·—…％"


@dataclass(frozen=True, kw_only=True)
class Options:
    """How a corpus is made; every share is of the documents."""

    doc_bytes: int = 16_000  # mean UTF-8 size of a document (sizes vary by +-25%)
    family_share: float = 0.15  # documents in template families
    family_size: tuple[int, int] = (3, 8)
    near_dup_share: float = 0.05  # documents that are a near-duplicate or its original
    lift_share: float = 0.02  # documents that lift sentences from an unrelated one
    stock_sentences: int = 200
    stock_rate: tuple[float, float] = (0.01, 0.30)  # per sentence, log-uniform
    stock_phrases: int = 100
    phrase_rate: float = 0.04  # new sentences opened by a stock clause
    chrome_share: float = 0.1  # documents with web-page chrome lines first
    order: int = 2
    alpha: float = 0.5

    def __post_init__(self) -> None:
        if self.doc_bytes < 500:
            raise ValueError(f"doc_bytes must be at least 500 (got {self.doc_bytes})")
        shares = (self.family_share, self.near_dup_share, self.lift_share, self.phrase_rate,
                  self.chrome_share)
        if any(not 0 <= s <= 1 for s in shares) or sum(shares[:3]) > 0.9:
            raise ValueError("shares must be in [0, 1] and families + near-duplicates + "
                             "lifts at most 0.9 of the documents")
        lo, hi = self.family_size
        if not 2 <= lo <= hi:
            raise ValueError(f"family_size must be (min, max) with 2 <= min <= max "
                             f"(got {self.family_size})")
        if not 1 <= self.order <= 5:
            raise ValueError(f"order must be 1-5 (got {self.order}); try 2")


# --- the real reports ------------------------------------------------------------------

@dataclass
class Sources:
    """Text taken from the real reports."""

    body: str  # body paragraphs joined, paired punctuation removed (Markov training)
    sentences: list[str]  # real sentences of 15-80 characters (stock sentence candidates)
    clauses: list[str]  # real clauses found in >= 3 reports (stock phrase candidates)
    headings: list[str]  # real headings without their numbering
    chrome: list[list[str]]  # runs of web-page chrome lines that open real files


HEADING = re.compile(rf"^(?:[{NUMERALS}]+、|（[{NUMERALS}]+）)(.{{4,30}}?)[。：]?$")
PAIRED = re.compile(r"[“”‘’《》（）()【】「」〔〕]")
#: Latin words are left out of the chain: letter by letter they are near-deterministic, so
#: the chain would spell the same few words (and web debris such as "paidbegin") again and
#: again.
LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]+")
#: The chain keeps CJK, figures and sentence punctuation only (no ［］·℃Ⅱ…).
OTHER = re.compile(r"[^\u3400-\u9fff0-9.%*，、；：。！？]")


def default_source_files() -> list[Path]:
    """The provincial reports and the repository's seeds."""
    zh = corpora_dir() / "zh-provincial-2026"
    return sorted(zh.glob("*.txt")) + sorted((REPO / "seeds").glob("*.txt"))


def load_sources(files: Sequence[Path] | None = None) -> Sources:
    """Read the real reports: body text, sentences, stock clauses, headings, chrome."""
    files = list(files) if files is not None else default_source_files()
    if not files:
        raise FileNotFoundError(
            f"no source reports found; put the corpora under {corpora_dir()} or set "
            "$DEDUP_CORPORA")
    paras: list[str] = []
    headings: set[str] = set()
    chrome: list[list[str]] = []
    clause_docs: dict[str, set[int]] = defaultdict(set)
    for n, path in enumerate(files):
        lines = [x.strip() for x in path.read_text(encoding="utf-8-sig").splitlines()]
        lines = [x for x in lines if x]
        top = []
        for x in lines[:20]:
            if len(x) >= 8:
                break
            top.append(x)
        if len(top) >= 3:
            chrome.append(top)
        for x in lines:
            m = HEADING.match(x)
            if m:
                headings.add(m.group(1))
            elif len(x) >= 30 and x[-1] in "。；！？：”":
                paras.append(x)
                for c in re.split(r"[，；。：！？]", x):
                    if 8 <= len(c) <= 24 and not DIGITS.search(c):
                        clause_docs[c].add(n)
    sentences = sorted({s for p in paras for s in re.findall(r"[^。！？]+[。！？]", p)
                        if 15 <= len(s) <= 80})
    clauses = sorted(c for c, d in clause_docs.items() if len(d) >= 3)
    body = OTHER.sub("", LATIN.sub("", PAIRED.sub("", "".join(paras))))
    return Sources(body=body, sentences=sentences, clauses=clauses,
                   headings=sorted(headings), chrome=chrome)


# --- the Markov chain ----------------------------------------------------------------

class Markov:
    """A character Markov chain whose many chains step together in numpy.

    States are the training text's ``order``-character contexts; a transition's weight is
    its count to the power ``alpha`` (< 1 flattens, so rare continuations are taken more
    often). One step of all chains is a handful of numpy gathers: each state's
    continuations are sampled with Walker's alias method in O(1).

    >>> m = Markov("甲乙丙甲乙丁甲乙丙。", order=2)
    >>> len(m.generate(np.random.default_rng(1), 3, 12))
    3
    """

    def __init__(self, text: str, *, order: int = 2, alpha: float = 0.5) -> None:
        if len(text) <= order:
            raise ValueError("training text is shorter than the order")
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        vocab, dense = np.unique(codes, return_inverse=True)
        v = np.int64(len(vocab))
        n = len(dense)
        cyc = np.concatenate([dense, dense[:order]]).astype(np.int64)  # text as a cycle
        ctx = np.zeros(n, dtype=np.int64)
        for j in range(order):
            ctx = ctx * v + cyc[j:j + n]
        nxt = cyc[order:order + n]
        keys, counts = np.unique(ctx * v + nxt, return_counts=True)
        row_key = keys // v
        char = keys % v
        states, row = np.unique(row_key, return_inverse=True)
        starts = np.searchsorted(row, np.arange(len(states)))
        n_rows = len(states)

        def row_sum(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            return np.bincount(row, weights=x, minlength=n_rows).astype(np.float64)

        # Flatten the words, not the punctuation: punctuation keeps its share of each
        # state's continuations, so sentences and clauses keep their real lengths.
        raw = counts.astype(np.float64)
        punct = np.isin(vocab[char], np.frombuffer("，、；：。！？".encode("utf-32-le"),
                                                   dtype=np.uint32))
        p_punct = row_sum(raw * punct) / row_sum(raw)
        flat = np.where(punct, 0.0, raw ** alpha)
        flat_total = row_sum(flat)
        prob = np.where(punct, raw / row_sum(raw)[row],
                        flat / np.maximum(flat_total[row], 1e-300) * (1 - p_punct[row]))
        prob /= row_sum(prob)[row]
        self.bits = -np.log2(np.maximum(prob, 1e-12))
        self.offset = starts
        self.width = np.diff(np.append(starts, len(keys))).astype(np.float64)
        self.accept, self.alias = _alias_tables(prob, starts)
        self.emit = vocab[char].astype(np.uint32)
        dest_key = (row_key % (v ** (order - 1))) * v + char if order > 1 else char
        self.dest = np.searchsorted(states, dest_key)
        self.start = np.searchsorted(states, ctx)  # state at each training position
        self.states = len(states)

    def generate(self, rng: np.random.Generator, chains: int, length: int) -> list[str]:
        """``chains`` strings of ``length`` characters, each from a random position.

        A chain that has spent the last WINDOW steps on near-certain transitions (less
        than MIN_BITS of surprisal in all) jumps to a random state: it is reciting a
        rare name or phrase of the training text, which every chain would recite alike.
        """
        state = self.start[rng.integers(0, len(self.start), chains)]
        out = np.empty((length, chains), dtype=np.uint32)
        ring = np.full((WINDOW, chains), MIN_BITS)
        bits = ring.sum(axis=0)
        step = 512
        for t0 in range(0, length, step):
            u = rng.random((min(step, length - t0), chains))
            for i in range(len(u)):
                x = u[i] * self.width[state]
                k = x.astype(np.int64)
                j = self.offset[state] + k
                j = np.where(x - k < self.accept[j], j, self.alias[j])
                out[t0 + i] = self.emit[j]
                state = self.dest[j]
                slot = (t0 + i) % WINDOW
                s = self.bits[j]
                bits += s - ring[slot]
                ring[slot] = s
                low = np.flatnonzero(bits < MIN_BITS)
                if len(low):
                    state[low] = self.start[rng.integers(0, len(self.start), len(low))]
                    ring[:, low] = MIN_BITS
                    bits[low] = WINDOW * MIN_BITS
        cols = np.ascontiguousarray(out.T)
        return [c.tobytes().decode("utf-32-le") for c in cols]


def _alias_tables(prob: npt.NDArray[np.float64], starts: npt.NDArray[np.int64]
                  ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Walker/Vose alias tables for the rows of ``prob`` that begin at ``starts``.

    Entry ``j`` of a row of ``m`` is kept with probability ``accept[j]``, else its
    ``alias[j]`` is taken; picking ``j`` uniformly then samples the row exactly.
    """
    accept = np.ones(len(prob))
    alias = np.arange(len(prob))
    p = prob.tolist()
    ends = [*starts.tolist()[1:], len(prob)]
    for a, b in zip(starts.tolist(), ends, strict=True):
        m = b - a
        if m == 1:
            continue
        scaled = [x * m for x in p[a:b]]
        small = [i for i, x in enumerate(scaled) if x < 1.0]
        large = [i for i, x in enumerate(scaled) if x >= 1.0]
        while small and large:
            lo, hi = small.pop(), large.pop()
            accept[a + lo] = scaled[lo]
            alias[a + lo] = a + hi
            scaled[hi] -= 1.0 - scaled[lo]
            (small if scaled[hi] < 1.0 else large).append(hi)
    return accept, alias


#: Shorter sentences are joined to the one before: a chain's short "sentences" (全球候鸟迁徙
#: 通道。) recur by chance across thousands of documents, and dedup counts whole short
#: sentences as reuse.
MIN_SENTENCE = 14


def sentences_of(stream: str) -> list[str]:
    """Cut a chain's output into sentences: on 。！？, long ones at a comma, no scraps."""
    out: list[str] = []
    for s in re.findall(r"[^。！？]+[。！？]", stream)[1:]:  # the first starts mid-sentence
        # dedup also ends sentences at ；, and short pieces recur by chance (see above).
        s = s.lstrip("，、；：。！？ ").replace("；", "，")
        while len(s) > 120:
            cut = s.rfind("，", 40, 110)
            cut = cut if cut > 0 else 100
            out.append(s[:cut] + "。")
            s = s[cut + 1:]
        if len(s) >= MIN_SENTENCE:
            out.append(s)
        elif out:
            out[-1] = out[-1][:-1] + "，" + s
    return out


# --- documents as items -----------------------------------------------------------------

Origin = tuple[int, int]


@dataclass
class Item:
    """A sentence or heading. The first ``stock`` characters are stock text."""

    text: str
    stock: int = 0
    origin: Origin | None = None  # (base, index) of new text; None when all stock
    heading: bool = False
    #: CJK characters in the new text (edits keep it: they swap CJK for CJK).
    cjk: int = 0


Paragraph = list[Item]


def cjk_count(text: str) -> int:
    """Characters of ``text`` in the CJK blocks (what dedup's minimum passage counts).

    Counted from the UTF-8 length (CJK and full-width punctuation take 3 bytes, figures
    1), a few times faster than a regular expression; exact on chain text, which holds
    nothing else (see ``OTHER``).

    >>> cjk_count("增长5.2%，好于预期。")
    6
    """
    wide = (len(text.encode("utf-8")) - len(text)) // 2
    return wide - sum(text.count(p) for p in FULL_WIDTH_PUNCT)


@dataclass
class Doc:
    """A document before rendering: header lines (stock) and paragraphs."""

    header: list[str]
    paras: list[Paragraph]


@dataclass
class Pools:
    """Stock text shared by a whole corpus."""

    sentences: list[str]
    rates: list[float]
    phrases: list[str]
    phrase_weights: list[float]
    headings: list[str]
    chrome: list[list[str]]


def make_pools(src: Sources, opts: Options, seed: int) -> Pools:
    rng = random.Random(f"pools:{seed}")
    sentences = rng.sample(src.sentences, min(opts.stock_sentences, len(src.sentences)))
    lo, hi = opts.stock_rate
    rates = [round(lo * (hi / lo) ** rng.random(), 4) for _ in sentences]
    phrases = rng.sample(src.clauses, min(opts.stock_phrases, len(src.clauses)))
    weights = [1.0 / (i + 1) for i in range(len(phrases))]  # Zipf: a few very common
    return Pools(sentences=sentences, rates=rates, phrases=phrases, phrase_weights=weights,
                 headings=src.headings, chrome=src.chrome)


class Stream:
    """New sentences handed out in order; ``refill`` gives more when they run out, so a
    sentence is never handed out twice."""

    def __init__(self, sentences: list[str], refill: Callable[[], list[str]]) -> None:
        self.sentences = sentences
        self.refill = refill
        self.pos = 0

    def take(self) -> str:
        while self.pos >= len(self.sentences):
            self.sentences, self.pos = self.refill(), 0
        s = self.sentences[self.pos]
        self.pos += 1
        return s


PLACE_CHARS = "东南西北中安平江河山湖海阳宁兴泰华昌德武庆丰云青永清白金长广福"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国明华伟强军平志红丽新海东晓文斌涛勇杰"


def header(rng: random.Random, pools: Pools, chrome: bool) -> list[str]:
    """Title, session line, speaker, 各位代表： and the opening sentence (all stock)."""
    place = "".join(rng.choice(PLACE_CHARS) for _ in range(2)) + rng.choice("市县区州")
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    lines = list(rng.choice(pools.chrome)) if chrome and pools.chrome else []
    lines += [
        rng.choice([f"2026年{place}政府工作报告", "政府工作报告"]),
        f"——2026年1月{rng.randint(5, 28)}日在{place}第{rng.choice(NUMERALS)}届人民代表大会"
        f"第{rng.choice(NUMERALS[:5])}次会议上",
        f"{place}{rng.choice(['市长', '县长', '区长', '州长'])} {name}",
        "各位代表：",
        f"现在，我代表{place}人民政府，向大会报告工作，请予审议。",
    ]
    return lines


def sentence_item(stream: Stream, rng: random.Random, pools: Pools, opts: Options,
                  origin: Origin) -> Item:
    text = stream.take()
    if pools.phrases and rng.random() < opts.phrase_rate:
        phrase = rng.choices(pools.phrases, pools.phrase_weights)[0] + "，"
        return Item(phrase + text, stock=len(phrase), origin=origin, cjk=cjk_count(text))
    return Item(text, origin=origin, cjk=cjk_count(text))


def heading_item(number: str, stream: Stream, rng: random.Random, pools: Pools,
                 origin: Origin) -> Item:
    if pools.headings and rng.random() < 0.5:
        return Item(number + rng.choice(pools.headings), stock=10**6, heading=True)
    # 10-18 characters: shorter chain headings recur by chance in big corpora, and dedup
    # counts a short heading found whole in another document as reuse.
    words = re.sub(r"[，、：。！？]", "", stream.take())[:rng.randint(10, 18)]
    return Item(number + words, stock=len(number), origin=origin, heading=True,
                cjk=cjk_count(words))


def base_document(base: int, stream: Stream, rng: random.Random, pools: Pools,
                  opts: Options, target: int) -> list[Paragraph]:
    """The body of a new document of about ``target`` UTF-8 bytes (stock sentences
    excluded): sections 一、, subsections （一）, paragraphs, some enumerated 一是 二是."""
    paras: list[Paragraph] = []
    size = 0
    index = 0

    def origin() -> Origin:
        nonlocal index
        index += 1
        return (base, index)

    for sec in range(40):
        if size >= target:
            break
        h = heading_item(f"{NUMERALS[sec % 10]}、", stream, rng, pools, origin())
        paras.append([h])
        for sub in range(rng.randint(2, 5)):
            if size >= target:
                break
            sh = heading_item(f"（{NUMERALS[sub]}）", stream, rng, pools, origin())
            enumerate_ = rng.random() < 0.3
            for p in range(rng.randint(1, 3)):
                if p and size >= target:
                    break
                para: Paragraph = []
                if p == 0 and rng.random() < 0.4:  # （一）heading。 and the text run on
                    para.append(replace(sh, text=sh.text + "。"))
                elif p == 0:
                    paras.append([sh])
                for s in range(rng.randint(3, 8)):
                    item = sentence_item(stream, rng, pools, opts, origin())
                    if enumerate_ and s == 0 and p < 10:
                        item = replace(item, text=f"{NUMERALS[p]}是" + item.text,
                                       stock=item.stock + 2)
                    para.append(item)
                paras.append(para)
                size += sum(len(it.text.encode()) for it in para) + 1
    return paras


def insert_stock(paras: list[Paragraph], rng: random.Random, pools: Pools) -> None:
    """Put each stock sentence in with its rate, at a random place in a body paragraph."""
    body = [p for p in paras if not p[0].heading or len(p) > 1]
    if not body:
        return
    for text, rate in zip(pools.sentences, pools.rates, strict=True):
        if rng.random() < rate:
            para = rng.choice(body)
            para.insert(rng.randint(1 if para[0].heading else 0, len(para)),
                        Item(text, stock=len(text)))


@dataclass(frozen=True)
class Edits:
    """Per-sentence probabilities of the edits that derive a document from another."""

    figures: float  # each figure in a sentence is changed
    chars: float  # 1-3 characters of the sentence are replaced
    drop: float
    add: float  # a new sentence is added after it
    move: float  # it moves to another paragraph


FAMILY_EDITS = Edits(figures=0.5, chars=0.15, drop=0.08, add=0.08, move=0.03)
NEAR_DUP_EDITS = Edits(figures=0.2, chars=0.03, drop=0.01, add=0.01, move=0.0)
LIFT_EDITS = Edits(figures=0.3, chars=0.05, drop=0.0, add=0.0, move=0.0)


def edit_text(item: Item, rng: random.Random, edits: Edits, alphabet: str) -> Item:
    text = item.text
    head, tail = text[:item.stock], text[item.stock:]
    if edits.figures and DIGITS.search(tail):
        tail = DIGITS.sub(lambda m: str(rng.randint(2, 999)) if rng.random() < edits.figures
                          else m.group(0), tail)
    if rng.random() < edits.chars and len(tail) > 6:
        chars = list(tail)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(chars) - 1)
            if CJK.match(chars[i]):
                chars[i] = rng.choice(alphabet)
        tail = "".join(chars)
    return replace(item, text=head + tail)


def derive(paras: list[Paragraph], rng: random.Random, edits: Edits, stream: Stream,
           pools: Pools, opts: Options, own_base: int, alphabet: str) -> list[Paragraph]:
    """An edited copy: figures and characters changed, sentences dropped, added, moved."""
    out: list[Paragraph] = []
    moved: list[Item] = []
    added = 0
    for para in paras:
        new: Paragraph = []
        for item in para:
            if item.heading:
                new.append(item)
                continue
            r = rng.random()
            if r < edits.drop:
                continue
            item = edit_text(item, rng, edits, alphabet)
            if r < edits.drop + edits.move:
                moved.append(item)
            else:
                new.append(item)
            if rng.random() < edits.add:
                added += 1
                new.append(sentence_item(stream, rng, pools, opts, (own_base, added)))
        if new:
            out.append(new)
    body = [p for p in out if not p[0].heading or len(p) > 1]
    for item in moved:
        if body:
            para = rng.choice(body)
            para.insert(rng.randint(1 if para[0].heading else 0, len(para)), item)
    return out


def render(doc: Doc) -> tuple[str, list[list[int]], set[Origin]]:
    """The text, its merged stock spans, and the origins of its shareable sentences."""
    parts: list[str] = []
    spans: list[list[int]] = []
    origins: set[Origin] = set()
    pos = 0

    def stock(start: int, end: int) -> None:
        if end <= start:
            return
        if spans and spans[-1][1] >= start - 1:  # merge across a line break
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])

    for line in doc.header:
        stock(pos, pos + len(line))
        parts.append(line + "\n")
        pos += len(line) + 1
    for para in doc.paras:
        for item in para:
            stock(pos, pos + min(item.stock, len(item.text)))
            if item.origin is not None and item.cjk >= TRUTH_MIN_CJK:
                origins.add(item.origin)
            parts.append(item.text)
            pos += len(item.text)
        parts.append("\n")
        pos += 1
    return "".join(parts), spans, origins


# --- blocks ------------------------------------------------------------------------------

@dataclass
class Plan:
    """Who is who in one block (positions 0..size-1)."""

    size: int
    families: list[list[int]] = field(default_factory=list)
    near: list[tuple[int, int]] = field(default_factory=list)  # (original, copy)
    lifts: list[tuple[int, int]] = field(default_factory=list)  # (lifter, source)

    def roles(self) -> list[str]:
        roles = ["plain"] * self.size
        for fam in self.families:
            for p in fam:
                roles[p] = "family"
        for a, b in self.near:
            roles[a], roles[b] = "original", "near_duplicate"
        return roles


def plan_block(rng: random.Random, size: int, opts: Options) -> Plan:
    order = list(range(size))
    rng.shuffle(order)
    plan = Plan(size)
    lo, hi = opts.family_size
    budget = round(opts.family_share * size)
    while budget >= lo:
        n = min(rng.randint(lo, hi), budget)
        if n < lo:
            break
        plan.families.append([order.pop() for _ in range(n)])
        budget -= n
    for _ in range(min(round(opts.near_dup_share * size / 2), len(order) // 2)):
        plan.near.append((order.pop(), order.pop()))
    for _ in range(min(round(opts.lift_share * size), len(order) // 2)):
        plan.lifts.append((order.pop(), order.pop()))
    return plan


class Spare:
    """More new sentences for a block, from fresh chains generated on demand."""

    def __init__(self, model: Markov, rng: np.random.Generator, length: int) -> None:
        self.model, self.rng, self.length = model, rng, length
        self.queue: list[str] = []

    def more(self) -> list[str]:
        """The next (up to) 50 sentences."""
        if not self.queue:
            for text in self.model.generate(self.rng, 8, self.length):
                self.queue.extend(sentences_of(text))
            self.queue.reverse()
        return [self.queue.pop() for _ in range(min(50, len(self.queue)))]


@dataclass
class Built:
    """One finished document."""

    id: str
    text: str
    role: str
    family: int | None
    stock_spans: list[list[int]]
    stock_used: list[int]
    origins: set[Origin]
    extra: dict[str, Any]


def alphabet_of(text: str) -> str:
    """The 1500 commonest CJK characters of the training text (for character edits)."""
    counts = Counter(CJK.findall(text))
    return "".join(c for c, _ in counts.most_common(1500))


@dataclass
class Context:
    """What every block needs: options, pools, the chain, names."""

    opts: Options
    seed: int
    pools: Pools
    model: Markov
    alphabet: str
    width: int
    bytes_per_char: float


def build_block(ctx: Context, block: int, size: int,
                family_offset: int) -> tuple[list[Built], int]:
    """The documents of block ``block`` (global positions ``block * BLOCK + ...``) and
    the number of families in it (numbered from ``family_offset``)."""
    opts, pools = ctx.opts, ctx.pools
    first = block * BLOCK
    rng = random.Random(f"block:{ctx.seed}:{block}")
    nprng = np.random.default_rng([ctx.seed, block])
    plan = plan_block(rng, size, opts)
    roles = plan.roles()
    names = list(range(size))
    rng.shuffle(names)
    ids = [f"{first + n:0{ctx.width}d}" for n in names]
    family_of = {p: i for i, fam in enumerate(plan.families) for p in fam}
    copies = {b: a for a, b in plan.near}

    # Bases: one per document that is not an edited copy, one per family template.
    header_bytes = 400 + OVERSHOOT
    stock_bytes = sum(r * len(s) * 3 for s, r in zip(pools.sentences, pools.rates, strict=True))
    bases = [p for p in range(size) if roles[p] in ("plain", "original")]
    keys = [first + p for p in bases] + [
        10**8 + family_offset + i for i in range(len(plan.families))]
    targets = [max(300.0, opts.doc_bytes * rng.uniform(0.75, 1.25) - header_bytes - stock_bytes)
               for _ in keys]
    length = int(max(targets, default=1000) / ctx.bytes_per_char * 1.25) + 300
    streams = ctx.model.generate(nprng, len(keys), length)
    spare = Spare(ctx.model, nprng, length)
    body: dict[int, list[Paragraph]] = {}
    for key, target, text in zip(keys, targets, streams, strict=True):
        stream = Stream(sentences_of(text), spare.more)
        body[key] = base_document(key, stream, random.Random(f"base:{ctx.seed}:{key}"),
                                  pools, opts, int(target))
    adds = Stream([], spare.more)

    def with_stock(paras: list[Paragraph], r: random.Random) -> list[Paragraph]:
        out = [list(p) for p in paras]
        insert_stock(out, r, pools)
        return out

    docs: dict[int, Doc] = {}
    extra: dict[int, dict[str, Any]] = defaultdict(dict)
    templates = [with_stock(body[10**8 + family_offset + i],
                            random.Random(f"tpl:{ctx.seed}:{family_offset + i}"))
                 for i in range(len(plan.families))]
    lifted_from = dict(plan.lifts)
    for p in range(size):
        r = random.Random(f"doc:{ctx.seed}:{first + p}")
        if p in copies:
            continue
        head = header(r, pools, r.random() < opts.chrome_share)
        if p in family_of:
            paras = derive(templates[family_of[p]], r, FAMILY_EDITS, adds, pools, opts,
                           2 * 10**8 + first + p, ctx.alphabet)
        else:
            paras = with_stock(body[first + p], r)
        if p in lifted_from:
            src = lifted_from[p]
            lift(paras, body[first + src], r, ctx.alphabet)
            extra[p]["lifted_from"] = ids[src]
            extra[src].setdefault("lifted_by", []).append(ids[p])
        docs[p] = Doc(head, paras)
    for b, a in copies.items():
        r = random.Random(f"doc:{ctx.seed}:{first + b}")
        docs[b] = Doc(list(docs[a].header),
                      derive(docs[a].paras, r, NEAR_DUP_EDITS, adds, pools, opts,
                             2 * 10**8 + first + b, ctx.alphabet))
        extra[b]["copy_of"] = ids[a]
        extra[a]["copied_by"] = ids[b]

    stock_index = {s: i for i, s in enumerate(pools.sentences)}
    out = []
    for p in range(size):
        text, spans, origins = render(docs[p])
        used = sorted({stock_index[it.text] for para in docs[p].paras for it in para
                       if it.origin is None and not it.heading and it.text in stock_index})
        fam = family_of.get(p)
        out.append(Built(id=ids[p], text=text, role=roles[p],
                         family=None if fam is None else family_offset + fam,
                         stock_spans=spans, stock_used=used, origins=origins,
                         extra=extra.get(p, {})))
    return out, len(plan.families)


def lift(paras: list[Paragraph], source: list[Paragraph], rng: random.Random,
         alphabet: str) -> None:
    """Copy 1-3 consecutive long new sentences of ``source`` into one of ``paras``."""
    runs = [para for para in source if sum(it.cjk >= 20 for it in para) >= 3]
    body = [p for p in paras if not p[0].heading or len(p) > 1]
    if not runs or not body:
        return
    para = rng.choice(runs)
    long = [it for it in para if not it.heading and it.cjk >= 20]
    n = rng.randint(1, 3)
    start = rng.randrange(len(long) - n + 1)
    taken = [edit_text(it, rng, LIFT_EDITS, alphabet) for it in long[start:start + n]]
    target = rng.choice(body)
    at = rng.randint(1 if target[0].heading else 0, len(target))
    target[at:at] = taken


def shared_pairs(built: Sequence[Built]) -> dict[tuple[int, int], int]:
    """Pairs of positions that share a new sentence -> how many they share."""
    holders: dict[Origin, list[int]] = defaultdict(list)
    for p, b in enumerate(built):
        for o in b.origins:
            holders[o].append(p)
    pairs: Counter[tuple[int, int]] = Counter()
    for ps in holders.values():
        for i in range(len(ps)):
            for j in range(i + 1, len(ps)):
                pairs[(ps[i], ps[j])] += 1
    return dict(pairs)


def pair_kind(a: Built, b: Built) -> str:
    if a.family is not None and a.family == b.family:
        return "family"
    if a.extra.get("copy_of") == b.id or b.extra.get("copy_of") == a.id:
        return "near_duplicate"
    return "lifted"


# --- corpora -----------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def _prepare_dir(out: Path, force: bool) -> None:
    """Empty ``out`` if it holds an earlier corpus (or ``force``); refuse other content."""
    if out.exists() and any(out.iterdir()):
        ours = (out / "truth.json").exists() or (out / PARTIAL).exists()
        if not (ours or force):
            raise FileExistsError(f"{out} is not empty and holds no generated corpus; "
                                  "choose an empty folder or pass force=True (--force)")
        for name in ("docs", "truth.json", PARTIAL, GENERATOR):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    (out / "docs").mkdir(parents=True, exist_ok=True)


#: Per-document truth is streamed here while the corpus is written, then folded into
#: truth.json; its presence marks an unfinished corpus.
PARTIAL = "truth.documents.partial"
#: The generator settings of a finished corpus (a copy of truth.json's ``generator``).
GENERATOR = "generator.json"


def generate(out_dir: Path | str, n_docs: int, *, seed: int = 1, opts: Options | None = None,
             sources: Sources | None = None, force: bool = False,
             progress: Progress | None = None) -> dict[str, Any]:
    """Write ``n_docs`` documents to ``out_dir/docs/`` and ``out_dir/truth.json``.

    Returns the summary stored in truth.json under ``stats``. Raises FileExistsError if
    ``out_dir`` holds something else than an earlier corpus (unless ``force``).
    """
    if n_docs < 1:
        raise ValueError(f"n_docs must be at least 1 (got {n_docs})")
    opts = opts or Options()
    out = Path(out_dir)
    _prepare_dir(out, force)
    started = time.perf_counter()
    src = sources or load_sources()
    pools = make_pools(src, opts, seed)
    ctx = Context(opts=opts, seed=seed, pools=pools,
                  model=Markov(src.body, order=opts.order, alpha=opts.alpha),
                  alphabet=alphabet_of(src.body), width=max(6, len(str(n_docs - 1))),
                  bytes_per_char=len(src.body.encode()) / len(src.body))
    families: dict[int, list[str]] = defaultdict(list)
    pairs: list[dict[str, Any]] = []
    stock_docs: Counter[int] = Counter()
    totals = Counter[str]()
    family_offset = 0
    blocks = (n_docs + BLOCK - 1) // BLOCK
    with (out / PARTIAL).open("w", encoding="utf-8") as partial:
        for block in range(blocks):
            size = min(BLOCK, n_docs - block * BLOCK)
            built, n_families = build_block(ctx, block, size, family_offset)
            family_offset += n_families
            shares: dict[int, list[str]] = defaultdict(list)
            for (i, j), n in sorted(shared_pairs(built).items()):
                a, b = sorted((built[i], built[j]), key=lambda d: d.id)
                pairs.append({"a": a.id, "b": b.id, "kind": pair_kind(a, b),
                              "shared_sentences": n})
                shares[i].append(built[j].id)
                shares[j].append(built[i].id)
            for p in sorted(range(size), key=lambda p: built[p].id):
                d = built[p]
                data = d.text.encode("utf-8")
                (out / "docs" / f"{d.id}.txt").write_bytes(data)
                if d.family is not None:
                    families[d.family].append(d.id)
                stock_docs.update(d.stock_used)
                totals.update(bytes=len(data), chars=len(d.text),
                              stock_chars=sum(e - s for s, e in d.stock_spans))
                entry = {"id": d.id, "file": f"docs/{d.id}.txt", "role": d.role,
                         "family": d.family, "shares_with": sorted(shares[p]),
                         "bytes": len(data), "chars": len(d.text), **d.extra,
                         "stock_sentences": d.stock_used, "stock_spans": d.stock_spans}
                partial.write(json.dumps(entry, ensure_ascii=False) + "\n")
            if progress is not None:
                progress(block * BLOCK + size, n_docs)
    kinds = Counter(p["kind"] for p in pairs)
    stats = {
        "documents": n_docs, "bytes": totals["bytes"], "chars": totals["chars"],
        "stock_share": round(totals["stock_chars"] / max(1, totals["chars"]), 4),
        "families": len(families), "family_documents": sum(map(len, families.values())),
        "pairs": len(pairs), "pairs_by_kind": dict(sorted(kinds.items())),
        "seconds": round(time.perf_counter() - started, 1),
    }
    _write_truth(out, n_docs, seed, opts, pools, stock_docs, families, pairs, stats)
    return stats


def _write_truth(out: Path, n_docs: int, seed: int, opts: Options, pools: Pools,
                 stock_docs: Counter[int], families: dict[int, list[str]],
                 pairs: list[dict[str, Any]], stats: dict[str, Any]) -> None:
    """Assemble truth.json from the streamed per-document lines; atomically."""
    head = {
        "schema": SCHEMA,
        "generator": {"version": VERSION, "seed": seed, "n_docs": n_docs, "block": BLOCK,
                      "truth_min_cjk": TRUTH_MIN_CJK, "options": asdict(opts),
                      "edits": {"family": asdict(FAMILY_EDITS),
                                "near_duplicate": asdict(NEAR_DUP_EDITS),
                                "lifted": asdict(LIFT_EDITS)}},
        "stats": stats,
        "stock": {
            "sentences": [{"id": i, "text": s, "rate": r, "documents": stock_docs[i]}
                          for i, (s, r) in enumerate(zip(pools.sentences, pools.rates,
                                                         strict=True))],
            "phrases": pools.phrases,
        },
        "families": [{"id": f, "documents": sorted(ids)} for f, ids in sorted(families.items())],
        "pairs": pairs,
    }
    tmp = out / "truth.json.tmp"
    with tmp.open("w", encoding="utf-8") as f:
        text = json.dumps(head, ensure_ascii=False, indent=1)
        f.write(text[:-2] + ',\n "documents": [\n')
        with (out / PARTIAL).open(encoding="utf-8") as partial:
            for i, line in enumerate(partial):
                f.write(("" if i == 0 else ",\n") + "  " + line.rstrip("\n"))
        f.write("\n ]\n}\n")
    tmp.replace(out / "truth.json")
    (out / GENERATOR).write_text(json.dumps(head["generator"], indent=1) + "\n",
                                 encoding="utf-8")
    (out / PARTIAL).unlink()


def is_complete(out_dir: Path | str, n_docs: int, seed: int, opts: Options | None = None) -> bool:
    """Whether ``out_dir`` holds a finished corpus made with exactly these settings."""
    out = Path(out_dir)
    if not (out / "truth.json").exists() or (out / PARTIAL).exists():
        return False
    try:
        gen = json.loads((out / GENERATOR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    want = json.loads(json.dumps(asdict(opts or Options())))
    return bool(gen.get("version") == VERSION and gen.get("seed") == seed
                and gen.get("n_docs") == n_docs and gen.get("options") == want)


# --- how new is the new text ---------------------------------------------------------------

NON_TEXT = re.compile(r"[^\w]|_", re.UNICODE)


def _codes(text: str) -> npt.NDArray[np.int64]:
    """Text as dedup matches it, roughly: punctuation dropped, digit runs folded to '0'."""
    text = DIGITS.sub("0", NON_TEXT.sub("", text).lower())
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def kgram_hashes(pieces: Sequence[str], k: int) -> npt.NDArray[np.uint64]:
    """Distinct hashes of the k-grams inside each piece (none cross pieces)."""
    out = []
    mult = np.uint64(0x9E3779B97F4A7C15)
    for piece in pieces:
        c = _codes(piece).astype(np.uint64)
        if len(c) < k:
            continue
        h = np.zeros(len(c) - k + 1, dtype=np.uint64)
        for j in range(k):
            h = h * mult + c[j:j + len(h)]
        out.append(h)
    return np.unique(np.concatenate(out)) if out else np.zeros(0, dtype=np.uint64)


def repeats(docs: Iterator[Sequence[str]], k: int) -> dict[str, Any]:
    """How many (document, distinct k-gram) occurrences have a k-gram that also occurs in
    another document (``repeated``), of how many (``total``), over how many documents."""
    per_doc = [kgram_hashes(pieces, k) for pieces in docs]
    if not per_doc:
        return {"repeated": 0, "total": 0, "share": 0.0, "documents": 0}
    _, counts = np.unique(np.concatenate(per_doc), return_counts=True)
    total = int(counts.sum())
    repeated = int(counts[counts > 1].sum())
    return {"repeated": repeated, "total": total, "share": repeated / total if total else 0.0,
            "documents": len(per_doc)}


def new_text_pieces(out_dir: Path, limit: int | None = None) -> Iterator[list[str]]:
    """For each document that shares no passage (plain, no lift), its text outside stock
    spans, cut at the stock spans and line breaks."""
    truth = json.loads((out_dir / "truth.json").read_text(encoding="utf-8"))
    n = 0
    for d in truth["documents"]:
        if d["role"] != "plain" or d["shares_with"] or (limit is not None and n >= limit):
            continue
        n += 1
        text = (out_dir / d["file"]).read_text(encoding="utf-8")
        pieces, pos = [], 0
        for s, e in d["stock_spans"]:
            pieces.extend(text[pos:s].split("\n"))
            pos = e
        pieces.extend(text[pos:].split("\n"))
        yield pieces


def check(out_dir: Path | str, *, ks: Sequence[int] = (8, 12, 16),
          limit: int | None = None) -> dict[str, Any]:
    """How often n-grams of the new text repeat across unrelated documents, next to the
    same figure for the real reports (whole texts, stock phrasing included)."""
    out = Path(out_dir)
    files = default_source_files()
    return {
        "synthetic": {k: repeats(new_text_pieces(out, limit), k) for k in ks},
        "real": {k: repeats(([p.read_text(encoding="utf-8-sig")] for p in files), k)
                 for k in ks},
    }


# --- command line ------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/synth.py",
        description="Write a synthetic corpus of Chinese reports with known reuse.")
    parser.add_argument("out", type=Path, help="folder for docs/ and truth.json")
    parser.add_argument("--docs", type=int, help="number of documents")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--doc-bytes", type=int, default=Options.doc_bytes,
                        help="mean document size in UTF-8 bytes [%(default)s]")
    parser.add_argument("--force", action="store_true",
                        help="replace OUT even if it holds something else")
    parser.add_argument("--check", action="store_true",
                        help="print how often n-grams of new text repeat across documents")
    parser.add_argument("--check-limit", type=int, default=None,
                        help="check at most this many documents")
    parser.add_argument("--quiet", "-q", action="store_true")
    args = parser.parse_args(argv)
    if args.docs is None and not args.check:
        parser.error("give --docs N to generate, or --check to measure an existing corpus")
    if args.docs is not None:
        def show(done: int, total: int) -> None:
            if not args.quiet:
                print(f"\r{done}/{total} documents", end="", file=sys.stderr, flush=True)

        try:
            stats = generate(args.out, args.docs, seed=args.seed,
                             opts=Options(doc_bytes=args.doc_bytes), force=args.force,
                             progress=show)
        except (FileExistsError, FileNotFoundError, ValueError) as exc:
            print(f"\nsynth: {exc}", file=sys.stderr)
            return 2
        if not args.quiet:
            print(file=sys.stderr)
            print(json.dumps(stats, ensure_ascii=False))
    if args.check:
        result = check(args.out, limit=args.check_limit)
        syn, real = result["synthetic"], result["real"]
        first = next(iter(syn))
        print(f"(document, k-gram) occurrences whose k-gram occurs in another document; "
              f"synthetic: new text of {syn[first]['documents']} documents that share "
              f"nothing; real: {real[first]['documents']} whole reports")
        for k in syn:
            a, b = syn[k], real[k]
            print(f"  k={k:2}  synthetic {a['share']:9.4%} ({a['repeated']:,} of "
                  f"{a['total']:,})   real {b['share']:8.3%} ({b['repeated']:,} of "
                  f"{b['total']:,})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
