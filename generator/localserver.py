"""An HTTP server on 127.0.0.1 in a background thread: the demo's local arXiv and the tests' fakes."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

_HOST = "127.0.0.1"


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

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
