"""Launch settings for the web chat: where it listens, who may use it, what it serves.

    >>> settings = launch_settings(host="127.0.0.1", port=7860, auth="ana:secret", blocked=["index"])
    >>> settings["share"], settings["auth"]
    (False, ('ana', 'secret'))

Binds 127.0.0.1 unless told otherwise, never opens a share link, sets an upload size limit,
blocks the index, documents and virtual-environment folders from Gradio's file routes, and refuses
requests whose `Origin` is another site (or `null`). The queue answers CHAT_CONCURRENCY
questions at once and holds a bounded number more. `qa serve`, `python app.py` and the tests
all launch through `launch`. This module does not build the page (`qa.web` does).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from qa.documents import default_documents_dir
from qa.errors import UsageError
from qa.retriever import default_index_dir
from qa.store import STORE_ENV

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
CHAT_CONCURRENCY = 4  # questions answered at once (/chat and /retrieve together); more wait in the queue
DEFAULT_QUEUE_SIZE = 256  # questions waiting; past this Gradio answers "Queue is full" at once (docs/RELIABILITY.md)
MAX_FILE_SIZE = "1mb"  # the upload route exists even without an upload component
AUTH_ENV = "QA_AUTH"
HOST_ENV = "QA_HOST"
PORT_ENV = "QA_PORT"
QUEUE_SIZE_ENV = "QA_QUEUE_SIZE"
READ_ONLY_ENV = "QA_READ_ONLY"


class AuthFormatError(UsageError):
    def __init__(self) -> None:
        super().__init__("--auth / QA_AUTH must look like user:password (both non-empty)")


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'ana:se:cret' -> ('ana', 'se:cret'); None or '' -> None (no login). Raises AuthFormatError."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise AuthFormatError()
    return user, password


def queue_size() -> int:
    """$QA_QUEUE_SIZE, else DEFAULT_QUEUE_SIZE."""
    return int(os.environ.get(QUEUE_SIZE_ENV) or DEFAULT_QUEUE_SIZE)


def blocked_paths(*folders: str | Path) -> list[str]:
    """The folders Gradio's file routes must never serve: the ones given plus the Python environment running us."""
    return [str(Path(folder).resolve()) for folder in (*folders, sys.prefix)]


class OriginCheck:
    """ASGI middleware: 403 for a request whose Origin is not the server's own (`null` included).

    Requests without an Origin (gradio_client, curl) and same-origin requests from the page pass.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
            origin = headers.get("origin")
            if origin is not None and not same_origin(origin, headers.get("host", ""), scope):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await send(
                    {"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"text/plain")]}
                )
                await send({"type": "http.response.body", "body": b"cross-origin request refused"})
                return
        await self.app(scope, receive, send)


def same_origin(origin: str, host: str, scope: Scope) -> bool:
    """'http://127.0.0.1:7860' is the same origin as host '127.0.0.1:7860' over http; 'null' never is."""
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    return bool(host) and origin.rstrip("/").lower() == f"{scheme}://{host}".lower()


def launch_settings(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    auth: str | None = None,
    blocked: Sequence[str | Path] = (),
    max_file_size: int | str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `gr.Blocks.launch`. Raises AuthFormatError for a malformed auth.

    `max_file_size` (bytes) raises the upload limit for a page that takes documents (default MAX_FILE_SIZE).
    """
    from starlette.middleware import Middleware

    return {
        "server_name": host,
        "server_port": port,
        "share": False,
        "auth": parse_auth(auth),
        "max_file_size": max_file_size or MAX_FILE_SIZE,
        "allowed_paths": [],
        "blocked_paths": blocked_paths(*blocked),
        "strict_cors": True,
        "app_kwargs": {"middleware": [Middleware(OriginCheck)]},
    }


def positive_int(text: str) -> int:
    """argparse type: '64' -> 64; '0', '-1' and 'many' are refused."""
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The web chat's options, each defaulting to its environment variable (flags win)."""
    parser.add_argument(
        "--host", default=os.environ.get(HOST_ENV) or DEFAULT_HOST, help=f"default: ${HOST_ENV} or {DEFAULT_HOST}"
    )
    # string defaults go through `type`, so a bad $QA_PORT is a usage error like a bad --port
    parser.add_argument(
        "--port",
        type=int,
        default=os.environ.get(PORT_ENV) or str(DEFAULT_PORT),
        help=f"default: ${PORT_ENV} or {DEFAULT_PORT}",
    )
    parser.add_argument(
        "--index", type=Path, default=default_index_dir(), help="index folder (default: $QA_INDEX or index)"
    )
    parser.add_argument(
        "--store",
        default=os.environ.get(STORE_ENV) or None,
        help=f"milvus://host:19530 or a Milvus Lite file (*.db) instead of the index folder (default: ${STORE_ENV})",
    )
    parser.add_argument(
        "--documents",
        type=Path,
        default=default_documents_dir(),
        help="documents folder, for rebuilds from the page (default: $QA_DOCUMENTS or documents)",
    )
    parser.add_argument(
        "--auth",
        default=os.environ.get(AUTH_ENV),
        help=f"user:password to protect the page and API (default: ${AUTH_ENV})",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=os.environ.get(READ_ONLY_ENV, "") not in ("", "0"),
        help="no uploads or removals from the page, even with a login or on 127.0.0.1 "
        f"(default: ${READ_ONLY_ENV}=1 sets it)",
    )
    parser.add_argument(
        "--queue-size",
        type=positive_int,
        default=os.environ.get(QUEUE_SIZE_ENV) or str(DEFAULT_QUEUE_SIZE),
        help=f"questions that may wait; past it a request is refused at once (default: ${QUEUE_SIZE_ENV} or {DEFAULT_QUEUE_SIZE})",
    )


def launch(
    app: Any,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    auth: str | None = None,
    blocked: Sequence[str | Path] = (),
    max_queued: int | None = None,
    max_file_size: int | str | None = None,
    **extra: Any,
) -> Any:
    """Queue and launch a `gr.Blocks` with the safe settings; `extra` goes to `launch` (tests: prevent_thread_lock).

    Raises AuthFormatError for a malformed auth, before anything listens.
    """
    settings = launch_settings(host, port, auth, blocked, max_file_size)
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=max_queued or queue_size())
    return app.launch(**settings, **extra)
