"""Formats and bad input: every reader on a small fixture, every skipped file with its reason."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

import pytest

from qa import documents as documents_module
from qa.documents import default_documents_dir, find_document_paths, read_document, read_documents, scan_documents
from qa.errors import DocumentReadError, NoDocumentsError
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


def test_the_documents_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("QA_DOCUMENTS", raising=False)
    assert default_documents_dir() == Path("documents")
    monkeypatch.setenv("QA_DOCUMENTS", str(tmp_path / "elsewhere"))
    assert default_documents_dir() == tmp_path / "elsewhere"


def test_read_documents_reads_the_good_files_and_warns_once_for_each_bad_one(tmp_path: Path, caplog):
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("第一篇文档。", encoding="utf-8")
    (folder / "sub" / "b.md").write_text("# 标题\n\n第二篇文档。", encoding="utf-8")
    (folder / "blank.txt").write_text("  \n\n \u3000", encoding="utf-8")
    (folder / "zero.md").write_bytes(b"")
    caplog.set_level(logging.WARNING, logger="qa")
    documents = read_documents(folder)
    assert [(d.source, d.text, d.pages) for d in documents] == [
        ("a.txt", "第一篇文档。", ()),
        ("sub/b.md", "# 标题\n\n第二篇文档。", ()),
    ]
    assert documents[0].sha256 == hashlib.sha256("第一篇文档。".encode()).hexdigest()
    assert [r.getMessage() for r in caplog.records] == [
        "skipped blank.txt: no text",
        "skipped zero.md: empty file (0 bytes)",
    ]
    assert find_document_paths(folder) == [folder / "a.txt", folder / "blank.txt", folder / "sub" / "b.md"]
    (folder / "a.txt").unlink()
    (folder / "sub" / "b.md").unlink()
    with pytest.raises(NoDocumentsError, match=re.escape(str(folder))):
        read_documents(folder)


def test_a_document_without_text_names_the_file_the_reason_and_its_hash(tmp_path: Path):
    (tmp_path / "blank.txt").write_text(" \n\n ", encoding="utf-8")
    with pytest.raises(DocumentReadError) as raised:
        read_document(tmp_path / "blank.txt", tmp_path)
    error = raised.value
    assert (error.path, error.reason, error.sha256) == (
        tmp_path / "blank.txt",
        "no text",
        hashlib.sha256(b" \n\n ").hexdigest(),
    )
    assert str(tmp_path / "blank.txt") in str(error)
    (tmp_path / "zero.txt").write_bytes(b"")
    with pytest.raises(DocumentReadError) as raised:
        read_document(tmp_path / "zero.txt", tmp_path)
    assert (raised.value.path, raised.value.reason) == (tmp_path / "zero.txt", "empty file (0 bytes)")


def test_a_file_that_cannot_be_read_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "locked.txt").write_text("内容。", encoding="utf-8")

    def refuse(path: Path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(documents_module, "_hash", refuse)
    with pytest.raises(DocumentReadError) as raised:
        read_document(tmp_path / "locked.txt", tmp_path)
    assert (raised.value.path, raised.value.reason) == (tmp_path / "locked.txt", "cannot read (Permission denied)")
    assert [(s.source, s.reason) for s in scan_documents(tmp_path).skipped] == [
        ("locked.txt", "cannot read (Permission denied)")
    ]


def test_the_scan_skips_hidden_entries_reports_odd_files_and_goes_on_after_each(tmp_path: Path):
    folder = tmp_path / "docs"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "notes.txt").write_text("版本库里的文件。", encoding="utf-8")
    (folder / ".hidden.txt").write_text("隐藏文件。", encoding="utf-8")
    (folder / "a-broken.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(folder / "b-pipe.txt")
    (folder / "c-empty.txt").write_bytes(b"")
    (folder / "d-inside.txt").symlink_to(folder / "e.txt")
    (folder / "e.txt").write_text("正文。", encoding="utf-8")
    (folder / "inner").mkdir()
    (folder / "inner-link").symlink_to(folder / "inner", target_is_directory=True)  # inside: not reported
    scan = scan_documents(folder)
    assert [found.source for found in scan.files] == ["d-inside.txt", "e.txt"]  # a link inside the folder is read
    assert [(s.source, s.reason, s.sha256) for s in scan.skipped] == [
        ("a-broken.txt", "broken symbolic link", None),
        ("b-pipe.txt", "not a regular file", None),
        ("c-empty.txt", "empty file (0 bytes)", hashlib.sha256(b"").hexdigest()),
    ]
    with pytest.raises(NoDocumentsError, match=re.escape(str(tmp_path / "nowhere"))):
        scan_documents(tmp_path / "nowhere")


def test_the_pages_of_a_pdf_are_kept_and_joined_by_a_blank_line(tmp_path: Path):
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "two.pdf"))
    for text in ("Page one text.", "Page two text."):
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    document = read_document(tmp_path / "two.pdf", tmp_path)
    assert [page.strip() for page in document.pages] == ["Page one text.", "Page two text."]
    assert document.text == "\n\n".join(document.pages)
