"""Hostile input through the whole command line: every odd input is read or named, nothing
is modified, untrusted text never drives the terminal, limits are options.

The corpus is :func:`ingest_fixtures.hostile_corpus` (generated at test time, nothing
binary committed) plus a few inputs that matter only end to end: a punctuation-free
Chinese line, text with NUL and invalid UTF-8 bytes, names and contents carrying rich
markup and ANSI escape sequences. Commands run in-process (CliRunner); the signal tests
that need a real process are in test_interrupt.py. Properties at the end run ingest and
the pipeline on arbitrary bytes and arbitrary Unicode.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html  # type: ignore[import-untyped]  # lxml ships no type stubs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_fixtures import ENGLISH, ZH_SIMPLIFIED, HostileCorpus, hostile_corpus, write_docx
from typer.testing import CliRunner

import dedup.ingest as ingest_module
from dedup.cli import app
from dedup.config import Config
from dedup.errors import NoInputError
from dedup.ingest import load, read_document
from dedup.model import Document, ScanResult
from dedup.pipeline import analyze_documents, run

#: Planted in names and texts: an ANSI colour and clear-screen, and rich markup. None of
#: it may reach a terminal as control codes or as styling.
ANSI = "\x1b[31mPLANT"
CLEAR = "\x1b[2J"
MARKUP = "[bold red]x[/]"
PLANTED_TEXT = f"{ANSI}{CLEAR}{MARKUP}<img src=x onerror=alert(1)>"
#: File names cannot hold "/", so the name's markup is left unclosed.
PLANTED_NAME = f"{ANSI}{CLEAR}[bold red]x[reverse] <b>"

ZH_LINES = (
    "全年地区生产总值增长5.2%，完成固定资产投资120亿元，一般公共预算收入突破三十亿元大关。",
    "我们深入实施创新驱动发展战略，新认定高新技术企业八十六家，研发经费投入强度持续提高。",
    "城乡居民收入稳步增长，新增城镇就业岗位一万二千个，农村低收入人口实现应保尽保。",
    "生态环境质量明显改善，空气优良天数比例达到百分之九十，主要河流断面水质全部达标。",
)


def invoke(*args: str, color: bool = False) -> tuple[int, str, str]:
    """Run ``dedup ARGS`` in-process; with ``color`` rich believes it writes to a terminal."""
    env = {"FORCE_COLOR": "1", "COLUMNS": "120"} if color else {"COLUMNS": "120"}
    result = CliRunner().invoke(app, [*args], catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


def stderr_lines(stderr: str) -> list[str]:
    """stderr as lines, each one a ``dedup:`` message (no tracebacks, no stray output)."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert all(line.startswith("dedup: ") for line in lines), stderr
    return lines


def assert_inert(output: str) -> None:
    """No planted control sequence survives; rich's own styling may be there."""
    assert ANSI not in output and CLEAR not in output
    assert "\x1b]" not in output  # no OSC (window title, hyperlink) from the input


def fingerprint(root: Path) -> dict[str, tuple[str, int, int]]:
    """sha256, size and modification time of every file under ``root`` (links not followed)."""
    out: dict[str, tuple[str, int, int]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        st_ = path.stat()
        out[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest(), st_.st_size,
                          st_.st_mtime_ns)
    return out


def punctuation_free_line(chars: int, seed: int = 0) -> str:
    """One line of CJK characters without a single punctuation mark or space."""
    rng = random.Random(seed)
    return "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(chars))


def extend_hostile(corpus: HostileCorpus) -> HostileCorpus:
    """The fixture's corpus plus what matters end to end (see the module docstring)."""
    root = corpus.root

    def good(rel: str, data: bytes, doc_id: str) -> None:
        (root / rel).write_bytes(data)
        corpus.good_ids.add(doc_id)

    good("line.txt", punctuation_free_line(200_000).encode(), "line")
    dirty = (ZH_LINES[0] + "\x00\x00" + ZH_LINES[1]).encode() + b"\xff\xfe\xc3" + \
        ZH_LINES[2].encode()
    good("nul_and_invalid.txt", dirty, "nul_and_invalid")
    # The planted text in three reports: a stock phrase, shown in every view.
    for i in range(3):
        good(f"planted{i}.txt", f"{ZH_LINES[i]}\n{PLANTED_TEXT}{ZH_LINES[3]}\n".encode(),
             f"planted{i}")
    bad = root / f"{PLANTED_NAME}\nempty.txt"
    bad.write_bytes(b"")
    corpus.bad_paths.add(str(bad))
    return corpus


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileCorpus:
    return extend_hostile(hostile_corpus(tmp_path_factory.mktemp("robust")))


@pytest.fixture(scope="module")
def scanned(hostile: HostileCorpus, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[int, dict[str, Any], str, Path]]:
    """``dedup scan hostile --json -`` once: exit code, JSON, stderr, report folder."""
    before = fingerprint(hostile.root)
    out = tmp_path_factory.mktemp("out") / "reports"
    code, stdout, stderr = invoke("scan", str(hostile.root), "--out", str(out), "--json", "-",
                                  "--jobs", "1")
    yield code, json.loads(stdout), stderr, out
    assert fingerprint(hostile.root) == before, "inputs are never modified"


# --- the hostile corpus, end to end ----------------------------------------------------


def test_every_odd_input_is_read_or_named(hostile: HostileCorpus,
                                          scanned: tuple[int, dict[str, Any], str, Path]) -> None:
    code, data, stderr, out = scanned
    assert code == 1, "something was skipped"
    assert {d["id"] for d in data["documents"]} == hostile.good_ids
    assert {s["path"] for s in data["skipped"]} == hostile.bad_paths
    errors = {s["path"] for s in data["skipped"] if not s["ignored"]}
    lines = stderr_lines(stderr)
    for path in errors:  # one line each, naming the file and the reason
        (line,) = [x for x in lines if repr(path) in x]
        assert line.startswith("dedup: skipped ") and len(line) > len(repr(path)) + 20
    (ignored,) = [x for x in lines if x.startswith("dedup: ignored ")]
    assert "image.png" in ignored  # a folder's non-documents: one line for all of them
    assert len(lines) == len(errors) + 1
    assert (out / "index.html").is_file() and (out / "scan.json").is_file()


def test_reasons_say_what_is_wrong(scanned: tuple[int, dict[str, Any], str, Path]) -> None:
    _, data, _, _ = scanned
    reasons = {Path(s["path"]).name: s["reason"] for s in data["skipped"]}
    expected = {
        "empty.txt": "empty", "blank.txt": "whitespace", "program.txt": "binary",
        "truncated.docx": "corrupt", "bomb.docx": "zip bomb", "encrypted.pdf": "password",
        "scan.pdf": "no text layer", "truncated.pdf": "truncated", "dangling.txt": "broken",
        "again": "loop", "self.txt": "loop", "image.png": "not a document",
    }
    for name, words in expected.items():
        assert words in reasons[name], (name, reasons[name])


def test_encodings_and_odd_text_are_read_exactly(
        hostile: HostileCorpus, scanned: tuple[int, dict[str, Any], str, Path]) -> None:
    _, data, _, _ = scanned
    docs = {d["id"]: d for d in data["documents"]}
    assert {docs[i]["encoding"] for i in ("utf8", "copy of utf8")} == {"utf-8"}
    assert docs["bom_crlf"]["encoding"] == "utf-8-sig"
    assert docs["utf16"]["encoding"].startswith("utf-16")
    assert docs["gbk"]["encoding"] == "gb18030" and docs["big5"]["encoding"] == "big5"
    assert docs["nul_and_invalid"]["notes"], "replaced bytes are noted"
    for doc in data["documents"]:
        # Offsets index into the text dedup reads (what `dedup text` prints).
        text = read_document(doc["path"], Config()).text
        assert "\x00" not in text
        previous = 0
        for span in doc["spans"]:
            assert previous <= span["start"] < span["end"] <= len(text)
            previous = span["end"]
        covered = sum(len(text[s["start"]:s["end"]].replace(" ", "")) for s in doc["spans"])
        assert covered >= doc["chars"]


def test_a_line_without_punctuation_is_scanned_in_bounded_pieces(
        scanned: tuple[int, dict[str, Any], str, Path]) -> None:
    _, data, _, _ = scanned
    (line,) = [d for d in data["documents"] if d["id"] == "line"]
    assert line["chars"] == 200_000
    assert line["novelty"] > 0.99


def test_the_hostile_corpus_duplicate_is_an_identical_pair(
        scanned: tuple[int, dict[str, Any], str, Path]) -> None:
    _, data, _, _ = scanned
    identical = {frozenset((p["a"], p["b"])) for p in data["pairs"] if p["identical"]}
    assert frozenset(("utf8", "copy of utf8")) in identical
    (pair,) = [p for p in data["pairs"] if {p["a"], p["b"]} == {"utf8", "copy of utf8"}]
    assert pair["similarity"] == 1.0


def test_exact_duplicates_under_other_names_are_identical(write_corpus: Any) -> None:
    root = write_corpus({"a.txt": ZH_LINES[0] + ZH_LINES[1], "copy of a.txt": ZH_LINES[0]
                         + ZH_LINES[1], "other.txt": ZH_LINES[2] + ZH_LINES[3]})
    result = run([str(root)], Config(jobs=1))
    (pair,) = result.pairs
    assert pair.similarity == 1.0
    sha = [r.document.sha256 for r in result.documents]
    assert sha[pair.a] == sha[pair.b]


def test_three_identical_copies_are_identical_pairs(analyze: Any) -> None:
    text = ZH_LINES[0] + ZH_LINES[1]
    result = analyze([text, text, text, ZH_LINES[2]])
    assert {(p.a, p.b) for p in result.pairs} == {(0, 1), (0, 2), (1, 2)}
    assert all(p.similarity == 1.0 for p in result.pairs)


# --- untrusted text stays text: terminal -----------------------------------------------


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four reports sharing a planted paragraph; one named with the planted name."""
    root = tmp_path_factory.mktemp("planted")
    names = [f"{PLANTED_NAME}.txt", "b.txt", "c.txt", "d.txt"]
    for i, name in enumerate(names):
        other = ZH_LINES[(i + 1) % 4]
        (root / name).write_text(f"{ZH_LINES[i]}\n{PLANTED_TEXT}{ZH_LINES[0]}{ZH_LINES[1]}\n"
                                 f"{other}\n", encoding="utf-8")
    return root


def test_scan_summary_is_inert(planted: Path, tmp_path: Path) -> None:
    code, stdout, stderr = invoke("scan", str(planted), "--out", str(tmp_path / "r"),
                                  "--jobs", "1", color=True)
    assert code == 0, stderr
    assert "\x1b[" in stdout, "rich styles its own output (the check is meaningful)"
    assert_inert(stdout + stderr)
    assert "␛" in stdout, "escape characters are shown as a symbol"
    assert "[bold red]" in stdout, "markup is shown as text"


@pytest.mark.parametrize("view", ["diff", "new", "phrases"])
def test_views_are_inert(planted: Path, view: str) -> None:
    a, b = str(planted / f"{PLANTED_NAME}.txt"), str(planted / "b.txt")
    args = {"diff": ["diff", a, b], "new": ["new", a, "--against", str(planted)],
            "phrases": ["phrases", str(planted)]}[view]
    code, stdout, stderr = invoke(*args, "--jobs", "1", color=True)
    assert code == 0, stderr
    assert "\x1b[" in stdout
    assert_inert(stdout + stderr)
    assert "[bold red]" in stdout


def test_error_messages_are_one_inert_line(planted: Path, tmp_path: Path) -> None:
    missing = str(planted / f"{PLANTED_NAME}\nmissing.txt")
    for args in (["text", missing], ["scan", missing, "--out", str(tmp_path / "r")],
                 ["diff", missing, str(planted / "b.txt")]):
        # Not a terminal (no progress bar): rich passes raw escapes through either way.
        code, stdout, stderr = invoke(*args)
        assert code == 1 and stdout == ""
        (line,) = stderr_lines(stderr)
        assert_inert(line)
        assert "missing.txt" in line


def test_written_paths_are_shown_inert(planted: Path, tmp_path: Path) -> None:
    out = tmp_path / f"{PLANTED_NAME} report"
    code, stdout, stderr = invoke("scan", str(planted), "--out", str(out), "--jobs", "1",
                                  "--json", str(tmp_path / f"{PLANTED_NAME}.json"), color=True)
    assert code == 0, stderr
    assert (out / "index.html").is_file()
    assert_inert(stdout)


def test_skipped_names_are_shown_inert(planted: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ZH_LINES[0], encoding="utf-8")
    (corpus / f"{PLANTED_NAME}\n.txt").write_bytes(b"\x7fELF\x02\x01" + bytes(100))
    (corpus / f"{PLANTED_NAME}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    code, _, stderr = invoke("scan", str(corpus), "--out", str(tmp_path / "r"), "--quiet",
                             color=True)
    assert code == 1
    lines = stderr_lines(stderr)
    assert len(lines) == 2  # the skipped binary; the ignored image
    assert_inert(stderr)


# --- untrusted text stays text: pages --------------------------------------------------


def csp(page: str) -> str:
    tree = lxml.html.document_fromstring(page)
    (meta,) = [m for m in tree.iter("meta")
               if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    return str(meta.get("content"))


def assert_safe_page(page: str) -> None:
    policy = csp(page)
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "http:" not in policy and "https:" not in policy and "*" not in policy
    tree = lxml.html.document_fromstring(page)
    for el in tree.iter():
        if isinstance(el.tag, str):
            assert not [a for a in el.attrib if a.lower().startswith("on")], el.tag
    assert not list(tree.iter("img", "b", "iframe", "object", "embed"))
    assert "<img src=x" not in page and "<b>" not in page


def test_every_page_written_has_the_csp_and_no_planted_markup(
        planted: Path, tmp_path: Path, scanned: tuple[int, dict[str, Any], str, Path]) -> None:
    out = tmp_path / "r"
    code, _, stderr = invoke("scan", str(planted), "--out", str(out), "--quiet", "--jobs", "1")
    assert code == 0, stderr
    pages = sorted(out.glob("*.html")) + sorted(scanned[3].glob("*.html"))
    kinds = {p.name.split("-")[0] for p in pages}
    assert {"index.html", "report", "pair"} <= kinds, kinds
    for page in pages:
        assert_safe_page(page.read_text(encoding="utf-8"))
    a, b = str(planted / f"{PLANTED_NAME}.txt"), str(planted / "b.txt")
    for args in (["diff", a, b], ["new", a, "--against", str(planted)]):
        target = tmp_path / f"{args[0]}.html"
        code, _, stderr = invoke(*args, "--html", str(target), "--quiet", "--jobs", "1")
        assert code == 0, stderr
        assert_safe_page(target.read_text(encoding="utf-8"))


# --- limits are options -------------------------------------------------------------------


def test_limits_are_options_recorded_in_the_json(planted: Path, tmp_path: Path) -> None:
    code, stdout, stderr = invoke("scan", str(planted), "--out", str(tmp_path / "r"),
                                  "--json", "-", "--max-file-size", "123456",
                                  "--max-decompressed-size", "7654321", "--pdf-timeout", "9.5")
    assert code == 0, stderr
    config = json.loads(stdout)["config"]
    assert (config["max_file_size"], config["max_decompressed_size"], config["pdf_timeout"]) \
        == (123456, 7654321, 9.5)


@pytest.mark.parametrize("command", ["scan", "text", "diff", "new", "phrases"])
def test_every_reading_command_documents_the_limits(command: str) -> None:
    code, stdout, _ = invoke(command, "--help")
    assert code == 0
    text = " ".join(stdout.split())
    for option, default in (("--max-file-size", "200.0 MiB"),
                            ("--max-decompressed-size", "500.0 MiB"),
                            ("--pdf-timeout", "default: 120")):
        assert option in text and default in text, (command, option)


@pytest.mark.parametrize("args", [["--max-file-size", "0"], ["--pdf-timeout", "0"],
                                  ["--max-decompressed-size", "-1"]])
def test_bad_limits_are_usage_errors(planted: Path, tmp_path: Path, args: list[str]) -> None:
    code, _, stderr = invoke("scan", str(planted), "--out", str(tmp_path / "r"), *args)
    assert code == 2 and stderr.strip()
    assert not (tmp_path / "r").exists()


def test_max_file_size_refuses_a_long_line_naming_the_option(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "line.txt").write_text(punctuation_free_line(100_000), encoding="utf-8")
    (corpus / "a.txt").write_text(ZH_LINES[0], encoding="utf-8")
    code, _, stderr = invoke("scan", str(corpus), "--out", str(tmp_path / "r"), "--quiet",
                             "--max-file-size", "200000")
    assert code == 1
    (line,) = stderr_lines(stderr)
    assert "line.txt" in line and "--max-file-size" in line and "293.0 KiB" in line


def test_max_decompressed_size_refuses_a_docx_naming_the_option(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    write_docx(corpus / "report.docx", [ZH_SIMPLIFIED, ENGLISH])
    (corpus / "a.txt").write_text(ZH_LINES[0], encoding="utf-8")
    code, _, stderr = invoke("scan", str(corpus), "--out", str(tmp_path / "r"), "--quiet",
                             "--max-decompressed-size", "5000")
    assert code == 1
    (line,) = stderr_lines(stderr)
    assert "report.docx" in line and "--max-decompressed-size" in line


def test_pdf_timeout_names_the_option(tmp_path: Path) -> None:
    from ingest_fixtures import write_pdf

    corpus = tmp_path / "c"
    corpus.mkdir()
    write_pdf(corpus / "report.pdf", [[ZH_SIMPLIFIED[:30]] * 30] * 20)
    (corpus / "a.txt").write_text(ZH_LINES[0], encoding="utf-8")
    code, _, stderr = invoke("scan", str(corpus), "--out", str(tmp_path / "r"), "--quiet",
                             "--pdf-timeout", "0.001")
    assert code == 1
    (line,) = stderr_lines(stderr)
    assert "report.pdf" in line and "--pdf-timeout" in line


# --- output: nothing lost ---------------------------------------------------------------------


def test_force_never_replaces_a_folder_holding_the_inputs(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "a.txt").write_text(ZH_LINES[0] + ZH_LINES[1], encoding="utf-8")
    (corpus / "b.txt").write_text(ZH_LINES[2] + ZH_LINES[1], encoding="utf-8")
    before = fingerprint(corpus)
    for out in (corpus, corpus / "sub"):
        code, _, stderr = invoke("scan", str(corpus), "--out", str(out), "--force", "--quiet")
        assert code == 1
        (line,) = stderr_lines(stderr)
        assert "choose another --out" in line
    assert fingerprint(corpus) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


def test_force_never_replaces_the_current_folder(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ZH_LINES[0], encoding="utf-8")
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    (work / "notes.txt").write_text("keep", encoding="utf-8")
    monkeypatch.chdir(work)
    for out in (".", str(work.parent)):
        code, _, stderr = invoke("scan", str(corpus), "--out", out, "--force", "--quiet")
        assert code == 1, stderr
        assert "current folder" in stderr
    assert (work / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_unwritable_outputs_are_one_line(planted: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    for args in (["--out", str(blocker / "reports")],
                 ["--out", str(tmp_path / "r"), "--json", str(blocker / "x.json")],
                 ["--out", str(tmp_path / "r2"), "--json", str(tmp_path)]):
        code, _, stderr = invoke("scan", str(planted), "--quiet", "--jobs", "1", *args)
        assert code == 1, args
        (line,) = stderr_lines(stderr)
        assert "cannot write" in line, line
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_interrupt_inside_the_swap_is_held_until_the_report_is_whole(
        planted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C between the two renames would leave no report at --out: it is held back
    and delivered once the new report is in place."""
    import signal

    out = tmp_path / "reports"
    assert invoke("scan", str(planted), "--out", str(out), "--quiet", "--no-html")[0] == 0
    rename = Path.rename

    def interrupted_rename(self: Path, target: Any) -> Path:
        if self == out:  # the earlier report is moved aside: Ctrl-C right now
            signal.raise_signal(signal.SIGINT)
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", interrupted_rename)
    code, _, stderr = invoke("scan", str(planted), "--out", str(out), "--quiet")
    assert code == 130
    (line,) = stderr_lines(stderr)
    assert "interrupted" in line and "had been written" in line
    assert (out / "index.html").is_file(), "the new report is whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_interrupt_while_reading_or_writing_says_what_was_left(
        planted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.render import html

    out = tmp_path / "reports"

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_module, "load", interrupt)
    code, _, stderr = invoke("scan", str(planted), "--out", str(out))
    assert code == 130
    assert stderr_lines(stderr) == ["dedup: interrupted; no report was written"]
    monkeypatch.undo()
    assert invoke("scan", str(planted), "--out", str(out), "--quiet")[0] == 0
    earlier = (out / "scan.json").read_bytes()
    monkeypatch.setattr(html, "write_site", interrupt)
    code, _, stderr = invoke("scan", str(planted), "--out", str(out), "--json",
                             str(tmp_path / "copy.json"))
    assert code == 130
    assert stderr_lines(stderr) == [f"dedup: interrupted; {out} still holds the earlier report"]
    assert (out / "scan.json").read_bytes() == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


@pytest.mark.parametrize("args", [["text", "{big}"], ["scan", "{big}", "--out", "{out}",
                                                         "--json", "-"]])
def test_a_closed_stdout_is_not_a_traceback(tmp_path: Path, args: list[str]) -> None:
    """``dedup ... | head``: stdout closes early; dedup stops quietly with exit code 1."""
    big = tmp_path / "big.txt"
    big.write_text((ZH_LINES[0] + "\n") * 20_000, encoding="utf-8")
    argv = [a.format(big=big, out=tmp_path / "r") for a in args]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before dedup writes a byte
    proc = subprocess.Popen([sys.executable, "-m", "dedup", *argv], stdout=write_end,
                            stderr=subprocess.PIPE)
    os.close(write_end)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert stderr.decode() == ""


def test_files_that_vanish_or_change_during_the_scan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    for i, line in enumerate(ZH_LINES):
        (corpus / f"{i}.txt").write_text(line * 2, encoding="utf-8")
    discover = ingest_module.discover

    def racing(paths: Any) -> Any:
        found = discover(paths)
        (corpus / "1.txt").unlink()
        (corpus / "2.txt").write_text("改过的内容。" * 10, encoding="utf-8")
        return found

    monkeypatch.setattr(ingest_module, "discover", racing)
    code, stdout, stderr = invoke("scan", str(corpus), "--out", str(tmp_path / "r"),
                                  "--json", "-")
    assert code == 1
    (line,) = stderr_lines(stderr)
    assert "1.txt" in line and "disappeared" in line
    docs = {d["id"]: d for d in json.loads(stdout)["documents"]}
    assert sorted(docs) == ["0", "2", "3"]
    changed = hashlib.sha256(("改过的内容。" * 10).encode()).hexdigest()
    assert docs["2"]["sha256"] == changed, "the bytes read are the bytes hashed"


# --- properties: arbitrary bytes and Unicode -------------------------------------------------

_NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
                 min_size=1, max_size=12).filter(
    lambda n: n not in (".", "..") and not n.startswith(".") and len(n.encode()) < 150)
_EXTS = st.sampled_from([".txt", ".md", ".html", ".docx", ".pdf", ""])
_CONTENT = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.tuples(st.sampled_from(ZH_LINES), st.binary(max_size=8), st.sampled_from(ZH_LINES)).map(
        lambda p: p[0].encode() + p[1] + p[2].encode()),
    st.sampled_from(ZH_LINES).map(lambda t: t.encode("utf-16")),
    st.sampled_from(ZH_LINES).map(lambda t: t.encode("gb18030")),
)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.tuples(_NAMES, _EXTS).map("".join), _CONTENT, min_size=1, max_size=5))
def test_any_bytes_scan_without_error(tmp_path_factory: pytest.TempPathFactory,
                                      invariants: Any, files: dict[str, bytes]) -> None:
    """Files of any bytes under any names: the scan never raises (only NoInputError when
    nothing is readable), accounts for every file, and its offsets index the text read."""
    root = tmp_path_factory.mktemp("bytes")
    for name, data in files.items():
        (root / name).write_bytes(data)
    try:
        result = run([str(root)], Config(jobs=1))
    except NoInputError:
        docs, _ = load([str(root)], Config())
        assert docs == []
        return
    invariants(result)
    paths = {r.document.path for r in result.documents} | {s.path for s in result.skipped}
    assert paths == {str(root / n) for n in files}
    for rep in result.documents:
        assert rep.document.text == read_document(rep.document.path, Config()).text


_ANY = st.text(alphabet=st.characters(codec=None, exclude_categories=()), min_size=1,
               max_size=120)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_ANY, _ANY, _ANY, st.sampled_from(["", "。", "\n", " "]))
def test_shared_arbitrary_text_keeps_the_invariants(invariants: Any, shared: str, a: str,
                                                    b: str, sep: str) -> None:
    """Arbitrary code points shared by documents go through alignment: spans still
    partition the text, offsets stay inside it, matches point at equal passages' places."""
    texts = [a + sep + shared + sep + ZH_LINES[0], ZH_LINES[0] + shared, shared + sep + b]
    documents = [Document(f"d{i}", f"d{i}.txt", t, "utf-8",
                          hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest())
                 for i, t in enumerate(texts)]
    result: ScanResult = analyze_documents(documents, Config(jobs=1))
    invariants(result)


MEMORY_PROBE = """
import random, resource, sys
from dedup.config import Config
from dedup.model import Document
from dedup.pipeline import analyze_documents
line = "".join(chr(0x4E00 + random.Random(20).randrange(6000)) for _ in range(int(sys.argv[1])))
docs = [Document(f"d{i}", f"d{i}.txt", line, "utf-8", "0") for i in range(2)]
with open("/proc/self/statm") as statm:  # resident now (ru_maxrss is a high-water mark)
    base = int(statm.read().split()[1]) * resource.getpagesize()
result = analyze_documents(docs, Config(jobs=1))
assert result.pairs[0].similarity == 1.0
# VmHWM, not ru_maxrss: Linux carries the parent's peak over fork and exec into
# ru_maxrss, so under a large pytest process it would measure pytest.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(peak * 1024 - base)
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_memory_per_character_of_a_shared_long_line() -> None:
    """Two copies of a 1M-character line without punctuation: the analysis may grow by at
    most 100 bytes per character, which keeps two copies of a 20 MB line under 2 GB."""
    chars = 1_000_000
    probe = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(chars)], capture_output=True,
                           text=True, timeout=600, check=True)
    growth = int(probe.stdout.strip())
    assert growth < 100 * 2 * chars, f"{growth / (2 * chars):.0f} bytes per character"


def test_long_runs_of_one_character_do_not_blow_up(analyze: Any) -> None:
    """Degenerate texts: one character repeated, a figure repeated, masks only."""
    texts = ["的" * 50_000, "1" * 20_000 + "。" + "的" * 100, "*" * 10_000, "\u3000" * 1000 + "。"]
    result = analyze(texts)
    assert len(result.documents) == 4
    assert re.fullmatch(r"d\d", result.documents[0].document.id)
