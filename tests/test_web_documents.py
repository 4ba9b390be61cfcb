"""The documents tab (qa.web_documents): when uploads are on, what the list shows, how `qa serve` launches it."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from qa import web
from qa.library import MAX_FILE_BYTES, Upload, save_uploads
from qa.serving import MAX_FILE_SIZE
from qa.web_documents import documents_manageable, documents_table


@pytest.mark.parametrize(
    ("host", "auth", "read_only", "manageable"),
    [
        ("127.0.0.1", None, False, True),
        ("localhost", None, False, True),
        ("0.0.0.0", None, False, False),
        ("192.168.1.5", "", False, False),
        ("0.0.0.0", "ana:secret", False, True),
        ("127.0.0.1", None, True, False),
        ("0.0.0.0", "ana:secret", True, False),
    ],
)
def test_uploads_are_on_only_with_a_login_or_on_the_loopback_address(host, auth, read_only, manageable):
    assert documents_manageable(host, auth, read_only) is manageable


def test_the_table_lists_each_document_with_its_status_and_escapes_names(documents_dir: Path, tmp_path: Path):
    (documents_dir / "<img src=x onerror=alert(1)>.md").write_text("# 标题\n\n正文内容，足够长的一句话。\n", encoding="utf-8")
    (documents_dir / "empty.txt").write_bytes(b"")
    table = documents_table(documents_dir, tmp_path / "no-index")
    assert "&lt;img src=x onerror=alert(1)&gt;.md" in table and "<img" not in table
    assert table.count("<tr class=") == 4
    assert "待索引" in table and "已跳过：empty file (0 bytes)" in table


def test_an_empty_folder_says_so(tmp_path: Path):
    (tmp_path / "documents").mkdir()
    assert "还没有文档" in documents_table(tmp_path / "documents", tmp_path / "index")


def launched_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], *args: str
) -> tuple[gr.Blocks, dict]:
    """Run `python app.py ARGS` in `env` with launch stubbed out: (the page built, launch's keyword arguments)."""
    launched: dict = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: launched.update(kwargs, app=self))
    for name in ("QA_HOST", "QA_AUTH", "QA_READ_ONLY", "QA_DOCUMENTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "docs").mkdir(exist_ok=True)
    web.main(["--index", str(tmp_path / "missing"), "--documents", str(tmp_path / "docs"), *args])
    return launched.pop("app"), launched


def has_upload(app: gr.Blocks) -> bool:
    return any(getattr(block, "elem_id", None) == "documents-upload" for block in app.blocks.values())


@pytest.mark.parametrize(
    ("args", "env", "uploads"),
    [
        ((), {}, True),  # 127.0.0.1 by default
        (("--host", "0.0.0.0"), {}, False),
        (("--host", "0.0.0.0", "--auth", "ana:secret"), {}, True),
        (("--host", "0.0.0.0"), {"QA_AUTH": "ana:secret"}, True),
        ((), {"QA_HOST": "0.0.0.0"}, False),
        (("--read-only",), {}, False),
        ((), {"QA_READ_ONLY": "1"}, False),
        ((), {"QA_READ_ONLY": "0"}, True),
    ],
)
def test_serve_offers_uploads_only_when_safe(monkeypatch, tmp_path, fake_model, args, env, uploads):
    app, settings = launched_app(monkeypatch, tmp_path, env, *args)
    assert has_upload(app) is uploads
    assert settings["max_file_size"] == (MAX_FILE_BYTES if uploads else MAX_FILE_SIZE)


def test_a_page_without_uploads_still_lists_the_documents(documents_dir: Path, tmp_path: Path, fake_model):
    save_uploads(documents_dir, [Upload("新.md", "# 新\n\n一段新的正文内容。\n".encode())])
    app = web.make_app(tmp_path / "index", documents_dir)
    tables = [block for block in app.blocks.values() if getattr(block, "elem_id", None) == "documents-table"]
    assert len(tables) == 1 and "新.md" in tables[0].value
    assert not has_upload(app)
