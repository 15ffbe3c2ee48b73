"""The HTTP layer against a real local server: User-Agent, pacing, deadline, retries, revalidation."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
import pytest

from generator import http
from generator.errors import SourceError
from tests.support.http_server import Reply, ScriptedServer, by_path, in_order

FAST = http.HttpSettings(interval_seconds=0, host_intervals={}, backoff_seconds=0.01, retries=3,
                         timeout_seconds=5)


def client(settings: http.HttpSettings = FAST, **kwargs: object) -> httpx.Client:
    return http.make_client(settings, **kwargs)  # type: ignore[arg-type]


def test_user_agent_names_the_project_its_url_and_the_mailto() -> None:
    settings = FAST.model_copy(update={"mailto": "radar@lab.example"})
    with ScriptedServer(in_order(Reply(b"{}"))) as server, client(
        settings, site_url="https://lab.example/radar"
    ) as session:
        http.get(session, server.url("/x"), label="Crossref")
    agent = server.seen[0].headers["User-Agent"]
    assert agent == "Paper Radar/0.1.0 (+https://lab.example/radar; mailto:radar@lab.example)"
    assert http.user_agent(http.HttpSettings()) == "Paper Radar/0.1.0"


def test_retries_5xx_then_succeeds_and_logs_one_line_per_retry(caplog: pytest.LogCaptureFixture) -> None:
    replies = in_order(Reply(status=503), Reply(status=502), Reply(b'{"ok": 1}'))
    with caplog.at_level(logging.WARNING, "generator.http"), ScriptedServer(replies) as server, \
            client() as session:
        response = http.get(session, server.url("/details"), label="medRxiv")
    assert response.json() == {"ok": 1}
    assert len(server.seen) == 3
    lines = [record.getMessage() for record in caplog.records]
    assert lines[0] == "medRxiv not answering (HTTP 503), retry 1 of 3 in 0.01 s"
    assert lines[1] == "medRxiv not answering (HTTP 502), retry 2 of 3 in 0.02 s"


def test_retry_after_is_honoured_and_capped() -> None:
    waits: list[float] = []
    settings = FAST.model_copy(update={"max_wait_seconds": 7})
    replies = in_order(
        Reply(status=429, headers={"Retry-After": "3"}),
        Reply(status=503, headers={"Retry-After": "120"}),
        Reply(b"{}"),
    )
    with ScriptedServer(replies) as server, client(settings, sleep=waits.append) as session:
        http.get(session, server.url("/"), label="Hugging Face")
    assert waits == [3.0, 7.0]


def test_retry_after_as_an_http_date() -> None:
    later = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    assert (http.retry_after(later) or 0) > 1e6
    assert http.retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None


def test_spent_retries_give_one_line_naming_the_endpoint_without_credentials() -> None:
    with ScriptedServer(in_order(Reply(status=503))) as server, client() as session:
        url = server.url("/details/medrxiv").replace("http://", "http://user:secret@")
        with pytest.raises(SourceError) as caught:
            http.get(session, url + "?api_key=secret", label="medRxiv")
    message = str(caught.value)
    assert message == f"medRxiv: {server.url('/details/medrxiv')} answered HTTP 503"
    assert "secret" not in message and "\n" not in message
    assert caught.value.status == 503  # the answer's status, for a caller to act on
    assert len(server.seen) == 4  # one try and three retries


def test_a_client_error_is_not_retried() -> None:
    with ScriptedServer(in_order(Reply(status=404))) as server, client() as session:
        with pytest.raises(SourceError, match="answered HTTP 404") as caught:
            http.get(session, server.url("/missing"), label="Crossref")
    assert caught.value.status == 404  # how Crossref's "no such DOI" is told apart (journals)
    assert len(server.seen) == 1


def test_a_silent_server_times_out_after_the_retries() -> None:
    settings = FAST.model_copy(update={"timeout_seconds": 0.2, "retries": 1})
    with ScriptedServer(in_order(Reply(b"{}", delay=1.0))) as server, client(settings) as session:
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"^medRxiv: no complete answer from .* in time$") as caught:
            http.get(session, server.url("/slow"), label="medRxiv")
    assert caught.value.status is None  # no answer, no status
    assert time.monotonic() - started < 1.5
    assert len(server.seen) == 2


def test_a_trickling_body_is_cut_off_at_the_total_deadline() -> None:
    settings = FAST.model_copy(update={"timeout_seconds": 0.3, "retries": 0})
    body = b"x" * 64 * 40  # 40 chunks, 0.05 s apart: 2 s in all, each read well inside 0.3 s
    with ScriptedServer(in_order(Reply(body, trickle=0.05))) as server, client(settings) as session:
        started = time.monotonic()
        with pytest.raises(SourceError, match="in time"):
            http.get(session, server.url("/trickle"), label="journals")
    assert time.monotonic() - started < 1.0


def test_a_truncated_body_is_retried() -> None:
    replies = in_order(Reply(b'{"coll', content_length=500), Reply(b'{"collection": []}'))
    with ScriptedServer(replies) as server, client() as session:
        assert http.get(session, server.url("/"), label="bioRxiv").json() == {"collection": []}
    assert len(server.seen) == 2


def test_requests_to_one_host_are_paced() -> None:
    settings = FAST.model_copy(update={"interval_seconds": 0.15})
    with ScriptedServer(in_order(Reply(b"{}"))) as server, client(settings) as session:
        for _ in range(3):
            http.get(session, server.url("/"), label="medRxiv")
    assert server.seen[-1].at - server.seen[0].at >= 0.25  # two intervals, less arrival jitter


def test_the_pacer_spaces_turns_per_host() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    settings = FAST.model_copy(update={"interval_seconds": 1.0, "host_intervals": {"fast.example": 0.25}})
    pacer = http._HostPacer(settings, lambda: now[0], sleep)
    for host in ("a.example", "a.example", "fast.example", "fast.example", "a.example"):
        pacer.wait(host)
    assert waits == [1.0, 0.25, 0.75]  # a at 0, 1; fast at 1, 1.25; a again at 2


def test_conditional_requests_revalidate_from_the_cache(tmp_path: Path) -> None:
    def respond(seen):  # type: ignore[no-untyped-def]
        if seen.headers.get("If-None-Match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(b"<rss/>", content_type="application/rss+xml",
                     headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jun 2026 08:00:00 GMT"})

    with ScriptedServer(respond) as server, client(cache_dir=tmp_path / "http-cache") as session:
        first = http.get(session, server.url("/feed"), label="journals")
        second = http.get(session, server.url("/feed"), label="journals")
    assert first.content == second.content == b"<rss/>"
    assert second.status_code == 200 and second.extensions.get(http.REVALIDATED)
    assert second.headers["Content-Type"] == "application/rss+xml"
    assert "If-None-Match" not in server.seen[0].headers
    assert server.seen[1].headers["If-Modified-Since"] == "Mon, 01 Jun 2026 08:00:00 GMT"


def test_no_conditional_request_without_validators_or_cache(tmp_path: Path) -> None:
    routes = by_path({"/plain": Reply(b"{}")})
    with ScriptedServer(routes) as server, client(cache_dir=tmp_path) as session:
        http.get(session, server.url("/plain"), label="x")
        http.get(session, server.url("/plain"), label="x")
    assert all("If-None-Match" not in seen.headers for seen in server.seen)
    assert list(tmp_path.iterdir()) == []


def test_the_cache_keeps_no_trace_of_a_urls_credentials_and_stays_out_of_git(tmp_path: Path) -> None:
    def respond(seen):  # type: ignore[no-untyped-def]
        if seen.headers.get("If-None-Match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(b"<rss/>", content_type="application/rss+xml", headers={"ETag": '"v1"'})

    cache = tmp_path / "http-cache"
    with ScriptedServer(respond) as server, client(cache_dir=cache) as session:
        url = server.url("/feed?access_token=tok-SECRET-123").replace("http://", "http://reader:pw-SECRET-456@")
        http.get(session, url, label="journals")
        again = http.get(session, url, label="journals")
        other = http.get(session, url.replace("tok-SECRET-123", "tok-other"), label="journals")
    assert again.extensions.get(http.REVALIDATED) and not other.extensions.get(http.REVALIDATED)
    assert server.seen[1].headers["If-None-Match"] == '"v1"' and "If-None-Match" not in server.seen[2].headers
    stored = b"".join(path.read_bytes() for path in cache.iterdir())
    for trace in (b"SECRET", b"reader", b"access_token", b"/feed", b"127.0.0.1"):
        assert trace not in stored
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"  # `git add store` skips it


def test_opening_the_cache_deletes_files_an_older_version_wrote(tmp_path: Path) -> None:
    def respond(seen):  # type: ignore[no-untyped-def]
        return Reply(b"<rss/>", content_type="application/rss+xml", headers={"ETag": '"v1"'})

    cache = tmp_path / "http-cache"
    with ScriptedServer(respond) as server, client(cache_dir=cache) as session:
        http.get(session, server.url("/feed"), label="journals")
    kept = sorted(path.name for path in cache.iterdir())
    # An older version's pair (a 32-digit name, the URL in clear), a hand-made name, a torn write,
    # and a full-hash name whose metadata is not for its own URL or still holds one:
    old = "0a" * 16
    (cache / f"{old}.json").write_text('{"url": "https://feeds.example/x?token=t", "etag": "1"}\n')
    (cache / f"{old}.body").write_text("<rss/>\n")
    (cache / "notes.txt").write_text("x\n")
    (cache / f"{'1b' * 32}.tmp").write_text("<rs")
    (cache / f"{'2c' * 32}.json").write_text('{"url_sha256": "%s", "etag": "1"}\n' % ("3d" * 32))
    (cache / f"{'3d' * 32}.json").write_text(
        '{"url_sha256": "%s", "url": "https://feeds.example/y?token=t"}\n' % ("3d" * 32))
    (cache / f"{'4e' * 32}.json").write_text("not json")
    http.ValidatorCache(cache)
    assert sorted(path.name for path in cache.iterdir()) == kept  # the current pair and .gitignore
    assert len(kept) == 3 and ".gitignore" in kept
    assert http.ValidatorCache(tmp_path / "absent") is not None  # no folder yet: nothing to do


def test_params_join_the_query_a_configured_url_carries() -> None:
    with ScriptedServer(in_order(Reply(b"[]"))) as server, client() as session:
        http.get(session, server.url("/api?sig=abc"), label="Hugging Face", params={"date": "x", "p": "0"})
        http.get(session, server.url("/api?sig=abc"), label="Hugging Face")
    assert [seen.query for seen in server.seen] == [{"sig": "abc", "date": "x", "p": "0"}, {"sig": "abc"}]


def test_below_adds_path_segments_before_the_query() -> None:
    assert http.below("https://u:pw@api.example/works/?api_key=k1", "10.1002/(x)<1>;2") == (
        "https://u:pw@api.example/works/10.1002/%28x%29%3C1%3E%3B2?api_key=k1")
    assert http.below("https://api.example/details/medrxiv", "2026-06-01", "2026-06-02", "0") == (
        "https://api.example/details/medrxiv/2026-06-01/2026-06-02/0")
    # the configured path is kept as written: its %2F is not a separator, its %20 not a space
    assert http.below("https://api.example/v1/a%2Fb%20c/works?sig=x%2By", "10.1/z") == (
        "https://api.example/v1/a%2Fb%20c/works/10.1/z?sig=x%2By")
    assert http.below("https://api.example", "d") == "https://api.example/d"
