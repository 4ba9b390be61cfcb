"""Formats and bad input: every reader on a small fixture, every skipped file with its reason."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from qa import documents as documents_module
from qa.documents import read_document
from qa.index import build_index
from qa.readers import UnreadableError, decode_text
from qa.retriever import Retriever

TEXT = "# 防汛通知\n\n贵州省2024年将从5月1日起全面入汛，凹河村共种植樱桃600亩。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_text_encodings_are_detected_from_the_bytes(encoding: str):
    assert decode_text(TEXT.encode(encoding)) == TEXT


def test_gb18030_only_characters_survive():
    text = "㐀䶵的GB18030四字节字符：𠀀。清镇市规模以上工业企业118家。" * 3
    assert decode_text(text.encode("gb18030")) == text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
        ("清镇市".encode() + b"\xff\xfe\x80\x81\xfe\xff" * 40, "undecodable"),
    ],
)
def test_bytes_that_are_not_text_are_refused(data: bytes, reason: str):
    with pytest.raises(UnreadableError, match=reason):
        decode_text(data)


def test_a_gb18030_file_is_found_by_a_question_about_it(documents_dir: Path, tmp_path: Path, encoder):
    (documents_dir / "gb.txt").write_bytes("## 暗流镇自建房排查\n\n暗流镇共排查农村自建房5511栋。\n".encode("gb18030"))
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    best = Retriever.load(tmp_path / "index", encoder=encoder).retrieve("暗流镇排查了多少栋农村自建房", k=1)[0]
    assert best.source == "gb.txt" and "5511栋" in best.text


def test_html_keeps_the_text_without_tags_or_scripts(tmp_path: Path):
    page = (
        "<html><head><title>标签</title><style>p{color:red}</style></head><body>"
        "<h1>清镇新闻</h1><script>alert('x');var a='脚本';</script>"
        "<p>清镇市新建<b>口袋公园</b>12个。</p><p>第二段。</p></body></html>"
    )
    (tmp_path / "news.html").write_text(page, encoding="utf-8")
    document = read_document(tmp_path / "news.html", tmp_path)
    assert "# 清镇新闻" in document.text and "清镇市新建口袋公园12个。" in document.text
    assert "<" not in document.text and "alert" not in document.text and "color" not in document.text


def test_docx_paragraphs_headings_and_tables(tmp_path: Path):
    import docx

    word = docx.Document()
    word.add_heading("凹河村果园", level=1)
    word.add_paragraph("目前，凹河村共种植樱桃600亩，枇杷456亩。")
    table = word.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "李子", "20亩"
    word.save(tmp_path / "village.docx")
    document = read_document(tmp_path / "village.docx", tmp_path)
    assert document.text.startswith("# 凹河村果园")
    assert "樱桃600亩" in document.text and "李子　20亩" in document.text


def write_pdf(path: Path, pages: list[str]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for text in pages:
        pdf.setFont("STSong-Light", 12)
        for number, line in enumerate(text.splitlines()):
            pdf.drawString(50, 800 - 20 * number, line)
        pdf.showPage()
    pdf.save()


def test_a_pdf_passage_cites_its_page(documents_dir: Path, tmp_path: Path, encoder):
    write_pdf(
        documents_dir / "report.pdf", ["# 工业报告\n清镇市一季度完成工业投资8.4亿元。", "凹河村新栽种蓝莓300亩。"]
    )
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    retriever = Retriever.load(tmp_path / "index", encoder=encoder)
    best = retriever.retrieve("凹河村新栽种蓝莓多少亩", k=1)[0]
    assert (best.source, best.page) == ("report.pdf", 2)
    assert best.citation == "《工业报告》 · report.pdf p.2"  # the article goes on from page 1
    assert retriever.retrieve("清镇市一季度完成工业投资", k=1)[0].page == 1


def test_bad_files_are_skipped_with_one_warning_each(documents_dir: Path, tmp_path: Path, encoder, caplog, monkeypatch):
    from pypdf import PdfWriter

    (documents_dir / "zero.txt").write_bytes(b"")
    (documents_dir / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4)
    (documents_dir / "garbled.md").write_bytes("清镇".encode() + b"\xff\xfe\x80\x81\xfe\xff" * 40)
    scan = PdfWriter()
    scan.add_blank_page(width=200, height=200)
    scan.write(documents_dir / "scan.pdf")
    (documents_dir / "locked.txt").write_text("不能读的文件。", encoding="utf-8")
    os.chmod(documents_dir / "locked.txt", 0)
    original = documents_module._hash

    def unreadable(path: Path):  # root reads any file: make the refusal happen for it too
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return original(path)

    monkeypatch.setattr(documents_module, "_hash", unreadable)
    (tmp_path / "outside.txt").write_text("文件夹之外的秘密。", encoding="utf-8")
    (documents_dir / "link.txt").symlink_to(tmp_path / "outside.txt")
    (documents_dir / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    caplog.set_level(logging.WARNING, logger="qa")
    report = build_index(documents_dir, tmp_path / "index", encoder=encoder)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    expected = {
        "zero.txt": "empty file",
        "image.txt": "binary file",
        "garbled.md": "undecodable bytes",
        "scan.pdf": "PDF without a text layer",
        "locked.txt": "Permission denied",
        "link.txt": "outside the documents folder",
        "linked-folder": "outside the documents folder",
    }
    assert len(warnings) == len(expected) == report.skipped
    for name, reason in expected.items():
        assert any(w.startswith(f"skipped {name}: ") and reason in w for w in warnings), (name, warnings)
    assert (report.documents, report.articles) == (2, 3)  # the build went on
    assert "skipped 7 files" in report.summary()
    passages = Retriever.load(tmp_path / "index", encoder=encoder).retrieve("秘密", k=100)
    assert all("秘密" not in p.text for p in passages)
    caplog.clear()
    read_again: list[str] = []
    monkeypatch.setattr(
        "qa.index.read_document", lambda path, folder: read_again.append(path.name) or read_document(path, folder)
    )
    again = build_index(documents_dir, tmp_path / "index", encoder=encoder)
    assert read_again == []  # known skips (by hash) and unchanged documents are not read again
    assert again.up_to_date and again.skipped == 7
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 7


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("nul.txt", b"abc\x00\x00\x00def\x00" * 50, "binary file"),  # valid UTF-8, still not text
        ("broken.pdf", b"%PDF-1.4\nnot really a pdf", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "not a readable .docx"),
    ],
)
def test_damaged_files_get_a_reason(tmp_path: Path, name: str, data: bytes, reason: str):
    from qa.errors import DocumentReadError

    (tmp_path / name).write_bytes(data)
    with pytest.raises(DocumentReadError) as error:
        read_document(tmp_path / name, tmp_path)
    assert reason in error.value.reason
