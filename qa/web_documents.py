"""The documents panel of the web chat: the list of documents, upload, remove.

    with gr.Blocks() as app:
        panel = documents_panel(Path("documents"), Path("index"), manage=documents_manageable(host, auth))

Uploads and removals exist only when `manage` is set, which `qa serve` does when the page
has a login (--auth / QA_AUTH) or listens on the loopback address only (and not --read-only);
otherwise the panel lists the documents and says how to turn them on. The work itself (names,
limits, checks, queued builds) lives in `qa.library`; this module is wiring and rendering.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from qa.chat import escape_text
from qa.documents import SUPPORTED_SUFFIXES
from qa.errors import QAError
from qa.library import (
    INDEXED,
    MAX_FILE_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_FILES,
    PENDING,
    Upload,
    list_documents,
    remove_document,
    save_uploads,
    update_index,
)

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
STATUS_TEXT = {INDEXED: "已索引", PENDING: "待索引", "skipped": "已跳过"}
DOCUMENTS_CONCURRENCY_ID = "documents"  # uploads and removals run one at a time, in order; others wait in the queue
UNEXPECTED = "出错了，文件已保存在文档目录中；请稍后点“重建索引”，或请管理员查看日志。 (Something failed; the files are kept.)"


def documents_manageable(host: str, auth: str | None, read_only: bool = False) -> bool:
    """Whether the page may change the documents: with a login, or reachable from this machine only."""
    return not read_only and (bool(auth) or host in LOOPBACK_HOSTS)


def documents_table(documents_dir: Path, index_dir: Path, store: str | None = None) -> str:
    """The documents as an HTML table, every value escaped."""
    entries = list_documents(documents_dir, index_dir, store=store)
    if not entries:
        return '<p class="documents-empty">文档目录中还没有文档。</p>'
    rows = []
    for entry in entries:
        status = STATUS_TEXT.get(entry.status, entry.status)
        if entry.reason:
            status = f"{status}：{entry.reason}"
        cells = [entry.source, status, str(entry.articles), str(entry.passages), entry.added_at.replace("T", " ")[:16]]
        rows.append(
            f'<tr class="document-{entry.status}">' + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>"
        )
    header = "".join(f"<th>{name}</th>" for name in ("文件", "状态", "文章", "段落", "加入时间 (UTC)"))
    return f'<table class="documents-table"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _sources(documents_dir: Path, index_dir: Path, store: str | None) -> list[str]:
    return [entry.source for entry in list_documents(documents_dir, index_dir, store=store)]


def _upload_name(file: Any) -> tuple[str, str]:
    """(path of Gradio's temporary copy, the name the user's file had)."""
    path = str(getattr(file, "path", None) or getattr(file, "name", None) or file)
    original = getattr(file, "orig_name", None) or Path(path).name
    return path, str(original)


@dataclass
class DocumentsPanel:
    table: gr.HTML
    status: gr.Markdown
    files: gr.File | None = None
    remove_choice: gr.Dropdown | None = None


def documents_panel(
    documents_dir: Path,
    index_dir: Path,
    *,
    manage: bool,
    store: str | None = None,
    refreshed: list[gr.components.Component] | None = None,
    refresh: Callable[[], list[Any]] = list,
) -> DocumentsPanel:
    """Lay the panel out in the current Blocks context and wire its events.

    `refreshed` are other components to update after a change (the index description),
    with the values `refresh()` returns.
    """
    documents_dir, index_dir = Path(documents_dir), Path(index_dir)
    others = refreshed or []
    table = gr.HTML(documents_table(documents_dir, index_dir, store), elem_id="documents-table")
    status = gr.Markdown(elem_id="documents-status")
    panel = DocumentsPanel(table, status)
    if not manage:
        gr.Markdown(
            "上传和移除文档已关闭：请以 `--auth user:password`（或环境变量 QA_AUTH）启动，"
            "或只在本机 127.0.0.1 上运行。 (Uploads are off: run with a login or on 127.0.0.1 only.)"
        )
        return panel
    limits = (
        f"支持 {' '.join(SUPPORTED_SUFFIXES)}（UTF-8、GB18030、GBK）；每个文件最大 {MAX_FILE_BYTES // 2**20} MB，"
        f"每次最多 {MAX_UPLOAD_FILES} 个文件、合计 {MAX_UPLOAD_BYTES // 2**20} MB。"
    )
    files = gr.File(
        label="上传文档（可多选）",
        file_count="multiple",
        file_types=list(SUPPORTED_SUFFIXES),
        type="filepath",
        elem_id="documents-upload",
    )
    replace = gr.Checkbox(label="替换同名文件", value=False, elem_id="documents-replace")
    gr.Markdown(limits)
    with gr.Row():
        remove_choice = gr.Dropdown(
            choices=_sources(documents_dir, index_dir, store), label="移除文档", elem_id="documents-remove-choice"
        )
        remove_button = gr.Button("移除", variant="stop", elem_id="documents-remove")
    panel.files, panel.remove_choice = files, remove_choice

    def after_change(message: str) -> tuple[Any, ...]:
        choices = _sources(documents_dir, index_dir, store)
        return (
            message,
            documents_table(documents_dir, index_dir, store),
            gr.update(choices=choices, value=None),
            *refresh(),
        )

    def index_now(progress: gr.Progress) -> str:
        progress(0.2, desc="建立索引…")
        try:
            report = update_index(documents_dir, index_dir, store=store, show_progress=True)
        except QAError as error:
            return f"索引未更新：{escape_text(str(error))}"
        return (
            f"索引已更新：{report.documents} 个文档，{report.passages} 个段落"
            f"（新增 {report.added}，更新 {report.changed}，移除 {report.removed}），用时 {report.seconds:.1f} 秒。"
        )

    def upload(
        uploaded: list[Any] | None,
        replace_existing: bool,
        progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008 (how Gradio asks)
    ) -> tuple[Any, ...]:
        if not uploaded:
            return (None, *after_change(""))
        progress(0.0, desc="保存文件…")
        try:
            uploads = [Upload.from_path(*_upload_name(file)) for file in uploaded]
            saved = save_uploads(documents_dir, uploads, replace=bool(replace_existing))
        except OSError as error:
            log.exception("saving an upload failed")
            return (None, *after_change(f"无法保存文件：{escape_text(error.strerror or str(error))}"))
        lines = [
            f"- 已保存 {escape_text(item.source)}{'（替换了旧文件）' if item.replaced else ''}"
            if item.ok
            else f"- 未保存 {escape_text(item.name)}：{escape_text(item.reason)}"
            for item in saved
        ]
        if any(item.ok for item in saved):
            try:
                lines.insert(0, index_now(progress))
            except Exception:  # the files are saved; the next build indexes them
                log.exception("indexing after an upload failed")
                lines.insert(0, UNEXPECTED)
        return (None, *after_change("\n".join(lines)))

    def remove(source: str | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
        if not source:
            return after_change("请先选择要移除的文档。")
        try:
            remove_document(documents_dir, source)
        except QAError as error:
            return after_change(escape_text(str(error)))
        try:
            message = index_now(progress)
        except Exception:
            log.exception("indexing after a removal failed")
            message = UNEXPECTED
        return after_change(f"已移除 {escape_text(source)}。{message}")

    outputs = [status, table, remove_choice, *others]
    files.upload(
        upload,
        [files, replace],
        [files, *outputs],
        api_visibility="private",
        concurrency_id=DOCUMENTS_CONCURRENCY_ID,
        concurrency_limit=1,
        show_progress="full",
    )
    remove_button.click(
        remove,
        [remove_choice],
        outputs,
        api_visibility="private",
        concurrency_id=DOCUMENTS_CONCURRENCY_ID,
        concurrency_limit=1,
        show_progress="full",
    )
    return panel
