"""The summarize stage: a summary for every paper, by the LLM when there is one, else extractive."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Annotated, Any, cast

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, create_model

from .errors import SummaryError
from .redact import redact
from .records import Note, Paper, Ranked, Summary, Usage
from .settings import LLMSettings, Settings
from .store import Store

log = logging.getLogger(__name__)

NO_KEY_REASON = Note("paper_no_llm_key")
NO_KEY_NOTE = Note("no_llm_key")

EXTRACTIVE_SENTENCES = 3
EXTRACTIVE_MAX_CHARS = 600

# A sentence ends at . ! or ? followed by space and an upper-case letter, digit or opening
# bracket; the lookbehinds keep common abbreviations ("e.g.", "et al.", "Fig.") inside it.
_SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)(?<!\bFig\.)(?<!\bEq\.)(?<!\bcf\.)"
    r"(?<=[.!?])\s+(?=[A-Z0-9(\[$])"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?\s?%|\b\d+\.\d+\b|\b\d+(?:x|×)")
# Phrases that announce a contribution or a finding: the sentences a reader wants first.
_CUES = re.compile(
    r"\b(we (?:propose|present|introduce|develop|show|find|demonstrate)|our (?:method|model|approach"
    r"|framework|results)|outperform\w*|achiev\w*|improv\w*|state-of-the-art|results? (?:show|demonstrate))\b",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    "a an and are as at be been but by can for from has have in into is it its of on or our that the"
    " their then there these this those to was we were which while with without than such also based"
    " using use used via both between over under however thus paper work".split()
)


@dataclass(frozen=True)
class DaySummaries:
    """What the summarize stage returns for one day's featured papers."""

    summaries: dict[str, Summary]  # paper id -> Summary, one for every paper passed in
    brief: dict[str, str]  # lang -> cross-domain brief ({} without an LLM)
    usage: Usage | None  # LLM accounting, None without an LLM
    notes: tuple[Note, ...]  # degradations to show on the page and in the log


def extractive(paper: Paper, reason: Note) -> Summary:
    """The abstract's most informative sentences (up to 3, in their original order)."""
    return Summary(kind="extractive", tldr={"en": _key_sentences(paper)}, reason=reason)


def _key_sentences(paper: Paper) -> str:
    abstract = " ".join(paper.abstract.split())
    sentences = [s for s in _SENTENCE_END.split(abstract) if s]
    if len(sentences) <= EXTRACTIVE_SENTENCES:
        return _clip(abstract)
    counts = Counter(w for s in sentences for w in _content_words(s))
    title_words = set(_content_words(paper.title))

    def score(sentence: str) -> float:
        words = _content_words(sentence)
        if not words:
            return 0.0
        # Words the abstract repeats or shares with the title carry its subject.
        weight = sum(counts[w] + 2 * (w in title_words) for w in set(words)) / (len(words) ** 0.5)
        return weight + 3 * bool(_CUES.search(sentence)) + 2 * bool(_NUMBER.search(sentence))

    best = sorted(range(len(sentences)), key=lambda i: (-score(sentences[i]), i))
    chosen: list[int] = []
    for index in best:
        if len(chosen) == EXTRACTIVE_SENTENCES:
            break
        if chosen and sum(len(sentences[i]) for i in chosen) + len(sentences[index]) > EXTRACTIVE_MAX_CHARS:
            continue
        chosen.append(index)
    return _clip(" ".join(sentences[i] for i in sorted(chosen)))


def _content_words(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in _STOPWORDS]


def _clip(text: str) -> str:
    """Cut an over-long text at a word boundary (one run-on sentence can be a whole abstract)."""
    if len(text) <= EXTRACTIVE_MAX_CHARS:
        return text
    return text[:EXTRACTIVE_MAX_CHARS].rsplit(" ", 1)[0] + " …"


# --- the LLM ----------------------------------------------------------------------------------

BUDGET_REASON = Note("paper_budget")
PAPER_MAX_TOKENS_OUT = 600  # the prompt asks for ~400; the cap stops a runaway reply (it then falls back)
BRIEF_MAX_TOKENS_OUT = 900
BACKOFF_SECONDS = 1.0  # first wait after a 429/5xx without Retry-After; doubles each retry
MAX_WAIT_SECONDS = 60.0  # longest Retry-After honoured
MAX_FIELD_CHARS = 1200
LANGUAGE_NAMES = {"en": "English (en)", "zh": "Simplified Chinese (zh)"}
PROMPTS = resources.files(__package__) / "prompts"

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CITATION = re.compile(r"\[(\d+(?:\s*[,，–-]\s*\d+)*)\]")


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: ~4 characters per token for Latin text, 1 per CJK character."""
    cjk = len(_CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)


# --- prompts and glossary ---------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """A prompt template file (generator/prompts/NAME.md): declared version, system and user parts."""

    version: str
    system: Template
    user: Template
    fingerprint: str  # hash of the file and the glossary: any edit invalidates cached replies

    def messages(self, **values: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system.substitute(values)},
            {"role": "user", "content": self.user.substitute(values)},
        ]


@lru_cache(maxsize=None)
def load_prompt(name: str) -> Prompt:
    text = (PROMPTS / f"{name}.md").read_text("utf-8")
    head, _, rest = text.partition("=== system ===\n")
    system, _, user = rest.partition("=== user ===\n")
    version = re.search(r"^version:\s*(\S+)", head, re.MULTILINE)
    if version is None or not user.strip():
        raise SummaryError(
            f"prompts/{name}.md: needs a 'version:' line, then '=== system ===' and '=== user ===' parts"
        )
    digest = hashlib.sha256((text + (PROMPTS / "glossary.tsv").read_text("utf-8")).encode()).hexdigest()
    return Prompt(version.group(1), Template(system.strip()), Template(user.strip()), digest[:12])


@lru_cache(maxsize=None)
def _glossary() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    entries = []
    for line in (PROMPTS / "glossary.tsv").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, chinese = line.split("\t")
            # Acronyms match by case (CT, not "ct"); plain words in any case and with plurals.
            flags = 0 if english.isupper() else re.IGNORECASE
            pattern = re.compile(rf"\b{re.escape(english)}(?:s|es|ing|ed)?\b", flags)
            entries.append((pattern, english, chinese))
    return tuple(entries)


def glossary_for(text: str, languages: Sequence[str]) -> str:
    """The glossary lines whose English term occurs in `text` (sent only when translating)."""
    if "zh" not in languages:
        return "(not needed)"
    lines = [f"{en} → {zh}" for pattern, en, zh in _glossary() if pattern.search(text)]
    return "\n".join(lines) or "(none)"


def _as_data(value: Any) -> str:
    """JSON for a delimited data block; '<' escaped so the text cannot close the block."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


# --- replies: validated against the schema before use ------------------------------------------


def _plain(text: str) -> str:
    """LLM text as one line of plain text: control characters dropped, whitespace collapsed."""
    kept = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")
    flat = " ".join(kept.split())
    if not flat:
        raise ValueError("empty text")
    if len(flat) > MAX_FIELD_CHARS:
        raise ValueError(f"longer than {MAX_FIELD_CHARS} characters")
    return flat


def _chinese(text: str) -> str:
    flat = _plain(text)
    if not _CJK.search(flat):
        raise ValueError("not written in Chinese")
    return flat


def _few(words: list[str]) -> list[str]:
    if not 1 <= len(words) <= 8:
        raise ValueError("expected 3 to 5 keywords")
    return words


_EnglishText = Annotated[str, AfterValidator(_plain)]
_ChineseText = Annotated[str, AfterValidator(_chinese)]
# The reply's field types by language: type forms that pydantic's create_model takes as values.
_TEXT: dict[str, Any] = {"en": _EnglishText, "zh": _ChineseText}
_KEYWORDS: dict[str, Any] = {
    "en": Annotated[list[_EnglishText], AfterValidator(_few)],
    "zh": Annotated[list[_ChineseText], AfterValidator(_few)],
}


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


@lru_cache(maxsize=None)
def _texts(languages: tuple[str, ...]) -> type[BaseModel]:
    """One text per language: {"en": ..., "zh": ...}."""
    fields: dict[str, Any] = {lang: (_TEXT[lang], ...) for lang in languages}
    return create_model("Texts", __base__=_Reply, **fields)


@lru_cache(maxsize=None)
def paper_reply_model(languages: tuple[str, ...]) -> type[BaseModel]:
    """The reply expected for one paper."""
    keyword_fields: dict[str, Any] = {lang: (_KEYWORDS[lang], ...) for lang in languages}
    keywords = create_model("Keywords", __base__=_Reply, **keyword_fields)
    fields: dict[str, Any] = {name: (_texts(languages), ...) for name in ("tldr", "problem", "method", "results")}
    fields["keywords"] = (keywords, ...)
    translated = tuple(lang for lang in languages if lang != "en")
    if translated:
        fields["title"] = (_texts(translated), ...)
    return create_model("PaperSummary", __base__=_Reply, **fields)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, self-contained (no $ref) and without titles, for structured output."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


def parse_paper_reply(text: str, languages: tuple[str, ...]) -> dict[str, Any]:
    """The paper reply as validated data; SummaryError naming the first problem otherwise."""
    return _validate(paper_reply_model(languages), text)


def parse_brief_reply(text: str, languages: tuple[str, ...], papers: int) -> dict[str, str]:
    """The brief per language; every language must cite papers, by numbers 1..papers only."""
    brief: dict[str, str] = _validate(_texts(languages), text)
    for lang, paragraph in brief.items():
        cited = [int(n) for group in _CITATION.findall(paragraph) for n in re.findall(r"\d+", group)]
        if not cited:
            raise SummaryError(f"LLM reply invalid: the {lang} brief cites no paper by number")
        if not all(1 <= n <= papers for n in cited):
            raise SummaryError(f"LLM reply invalid: the {lang} brief cites a paper number outside 1-{papers}")
    return brief


def _validate(model: type[BaseModel], text: str) -> Any:
    try:
        return model.model_validate_json(text).model_dump()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "reply"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SummaryError(f"LLM reply invalid: {where}: {message}") from None


def _summary_from_reply(reply: dict[str, Any]) -> Summary:
    return Summary(
        kind="llm",
        tldr=reply["tldr"],
        title=reply.get("title", {}),
        problem=reply["problem"],
        method=reply["method"],
        results=reply["results"],
        keywords={lang: tuple(words) for lang, words in reply["keywords"].items()},
    )


# --- talking to the server: retries, structured-output mode, budget -------------------------------


class _OverBudget(Exception):
    """Sending the request could cross the daily budget; `limit` names the setting."""

    def __init__(self, limit: str):
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True)
class _Completion:
    text: str
    tokens_in: int
    tokens_out: int


class _Llm:
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

    def complete(self, messages: list[dict[str, str]], schema: dict[str, Any], max_out: int) -> _Completion:
        """One structured reply; raises _OverBudget before spending, SummaryError on failure."""
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
        completion = _Completion(
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
                raise _OverBudget(self.stopped_by)
            self._reserved_in += tokens_in
            self._reserved_out += tokens_out

    def _send(self, messages: list[dict[str, str]], schema: dict[str, Any], max_out: int) -> ChatCompletion:
        attempt = 0
        while True:
            json_mode = self.json_mode
            try:
                return self.client.chat.completions.create(
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
            except openai.BadRequestError as exc:
                if json_mode:
                    raise SummaryError(f"LLM rejected the request: {self._describe(exc)}") from None
                # Many servers (DeepSeek, Qwen, older vLLM) offer JSON mode but not json_schema.
                log.info("the LLM server refused json_schema output (%s); using JSON mode", self._describe(exc))
                self.json_mode = True
            except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError) as exc:
                if attempt >= self.llm.retries:
                    raise SummaryError(
                        f"LLM unavailable after {attempt + 1} attempts: {self._describe(exc)}"
                    ) from None
                time.sleep(_wait(exc, attempt))
                attempt += 1
            except openai.OpenAIError as exc:
                raise SummaryError(f"LLM request failed: {self._describe(exc)}") from None

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
    retry_after = response.headers.get("retry-after") if response is not None else None
    if retry_after:
        try:
            seconds = float(retry_after)
        except ValueError:
            when = parsedate_to_datetime(retry_after)
            seconds = (when - datetime.now(when.tzinfo)).total_seconds() if when else 0.0
        return min(max(seconds, 0.0), MAX_WAIT_SECONDS)
    return min(BACKOFF_SECONDS * 2**attempt, MAX_WAIT_SECONDS)


# --- the day ---------------------------------------------------------------------------------------


def summarize_day(
    featured: Sequence[Ranked],
    settings: Settings,
    store: Store,
    *,
    client: openai.OpenAI | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> DaySummaries:
    """Summaries for the day's featured papers, the day's brief, and what the LLM cost.

    Replies are cached in the store: a re-run of the same day sends no request. A paper the LLM
    fails on, or one beyond the daily budget, gets an extractive summary saying why.
    """
    papers = [r.paper for r in featured]
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, len(papers))

    if client is None and settings.openai_api_key is None:
        summaries: dict[str, Summary] = {}
        for paper in papers:
            summaries[paper.id] = extractive(paper, NO_KEY_REASON)
            advance()
        return DaySummaries(summaries=summaries, brief={}, usage=None, notes=(NO_KEY_NOTE,))

    secret = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = client or openai.OpenAI(api_key=secret, base_url=settings.digest.llm.base_url)
    llm = _Llm(client, settings.digest.llm, (*((secret,) if secret else ()), *settings.secrets))
    languages = tuple(settings.digest.languages)
    prompt = load_prompt("paper")
    summaries = {}
    cached = _Tally()
    failed = over_budget = 0

    max_papers = settings.digest.llm.max_papers
    allowed = papers if max_papers is None else papers[:max_papers]
    todo = []
    for paper in allowed:
        hit = store.cached("llm", _paper_key(paper, settings, prompt))
        if hit is not None and (summary := _from_cache(hit, languages)) is not None:
            summaries[paper.id] = summary
            cached.add(hit)
            advance()
        else:
            todo.append(paper)

    with ThreadPoolExecutor(max_workers=settings.digest.llm.concurrency) as pool:
        futures = {pool.submit(_summarize_paper, llm, prompt, paper, languages): paper for paper in todo}
        for future in as_completed(futures):
            paper = futures[future]
            try:
                value = future.result()
            except _OverBudget:
                over_budget += 1
                summaries[paper.id] = extractive(paper, BUDGET_REASON)
            except SummaryError as exc:
                failed += 1
                reason = llm.redact(str(exc))
                log.warning("%sv%d: %s; using the extractive summary", paper.id, paper.version, reason)
                summaries[paper.id] = extractive(paper, Note("paper_llm_error", {"error": reason}))
            else:
                store.cache("llm", _paper_key(paper, settings, prompt), value, bucket=f"{paper.updated:%Y-%m}")
                summaries[paper.id] = _summary_from_reply(value["reply"])
            advance()
    for paper in papers[len(allowed):]:
        over_budget += 1
        summaries[paper.id] = extractive(paper, BUDGET_REASON)

    notes = []
    if failed:
        notes.append(Note("llm_failed", {"failed": failed, "total": len(papers)}))
    if over_budget:
        limit = llm.stopped_by or f"DIGEST['llm']['max_papers'] = {max_papers}"
        notes.append(Note("llm_budget", {"limit": limit, "count": over_budget}))
        log.warning("LLM budget reached (%s): %d papers left extractive", limit, over_budget)
    brief: dict[str, str] = {}
    if any(s.kind == "llm" for s in summaries.values()):
        brief, brief_note = _day_brief(llm, papers, summaries, settings, store, cached)
        notes += [brief_note] if brief_note else []
    elif papers:
        notes.append(Note("brief_no_llm"))

    tokens_in, tokens_out = cached.tokens_in + llm.tokens_in, cached.tokens_out + llm.tokens_out
    usage = Usage(
        model=settings.digest.llm.model,
        prompt_version=f"{prompt.version}+{load_prompt('brief').version}",
        requests=cached.requests + llm.requests,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=round(llm.cost(tokens_in, tokens_out), 6),
    )
    return DaySummaries(
        summaries={p.id: summaries[p.id] for p in papers}, brief=brief, usage=usage, notes=tuple(notes)
    )


class _Tally:
    """What the replies taken from the cache cost when they were made."""

    def __init__(self) -> None:
        self.requests = self.tokens_in = self.tokens_out = 0

    def add(self, value: dict[str, Any]) -> None:
        self.requests += 1
        self.tokens_in += int(value.get("tokens_in", 0))
        self.tokens_out += int(value.get("tokens_out", 0))


def _paper_key(paper: Paper, settings: Settings, prompt: Prompt) -> str:
    languages = ",".join(settings.digest.languages)
    return f"{paper.id}v{paper.version}|{settings.digest.llm.model}|{prompt.version}.{prompt.fingerprint}|{languages}"


def _from_cache(value: dict[str, Any], languages: tuple[str, ...]) -> Summary | None:
    """The cached reply, re-validated (a hand-edited cache line is redone, not trusted)."""
    try:
        return _summary_from_reply(paper_reply_model(languages).model_validate(value["reply"]).model_dump())
    except (ValidationError, KeyError, TypeError):
        return None


def _summarize_paper(llm: _Llm, prompt: Prompt, paper: Paper, languages: tuple[str, ...]) -> dict[str, Any]:
    """Ask the LLM for one paper; the validated reply and its cost, as cached."""
    messages = prompt.messages(
        languages=", ".join(LANGUAGE_NAMES[lang] for lang in languages),
        glossary=glossary_for(f"{paper.title}\n{paper.abstract}", languages),
        paper=_as_data({"title": " ".join(paper.title.split()), "abstract": " ".join(paper.abstract.split())}),
    )
    completion = llm.complete(messages, strict_schema(paper_reply_model(languages)), PAPER_MAX_TOKENS_OUT)
    reply = parse_paper_reply(completion.text, languages)
    return {"reply": reply, "tokens_in": completion.tokens_in, "tokens_out": completion.tokens_out}


def _day_brief(
    llm: _Llm,
    papers: Sequence[Paper],
    summaries: dict[str, Summary],
    settings: Settings,
    store: Store,
    cached: _Tally,
) -> tuple[dict[str, str], Note | None]:
    """The cross-domain brief (cached by its exact input), or {} and a note saying why not."""
    languages = tuple(settings.digest.languages)
    prompt = load_prompt("brief")
    listing = [
        {"n": n, "title": " ".join(p.title.split()), "summary": summaries[p.id].tldr["en"]}
        for n, p in enumerate(papers, 1)
    ]
    messages = prompt.messages(
        languages=", ".join(LANGUAGE_NAMES[lang] for lang in languages), papers=_as_data(listing)
    )
    content = hashlib.sha256(json.dumps(messages, ensure_ascii=False).encode()).hexdigest()[:16]
    key = f"brief:{content}|{settings.digest.llm.model}|{prompt.version}.{prompt.fingerprint}|{','.join(languages)}"
    hit = store.cached("llm", key)
    if hit is not None:
        cached.add(hit)
        return dict(hit["brief"]), None
    try:
        completion = llm.complete(messages, strict_schema(_texts(languages)), BRIEF_MAX_TOKENS_OUT)
        brief = parse_brief_reply(completion.text, languages, len(papers))
    except _OverBudget as exc:
        return {}, Note("brief_budget", {"limit": exc.limit})
    except SummaryError as exc:
        log.warning("cross-domain brief: %s; the day has no brief", llm.redact(str(exc)))
        return {}, Note("brief_failed")
    value = {"brief": brief, "tokens_in": completion.tokens_in, "tokens_out": completion.tokens_out}
    store.cache("llm", key, value, bucket=f"{max(p.updated for p in papers):%Y-%m}")
    return brief, None
