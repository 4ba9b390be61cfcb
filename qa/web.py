"""The web chat: ask a question, get a short answer and the passages it cites.

    qa serve [--host 127.0.0.1] [--port 7860] [--index DIR | --store STORE] [--documents DIR]
             [--auth USER:PASSWORD] [--queue-size N]

(`python app.py` takes the same options.) Environment: QA_HOST, QA_PORT, QA_INDEX, QA_STORE,
QA_DOCUMENTS, QA_AUTH, QA_QUEUE_SIZE (flags win). With a Milvus store (milvus://host:19530),
several chat processes answer from it and follow its rebuilds. Launch settings (no share link, login, file-route limits,
Origin check, queue) live in `qa.serving`. API endpoints for programs: `/chat` (message, k ->
the reply as markdown) and `/retrieve` (question, k -> a JSON list of passages). Wiring only:
retrieval, formatting and escaping live in `qa.chat`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import gradio as gr

from qa.chat import (
    EXAMPLE_QUESTIONS,
    cited_passages,
    describe_index,
    escape_text,
    format_build_report,
    reply,
    shown_question,
)
from qa.embedding import configured_model
from qa.errors import QAError
from qa.index import build_index
from qa.live import live_retriever
from qa.serving import CHAT_CONCURRENCY, launch, parse_auth
from qa.store import chosen_store

NO_LATEX: list[dict[str, str | bool]] = []  # documents' "$$E=mc^2$$" is text, never typeset


def make_app(index_dir: str | Path, documents_dir: str | Path = "documents", store: str | None = None) -> gr.Blocks:
    """The chat over the index folder, or over the store named (a Milvus server or Milvus Lite file)."""
    folder, milvus = chosen_store(store, Path(index_dir))
    index_dir = folder or index_dir
    # loaded once, shared by every session, follows rebuilds
    retriever = live_retriever(store=str(milvus)) if milvus else live_retriever(index_dir)

    def chat(message: str, k: int = 5, history: list[str] | None = None) -> str:
        """The reply to `message`; `history` holds the user's earlier questions, for follow-ups."""
        return reply(retriever, message, k, history)

    def respond(
        message: str, shown: list[dict[str, Any]], k: int, asked: list[str]
    ) -> tuple[str, list[dict[str, Any]], list[str]]:
        turn = [
            {"role": "user", "content": shown_question(message)},
            {"role": "assistant", "content": chat(message, k, asked)},
        ]
        return "", [*shown, *turn], [*asked, message] if isinstance(message, str) and message.strip() else asked

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

    with gr.Blocks(title="清镇文档问答", analytics_enabled=False) as app:
        gr.Markdown("# 清镇文档问答\nQuestion answering over Chinese documents, with cited passages")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="对话",
                    height=560,
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
            with gr.Column(scale=1):
                k = gr.Slider(1, 10, value=5, step=1, label="引用段落数 k")
                gr.Examples(EXAMPLE_QUESTIONS, inputs=[question], label="示例问题（点击填入）")
                with gr.Accordion("索引信息", open=True):
                    info = gr.Markdown(describe_index(retriever), latex_delimiters=NO_LATEX, elem_id="index-info")
                    rebuild_button = gr.Button("重建索引", variant="secondary")
                    rebuild_status = gr.Markdown(latex_delimiters=NO_LATEX, elem_id="rebuild-status")
        question.submit(
            respond,
            [question, chatbot, k, asked],
            [question, chatbot, asked],
            api_visibility="private",
            concurrency_id="chat",
            concurrency_limit=CHAT_CONCURRENCY,
        )
        gr.api(chat, api_name="chat", concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY)
        rebuild_button.click(
            rebuild, outputs=[rebuild_status, info], api_name="rebuild", concurrency_limit=1, show_progress="full"
        )
        app.load(lambda: describe_index(retriever), outputs=info, api_visibility="private")
        gr.api(retrieve, api_name="retrieve", concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY)
    return app


def serve(args: argparse.Namespace, **extra: Any) -> Any:
    """Build the page and launch it with the options of `qa.serving.add_serve_arguments`."""
    parse_auth(args.auth)  # a malformed --auth is refused before the model loads
    app = make_app(args.index, args.documents, args.store)
    return launch(
        app, args.host, args.port, args.auth, blocked=[args.index, args.documents], max_queued=args.queue_size, **extra
    )


def main(argv: list[str] | None = None) -> int:
    """`python app.py [options]`: the same as `qa serve [options]`."""
    from qa.cli import main as cli_main

    return cli_main(["serve", *(argv if argv is not None else sys.argv[1:])])
