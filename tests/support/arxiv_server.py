"""A scripted arXiv API on 127.0.0.1 for tests: recorded responses, failures, slowness."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from tests.support.http_server import Reply, ScriptedServer, Seen, in_order

__all__ = ["ArxivTestServer", "Reply", "Seen", "by_start", "in_order", "recorded"]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_api"


Respond = Callable[[dict[str, str]], Reply]
ATOM = "application/atom+xml; charset=UTF-8"


def recorded(relative_path: str) -> bytes:
    """A recorded real arXiv API response from tests/fixtures/arxiv_api."""
    return (FIXTURES / relative_path).read_bytes()


def by_start(pages: Mapping[int, Reply]) -> Respond:
    """Answer each page request by its `start` parameter (a missing page is a 404)."""

    def respond(query: dict[str, str]) -> Reply:
        return pages.get(int(query.get("start", "0")), Reply(b"no such page", status=404))

    return respond


class ArxivTestServer(ScriptedServer):
    """A threaded HTTP server answering GET /api/query with `respond(query)` in Atom; records requests."""

    def __init__(self, respond: Respond):
        super().__init__(lambda seen: replace(respond(seen.query), content_type=ATOM))

    @property
    def url(self) -> str:  # type: ignore[override]  # the API has one URL
        return f"{self.origin}/api/query"
