"""An HTTP server on 127.0.0.1 in a background thread: the demo's local arXiv and the tests' fakes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, urlsplit

_HOST = "127.0.0.1"

# status, body, headers
Answer = tuple[int, bytes, Mapping[str, str]]
# (path, query, request headers with lower-case names) -> Answer
Answerer = Callable[[str, dict[str, str], dict[str, str]], Answer]


def answering(answer: Answerer) -> type[BaseHTTPRequestHandler]:
    """A request handler whose GET sends `answer(path, query, headers)`, logging nothing."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, body, extra = answer(parts.path, query, headers)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # one line per request would drown the demo's progress output

    return Handler


class LocalServer:
    """A context manager serving `handler` on 127.0.0.1 (`port` 0: any free port) until exit."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, port: int = 0):
        self._httpd = ThreadingHTTPServer((_HOST, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def origin(self) -> str:
        """e.g. http://127.0.0.1:8765"""
        return f"http://{_HOST}:{self._httpd.server_port}"

    def wait(self) -> None:
        """Serve until interrupted (Ctrl-C): for running a server alone."""
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
