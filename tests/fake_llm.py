"""A fake OpenAI-compatible endpoint on a free 127.0.0.1 port, for the language-model tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer


def serve_posts(respond: Callable[[BaseHTTPRequestHandler, dict], None]) -> tuple[HTTPServer, str]:
    """(server, base URL) of a fake whose every POST is answered by `respond(handler, JSON body)`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            respond(self, json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/v1"
