"""Talking to the LLM server: every request goes through `Llm.complete` (budget, retries, tally).

The OpenAI client is made by the caller (`openai_client`) and passed in, so a test hands in one
pointed at a local server. Deadlines or a circuit breaker belong in `Llm.complete` / `Llm._send`:
it is the only request path.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from ..errors import SummaryError
from ..http import retry_after
from ..redact import redact
from ..settings import LLMSettings, Settings
from .tokens import estimate_tokens

log = logging.getLogger(__name__)

BACKOFF_SECONDS = 1.0  # first wait after a 429/5xx without Retry-After; doubles each retry
MAX_WAIT_SECONDS = 60.0  # longest Retry-After honoured


# After this many failed requests in a row (no reply in time, no connection, HTTP 5xx) the server
# is taken to be down: the day's remaining papers fall back at once instead of each waiting
# through its timeouts and retries. With requests in flight at once, a hanging server costs about
# one or two timeouts of wall time.
BREAKER_FAILURES = 3


def openai_client(settings: Settings) -> openai.OpenAI | None:
    """The client for the configured server, or None without OPENAI_API_KEY (extractive summaries).

    Its transport gives every request a total deadline, body included (the HTTP client's timeouts
    are per read: a server that trickles bytes would hold a request for ever).
    """
    if settings.openai_api_key is None:
        return None
    llm = settings.digest.llm
    return openai.OpenAI(
        api_key=settings.openai_api_key.get_secret_value(), base_url=llm.base_url,
        http_client=httpx2.Client(transport=DeadlineTransport(llm.timeout_seconds), timeout=llm.timeout_seconds),
    )


class DeadlineTransport(httpx2.HTTPTransport):
    """The openai client's transport (httpx2), with a total deadline per request, body included."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = time.monotonic() + self.seconds
        answer = super().handle_request(request)
        chunks = []
        try:
            for chunk in answer.stream:  # type: ignore[union-attr]  # a sync transport's stream
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx2.ReadTimeout(f"no complete answer in {self.seconds:g} s", request=request)
        finally:
            answer.close()
        return httpx2.Response(
            answer.status_code, headers=answer.headers, content=b"".join(chunks), request=request,
            extensions=answer.extensions,
        )


class OverBudget(Exception):
    """Sending the request could cross the daily budget; `limit` names the setting."""

    def __init__(self, limit: str):
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True)
class Completion:
    text: str
    tokens_in: int
    tokens_out: int


class Llm:
    """The day's conversation with the LLM: retries, the structured-output mode, the budget, the tally."""

    def __init__(self, client: openai.OpenAI, llm: LLMSettings, secrets: tuple[str, ...]):
        self.client = client.with_options(timeout=llm.timeout_seconds, max_retries=0)
        self.llm = llm
        self.secrets = secrets  # masked in every error text (generator.redact)
        self.json_mode = False  # set once the server answers 400 to json_schema
        self.stopped_by: str | None = None  # the budget setting that stopped spending
        self.requests = self.tokens_in = self.tokens_out = 0
        self._reserved_in = self._reserved_out = 0
        self._lock = threading.Lock()
        self.failures_in_a_row = 0  # the circuit breaker: see BREAKER_FAILURES
        self.broken_by: str | None = None  # why the breaker opened

    def complete(self, messages: list[dict[str, str]], schema: dict[str, Any], max_out: int) -> Completion:
        """One structured reply; raises OverBudget before spending, SummaryError on failure."""
        estimate_in = sum(estimate_tokens(m["content"]) for m in messages) + estimate_tokens(json.dumps(schema))
        self._reserve(estimate_in, max_out)
        try:
            response = self._send(messages, schema, max_out)
        finally:
            with self._lock:
                self._reserved_in -= estimate_in
                self._reserved_out -= max_out
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content or "") if choice else ""
        usage = response.usage
        completion = Completion(
            text,
            usage.prompt_tokens if usage else estimate_in,
            usage.completion_tokens if usage else estimate_tokens(text),
        )
        with self._lock:
            self.requests += 1
            self.tokens_in += completion.tokens_in
            self.tokens_out += completion.tokens_out
        if choice is not None and choice.finish_reason == "length":
            raise SummaryError(f"LLM reply cut off at {max_out} tokens")
        return completion

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.llm.price_in_per_mtok + tokens_out * self.llm.price_out_per_mtok) / 1e6

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def _reserve(self, tokens_in: int, tokens_out: int) -> None:
        """Count the request's worst case against the budget before sending it."""
        with self._lock:
            if self.stopped_by is None:
                spent_in = self.tokens_in + self._reserved_in + tokens_in
                spent_out = self.tokens_out + self._reserved_out + tokens_out
                if self.llm.max_tokens is not None and spent_in + spent_out > self.llm.max_tokens:
                    self.stopped_by = f"DIGEST['llm']['max_tokens'] = {self.llm.max_tokens}"
                elif self.llm.budget_usd is not None and self.cost(spent_in, spent_out) > self.llm.budget_usd:
                    self.stopped_by = f"DIGEST['llm']['budget_usd'] = {self.llm.budget_usd}"
            if self.stopped_by is not None:
                raise OverBudget(self.stopped_by)
            self._reserved_in += tokens_in
            self._reserved_out += tokens_out

    def _send(self, messages: list[dict[str, str]], schema: dict[str, Any], max_out: int) -> ChatCompletion:
        attempt = 0
        while True:
            self._check_breaker()
            json_mode = self.json_mode
            try:
                response = self.client.chat.completions.create(
                    model=self.llm.model,
                    # the prompts' messages are {"role": "system" | "user", "content": str}, as the API takes
                    messages=cast(
                        list[ChatCompletionMessageParam], _with_schema(messages, schema) if json_mode else messages
                    ),
                    response_format=(
                        {"type": "json_object"} if json_mode
                        else {"type": "json_schema", "json_schema": {"name": "reply", "strict": True, "schema": schema}}
                    ),
                    max_tokens=max_out,
                )
                with self._lock:
                    self.failures_in_a_row = 0
                return response
            except openai.BadRequestError as exc:
                if json_mode:
                    raise SummaryError(f"LLM rejected the request: {self._describe(exc)}") from None
                # Many servers (DeepSeek, Qwen, older vLLM) offer JSON mode but not json_schema.
                log.info("the LLM server refused json_schema output (%s); using JSON mode", self._describe(exc))
                self.json_mode = True
            except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError) as exc:
                if not isinstance(exc, openai.RateLimitError):  # a 429 says the server is up
                    self._failed(exc)
                if attempt >= self.llm.retries:
                    raise SummaryError(
                        f"LLM unavailable after {attempt + 1} attempts: {self._describe(exc)}"
                    ) from None
                self._check_breaker()
                wait = _wait(exc, attempt)
                log.warning(
                    "LLM not answering (%s), retry %d of %d in %s s",
                    self._describe(exc), attempt + 1, self.llm.retries, f"{wait:.3g}",
                )
                time.sleep(wait)
                attempt += 1
            except openai.OpenAIError as exc:
                raise SummaryError(f"LLM request failed: {self._describe(exc)}") from None

    def _failed(self, exc: openai.OpenAIError) -> None:
        with self._lock:
            self.failures_in_a_row += 1
            if self.failures_in_a_row >= BREAKER_FAILURES and self.broken_by is None:
                self.broken_by = self._describe(exc)
                log.warning(
                    "LLM failed %d requests in a row (%s): the day's other papers get extractive summaries",
                    self.failures_in_a_row, self.broken_by,
                )

    def _check_breaker(self) -> None:
        """SummaryError at once when the server is taken to be down (BREAKER_FAILURES)."""
        if self.broken_by is not None:
            raise SummaryError(
                f"LLM skipped: {BREAKER_FAILURES} requests in a row failed ({self.broken_by})"
            )

    def _describe(self, exc: openai.OpenAIError) -> str:
        """One line on what went wrong, without the key."""
        if isinstance(exc, openai.APITimeoutError):
            text = f"no reply within {self.llm.timeout_seconds:g} s (DIGEST['llm']['timeout_seconds'])"
        elif isinstance(exc, openai.APIConnectionError):
            text = f"cannot connect to {self.client.base_url}"
        elif isinstance(exc, openai.APIStatusError):
            body = exc.body.get("message", exc.body) if isinstance(exc.body, dict) else exc.body
            text = f"HTTP {exc.status_code}" + (f": {body}" if body else "")
        else:
            text = type(exc).__name__
        return self.redact(" ".join(str(text).split()))[:200]


def _with_schema(messages: list[dict[str, str]], schema: dict[str, Any]) -> list[dict[str, str]]:
    """JSON mode: the schema goes into the instructions instead of the request's response_format."""
    system, *rest = messages
    content = (
        f"{system['content']}\n\nReply with one JSON object that matches this JSON schema:\n"
        f"<schema>\n{json.dumps(schema, ensure_ascii=False)}\n</schema>"
    )
    return [{"role": "system", "content": content}, *rest]


def _wait(exc: openai.OpenAIError, attempt: int) -> float:
    """Seconds before retrying: the server's Retry-After when it sends one, else backoff."""
    response = getattr(exc, "response", None)
    asked = retry_after(response) if response is not None else None
    if asked is not None:
        return min(asked, MAX_WAIT_SECONDS)
    return min(BACKOFF_SECONDS * 2**attempt, MAX_WAIT_SECONDS)
