"""HTML, .docx (incl. zip bombs) and .pdf (incl. encrypted, scanned, truncated, timeout)."""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from ingest_fixtures import (
    ENGLISH,
    ZH_SIMPLIFIED,
    write_docx,
    write_docx_bomb,
    write_pdf,
)

from dedup.config import Config
from dedup.errors import InputError
from dedup.ingest import load, read_document
from dedup.ingest.docx_text import docx_to_text
from dedup.ingest.html_text import html_to_text
from dedup.ingest.pdf_text import PdfExtractor

# --- HTML ------------------------------------------------------------------------------


def test_html_keeps_visible_text_and_blocks() -> None:
    html = (
        "<html><head><title>标题栏</title><style>p { color: red }</style>"
        "<script>alert('x')</script></head><body><h1>工作报告</h1>"
        "<p>第一段。<script>var y = 1;</script></p><p>第二段，<b>加粗</b>。</p>"
        "<ul><li>一是</li><li>二是</li></ul></body></html>"
    )
    text = html_to_text(html.encode()).text
    assert "alert" not in text and "color" not in text and "var y" not in text
    assert "标题栏" not in text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[:3] == ["工作报告", "第一段。", "第二段，加粗。"]
    assert "一是" in lines[3] and "二是" in lines[4]


@pytest.mark.parametrize("codec", ["gb18030", "big5", "utf-8"])
def test_html_charset_from_meta(codec: str) -> None:
    body = "過去一年，經濟穩中有進。" if codec == "big5" else "过去一年，经济稳中有进。"
    html = f'<html><head><meta charset="{codec}"></head><body><p>{body}</p></body></html>'
    decoded = html_to_text(html.encode(codec))
    assert body in decoded.text
    assert decoded.encoding == codec


def test_html_charset_label_gb2312_reads_gbk_superset() -> None:
    html = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>堃喆</p>'
    decoded = html_to_text(html.encode("gbk"))
    assert "堃喆" in decoded.text and decoded.encoding == "gb18030"


def test_html_wrong_meta_falls_back_to_detection_with_a_note() -> None:
    html = f'<meta charset="big5"><p>{ZH_SIMPLIFIED}</p>'
    decoded = html_to_text(html.encode("utf-8"))
    assert ZH_SIMPLIFIED in decoded.text
    assert decoded.encoding == "utf-8" and "does not match" in decoded.notes[0]


def test_html_without_meta_is_detected_and_utf16_bom_honoured() -> None:
    html = f"<p>{ZH_SIMPLIFIED}</p>"
    assert html_to_text(html.encode("gb18030")).encoding == "gb18030"
    assert ZH_SIMPLIFIED in html_to_text(html.encode("utf-16")).text


def test_html_file_format(tmp_path: Path) -> None:
    (tmp_path / "a.htm").write_text("<p>hello <img src=x onerror=alert(1)></p>")
    doc = read_document(str(tmp_path / "a.htm"), Config())
    assert (doc.format, doc.text.strip()) == ("html", "hello")
    (tmp_path / "empty.html").write_text("<html><script>x()</script></html>")
    with pytest.raises(InputError, match="no visible text"):
        read_document(str(tmp_path / "empty.html"), Config())


# --- .docx ------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "r.docx", [ZH_SIMPLIFIED, "", ENGLISH],
                      table=[["指标", "数值"], ["增长", "5.2%"]])
    doc = read_document(str(path), Config())
    assert (doc.id, doc.format, doc.encoding) == ("r", "docx", "docx")
    cells = ["指标", "数值", "增长", "5.2%"]
    assert doc.text.split("\n") == [ZH_SIMPLIFIED, "", ENGLISH, *cells, "表后段落"]


def test_docx_merged_cells_are_read_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并单元格"
    table.cell(0, 2).text = "右"
    document.save(str(tmp_path / "m.docx"))
    assert read_document(str(tmp_path / "m.docx"), Config()).text == "合并单元格\n右"


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_docx(tmp_path: Path, cut: float) -> None:
    data = write_docx(tmp_path / "full.docx", [ENGLISH] * 50).read_bytes()
    (tmp_path / "t.docx").write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(InputError) as info:
        read_document(str(tmp_path / "t.docx"), Config())
    assert info.value.reason == "not a valid .docx (zip is truncated or corrupt)"


def test_zip_that_is_not_a_docx(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "x.docx", "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match=r"no word/document\.xml"):
        read_document(str(tmp_path / "x.docx"), Config())


def test_docx_zip_bomb_is_refused_quickly_with_little_memory(tmp_path: Path) -> None:
    bomb = write_docx_bomb(tmp_path / "bomb.docx", megabytes=600)
    assert bomb.stat().st_size < 1024 * 1024
    tracemalloc.start()
    start = time.perf_counter()
    try:
        _, skipped = load([str(bomb)], Config())
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "zip bomb" in skipped[0].reason and "600.0 MiB" in skipped[0].reason
    assert elapsed < 2
    assert peak < 8 * 1024 * 1024


def test_docx_zip_bomb_with_lying_headers_is_refused(tmp_path: Path) -> None:
    bomb = write_docx_bomb(tmp_path / "liar.docx", megabytes=300, lie=True)
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo("word/document.xml").file_size == 1000  # the lie
    tracemalloc.start()
    try:
        _, skipped = load([str(bomb)], Config())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert skipped[0].reason == ("not a valid .docx (a member's data does not match its "
                                 "declared size or checksum: corrupt, or a zip bomb lying "
                                 "about its size)")
    assert peak < 8 * 1024 * 1024


def test_docx_over_the_decompressed_limit(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "big.docx", [ENGLISH] * 2000)
    with pytest.raises(Exception, match="max_decompressed_size"):
        docx_to_text(path.read_bytes(), max_decompressed=10_000)


# --- .pdf -------------------------------------------------------------------------------


def test_pdf_chinese_and_english_pages(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "r.pdf", [["工作报告", "Annual report 2023"], ["第二页内容"]])
    doc = read_document(str(path), Config())
    assert (doc.id, doc.format, doc.encoding) == ("r", "pdf", "pdf")
    assert "工作报告" in doc.text and "Annual report 2023" in doc.text
    first, second = doc.text.split("\n\n第二页")
    assert "工作报告" in first and second == "内容"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: write_pdf(p, [["secret 机密"]], password="pw"), "PDF is encrypted"),
        (lambda p: write_pdf(p, [[""]], text=False),
         "PDF has no text layer (scanned?); OCR it first"),
        (lambda p: p.write_bytes(write_pdf(p, [[ENGLISH]]).read_bytes()[:500]), "truncated"),
        (lambda p: p.write_bytes(b"%PDF-1.4\ngarbage garbage\n%%EOF\n"), "not a valid PDF"),
    ],
    ids=["encrypted", "scanned", "truncated", "corrupt"],
)
def test_unreadable_pdfs(tmp_path: Path, make: object, reason: str) -> None:
    path = tmp_path / "x.pdf"
    make(path)  # type: ignore[operator]
    with pytest.raises(InputError) as info:
        read_document(str(path), Config())
    assert reason in info.value.reason


def test_pdf_timeout_kills_and_the_next_pdf_still_reads(tmp_path: Path) -> None:
    data = write_pdf(tmp_path / "r.pdf", [["工作报告"]] * 20).read_bytes()
    with PdfExtractor(timeout=0.001) as pdf:
        with pytest.raises(Exception, match=r"took longer than 0\.001 s"):
            pdf.extract(data)
        pdf.timeout = 60
        assert "工作报告" in pdf.extract(data)


def test_pdf_found_by_content_without_extension(tmp_path: Path) -> None:
    (tmp_path / "scan_0001").write_bytes(write_pdf(tmp_path / "r.pdf", [["第一页"]]).read_bytes())
    assert read_document(str(tmp_path / "scan_0001"), Config()).format == "pdf"
