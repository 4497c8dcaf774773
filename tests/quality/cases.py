"""Annotated text-reuse cases with exact ground truth, and a scorer for the `unique` label.

A case is a small corpus: a real report A, an edited copy B of it, and sometimes a few
distractor reports. B is built sentence by sentence from A with the edits a reused report
shows in practice (figures changed, a few characters changed or filler words inserted,
clauses swapped, sentences moved or dropped) plus genuinely new sentences taken from a
report that is *not* in the corpus. Those new sentences, and only they, are the truth for
B: a reused sentence with small edits counts as reused as a whole. B is rendered piece by
piece, so every truth range is an exact ``[start, end)`` code-point range into B's text.

The scorer compares dedup's ``unique`` spans with that truth, character by character over
non-whitespace characters, and a difflib baseline does the same with a plain
``SequenceMatcher`` so that the cases can be checked to be as hard as the evaluation they
imitate (difflib reaches F1 ~0.6 there).

Nothing here is tuned to dedup: the edits, their rates and the novelty check on added
sentences are fixed before any scan; the generator never imports dedup.

>>> cases = seed_cases(split="dev", per_kind=1, kinds=("figures",))
>>> case = cases[0]
>>> case.kind, case.lang, sorted(case.docs)
('figures', 'zh', ['a.txt', 'b.txt'])
>>> all(case.docs["b.txt"][s:e] for s, e in case.truth["b.txt"])
True
"""

from __future__ import annotations

import difflib
import hashlib
import os
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, TypeVar

Lang = Literal["zh", "en"]
K = TypeVar("K")

#: Case kinds, one per edit type; every kind also inserts some new sentences so that
#: precision and recall are both defined. "mixed" applies everything at realistic rates.
KINDS: tuple[str, ...] = (
    "verbatim", "figures", "chars", "filler", "clauses", "moved", "dropped", "added", "mixed",
)

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
A_NAME, B_NAME = "a.txt", "b.txt"

# --- Texts ------------------------------------------------------------------------------

_CHROME_HINTS = ("字号", "字体", "位置", "首页", "分享", "阅读量", "发表时间")


def corpora_dir() -> Path:
    """``$DEDUP_CORPORA`` or ``<repo>/../shared/corpora`` (may not exist)."""
    env = os.environ.get("DEDUP_CORPORA")
    return Path(env) if env else REPO.parent / "shared" / "corpora"


def provincial_dir() -> Path:
    return corpora_dir() / "zh-provincial-2026"


def strip_chrome(text: str) -> str:
    """Drop web-page chrome lines (下载 打印 全屏 【字号…】) from the top of a report."""
    lines = text.split("\n")
    head = [
        ln for ln in lines[:25]
        if len("".join(ln.split())) >= 6 and not any(h in ln for h in _CHROME_HINTS)
    ]
    return "\n".join(head + lines[25:])


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")


def seed_texts() -> dict[str, str]:
    """The five seed reports, by file stem."""
    return {p.stem: _read(p) for p in sorted((REPO / "seeds").glob("*.txt"))}


def provincial_texts() -> dict[str, str]:
    """The 31 provincial reports (chrome stripped), by file stem; empty when absent."""
    folder = provincial_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: strip_chrome(_read(p)) for p in sorted(folder.glob("*.txt"))}


def english_texts() -> dict[str, str]:
    return {name: _read(HERE / f"english_{name}.txt") for name in ("source", "other")}


# --- Sentences --------------------------------------------------------------------------

_ZH_END = re.compile(r"[。！？；!?]+[”’」』）)\"']*")
_EN_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)")
_ZH_CLAUSE = re.compile(r"[，、]")
_EN_CLAUSE = re.compile(r"[,;](?=\s)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|\*+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z]+")


def split_sentences(line: str, lang: Lang) -> list[str]:
    """Sentences of one line, stripped; punctuation and closing quotes stay with them."""
    out: list[str] = []
    pos = 0
    for m in (_ZH_END if lang == "zh" else _EN_END).finditer(line):
        if (s := line[pos:m.end()].strip()):
            out.append(s)
        pos = m.end()
    if (tail := line[pos:].strip()):
        out.append(tail)
    return out


def paragraphs(text: str, lang: Lang) -> list[list[str]]:
    """Non-empty lines of ``text`` as lists of sentences."""
    return [s for ln in text.split("\n") if (s := split_sentences(ln, lang))]


_ENDS = {"zh": re.compile(_ZH_END.pattern + "$"), "en": re.compile(_EN_END.pattern + "$")}


def is_sentence(s: str, lang: Lang) -> bool:
    """A complete sentence (not a heading or a fragment)."""
    return bool(_ENDS[lang].search(s))


def nonws(s: str) -> int:
    return sum(not c.isspace() for c in s)


# --- Edits of one sentence --------------------------------------------------------------

#: Common Chinese characters used as substitutes (a frequency list of modern usage).
ZH_COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小"
    "物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形"
    "相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
    "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长"
)
ZH_FILLERS = ("进一步", "切实", "全面", "大力", "不断", "积极", "持续", "着力", "扎实", "有效")
EN_FILLERS = (
    "further", "actively", "significantly", "continuously", "effectively", "steadily",
    "fully", "closely", "in particular", "substantially", "also", "clearly",
)
EN_COMMON = (
    "service", "support", "local", "plan", "new", "public", "team", "year", "work", "people",
    "level", "review", "area", "city", "programme", "staff", "project", "cost", "time",
    "report", "main", "major", "key", "overall", "regional", "annual", "current", "total",
    "early", "strong", "clear", "wider", "budget", "policy", "quality", "growth", "change",
    "result", "group", "board", "network", "funding", "target", "several", "many", "most",
)


def _rate(rng: random.Random, s: str) -> int:
    """How many characters a 5-10% edit of ``s`` changes (at least one)."""
    return max(1, round(rng.uniform(0.05, 0.10) * nonws(s)))


def edit_figures(s: str, rng: random.Random, lang: Lang) -> str:
    """Change every number (years shift by one, some figures become masks ``**``)."""
    def repl(m: re.Match[str]) -> str:
        t = m.group()
        if t.startswith("*"):  # a mask: disclose a figure half of the time
            return str(rng.randint(2, 99)) if rng.random() < 0.5 else t
        if re.fullmatch(r"(19|20)\d\d", t):
            return str(int(t) + rng.choice((1, 1, 1, -1)))
        if rng.random() < (0.2 if lang == "zh" else 0.1):
            return "**"
        while True:
            new = "".join(
                (str(rng.randint(1 if i == 0 else 0, 9)) if c.isdigit() else c)
                for i, c in enumerate(t)
            )
            if new != t:
                return new
    return _NUMBER.sub(repl, s)


def edit_chars(s: str, rng: random.Random, lang: Lang) -> str:
    """Change 5-10% of the characters: substitute CJK characters, or words (English)."""
    budget = _rate(rng, s)
    if lang == "zh":
        spots = [m.start() for m in _CJK.finditer(s)]
        chars = list(s)
        for i in rng.sample(spots, min(budget, len(spots))):
            chars[i] = rng.choice([c for c in ZH_COMMON if c != s[i]])
        return "".join(chars)
    words = [m.span() for m in _WORD.finditer(s)]
    edits: dict[int, tuple[int, str]] = {}  # word start -> (word end, replacement)
    changed = 0
    while changed < budget and len(edits) < len(words):
        a, b = rng.choice(words)
        if a in edits:
            continue
        new = rng.choice([w for w in EN_COMMON if w != s[a:b].lower()])
        if a > 0 and rng.random() < 0.35:  # insert a word instead of substituting one
            edits[a] = (a, new + " ")
        else:
            edits[a] = (b, new.capitalize() if s[a].isupper() else new)
        changed += len(new)
    return _apply(s, edits)


#: Filler adverbs go where an adverb can stand: before a character that commonly starts a
#: verb (zh), before a verb-like word or after an auxiliary (en). The lists are rough; any
#: other spot is the fallback.
_ZH_VERB_START = set("推加提强完落深坚实建优抓做开促保扩发健统培支引聚增创打拓稳守筑服")
_EN_VERB = re.compile(
    r"[a-z]+(?:ed|ing)|fell|rose|grew|met|made|took|kept|make|take|keep|support|improve|"
    r"reduce|build|increase|deliver|develop|work|help"
)
_EN_AUX = {"was", "were", "is", "are", "has", "have", "had", "will", "be", "been", "to"}


def _filler_spots(s: str, lang: Lang) -> list[int]:
    if lang == "zh":
        cjk = [i for i in range(1, len(s)) if _CJK.match(s[i]) and _CJK.match(s[i - 1])]
        return [i for i in cjk if s[i] in _ZH_VERB_START] or cjk
    words = [m for m in _WORD.finditer(s) if m.start() and s[m.start() - 1] == " "]
    good = [m.start() for m in words if _EN_VERB.fullmatch(m.group())
            or s[:m.start()].split()[-1].lower() in _EN_AUX]
    return good or [m.start() for m in words]


def edit_filler(s: str, rng: random.Random, lang: Lang) -> str:
    """Insert filler words (进一步, 切实 … / further, actively …) worth 5-10% of ``s``."""
    budget = _rate(rng, s)
    spots = _filler_spots(s, lang)
    pool = ZH_FILLERS if lang == "zh" else EN_FILLERS
    edits: dict[int, tuple[int, str]] = {}
    added = 0
    while added < budget and len(edits) < len(spots):
        at = rng.choice(spots)
        if at in edits:
            continue
        word = rng.choice(pool)
        edits[at] = (at, word if lang == "zh" else word + " ")
        added += len(word)
    return _apply(s, edits)


def _apply(s: str, edits: dict[int, tuple[int, str]]) -> str:
    out, pos = [], 0
    for a in sorted(edits):
        b, new = edits[a]
        out += [s[pos:a], new]
        pos = b
    return "".join([*out, s[pos:]])


def clause_parts(s: str, lang: Lang) -> tuple[list[str], list[str], str]:
    """``s`` as (clauses, separators between them, sentence-final punctuation)."""
    end = (_ZH_END if lang == "zh" else _EN_END).search(s)
    tail = s[end.start():] if end and end.end() == len(s) else ""
    body = s[: len(s) - len(tail)]
    rx = _ZH_CLAUSE if lang == "zh" else _EN_CLAUSE
    seps = rx.findall(body)
    return rx.split(body), seps, tail


def swappable(s: str, lang: Lang) -> list[int]:
    """Indices of clauses long enough to swap (not list numbers like 一、)."""
    clauses = clause_parts(s, lang)[0]
    return [i for i, c in enumerate(clauses) if nonws(c) >= (4 if lang == "zh" else 8)]


def edit_clauses(s: str, rng: random.Random, lang: Lang) -> str:
    """Swap two clauses of a sentence; separators and final punctuation stay in place."""
    clauses, seps, tail = clause_parts(s, lang)
    spots = swappable(s, lang)
    if len(spots) < 2:
        return s
    i, j = sorted(rng.sample(spots, 2))
    clauses[i], clauses[j] = clauses[j], clauses[i]
    if lang == "en":
        clauses = [c.strip() for c in clauses]
        if i == 0:  # fix capitals: the old first clause moves inside, the new one leads
            old = clauses[j]
            if len(old) > 1 and old[0].isupper() and old[1].islower():
                clauses[j] = old[0].lower() + old[1:]
            clauses[0] = clauses[0][:1].upper() + clauses[0][1:]
        seps = [sep + " " for sep in seps]
    return "".join(c + sep for c, sep in zip(clauses, [*seps, ""], strict=True)) + tail


TEXT_EDITS: dict[str, Callable[[str, random.Random, Lang], str]] = {
    "figures": edit_figures, "chars": edit_chars, "filler": edit_filler,
    "clauses": edit_clauses,
}


def _eligible(kind: str, s: str, lang: Lang) -> bool:
    if kind == "figures":
        return bool(_NUMBER.search(s))
    if kind == "clauses":
        return len(swappable(s, lang)) >= 2
    return nonws(s) >= 8


# --- Novelty of added sentences ---------------------------------------------------------

#: Added sentences must be genuinely new: at most this share of their tokens may lie in
#: k-grams (8 CJK characters / 4 words, figures folded) that also occur in a corpus
#: document. A little stock phrasing inside a new sentence is realistic; a sentence made
#: of it is not new. Fixed before any scan, independent of dedup's own parameters.
NOVELTY_K = {"zh": 8, "en": 4}
MAX_STOCK_SHARE = 0.3


def tokens(text: str, lang: Lang) -> list[str]:
    """Characters (zh) or lower-case words (en) with figures and masks folded to ``0``."""
    t = _NUMBER.sub("0", unicodedata.normalize("NFKC", text)).lower()
    if lang == "zh":
        return [c for c in t if c.isalnum()]
    return re.findall(r"[a-z]+|0", t)


def kgrams(toks: Sequence[str], k: int) -> set[str]:
    return {"\x1f".join(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def stock_share(sentence: str, grams: set[str], lang: Lang) -> float:
    """Share of the sentence's tokens covered by k-grams found in ``grams``."""
    toks, k = tokens(sentence, lang), NOVELTY_K[lang]
    if not toks:
        return 1.0
    hit = [False] * len(toks)
    for i in range(len(toks) - k + 1):
        if "\x1f".join(toks[i:i + k]) in grams:
            hit[i:i + k] = [True] * k
    return sum(hit) / len(toks)


def new_sentence_runs(
    other: str, corpus: Iterable[str], lang: Lang
) -> list[list[str]]:
    """Runs of consecutive genuinely new sentences of ``other`` (per paragraph)."""
    k = NOVELTY_K[lang]
    grams: set[str] = set()
    for doc in corpus:
        grams |= kgrams(tokens(doc, lang), k)
    lo, hi = (12, 150) if lang == "zh" else (40, 400)
    runs: list[list[str]] = []
    for para in paragraphs(other, lang):
        run: list[str] = []
        for s in para:
            if is_sentence(s, lang) and lo <= nonws(s) <= hi and (
                stock_share(s, grams, lang) <= MAX_STOCK_SHARE
            ):
                run.append(s)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


# --- Building B -------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One sentence of B: its range, whether it is new, and the edits it went through."""

    start: int
    end: int
    new: bool
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """A corpus to scan (``docs``: file name -> text) and the truly new ranges of B."""

    name: str
    lang: Lang
    edits: tuple[str, ...]
    docs: dict[str, str]
    truth: dict[str, list[tuple[int, int]]]
    pieces: dict[str, list[Piece]] = field(default_factory=dict)
    split: str = "dev"
    #: Which case set ("zh-seed", "zh-prov", "en") and which report A is.
    family: str = ""
    source: str = ""

    @property
    def kind(self) -> str:
        return self.edits[0]


@dataclass
class Recipe:
    """Rates of each edit; text-edit rates are shares of the eligible sentences."""

    text: dict[str, float] = field(default_factory=dict)
    drop: float = 0.0
    move_sentences: float = 0.0
    move_paragraphs: float = 0.0
    added: float = 0.2  # share of B's sentences that are new
    runs: bool = False  # new text also as runs of sentences and whole new paragraphs


def recipe(kind: str, rng: random.Random) -> Recipe:
    single = rng.uniform(0.15, 0.25)
    if kind in TEXT_EDITS:
        return Recipe(text={kind: 1.0 if kind == "figures" else 0.6}, added=single)
    if kind == "moved":
        return Recipe(move_sentences=0.2, move_paragraphs=0.2, added=single)
    if kind == "dropped":
        return Recipe(drop=0.3, added=single)
    if kind == "added":
        return Recipe(added=rng.uniform(0.3, 0.45), runs=True)
    if kind == "mixed":
        return Recipe(
            text={"figures": 0.7, "chars": 0.15, "filler": 0.1, "clauses": 0.15},
            drop=rng.uniform(0.05, 0.2), move_sentences=rng.uniform(0.05, 0.15),
            move_paragraphs=rng.uniform(0.0, 0.1), added=rng.uniform(0.2, 0.4), runs=True,
        )
    if kind == "verbatim":
        return Recipe(added=single)
    raise ValueError(f"unknown case kind {kind!r}; use one of {', '.join(KINDS)}")


_Unit = tuple[str, bool, tuple[str, ...]]  # sentence text, is new, tags


def build_b(
    a: str, runs: list[list[str]], lang: Lang, rec: Recipe, rng: random.Random
) -> tuple[str, list[Piece]]:
    """Edit A into B following ``rec``; new sentences come from ``runs``."""
    paras: list[list[_Unit]] = []
    for para in paragraphs(a, lang):
        units: list[_Unit] = []
        for s in para:
            tags: list[str] = []
            for kind, p in rec.text.items():
                if _eligible(kind, s, lang) and rng.random() < p:
                    edited = TEXT_EDITS[kind](s, rng, lang)
                    if edited != s:
                        s, tags = edited, [*tags, kind]
            units.append((s, False, tuple(tags) or ("verbatim",)))
        paras.append(units)
    n_a = sum(map(len, paras))
    for _ in range(round(rec.drop * n_a)):
        p = rng.choice([i for i, u in enumerate(paras) if u])
        paras[p].pop(rng.randrange(len(paras[p])))
    paras = [p for p in paras if p]
    for _ in range(round(rec.move_paragraphs * len(paras))):
        moving = paras.pop(rng.randrange(len(paras)))
        paras.insert(rng.randrange(len(paras) + 1),
                     [(u, n, _tag(t, "moved")) for u, n, t in moving])
    for _ in range(round(rec.move_sentences * n_a)):
        p = rng.choice([i for i, u in enumerate(paras) if u])
        s, n, t = paras[p].pop(rng.randrange(len(paras[p])))
        q = rng.randrange(len(paras))
        paras[q].insert(rng.randrange(len(paras[q]) + 1), (s, n, _tag(t, "moved")))
    paras = [p for p in paras if p]
    _add_new(paras, runs, rec, rng)
    return _render(paras, lang)


def _tag(tags: tuple[str, ...], tag: str) -> tuple[str, ...]:
    return tags if tag in tags else (*tags, tag)


def _add_new(
    paras: list[list[_Unit]], runs: list[list[str]], rec: Recipe, rng: random.Random
) -> None:
    reused = sum(map(len, paras))
    want = round(rec.added * reused / (1 - rec.added))
    pool = [list(r) for r in runs]
    rng.shuffle(pool)
    while want > 0 and pool:
        run = pool.pop()
        if rec.runs and len(run) > 1 and rng.random() < 0.5:
            start = rng.randrange(len(run) - 1)
            take = run[start:start + min(want, rng.randint(2, 4))]
        else:
            take = [rng.choice(run)]
        units: list[_Unit] = [(s, True, ("added",)) for s in take]
        want -= len(units)
        if rec.runs and len(units) > 1 and rng.random() < 0.4:
            paras.insert(rng.randrange(len(paras) + 1), units)
        else:
            q = rng.randrange(len(paras))
            at = rng.randrange(len(paras[q]) + 1)
            paras[q][at:at] = units


def _render(paras: list[list[_Unit]], lang: Lang) -> tuple[str, list[Piece]]:
    join, para_sep = ("", "\n") if lang == "zh" else (" ", "\n\n")
    out: list[str] = []
    pieces: list[Piece] = []
    pos = 0
    for pi, para in enumerate(paras):
        if pi:
            out.append(para_sep)
            pos += len(para_sep)
        for si, (s, new, tags) in enumerate(para):
            if si:
                out.append(join)
                pos += len(join)
            pieces.append(Piece(pos, pos + len(s), new, tags))
            out.append(s)
            pos += len(s)
    return "".join(out) + "\n", pieces


def merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of half-open ranges (touching ranges merge)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


# --- Case sets --------------------------------------------------------------------------


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def make_case(
    name: str, lang: Lang, kind: str, a: str, other: str, distractors: Sequence[str],
    rng: random.Random, *, split: str = "dev", family: str = "", source: str = "",
) -> Case:
    """One case: B is A edited as ``kind`` says, with new sentences from ``other``."""
    rec = recipe(kind, rng)
    runs = new_sentence_runs(other, [a, *distractors], lang)
    b, pieces = build_b(a, runs, lang, rec, rng)
    docs = {A_NAME: a, B_NAME: b}
    docs.update({f"c{i + 1}.txt": d for i, d in enumerate(distractors)})
    applied = {t for p in pieces for t in p.tags} | ({"dropped"} if rec.drop else set())
    edits = (kind, *sorted(applied - {kind, "verbatim"}))
    truth = merge((p.start, p.end) for p in pieces if p.new)
    return Case(name, lang, edits, docs, {B_NAME: truth}, {B_NAME: pieces}, split, family,
                source)


def _case_set(
    label: str, lang: Lang, texts: dict[str, str], a_names: Sequence[str],
    pool: Sequence[str], *, split: str, per_kind: int, seed: int, kinds: Sequence[str],
    distractor_kinds: Sequence[str] = ("moved", "added", "mixed"),
) -> list[Case]:
    cases = []
    for ki, kind in enumerate(kinds):
        for i in range(per_kind):
            rng = _rng(seed, label, split, kind, i)
            a_name = a_names[(ki + i) % len(a_names)]
            others = [n for n in pool if n != a_name]
            other = rng.choice(others)
            rest = [n for n in others if n != other]
            n_extra = 0
            if kind in distractor_kinds and i % 2 == 1 and rest:
                n_extra = rng.randint(1, min(3, len(rest)))
            extra = rng.sample(rest, n_extra)
            name = f"{label}-{split}-{kind}-{i:02d}" + (f"-d{n_extra}" if n_extra else "")
            cases.append(make_case(
                name, lang, kind, texts[a_name], texts[other], [texts[n] for n in extra],
                rng, split=split, family=label, source=a_name,
            ))
    return cases


def seed_cases(
    *, split: str = "dev", per_kind: int = 2, seed: int = 0, kinds: Sequence[str] = KINDS
) -> list[Case]:
    """Chinese cases from seeds/: dev edits seeds 0-2, test seeds 3-4."""
    texts = seed_texts()
    names = sorted(texts)
    a_names = names[:3] if split == "dev" else names[3:]
    return _case_set("zh-seed", "zh", texts, a_names, names, split=split,
                     per_kind=per_kind, seed=seed, kinds=kinds)


def provincial_cases(
    *, split: str = "dev", per_kind: int = 2, seed: int = 0, kinds: Sequence[str] = KINDS
) -> list[Case]:
    """Chinese cases from the provincial reports; the splits use disjoint halves of them."""
    texts = provincial_texts()
    if not texts:
        return []
    names = sorted(texts)[(0 if split == "dev" else 1)::2]
    return _case_set("zh-prov", "zh", texts, names, names, split=split,
                     per_kind=per_kind, seed=seed, kinds=kinds)


def english_cases(
    *, split: str = "dev", per_kind: int = 2, seed: int = 0, kinds: Sequence[str] = KINDS
) -> list[Case]:
    """English cases: dev edits english_source.txt, test edits english_other.txt."""
    texts = english_texts()
    a_name = "source" if split == "dev" else "other"
    return _case_set("en", "en", texts, [a_name], list(texts), split=split,
                     per_kind=per_kind, seed=seed, kinds=kinds, distractor_kinds=())


def write_case(case: Case, folder: Path) -> dict[str, Path]:
    """Write the case's documents under ``folder/case.name``; returns file name -> path."""
    root = folder / case.name
    root.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in case.docs.items():
        path = root / name
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(text)
        paths[name] = path
    return paths


# --- Scoring ----------------------------------------------------------------------------


class _SpanLike(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...


class _DocLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def text(self) -> str: ...


class _ReportLike(Protocol):
    @property
    def document(self) -> _DocLike: ...
    @property
    def spans(self) -> Sequence[_SpanLike]: ...


class _ResultLike(Protocol):
    @property
    def documents(self) -> Sequence[_ReportLike]: ...


@dataclass
class Counts:
    """Character counts of predicted-unique vs truly-new over non-whitespace characters.

    Conventions: precision is 1 when nothing is predicted, recall is 1 when nothing is new.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tn += other.tn
        return self

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _mask(n: int, ranges: Iterable[tuple[int, int]]) -> list[bool]:
    m = [False] * n
    for s, e in ranges:
        m[max(0, s):min(n, e)] = [True] * (min(n, e) - max(0, s))
    return m


def count(text: str, truth: Iterable[tuple[int, int]],
          predicted: Iterable[tuple[int, int]]) -> Counts:
    """Compare predicted-unique ranges with truly-new ranges over non-whitespace chars."""
    t, p = _mask(len(text), truth), _mask(len(text), predicted)
    c = Counts()
    for ch, ti, pi in zip(text, t, p, strict=True):
        if ch.isspace():
            continue
        if ti and pi:
            c.tp += 1
        elif pi:
            c.fp += 1
        elif ti:
            c.fn += 1
        else:
            c.tn += 1
    return c


def unique_ranges(report: _ReportLike) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in report.spans if s.label == "unique"]


@dataclass
class CaseScore:
    """Scores of one case: dedup's counts, per-tag unique shares and difflib's counts."""

    name: str
    lang: str
    kind: str
    counts: Counts
    #: tag -> [non-whitespace chars labelled unique, non-whitespace chars] over B's pieces.
    #: For reused tags that share is an error rate; for "added" it is the recall.
    tags: dict[str, list[int]] = field(default_factory=dict)
    #: difflib baseline (by unit: "sentence", "token") -> its counts on the same truth.
    baselines: dict[str, Counts] = field(default_factory=dict)


def find_report(result: _ResultLike, path: Path) -> _ReportLike:
    """The report of the document read from ``path`` (by resolved path, else file name)."""
    want = path.resolve()
    by_name = []
    for rep in result.documents:
        p = Path(rep.document.path)
        if p.resolve() == want:
            return rep
        if p.name == path.name:
            by_name.append(rep)
    if len(by_name) == 1:
        return by_name[0]
    raise LookupError(f"{path} is not among the scanned documents")


def score_case(case: Case, result: _ResultLike, paths: dict[str, Path],
               *, baselines: Sequence[str] = ()) -> CaseScore:
    """Score the scan of ``case`` (written to ``paths``) against its truth.

    ``baselines`` names difflib baselines ("sentence", "token") to score alongside.
    """
    total = Counts()
    tags: dict[str, list[int]] = {}
    base = {unit: Counts() for unit in baselines}
    for name, truth in case.truth.items():
        rep = find_report(result, paths[name])
        text = rep.document.text
        if text != case.docs[name]:
            raise ValueError(f"{name}: dedup read a different text than was written")
        pred = unique_ranges(rep)
        total += count(text, truth, pred)
        mask = _mask(len(text), pred)
        for piece in case.pieces.get(name, []):
            chars = [i for i in range(piece.start, piece.end) if not text[i].isspace()]
            hits = sum(mask[i] for i in chars)
            for tag in piece.tags:
                acc = tags.setdefault(tag, [0, 0])
                acc[0] += hits
                acc[1] += len(chars)
        others = [t for n, t in case.docs.items() if n != name]
        for unit, counts in base.items():
            counts += count(text, truth, difflib_unique(text, others, lang=case.lang, unit=unit))
    return CaseScore(case.name, case.lang, case.kind, total, tags, base)


def score_baselines(case: Case, units: Sequence[str] = ("sentence",)) -> dict[str, Counts]:
    """The difflib baselines alone (no scan needed)."""
    out = {unit: Counts() for unit in units}
    for name, truth in case.truth.items():
        text = case.docs[name]
        others = [t for n, t in case.docs.items() if n != name]
        for unit, acc in out.items():
            acc += count(text, truth, difflib_unique(text, others, lang=case.lang, unit=unit))
    return out


#: The difflib baselines. "token": tokens of B (a CJK character, a word, a punctuation
#: mark) outside every SequenceMatcher matching block of at least DIFFLIB_MIN_BLOCK tokens
#: with another document are predicted new (tokens rather than characters keep English
#: fast; autojunk is off so that frequent characters still match). "sentence": the
#: sentences of B that SequenceMatcher cannot pair with an identical sentence of another
#: document are predicted new, as a line/sentence diff would show them.
DIFFLIB_MIN_BLOCK = 3
_DL_TOKEN = re.compile(r"[A-Za-z0-9]+|\S")


def sentence_spans(text: str, lang: Lang) -> list[tuple[int, int]]:
    """``[start, end)`` of every sentence of ``text`` (as :func:`split_sentences` cuts)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        cut = 0
        ends = [m.end() for m in (_ZH_END if lang == "zh" else _EN_END).finditer(line)]
        for end in [*ends, len(line)]:
            piece = line[cut:end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                spans.append((pos + cut + lead, pos + cut + len(piece.rstrip())))
            cut = end
        pos += len(line) + 1
    return spans


def difflib_unique(
    b: str, others: Iterable[str], *, lang: Lang = "zh", unit: str = "token",
    min_block: int = DIFFLIB_MIN_BLOCK,
) -> list[tuple[int, int]]:
    """Ranges of ``b`` that a plain difflib comparison with ``others`` calls new."""
    def units(text: str) -> tuple[list[str], list[tuple[int, int]]]:
        if unit == "sentence":
            spans = sentence_spans(text, lang)
        else:
            spans = [m.span() for m in _DL_TOKEN.finditer(text)]
        return [text[x:y] for x, y in spans], spans

    b_units, b_spans = units(b)
    need = 1 if unit == "sentence" else min_block
    covered = [False] * len(b_units)
    for a in others:
        sm = difflib.SequenceMatcher(None, units(a)[0], b_units, autojunk=False)
        for blk in sm.get_matching_blocks():
            if blk.size >= need:
                covered[blk.b:blk.b + blk.size] = [True] * blk.size
    return merge(span for span, c in zip(b_spans, covered, strict=True) if not c)


@dataclass
class Total:
    """Micro-averaged counts over a group of cases."""

    cases: int = 0
    counts: Counts = field(default_factory=Counts)
    baselines: dict[str, Counts] = field(default_factory=dict)
    tags: dict[str, list[int]] = field(default_factory=dict)

    def add(self, score: CaseScore) -> None:
        self.cases += 1
        self.counts += score.counts
        for unit, c in score.baselines.items():
            self.baselines.setdefault(unit, Counts()).__iadd__(c)
        for tag, (hit, n) in score.tags.items():
            acc = self.tags.setdefault(tag, [0, 0])
            acc[0] += hit
            acc[1] += n


def aggregate(scores: Iterable[CaseScore], key: Callable[[CaseScore], K]) -> dict[K, Total]:
    """Micro-averaged totals per ``key``."""
    out: dict[K, Total] = {}
    for s in scores:
        out.setdefault(key(s), Total()).add(s)
    return out


def total(scores: Iterable[CaseScore]) -> Total:
    """Micro-averaged totals over all ``scores``."""
    out = Total()
    for s in scores:
        out.add(s)
    return out


ScanFn = Callable[[list[str]], _ResultLike]


def run_case(case: Case, folder: Path, scan: ScanFn,
             *, baselines: Sequence[str] = ()) -> CaseScore:
    """Write ``case`` under ``folder``, scan its files and score the result."""
    paths = write_case(case, folder)
    result = scan([str(p) for p in paths.values()])
    return score_case(case, result, paths, baselines=baselines)
