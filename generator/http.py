"""The HTTP layer of the non-arXiv sources: one polite, patient httpx.Client per run.

`make_client(settings, ...)` returns an `httpx.Client` whose transport, for every request:
- names the project in the User-Agent: `Paper Radar/0.1.0 (+https://lab.example/radar;
  mailto:radar@lab.example)` (Crossref serves clients that give a mailto from its "polite pool");
- keeps requests to one host at least `interval_seconds` apart (`host_intervals` per host);
- gives the request a total deadline, body included (httpx's own timeouts are per read: a server
  that trickles bytes would otherwise hold a run for ever);
- retries HTTP 429/5xx, timeouts and broken connections with exponential backoff, honouring
  `Retry-After` (seconds or an HTTP date) up to `max_wait_seconds`, and logs one line per retry
  ("medRxiv not answering (HTTP 503), retry 2 of 4 in 6 s");
- revalidates a URL it fetched before with `If-None-Match` / `If-Modified-Since` when the earlier
  answer carried an ETag / Last-Modified, from a small on-disk cache (`cache_dir`, under the
  store); a 304 reaches the caller as a 200 with the stored body. The cache names a URL by its
  sha256 only (a feed URL may carry a token or a password) and keeps a `.gitignore` that leaves
  the folder out of git: it is a revalidation cache, not the digest's state.

When the retries are spent the caller gets the last answer (a 5xx response) or the last httpx
error. Sources call `get()`, which turns both into a one-line `SourceError` naming the endpoint
without credentials or query string; its `params` join the query the URL has (a configured
endpoint may carry `?sig=...`), and `below()` adds path segments (a DOI) before that query.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from . import __version__
from .errors import SourceError
from .files import write_atomic

__all__ = ["HttpSettings", "ValidatorCache", "PoliteTransport", "below", "get", "make_client", "user_agent"]

log = logging.getLogger(__name__)

PROJECT = "Paper Radar"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The request extension naming who is asking, for log lines and errors ("medRxiv", "Crossref").
LABEL = "paper_radar.label"
# Set on a response that a 304 answered from the cache (tests and the benchmark count them).
REVALIDATED = "paper_radar.revalidated"
# A validator cache file's name: the URL's whole sha256 (older versions cut it to 32 digits).
_FULL_HASH = re.compile(r"[0-9a-f]{64}")

Sleep = Callable[[float], None]
Clock = Callable[[], float]


class HttpSettings(BaseModel):
    """How the non-arXiv sources talk to their servers (`DIGEST['http']`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contact_url: str | None = Field(
        None, description="URL named in the User-Agent (default: the site's URL)"
    )
    mailto: str | None = Field(
        None, description="contact e-mail in the User-Agent (Crossref's polite pool asks for one)"
    )
    timeout_seconds: float = Field(
        30.0, gt=0, description="total time one request may take, body included"
    )
    retries: int = Field(3, ge=0, le=10, description="retries on 429/5xx/timeouts, with backoff")
    backoff_seconds: float = Field(
        2.0, ge=0, description="wait before the first retry; doubles with each retry"
    )
    max_wait_seconds: float = Field(
        60.0, ge=0, description="longest wait before a retry, also when Retry-After asks for more"
    )
    interval_seconds: float = Field(
        1.0, ge=0, description="least time between two requests to the same host"
    )
    host_intervals: dict[str, float] = Field(
        {"api.crossref.org": 0.2, "huggingface.co": 0.5},
        description="per-host intervals in seconds, overriding interval_seconds",
    )
    conditional: bool = Field(
        True, description="revalidate with ETag / Last-Modified kept in the store's http-cache folder"
    )


def user_agent(settings: HttpSettings, site_url: str = "") -> str:
    """`Paper Radar/0.1.0 (+https://site; mailto:someone@lab)`: who is asking and how to reach them."""
    contact = [f"+{url}" for url in [settings.contact_url or site_url] if url]
    contact += [f"mailto:{settings.mailto}"] if settings.mailto else []
    return f"{PROJECT}/{__version__}" + (f" ({'; '.join(contact)})" if contact else "")


def make_client(
    settings: HttpSettings,
    *,
    site_url: str = "",
    cache_dir: Path | None = None,
    inner: httpx.BaseTransport | None = None,
    sleep: Sleep = time.sleep,
) -> httpx.Client:
    """The run's client: polite transport, the project's User-Agent, redirects followed.

    `cache_dir` holds the ETag/Last-Modified validators (None: no conditional requests);
    `inner` is the transport that really sends (default: httpx's own).
    """
    cache = ValidatorCache(cache_dir) if cache_dir is not None and settings.conditional else None
    transport = PoliteTransport(settings, inner=inner, cache=cache, sleep=sleep)
    return httpx.Client(
        transport=transport,
        headers={"User-Agent": user_agent(settings, site_url)},
        timeout=settings.timeout_seconds,
        follow_redirects=True,
    )


def get(
    http: httpx.Client, url: str, *, label: str, params: Mapping[str, str] | None = None
) -> httpx.Response:
    """GET `url` for the source `label`; a one-line SourceError unless the answer is 2xx (its
    `status` is the answer's, None when no answer came)."""
    endpoint = public_url(url)
    # merged into the URL's own query (a configured `?sig=...`), which httpx's `params=` replaces
    target = httpx.URL(url).copy_merge_params(params) if params else url
    try:
        response = http.get(target, extensions={LABEL: label})
    except httpx.TimeoutException:
        raise SourceError(f"{label}: no complete answer from {endpoint} in time") from None
    except httpx.HTTPError as exc:
        raise SourceError(f"{label}: cannot reach {endpoint} ({type(exc).__name__})") from None
    if not response.is_success:
        raise SourceError(f"{label}: {endpoint} answered HTTP {response.status_code}", status=response.status_code)
    return response


def below(url: str, *segments: str) -> str:
    """`url` with `segments` added to its path, percent-encoded (`/` kept), its query and
    credentials kept: `below("https://api.example/works?key=k", doi)` is `.../works/<doi>?key=k`.

    Built on the path as written (`raw_path`), not the decoded one: a configured `%2F` stays one
    segment's character instead of becoming a separator."""
    base = httpx.URL(url)
    path, mark, query = base.raw_path.decode("ascii").partition("?")
    joined = "/".join([path.rstrip("/"), *(quote(segment, safe="/") for segment in segments)])
    return str(base.copy_with(raw_path=f"{joined}{mark}{query}".encode("ascii")))


def public_url(url: str) -> str:
    """`url` without credentials, query or fragment: safe in a log line or an error."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class ValidatorCache:
    """ETag / Last-Modified and body of earlier answers, one pair of files per URL in `folder`.

    Opening it deletes every file of the folder that is not in the current format (a full-hash
    name; metadata carrying its own `url_sha256`): files an older version wrote (named by a shorter
    hash, holding the URL in clear, tokens and all) would never match again, yet the daily job's
    Actions cache would restore and save them for ever.
    """

    def __init__(self, folder: Path):
        self._folder = Path(folder)
        self._lock = threading.Lock()
        self._sweep()

    def _sweep(self) -> None:
        try:
            files = [path for path in self._folder.iterdir() if path.is_file()]
        except OSError:
            return  # no folder yet
        for path in files:
            if path.name != ".gitignore" and not self._current(path):
                path.unlink(missing_ok=True)

    def _current(self, path: Path) -> bool:
        if not _FULL_HASH.fullmatch(path.stem) or path.suffix not in (".json", ".body"):
            return False
        if path.suffix == ".body":
            return True
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(meta, dict) and meta.get("url_sha256") == path.stem and "url" not in meta

    def validators(self, url: str) -> dict[str, str]:
        """The conditional headers to send for `url` (empty if nothing usable is stored)."""
        meta = self._meta(url)
        if meta is None or not self._body_path(url).is_file():
            return {}
        headers = {}
        if meta.get("etag"):
            headers["If-None-Match"] = str(meta["etag"])
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = str(meta["last_modified"])
        return headers

    def stored(self, url: str, request: httpx.Request) -> httpx.Response | None:
        """The stored answer for `url`, as a 200."""
        meta = self._meta(url)
        try:
            body = self._body_path(url).read_bytes()
        except OSError:
            return None
        if meta is None:
            return None
        headers = {"Content-Type": str(meta.get("content_type") or "application/octet-stream")}
        return httpx.Response(
            200, headers=headers, content=body, request=request, extensions={REVALIDATED: True}
        )

    def store(self, url: str, response: httpx.Response) -> None:
        """Keep `response` if it carries a validator."""
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if response.status_code != 200 or not (etag or modified):
            return
        # the URL's hash, never the URL: it may carry a password or a token
        meta = {
            "url_sha256": self._key(url), "etag": etag, "last_modified": modified,
            "content_type": response.headers.get("Content-Type"),
        }
        with self._lock:
            self._folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self._folder / ".gitignore", "# a revalidation cache (generator/http.py): never committed\n*\n")
            body_path = self._body_path(url)
            temporary = body_path.with_suffix(".tmp")
            temporary.write_bytes(response.content)
            temporary.replace(body_path)
            write_atomic(self._meta_path(url), json.dumps(meta, sort_keys=True) + "\n")

    def _meta(self, url: str) -> dict[str, Any] | None:
        try:
            meta = json.loads(self._meta_path(url).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) and meta.get("url_sha256") == self._key(url) else None

    def _key(self, url: str) -> str:
        return hashlib.sha256(url.encode()).hexdigest()

    def _meta_path(self, url: str) -> Path:
        return self._folder / f"{self._key(url)}.json"

    def _body_path(self, url: str) -> Path:
        return self._folder / f"{self._key(url)}.body"


class _RetryableAnswer(Exception):
    """An answer worth asking again for (429/5xx)."""

    def __init__(self, response: httpx.Response):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class _HostPacer:
    """Spaces requests to each host by its interval; callers wait outside the lock."""

    def __init__(self, settings: HttpSettings, clock: Clock, sleep: Sleep):
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        interval = self._settings.host_intervals.get(host, self._settings.interval_seconds)
        with self._lock:
            now = self._clock()
            turn = max(now, self._next.get(host, now))
            self._next[host] = turn + interval
        if turn > now:
            self._sleep(turn - now)


class PoliteTransport(httpx.BaseTransport):
    """Pacing, a total deadline, retries and revalidation around a real transport."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        inner: httpx.BaseTransport | None = None,
        cache: ValidatorCache | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ):
        self._settings = settings
        self._inner = inner or httpx.HTTPTransport()
        self._cache = cache
        self._sleep = sleep
        self._clock = clock
        self._pacer = _HostPacer(settings, clock, sleep)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        cache = self._cache if request.method == "GET" else None
        if cache is not None:
            for name, value in cache.validators(url).items():
                request.headers.setdefault(name, value)
        label = str(request.extensions.get(LABEL) or request.url.host)
        retrying = Retrying(
            stop=stop_after_attempt(self._settings.retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type((httpx.TransportError, _RetryableAnswer)),
            before_sleep=lambda state: self._announce(label, state),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response = retrying(self._attempt, request)
        except _RetryableAnswer as exc:
            return exc.response  # retries spent: the caller sees the last status
        if cache is not None:
            if response.status_code == 304:
                stored = cache.stored(url, request)
                if stored is not None:
                    return stored
            cache.store(url, response)
        return response

    def close(self) -> None:
        self._inner.close()

    def _attempt(self, request: httpx.Request) -> httpx.Response:
        self._pacer.wait(request.url.host)
        deadline = self._clock() + self._settings.timeout_seconds
        answer = self._inner.handle_request(request)
        try:
            chunks = []
            for chunk in answer.stream:  # type: ignore[union-attr]  # a sync transport's stream
                chunks.append(chunk)
                if self._clock() > deadline:
                    raise httpx.ReadTimeout(
                        f"no complete answer in {self._settings.timeout_seconds:g} s", request=request
                    )
        finally:
            answer.close()
        response = httpx.Response(
            answer.status_code, headers=answer.headers, content=b"".join(chunks),
            request=request, extensions=answer.extensions,
        )
        if response.status_code in RETRY_STATUSES:
            raise _RetryableAnswer(response)
        return response

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After when the server says, else backoff doubling per attempt; capped."""
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after(error.response) if isinstance(error, _RetryableAnswer) else None
        backoff = self._settings.backoff_seconds * 2 ** (state.attempt_number - 1)
        return min(self._settings.max_wait_seconds, backoff if asked is None else asked)

    def _announce(self, label: str, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = str(error) if isinstance(error, _RetryableAnswer) else type(error).__name__
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s not answering (%s), retry %d of %d in %s s",
            label, reason, state.attempt_number, self._settings.retries, f"{wait:.3g}",
        )


class _Answer(Protocol):
    """An HTTP response of httpx, or of httpx2 (the openai client's)."""

    @property
    def headers(self) -> Mapping[str, str]: ...


def retry_after(response: _Answer) -> float | None:
    """Seconds a `Retry-After` header asks to wait (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:  # delta-seconds (a server that sends fractions means seconds too)
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
