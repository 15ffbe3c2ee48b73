"""The arXiv source: the papers of one mailing day, fetched politely through the arXiv API.

The `arxiv` package does the paging and parsing. Around it this module adds what a daily job
needs: a request timeout and retries with backoff (the package has neither), a check of every raw
response (the package silently accepts truncated XML and drops arXiv's error entries), the exact
day window of `generator.mailings`, and one `Paper` per paper whatever arXiv sent twice.
"""

from __future__ import annotations

import logging
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import arxiv
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    DecodeError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util.retry import Retry

from .. import mailings
from ..errors import SourceError
from ..http import public_url
from ..merge import latest_versions
from ..records import Paper, SourceRef
from ..settings import ArxivSettings

if TYPE_CHECKING:
    import httpx

    from . import DigestDay

Settings = ArxivSettings  # DIGEST['sources']['arxiv']
ENV = {"DIGEST_ARXIV_URL": "url", "DIGEST_ARXIV_DELAY": "delay_seconds"}  # the demo and tests point it elsewhere

__all__ = [
    "ArxivSource", "Settings", "day_query", "fetch_day", "fetch_window", "make_session", "search", "source",
    "to_paper",
]

log = logging.getLogger(__name__)

OnPage = Callable[[int, int], None]

RETRY_STATUSES = (429, 500, 502, 503, 504)
# The longest single wait before a retry, also when arXiv's Retry-After asks for more: a daily
# job should fail with a clear line and be re-run, not hang.
MAX_WAIT_SECONDS = 60.0

_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ERROR_ENTRY = re.compile(r"^https?://arxiv\.org/api/errors")
_VERSIONED_ID = re.compile(r"^(?P<id>.+?)(?:v(?P<version>\d+))?$")
# arXiv categories ("cs.CV", "q-bio.QM", "astro-ph"); old responses also list ACM and MSC
# classes ("I.2.10", "68T05") as categories, which are not arXiv categories.
_ARXIV_CATEGORY = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")


class ArxivSource:
    """arXiv as a Source: the papers of the digest's mailing window, through the `arxiv` package
    over its own requests session (polite delays between pages; the shared httpx client is not used)."""

    name = "arxiv"

    def __init__(self, settings: ArxivSettings):
        self.settings = settings

    def fetch(self, day: DigestDay, http: httpx.Client) -> list[Paper]:
        return fetch_window(*day.window, self.settings)


def source(settings: ArxivSettings) -> ArxivSource:
    return ArxivSource(settings)


def fetch_day(
    day: date,
    settings: ArxivSettings,
    *,
    session: requests.Session | None = None,
    on_page: OnPage | None = None,
    backoff_seconds: float | None = None,
) -> list[Paper]:
    """The papers of arXiv's mailing dated `day` in the lab's categories, oldest submission first.

    Exactly the papers whose first version was submitted in `mailings.mailing_window(day)`; a day
    without a mailing has none (and costs no request). `on_page(fetched, total)` is called after
    each page. Raises SourceError with one line when arXiv cannot deliver.
    """
    if not mailings.is_mailing_day(day, settings.holidays):
        return []
    start, end = mailings.mailing_window(day, settings.holidays)
    return fetch_window(
        start, end, settings, session=session, on_page=on_page, backoff_seconds=backoff_seconds
    )


def fetch_window(
    start: datetime,
    end: datetime,
    settings: ArxivSettings,
    *,
    session: requests.Session | None = None,
    on_page: OnPage | None = None,
    backoff_seconds: float | None = None,
) -> list[Paper]:
    """The papers in the lab's categories first submitted in [start, end), oldest first."""
    papers = search(
        day_query(settings.categories, start, end), settings,
        session=session, on_page=on_page, backoff_seconds=backoff_seconds,
    )
    # arXiv's date range is inclusive and minute-grained: keep exactly [start, end).
    in_window = [paper for paper in papers if start <= paper.published < end]
    return sorted(in_window, key=lambda paper: (paper.published, paper.id))


def day_query(categories: Iterable[str], start: datetime, end: datetime) -> str:
    """The API query for papers in any of `categories` submitted from `start` to `end` (UTC)."""
    either = " OR ".join(f"cat:{category}" for category in categories)
    return f"({either}) AND submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"


def search(
    query: str,
    settings: ArxivSettings,
    *,
    session: requests.Session | None = None,
    on_page: OnPage | None = None,
    backoff_seconds: float | None = None,
) -> list[Paper]:
    """Every paper matching an API `query` (up to settings.max_papers), by submission date.

    `session` defaults to `make_session(settings)`; pass one to reuse its connections.
    """
    own_session = session is None
    http = make_session(settings, backoff_seconds=backoff_seconds) if session is None else session
    client = arxiv.Client(
        page_size=settings.page_size,
        delay_seconds=settings.delay_seconds,
        num_retries=0,  # the session retries with backoff; retrying here too would multiply them
    )
    client.query_url_format = _query_url_format(settings.url)
    client._session.close()
    client._session = http  # the package's only hook for its HTTP session
    check = _PageCheck(settings, on_page)
    http.hooks["response"].append(check)
    request = arxiv.Search(
        query=query,
        max_results=settings.max_papers,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Ascending,
    )
    try:
        results = list(client.results(request))
    except arxiv.HTTPError as exc:
        raise SourceError(_http_error_line(exc.status, settings)) from exc
    except arxiv.UnexpectedEmptyPageError as exc:
        raise SourceError(
            f"arXiv API at {public_url(settings.url)} sent an empty page in the middle of the "
            "results (a known arXiv hiccup): run again in a few minutes"
        ) from exc
    except requests.RequestException as exc:
        raise SourceError(
            f"cannot reach the arXiv API at {public_url(settings.url)} "
            f"({_network_reason(exc, settings.timeout_seconds)}): "
            "check the network and DIGEST_ARXIV_URL, or run again later"
        ) from exc
    finally:
        http.hooks["response"].remove(check)
        if own_session:
            http.close()
    # arXiv can list a paper twice: a cross-list matched by two categories, a result that moved
    # between two pages while they were fetched, or two versions of the same paper.
    return latest_versions(to_paper(result) for result in results)


def make_session(settings: ArxivSettings, *, backoff_seconds: float | None = None) -> requests.Session:
    """An HTTP session with a request timeout and polite retries for the arXiv API.

    Retries (settings.retries) cover 429/5xx answers, refused connections and timeouts, waiting
    `backoff_seconds` (default: settings.delay_seconds) doubled at each retry, or as long as
    arXiv's Retry-After asks, up to MAX_WAIT_SECONDS.
    """
    backoff = settings.delay_seconds if backoff_seconds is None else backoff_seconds
    retry = _PoliteRetry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=backoff,
        backoff_max=MAX_WAIT_SECONDS,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer reaches the client, which reports its status
    )
    session = requests.Session()
    adapter = _TimeoutAdapter(settings.timeout_seconds, max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def to_paper(result: arxiv.Result) -> Paper:
    """The `Paper` record of one API result."""
    match = _VERSIONED_ID.match(result.get_short_id())
    assert match is not None  # the pattern matches any non-empty id
    paper_id = match["id"]
    version = int(match["version"] or 1)
    primary = result.primary_category or (result.categories[0] if result.categories else "")
    categories = tuple(dict.fromkeys(
        category for category in (primary, *result.categories)
        if _ARXIV_CATEGORY.match(category)
    ))
    url = f"https://arxiv.org/abs/{paper_id}"
    return Paper(
        id=paper_id,
        version=version,
        title=_one_line(result.title),
        abstract=_one_line(result.summary),
        authors=tuple(_one_line(author.name) for author in result.authors),
        categories=categories,
        primary_category=primary,
        published=result.published,
        updated=result.updated,
        url=url,
        pdf_url=f"https://arxiv.org/pdf/{paper_id}v{version}",
        doi=_optional(result.doi),
        comment=_optional(result.comment),
        sources=(SourceRef("arxiv", paper_id, url, primary or None, fields=(("version", version),)),),
    )


# Raw C0 controls (never part of a UTF-8 sequence) and character references to them: XML 1.0
# forbids both, and one of either makes the whole page unparseable.
_FORBIDDEN_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));", re.I)


def xml_safe(content: bytes) -> tuple[bytes, int]:
    """`content` without the characters XML forbids, and how many were dropped."""
    cleaned, dropped = _FORBIDDEN_BYTES.subn(b"", content)
    return cleaned, dropped


class _PageCheck:
    """A response hook that rejects what the `arxiv` package would silently accept.

    The package parses with lxml in recovery mode (a truncated page yields its first entries) and
    skips arXiv's error entries (they have no <published>), so an error would look like a quiet
    day. This hook reads the raw body first, and reports progress per page.
    """

    def __init__(self, settings: ArxivSettings, on_page: OnPage | None):
        self._settings = settings
        self._on_page = on_page
        self._fetched = 0

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        endpoint = public_url(self._settings.url)
        cleaned, dropped = xml_safe(response.content)
        if dropped:
            # One stray control character would otherwise fail the whole day on every retry.
            log.warning("arXiv sent %d characters XML forbids: dropped, the papers kept", dropped)
            response._content = cleaned  # what the arxiv package parses next
        try:
            feed = ElementTree.fromstring(response.content)
        except ElementTree.ParseError as exc:
            if response.status_code != 200:
                return  # an HTTP error page: the client reports the status
            raise SourceError(
                f"arXiv API at {endpoint} sent a malformed response (not well-formed XML: {exc}): "
                "run again later, and check that DIGEST_ARXIV_URL points at an arXiv API"
            ) from None
        for entry in feed.iter(f"{_ATOM}entry"):
            if _ERROR_ENTRY.match(entry.findtext(f"{_ATOM}id", "")):
                message = _one_line(entry.findtext(f"{_ATOM}summary", "") or "no details")[:200]
                raise SourceError(
                    f"arXiv API rejected the query: {message}: "
                    "check DIGEST['sources']['arxiv'] (categories) and DIGEST_ARXIV_URL"
                )
        if response.status_code != 200:
            return
        total = feed.findtext(f"{_OPENSEARCH}totalResults")
        if feed.tag != f"{_ATOM}feed" or total is None or not total.strip().isdigit():
            raise SourceError(
                f"arXiv API at {endpoint} sent something that is not an arXiv Atom feed "
                f"(root <{feed.tag}>, no result count): check that DIGEST_ARXIV_URL points at an "
                "arXiv API"
            )
        self._page(len(feed.findall(f"{_ATOM}entry")), int(total))

    def _page(self, entries: int, total: int) -> None:
        limit = self._settings.max_papers
        if self._fetched == 0 and total > limit:
            log.warning(
                "%d papers match; fetching the first %d (DIGEST['sources']['arxiv']['max_papers'])", total, limit
            )
        self._fetched += entries
        log.info("arXiv: %d of %d papers fetched", min(self._fetched, total, limit), total)
        if self._on_page:
            self._on_page(min(self._fetched, total, limit), min(total, limit))


class _PoliteRetry(Retry):
    """urllib3's Retry, but waiting before the first retry too (urllib3 retries it at once).

    arXiv asks for one request every few seconds, also when the previous one failed.
    """

    def get_backoff_time(self) -> float:
        errors = len(self.history)
        if errors == 0:
            return 0.0
        return float(min(self.backoff_max, self.backoff_factor * 2 ** (errors - 1)))

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_WAIT_SECONDS)

    def sleep(self, response: Any = None) -> None:
        """Say on the console what is being waited for, then wait (urllib3 retries silently)."""
        last = self.history[-1] if self.history else None
        if last is not None and last.status:
            reason = f"HTTP {last.status}"
        else:
            reason = "no answer" if "timed out" in str(last.error if last else "").lower() else "no connection"
        asked = self.get_retry_after(response) if response is not None and last is not None and last.status else None
        wait = asked if asked is not None else self.get_backoff_time()
        limit = self.total if isinstance(self.total, int) else 0
        log.warning(
            "arXiv not answering (%s), retry %d of %d in %s s",
            reason, len(self.history), len(self.history) + limit, f"{wait:.3g}",
        )
        super().sleep(response)


class _TimeoutAdapter(HTTPAdapter):
    """An HTTPAdapter with a default timeout (requests, and the arxiv client, set none) and a
    deadline for the body: a per-read timeout never fires on a server that drips it."""

    def __init__(self, timeout: float, **kwargs: Any):
        self._timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        streamed = kwargs.get("stream", False)
        kwargs["stream"] = True
        response = super().send(request, *args, **kwargs)  # urllib3 retries up to the headers
        deadline = time.monotonic() + self._timeout
        if streamed:
            return response
        chunks = []
        try:
            # read1: whatever has arrived (a byte at a time from a dripping server), so the
            # deadline is checked as the body comes in
            while chunk := response.raw.read1(64 * 1024, decode_content=True):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise requests.exceptions.ReadTimeout(
                        f"no complete answer within {self._timeout:g} s", request=request
                    )
        except Urllib3TimeoutError as exc:
            raise requests.exceptions.ReadTimeout(exc, request=request) from exc
        except (ProtocolError, DecodeError) as exc:  # as requests reports them
            raise requests.exceptions.ChunkedEncodingError(exc, request=request) from exc
        finally:
            response.close()
        response._content = b"".join(chunks)
        return response


def _query_url_format(url: str) -> str:
    """The arxiv client's `query_url_format` for an endpoint: its query string goes at `{}`."""
    escaped = url.replace("{", "{{").replace("}", "}}")
    return escaped + ("&{}" if "?" in url else "?{}")


def _http_error_line(status: int, settings: ArxivSettings) -> str:
    endpoint = public_url(settings.url)
    if status in RETRY_STATUSES:
        return (
            f"arXiv API at {endpoint} answered HTTP {status} after {settings.retries} retries: "
            "arXiv is down or rate-limiting, run again later"
        )
    return (
        f"arXiv API at {endpoint} answered HTTP {status}: check DIGEST['sources']['arxiv']['url'] "
        "and DIGEST_ARXIV_URL"
    )


def _network_reason(exc: requests.RequestException, timeout: float) -> str:
    """What went wrong on the wire, in a few words."""
    cause: object = exc.args[0] if exc.args else exc
    if isinstance(cause, MaxRetryError) and cause.reason is not None:
        cause = cause.reason
    # Order matters: urllib3's connection errors subclass its timeout errors.
    if isinstance(cause, NameResolutionError):
        return "host name not found"
    if isinstance(cause, NewConnectionError):
        return "connection refused" if "refused" in str(cause).lower() else "cannot connect"
    if isinstance(exc, requests.Timeout) or isinstance(cause, Urllib3TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or isinstance(cause, ProtocolError):
        return "the connection broke off mid-response"
    return type(cause).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _optional(text: str | None) -> str | None:
    return _one_line(text or "") or None
