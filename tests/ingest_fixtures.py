"""Builders of ingest test inputs, written into a temporary folder at test time.

Nothing binary is committed: .docx files are made with python-docx, PDFs with reportlab
(Chinese with its built-in ``STSong-Light`` CID font), zip bombs with zipfile.

:func:`hostile_corpus` is meant for reuse in CLI-level tests::

    corpus = hostile_corpus(tmp_path)
    docs, skipped = load([str(corpus.root)], Config())
    assert {d.id for d in docs} == corpus.good_ids
    assert {s.path for s in skipped} == corpus.bad_paths
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

#: Real sentences in the style of the seed reports, simplified and traditional.
ZH_SIMPLIFIED = (
    "各位代表：现在，我代表市人民政府，向大会报告工作，请予审议。过去一年，全市经济运行"
    "稳中有进，地区生产总值增长5.2%。我们坚持稳中求进工作总基调，完整、准确、全面贯彻新"
    "发展理念，加快构建新发展格局，着力推动高质量发展。一是产业结构持续优化；二是城乡建设"
    "稳步推进；三是民生保障不断加强，教育、医疗、养老等公共服务水平明显提升。"
)
ZH_TRADITIONAL = (
    "各位代表：現在，我代表市人民政府，向大會報告工作，請予審議。過去一年，全市經濟運行"
    "穩中有進，地區生產總值增長5.2%。我們堅持穩中求進工作總基調，完整、準確、全面貫徹新"
    "發展理念，加快構建新發展格局，著力推動高品質發展。一是產業結構持續優化；二是城鄉建設"
    "穩步推進；三是民生保障不斷加強，教育、醫療、養老等公共服務水準明顯提升。"
)
ENGLISH = (
    "The council adopted its annual report. Public spending rose by 5% while the "
    "number of new businesses grew steadily; the report thanks every department."
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
ELF_BYTES = b"\x7fELF\x02\x01\x01" + bytes(200)


def write_docx(path: Path, paragraphs: list[str], *, table: list[list[str]] | None = None) -> Path:
    """A .docx with ``paragraphs``, then ``table`` (rows of cell texts) if given."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
        document.add_paragraph("表后段落")
    document.save(str(path))
    return path


def write_pdf(
    path: Path, pages: list[list[str]], *, password: str | None = None, text: bool = True
) -> Path:
    """A PDF with one page per item of ``pages`` (lines of Chinese/English text).

    With ``password`` the file is encrypted (a user password is required to open it);
    with ``text=False`` each page holds only drawn shapes, like a scan without OCR.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), encrypt=password)
    for lines in pages:
        if text:
            pdf.setFont("STSong-Light", 12)
            for i, line in enumerate(lines):
                pdf.drawString(72, 760 - 20 * i, line)
        else:
            pdf.rect(72, 400, 300, 300, fill=1)
        pdf.showPage()
    pdf.save()
    return path


def write_docx_bomb(path: Path, *, megabytes: int = 600, lie: bool = False) -> Path:
    """A small .docx whose word/document.xml expands to ``megabytes`` MiB of spaces.

    With ``lie`` the archive's headers claim the member is only 1000 bytes, as a bomb
    built to slip past a header check would. Built in well under a second: one MiB is
    deflated once (ending in a full flush, so no block refers back past it) and the
    compressed piece is repeated; only the CRC is computed over all the data.
    """
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    deflated = piece * megabytes + b"\x03\x00"  # + an empty final block
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    size = 1000 if lie else megabytes << 20
    out = bytearray()
    central = bytearray()
    types = b"<Types/>"
    members = [  # (name, stored bytes, method: 0 stored / 8 deflated, crc, uncompressed size)
        (b"[Content_Types].xml", types, 0, zlib.crc32(types), len(types)),
        (b"word/document.xml", deflated, 8, crc, size),
    ]
    for name, data, method, member_crc, length in members:
        offset = len(out)
        common = struct.pack("<HHHHHIII", 20, 0, method, 0, 0x21, member_crc, len(data), length)
        out += b"PK\x03\x04" + common + struct.pack("<HH", len(name), 0) + name + data
        central += b"PK\x01\x02" + struct.pack("<H", 20) + common
        central += struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset) + name
    start = len(out)
    out += central + b"PK\x05\x06" + struct.pack(
        "<HHHHIIH", 0, 0, len(members), len(members), len(central), start, 0
    )
    path.write_bytes(bytes(out))
    return path


def _all(data: bytearray, needle: bytes) -> list[int]:
    found: list[int] = []
    start = data.find(needle)
    while start != -1:
        found.append(start)
        start = data.find(needle, start + 1)
    return found


@dataclass
class HostileCorpus:
    """A folder of good and bad inputs and what ``load([root])`` must make of them."""

    root: Path
    #: ids of the documents that must be read.
    good_ids: set[str] = field(default_factory=set)
    #: ``Skipped.path`` of every input that must be skipped (joined onto ``str(root)``).
    bad_paths: set[str] = field(default_factory=set)
    #: Files that must be silently ignored (hidden), relative to root.
    ignored: set[str] = field(default_factory=set)


def hostile_corpus(tmp_path: Path) -> HostileCorpus:
    """Write a folder with one of each odd input plus a few good Chinese/English files.

    Good: UTF-8, UTF-8 with BOM and CRLF, GB18030, Big5, UTF-16, Markdown, HTML with a
    script, .docx, .pdf (Chinese + English), an exact duplicate under another name, a file
    named with spaces/newline/markup, a symlink to a good file (read once, under the first
    name found), and a folder named ``x.txt`` (descended into). Bad: empty,
    whitespace-only, binary with .txt, PNG, NUL-heavy binary, truncated .docx, a docx zip
    bomb, encrypted/truncated/textless PDFs, a dangling link, a link loop, a too-short
    GBK file. Hidden files are ignored. Needs a file system with symlinks (not Windows).

    Returns the root and the expected ``good_ids`` / ``bad_paths``.
    """
    root = tmp_path / "hostile"
    root.mkdir()
    c = HostileCorpus(root)

    def good(rel: str, data: bytes | str, doc_id: str) -> Path:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        c.good_ids.add(doc_id)
        return p

    def bad(rel: str, data: bytes) -> Path:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        c.bad_paths.add(str(root / rel))
        return p

    good("utf8.txt", ZH_SIMPLIFIED + "\n", "utf8")
    crlf = (ZH_SIMPLIFIED + "\r\n" + ENGLISH + "\r\n").encode()
    good("bom_crlf.txt", b"\xef\xbb\xbf" + crlf, "bom_crlf")
    good("gbk.txt", ZH_SIMPLIFIED.encode("gb18030"), "gbk")
    good("big5.txt", ZH_TRADITIONAL.encode("big5"), "big5")
    good("utf16.txt", ZH_SIMPLIFIED.encode("utf-16"), "utf16")
    good("english.md", "# Report\n\n" + ENGLISH + "\n", "english")
    good("page.html", f"<html><head><script>alert(1)</script><style>p{{}}</style></head>"
         f"<body><h1>报告</h1><p>{ZH_SIMPLIFIED}</p></body></html>", "page")
    good("copy of utf8.txt", ZH_SIMPLIFIED + "\n", "copy of utf8")
    good("<img src=x onerror=alert(1)>\nname.txt", ENGLISH, "<img src=x onerror=alert(1)>\nname")
    good("x.txt/inner.txt", ENGLISH + " Inner.", "x.txt/inner")
    good("no_extension", ENGLISH, "no_extension")
    table = [["指标", "数值"], ["增长", "5.2%"]]
    write_docx(root / "report.docx", [ZH_SIMPLIFIED, ENGLISH], table=table)
    write_pdf(root / "report.pdf", [[ZH_SIMPLIFIED[:30], "Annual report 2023"], ["第二页"]])
    c.good_ids |= {"report.docx", "report.pdf"}  # "report" collides: both keep the extension
    (root / "z_link_to_utf8.txt").symlink_to("utf8.txt")  # same file: read once, as "utf8"

    bad("empty.txt", b"")
    bad("blank.txt", " \n\t\r\n\u3000\n".encode())
    bad("image.png", PNG_BYTES)
    bad("program.txt", ELF_BYTES)
    bad("short_gbk.txt", "中文".encode("gbk"))
    bad("truncated.docx", write_docx(tmp_path / "t.docx", [ENGLISH]).read_bytes()[:300])
    bad("bomb.docx", write_docx_bomb(tmp_path / "bomb.zip", megabytes=64).read_bytes())
    bad("encrypted.pdf", write_pdf(tmp_path / "e.pdf", [["secret"]], password="pw").read_bytes())
    bad("scan.pdf", write_pdf(tmp_path / "s.pdf", [[""]], text=False).read_bytes())
    bad("truncated.pdf", write_pdf(tmp_path / "tr.pdf", [[ENGLISH]]).read_bytes()[:400])
    (root / "dangling.txt").symlink_to("does-not-exist.txt")
    c.bad_paths.add(str(root / "dangling.txt"))
    (root / "loop").mkdir()
    (root / "loop" / "again").symlink_to("..")
    c.bad_paths.add(str(root / "loop" / "again"))
    (root / "self.txt").symlink_to("self.txt")
    c.bad_paths.add(str(root / "self.txt"))

    (root / ".hidden.txt").write_text(ENGLISH)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(ENGLISH)
    c.ignored |= {".hidden.txt", ".git/config"}
    return c
