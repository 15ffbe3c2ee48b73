"""A scripted HTTP server on 127.0.0.1 for tests: recorded responses, failures, slowness.

`ScriptedServer(respond)` answers every GET with `respond(seen)` and records what it received
(path, query, headers), so a test can check paging, User-Agent and conditional headers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from generator.localserver import LocalServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to trip the client's timeout)
    content_length: int | None = None  # announce more than is sent to cut the transfer off
    content_type: str = "application/json"
    trickle: float = 0.0  # seconds between body chunks of 64 bytes (a slow server)


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, str]
    at: float  # time.monotonic() on arrival
    headers: Mapping[str, str] = field(default_factory=dict)


Respond = Callable[[Seen], Reply]


def fixture(relative_path: str) -> bytes:
    """A recorded response (or a documented-format fixture) from tests/fixtures."""
    return (FIXTURES / relative_path).read_bytes()


def in_order(*replies: Reply) -> Respond:
    """Answer the n-th request with the n-th reply; the last one repeats."""
    remaining = list(replies)
    lock = threading.Lock()

    def respond(seen: Seen) -> Reply:
        with lock:
            return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return respond


def by_path(routes: Mapping[str, Reply]) -> Respond:
    """Answer by exact path (query ignored); anything else is a 404."""

    def respond(seen: Seen) -> Reply:
        return routes.get(seen.path, Reply(b"not found", status=404, content_type="text/plain"))

    return respond


class ScriptedServer(LocalServer):
    """A threaded HTTP server answering every GET with `respond(seen)`; records requests."""

    def __init__(self, respond: Respond):
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                seen = Seen(
                    parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                    time.monotonic(), dict(self.headers.items()),
                )
                server.seen.append(seen)
                reply = respond(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(reply.content_length or len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if reply.trickle:
                        for start in range(0, len(reply.body), 64):
                            self.wfile.write(reply.body[start:start + 64])
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is what a timeout test wants
                if reply.content_length:
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output clean

        super().__init__(Handler)

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]
