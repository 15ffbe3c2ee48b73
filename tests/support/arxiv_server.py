"""A scripted arXiv API on 127.0.0.1 for tests: recorded responses, failures, slowness."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from generator.localserver import LocalServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_api"


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to trip the client's timeout)
    content_length: int | None = None  # announce more than is sent to cut the transfer off


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, str]
    at: float  # time.monotonic() on arrival


Respond = Callable[[dict[str, str]], Reply]


def recorded(relative_path: str) -> bytes:
    """A recorded real arXiv API response from tests/fixtures/arxiv_api."""
    return (FIXTURES / relative_path).read_bytes()


def in_order(*replies: Reply) -> Respond:
    """Answer the n-th request with the n-th reply; the last one repeats."""
    remaining = list(replies)
    lock = threading.Lock()

    def respond(query: dict[str, str]) -> Reply:
        with lock:
            return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return respond


def by_start(pages: Mapping[int, Reply]) -> Respond:
    """Answer each page request by its `start` parameter (a missing page is a 404)."""

    def respond(query: dict[str, str]) -> Reply:
        return pages.get(int(query.get("start", "0")), Reply(b"no such page", status=404))

    return respond


class ArxivTestServer(LocalServer):
    """A threaded HTTP server answering GET /api/query with `respond(query)`; records requests."""

    def __init__(self, respond: Respond):
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                server.seen.append(Seen(parts.path, query, time.monotonic()))
                reply = respond(query)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/atom+xml; charset=UTF-8")
                    self.send_header("Content-Length", str(reply.content_length or len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is what a timeout test wants
                if reply.content_length:
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output clean

        super().__init__(Handler)

    @property
    def url(self) -> str:
        return f"{self.origin}/api/query"
