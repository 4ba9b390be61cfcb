"""The web chat: ask a question, get the passages that answer it, with their sources.

    python app.py [--host 127.0.0.1] [--port 7860] [--index DIR]

Wiring only: retrieval and formatting live in `qa/`.
"""

from __future__ import annotations

import argparse
import logging
import os

import gradio as gr

from qa.chat import format_reply
from qa.errors import QAError
from qa.retriever import default_index_dir, live_retriever

log = logging.getLogger("qa.app")


def make_app(index_dir: str) -> gr.ChatInterface:
    retriever = live_retriever(index_dir)

    def respond(message: str, history: list) -> str:
        try:
            return format_reply(retriever.retrieve(message, k=5))
        except QAError as error:
            return str(error)

    return gr.ChatInterface(
        respond,
        title="清镇文档问答",
        description="Question answering over Chinese documents, with cited passages",
        examples=["清镇市一季度工业投资完成了多少？", "贵州省2024年从哪天起全面入汛？"],
        api_name="chat",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="清镇文档问答 web chat")
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")))
    parser.add_argument("--index", default=str(default_index_dir()))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    make_app(args.index).queue(default_concurrency_limit=4).launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
