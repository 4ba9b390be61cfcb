"""The web chat: ask a question, get a short answer and the passages it cites.

    qa serve [--host 127.0.0.1] [--port 7860] [--index DIR | --store STORE] [--documents DIR]
             [--auth USER:PASSWORD] [--queue-size N] [--read-only]

(`python app.py` takes the same options.) Environment: QA_HOST, QA_PORT, QA_INDEX, QA_STORE,
QA_DOCUMENTS, QA_AUTH, QA_QUEUE_SIZE, QA_READ_ONLY (flags win). The 文档库 tab lists the documents and,
with a login or on 127.0.0.1 only, takes uploads and removals (`qa.web_documents`); a cited
passage opens its article in the 原文 panel (`qa.reply_view`); replies stream when a language
model is configured (`qa.streaming`). With a Milvus store (milvus://host:19530),
several chat processes answer from it and follow its rebuilds. Launch settings (no share link, login, file-route limits,
Origin check, queue) live in `qa.serving`. API endpoints for programs: `/chat` (message, k ->
the reply as markdown) and `/retrieve` (question, k -> a JSON list of passages). Wiring only:
retrieval, formatting and escaping live in `qa.chat`.
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from qa.chat import (
    EXAMPLE_QUESTIONS,
    cited_passages,
    describe_index,
    escape_text,
    format_build_report,
    highlight_terms,
    reply,
    shown_question,
)
from qa.embedding import configured_model
from qa.errors import QAError
from qa.index import build_index
from qa.library import MAX_FILE_BYTES
from qa.live import live_retriever
from qa.reply_view import SOURCE_CHANGED, open_source
from qa.serving import CHAT_CONCURRENCY, launch, parse_auth
from qa.store import chosen_store
from qa.streaming import stream_reply
from qa.web_documents import documents_manageable, documents_panel

NO_LATEX: list[dict[str, str | bool]] = []  # documents' "$$E=mc^2$$" is text, never typeset
CHAT_HEIGHT = "calc(100dvh - 230px)"  # the window's height less the title, tabs and question box
SOURCE_HINT = '<p class="source-hint">展开引用段落，点“阅读原文”，文章会显示在这里，引用的段落高亮。</p>'
# A click on a reply's "阅读原文" link opens the article here instead of following the link;
# when the article arrives, its cited passage is scrolled into view.
SOURCE_LINKS_JS = """
document.addEventListener('click', (event) => {
  const link = event.target.closest && event.target.closest('#chat a.open-source');
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  trigger('click', {passage: link.getAttribute('href')});
}, true);
watch('value', () => {
  const cited = element.querySelector('#cited-passage');
  if (cited) cited.scrollIntoView({block: 'center'});
});
"""
# After a reply arrives: show the latest question and the top of its answer, not the end of the reply.
SHOW_REPLY_JS = """() => {
  const box = document.querySelector('#chat [role=log], #chat .bubble-wrap');
  const users = document.querySelectorAll('#chat .user');
  const last = users[users.length - 1];
  if (box && last) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
}"""
PAGE_CSS = """
#page-title h2 { margin: 0; font-size: 1.15rem; }
@media (max-width: 640px) { #page-title h2 { font-size: 0.95rem; } }
#chat details.cited { margin: 0.1em 0; }
#chat details.cited > summary { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; }
#chat details.cited[open] > summary { white-space: normal; }
#source-view { max-height: calc(100dvh - 260px); overflow-y: auto; }
#source-view .cited-passage { background: #fff3b0; border-left: 4px solid #e0a800; padding: 0 0.5em; }
#source-view .source-meta { color: #666; font-size: 0.9em; }
#documents-table table { width: 100%; border-collapse: collapse; }
#documents-table th, #documents-table td { border-bottom: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; }
"""


def make_app(
    index_dir: str | Path,
    documents_dir: str | Path = "documents",
    store: str | None = None,
    *,
    manage_documents: bool = False,
) -> gr.Blocks:
    """The chat over the index folder, or over the store named (a Milvus server or Milvus Lite file).

    With `manage_documents` the documents tab uploads and removes files (`qa.web_documents`).
    """
    folder, milvus = chosen_store(store, Path(index_dir))
    index_dir = folder or index_dir
    # loaded once, shared by every session, follows rebuilds
    retriever = live_retriever(store=str(milvus)) if milvus else live_retriever(index_dir)

    def chat(message: str, k: int = 5, history: list[str] | None = None) -> str:
        """The reply to `message`; `history` holds the user's earlier questions, for follow-ups."""
        return reply(retriever, message, k, history)

    def respond(
        message: str, shown: list[dict[str, Any]], k: int, asked: list[str]
    ) -> Iterator[tuple[str, list[dict[str, Any]], list[str]]]:
        """The reply as it is written (streamed with a language model, else in one piece)."""
        user = {"role": "user", "content": shown_question(message)}
        now_asked = [*asked, message] if isinstance(message, str) and message.strip() else asked
        for text in stream_reply(retriever, message, k, asked):
            yield "", [*shown, user, {"role": "assistant", "content": text}], now_asked

    def retrieve(question: str, k: int = 5) -> list[dict[str, Any]]:
        try:
            return cited_passages(retriever, question, k)
        except QAError as error:
            raise gr.Error(str(error)) from None

    def rebuild(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, str]:  # noqa: B008 (how Gradio asks)
        try:
            report = build_index(
                Path(documents_dir), Path(index_dir), model=configured_model(), show_progress=True, store=milvus
            )
        except QAError as error:
            return escape_text(str(error)), describe_index(retriever)
        return format_build_report(report), describe_index(retriever)

    def show_source(asked: list[str], event: gr.EventData) -> str:
        """The article of the passage a reply's "阅读原文" link names, that passage marked."""
        key = str(getattr(event, "passage", ""))
        try:
            passages = retriever.current().passages
        except QAError as error:
            return f"<p>{html.escape(str(error))}</p>"
        terms = highlight_terms(asked[-1]) if asked else []
        view = open_source(passages, key, terms)
        return view.html if view is not None else f"<p>{html.escape(SOURCE_CHANGED)}</p>"

    with gr.Blocks(title="清镇文档问答", analytics_enabled=False) as app:
        gr.Markdown("## 清镇文档问答 · 有出处的问答 Question answering with cited passages", elem_id="page-title")
        tabs = gr.Tabs()
        with tabs, gr.Tab("对话 Chat", id="chat-tab"), gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="对话",
                    height=CHAT_HEIGHT,
                    min_height=360,
                    autoscroll=False,  # a long reply must not scroll its answer line out of view
                    allow_tags=False,
                    sanitize_html=True,
                    latex_delimiters=NO_LATEX,
                    elem_id="chat",
                )
                asked = gr.State([])  # this session's questions as typed, for follow-ups
                question = gr.Textbox(
                    placeholder="输入问题，按回车发送", show_label=False, submit_btn="提问", elem_id="question"
                )
                gr.ClearButton([chatbot, question, asked], value="清空对话")
            with gr.Column(scale=2):
                with gr.Accordion("原文 Source", open=True, elem_id="source-panel"):
                    source_view = gr.HTML(
                        SOURCE_HINT,
                        js_on_load=SOURCE_LINKS_JS,
                        head=f"<style>{PAGE_CSS}</style>",
                        elem_id="source-view",
                    )
                k = gr.Slider(1, 10, value=5, step=1, label="引用段落数 k")
                gr.Examples(EXAMPLE_QUESTIONS, inputs=[question], label="示例问题（点击填入）")
                with gr.Accordion("索引信息", open=True):
                    info = gr.Markdown(describe_index(retriever), latex_delimiters=NO_LATEX, elem_id="index-info")
                    rebuild_button = gr.Button("重建索引", variant="secondary")
                    rebuild_status = gr.Markdown(latex_delimiters=NO_LATEX, elem_id="rebuild-status")
        source_view.click(show_source, [asked], [source_view], api_visibility="private", concurrency_id="chat")
        question.submit(
            respond,
            [question, chatbot, k, asked],
            [question, chatbot, asked],
            api_visibility="private",
            concurrency_id="chat",
            concurrency_limit=CHAT_CONCURRENCY,
        ).then(None, js=SHOW_REPLY_JS)
        gr.api(chat, api_name="chat", concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY)
        rebuild_button.click(
            rebuild, outputs=[rebuild_status, info], api_name="rebuild", concurrency_limit=1, show_progress="full"
        )
        with tabs, gr.Tab("文档库 Documents", id="documents"):
            documents_panel(
                Path(documents_dir),
                Path(index_dir),
                manage=manage_documents,
                store=str(milvus) if milvus else None,
                refreshed=[info],
                refresh=lambda: [describe_index(retriever)],
            )
        app.load(lambda: describe_index(retriever), outputs=info, api_visibility="private")
        gr.api(retrieve, api_name="retrieve", concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY)
    return app


def serve(args: argparse.Namespace, **extra: Any) -> Any:
    """Build the page and launch it with the options of `qa.serving.add_serve_arguments`."""
    parse_auth(args.auth)  # a malformed --auth is refused before the model loads
    manage = documents_manageable(args.host, args.auth, args.read_only)
    app = make_app(args.index, args.documents, args.store, manage_documents=manage)
    return launch(
        app,
        args.host,
        args.port,
        args.auth,
        blocked=[args.index, args.documents],
        max_queued=args.queue_size,
        max_file_size=MAX_FILE_BYTES if manage else None,
        **extra,
    )


def main(argv: list[str] | None = None) -> int:
    """`python app.py [options]`: the same as `qa serve [options]`."""
    from qa.cli import main as cli_main

    return cli_main(["serve", *(argv if argv is not None else sys.argv[1:])])
