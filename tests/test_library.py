"""The documents library (qa.library): names, limits, content checks, saving, listing, removing, queued builds."""

from __future__ import annotations

import functools
import io
import threading
import time
from pathlib import Path

import pytest

from qa import library
from qa.index import build_index
from qa.library import (
    INDEXED,
    PENDING,
    SKIPPED,
    LibraryError,
    Limits,
    Upload,
    clean_name,
    list_documents,
    remove_document,
    save_uploads,
    update_index,
)
from qa.lock import index_lock
from qa.retriever import Retriever

NEWS = "# 卫城镇新闻\n\n卫城镇新建了一座紫藤花博物馆，馆内收藏古籍三千册。\n"


def docx_bytes(heading: str, body: str) -> bytes:
    import docx

    word = docx.Document()
    word.add_heading(heading, level=1)
    word.add_paragraph(body)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def pdf_bytes(lines: list[str]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont("STSong-Light", 12)
    for number, line in enumerate(lines):
        pdf.drawString(50, 800 - 20 * number, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def files_below(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("新闻.txt", "新闻.txt"),
        ("../../etc/新闻.TXT", "新闻.TXT"),
        ("C:\\Users\\ana\\报告.docx", "报告.docx"),
        ("a<b>c?.md", "a_b_c_.md"),
        ("  report.pdf  ", "report.pdf"),
        ("page.html", "page.html"),
    ],
)
def test_a_name_is_reduced_to_a_safe_file_name(given: str, cleaned: str):
    assert clean_name(given) == cleaned


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (".bashrc.txt", "隐藏文件"),
        ("../.hidden.md", "隐藏文件"),
        ("", "文件名为空"),
        ("..", "文件名为空"),
        ("dir/", "文件名为空"),
        ("setup.exe", "不支持的文件类型"),
        ("notes", "不支持的文件类型"),
        ("data.csv", "不支持的文件类型"),
    ],
)
def test_a_hidden_empty_or_unsupported_name_is_refused_with_the_reason(given: str, reason: str):
    with pytest.raises(LibraryError, match=reason):
        clean_name(given)


def test_a_very_long_name_is_shortened_to_what_a_file_system_takes_and_keeps_its_suffix(tmp_path: Path):
    assert clean_name("长" * 300 + ".txt") == "长" * 65 + ".txt"  # 199 bytes in UTF-8
    [saved] = save_uploads(tmp_path / "documents", [Upload("长" * 300 + ".txt", NEWS.encode())])
    assert saved.ok and (tmp_path / "documents" / saved.source).is_file()


# --- saving ----------------------------------------------------------------------------------


def test_every_supported_format_and_encoding_is_saved(tmp_path: Path):
    folder = tmp_path / "documents"
    uploads = [
        Upload("utf8.txt", NEWS.encode("utf-8")),
        Upload("bom.md", b"\xef\xbb\xbf" + NEWS.encode("utf-8")),
        Upload("gb18030.txt", NEWS.encode("gb18030")),
        Upload("gbk.txt", ("# 清镇新闻\n\n" + "清镇市新建口袋公园十二个，市民休闲有了好去处。" * 3).encode("gbk")),
        Upload("page.html", f"<html><body><h1>卫城镇</h1><p>{NEWS}</p></body></html>".encode()),
        Upload("word.docx", docx_bytes("卫城镇新闻", "卫城镇新建了一座紫藤花博物馆。")),
        Upload("scan.pdf", pdf_bytes(["# 工业报告", "清镇市一季度完成工业投资8.4亿元。"])),
    ]
    saved = save_uploads(folder, uploads)
    assert [item.reason for item in saved] == [""] * len(uploads)
    assert files_below(folder) == {upload.name for upload in uploads}  # nothing staged is left behind
    assert (folder / "gb18030.txt").read_bytes() == NEWS.encode("gb18030")  # saved as sent


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("binary.txt", bytes(range(256)) * 8, "binary file"),
        ("fake.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
        ("fake.docx", b"PK\x03\x04 not a word file", "not a readable .docx"),
        ("headings.md", "# 只有标题\n\n## 还是标题\n".encode(), "only headings"),
        ("blank.txt", b"   \n\n  ", "no text"),
        ("empty.txt", b"", "空文件"),
    ],
)
def test_a_file_that_is_not_a_readable_document_is_refused_with_the_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
):
    folder = tmp_path / "documents"
    [result] = save_uploads(folder, [Upload(name, data)])
    assert not result.ok and reason in result.reason and result.source == ""
    assert files_below(folder) == set()


def test_a_refused_file_does_not_stop_the_others(tmp_path: Path):
    folder = tmp_path / "documents"
    saved = save_uploads(folder, [Upload("a.exe", b"MZ"), Upload("好.txt", NEWS.encode())])
    assert [item.ok for item in saved] == [False, True]
    assert files_below(folder) == {"好.txt"}


def test_traversal_names_are_written_inside_the_documents_folder_only(tmp_path: Path):
    folder = tmp_path / "documents"
    saved = save_uploads(folder, [Upload("../../outside.txt", NEWS.encode()), Upload("/etc/passwd.md", NEWS.encode())])
    assert [item.source for item in saved] == ["outside.txt", "passwd.md"]
    assert files_below(tmp_path) == {"documents/outside.txt", "documents/passwd.md"}


def test_a_link_in_the_folder_is_never_written_through(tmp_path: Path):
    folder = tmp_path / "documents"
    folder.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("original", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    [result] = save_uploads(folder, [Upload("link.txt", NEWS.encode())], replace=True)
    assert not result.ok and "不安全" in result.reason
    assert outside.read_text(encoding="utf-8") == "original"


def test_an_existing_name_is_refused_unless_replacing(tmp_path: Path):
    folder = tmp_path / "documents"
    save_uploads(folder, [Upload("新闻.txt", NEWS.encode())])
    changed = NEWS.replace("三千", "五千").encode()
    [refused] = save_uploads(folder, [Upload("新闻.txt", changed)])
    assert not refused.ok and "已有同名文件" in refused.reason
    assert (folder / "新闻.txt").read_bytes() == NEWS.encode()
    [same] = save_uploads(folder, [Upload("新闻.txt", NEWS.encode())])
    assert same.ok and not same.replaced  # the very same bytes again: nothing to refuse
    [replaced] = save_uploads(folder, [Upload("新闻.txt", changed)], replace=True)
    assert replaced.ok and replaced.replaced
    assert (folder / "新闻.txt").read_bytes() == changed


def test_the_same_name_twice_in_one_upload_saves_the_first_only(tmp_path: Path):
    folder = tmp_path / "documents"
    saved = save_uploads(folder, [Upload("a.txt", NEWS.encode()), Upload("dir/A.txt", b"# x\n\nother text")])
    assert [item.ok for item in saved] == [True, False]
    assert (folder / "a.txt").read_bytes() == NEWS.encode()


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path):
    folder = tmp_path / "documents"
    big = ("清镇市新闻。" * 200).encode()
    saved = save_uploads(folder, [Upload("big.txt", big), Upload("small.txt", NEWS.encode())], limits=Limits(1000))
    assert [item.ok for item in saved] == [False, True]
    assert "超过单个文件上限" in saved[0].reason


def test_an_upload_over_the_total_limit_or_file_count_saves_nothing(tmp_path: Path):
    folder = tmp_path / "documents"
    uploads = [Upload(f"{n}.txt", NEWS.encode()) for n in range(3)]
    over_total = save_uploads(folder, uploads, limits=Limits(upload_bytes=2 * len(NEWS.encode())))
    assert all("合计不能超过" in item.reason for item in over_total)
    too_many = save_uploads(folder, uploads, limits=Limits(upload_files=2))
    assert all("最多上传 2 个文件" in item.reason for item in too_many)
    assert files_below(folder) == set()


# --- listing, indexing, removing -------------------------------------------------------------


@pytest.fixture
def build(encoder):
    return functools.partial(build_index, encoder=encoder)


def test_the_list_shows_indexed_skipped_and_pending_files(documents_dir: Path, tmp_path: Path, build):
    (documents_dir / "empty.md").write_bytes(b"")
    (documents_dir / "binary.txt").write_bytes(bytes(range(256)) * 8)
    update_index(documents_dir, tmp_path / "index", build=build)
    (documents_dir / "later.md").write_text(NEWS, encoding="utf-8")
    entries = {entry.source: entry for entry in list_documents(documents_dir, tmp_path / "index")}
    assert set(entries) == {"page.txt", "sub/note.md", "empty.md", "binary.txt", "later.md"}
    page = entries["page.txt"]
    assert page.status == INDEXED and page.articles >= 2 and page.passages >= page.articles
    assert page.added_at.endswith("+00:00") and page.size > 0
    assert (entries["binary.txt"].status, entries["binary.txt"].reason) == (SKIPPED, "binary file, not text")
    assert entries["empty.md"].status == SKIPPED and "empty" in entries["empty.md"].reason
    assert (entries["later.md"].status, entries["later.md"].passages) == (PENDING, 0)


def test_the_list_without_an_index_shows_every_file_pending(documents_dir: Path, tmp_path: Path):
    entries = list_documents(documents_dir, tmp_path / "no-index")
    assert {entry.status for entry in entries} == {PENDING}
    assert list_documents(tmp_path / "missing", tmp_path / "no-index") == []


def test_an_uploaded_file_is_answered_after_the_incremental_build(documents_dir: Path, tmp_path: Path, build, encoder):
    index = tmp_path / "index"
    update_index(documents_dir, index, build=build)
    save_uploads(documents_dir, [Upload("卫城镇.md", NEWS.encode("gb18030"))])
    report = update_index(documents_dir, index, build=build)
    assert (report.added, report.unchanged) == (1, 2)
    best = Retriever.load(index, encoder=encoder).retrieve("卫城镇新建了什么博物馆", k=1)[0]
    assert best.source == "卫城镇.md"
    assert {entry.source: entry.status for entry in list_documents(documents_dir, index)}["卫城镇.md"] == INDEXED


def test_removing_a_document_takes_it_out_of_the_folder_and_the_index(documents_dir: Path, tmp_path: Path, build):
    index = tmp_path / "index"
    update_index(documents_dir, index, build=build)
    kept = remove_document(documents_dir, "sub/note.md")
    assert not (documents_dir / "sub" / "note.md").exists()
    assert kept.parent == documents_dir.resolve() / ".removed" and "清镇市规模以上工业企业" in kept.read_text("utf-8")
    report = update_index(documents_dir, index, build=build)
    assert report.removed == 1
    assert [entry.source for entry in list_documents(documents_dir, index)] == ["page.txt"]


@pytest.mark.parametrize("source", ["../outside.txt", "/etc/passwd", ".removed/x.txt", "missing.txt", "sub", ""])
def test_removing_something_that_is_not_a_listed_document_is_refused(documents_dir: Path, tmp_path: Path, source):
    (tmp_path / "outside.txt").write_text("keep me", encoding="utf-8")
    before = files_below(tmp_path)
    with pytest.raises(LibraryError, match="文档库里没有"):
        remove_document(documents_dir, source)
    assert files_below(tmp_path) == before


def test_two_uploads_at_once_are_queued_behind_the_build_lock_and_both_indexed(
    documents_dir: Path, tmp_path: Path, build, encoder
):
    index = tmp_path / "index"
    update_index(documents_dir, index, build=build)
    results: dict[str, object] = {}

    def upload(name: str, text: str) -> None:
        save_uploads(documents_dir, [Upload(name, text.encode())])
        results[name] = update_index(documents_dir, index, build=build)

    with index_lock(index):  # another process is building: both uploads must wait, not fail
        threads = [
            threading.Thread(target=upload, args=("一.md", "# 一\n\n红枫湖新建了一座观鸟台。\n")),
            threading.Thread(target=upload, args=("二.md", "# 二\n\n站街镇新开了一家豆腐作坊。\n")),
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert not results  # still waiting for the lock
    for thread in threads:
        thread.join(timeout=60)
    assert set(results) == {"一.md", "二.md"}
    statuses = {entry.source: entry.status for entry in list_documents(documents_dir, index)}
    assert statuses["一.md"] == statuses["二.md"] == INDEXED
    retriever = Retriever.load(index, encoder=encoder)
    assert retriever.retrieve("站街镇豆腐作坊", k=1)[0].source == "二.md"


def test_a_build_locked_for_too_long_keeps_the_saved_file_for_the_next_build(
    documents_dir: Path, tmp_path: Path, build
):
    from qa.errors import IndexLockedError

    index = tmp_path / "index"
    update_index(documents_dir, index, build=build)
    save_uploads(documents_dir, [Upload("新.md", NEWS.encode())])
    with index_lock(index), pytest.raises(IndexLockedError):
        update_index(documents_dir, index, build=build, lock_wait=0.2)
    assert (documents_dir / "新.md").is_file()
    assert update_index(documents_dir, index, build=build).added == 1


def test_staging_files_are_hidden_from_the_index(documents_dir: Path, tmp_path: Path, build):
    staging = documents_dir / library.STAGING_DIR
    staging.mkdir()
    (staging / "half-written.part").write_text(NEWS, encoding="utf-8")
    (staging / "probe.md").write_text(NEWS, encoding="utf-8")
    report = update_index(documents_dir, tmp_path / "index", build=build)
    assert report.documents == 2
