"""The LLM's replies: their schemas, and validation before any of a reply is used.

The parsing edge: a reply (or a cached one) is validated here and leaves as a frozen record,
`PaperReply` or `PaperAnswer`; their `as_json` is the cache's form (and the repair prompt's).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, create_model

from ..errors import SummaryError
from ..records import Summary
from .tokens import CJK

MAX_FIELD_CHARS = 1200
SUMMARY_FIELDS = ("tldr", "problem", "method", "results")

_CITATION = re.compile(r"\[(\d+(?:\s*[,，–-]\s*\d+)*)\]")


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
    if not CJK.search(flat):
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
def texts_model(languages: tuple[str, ...]) -> type[BaseModel]:
    """One text per language: {"en": ..., "zh": ...}."""
    fields: dict[str, Any] = {lang: (_TEXT[lang], ...) for lang in languages}
    return create_model("Texts", __base__=_Reply, **fields)


@lru_cache(maxsize=None)
def paper_reply_model(languages: tuple[str, ...]) -> type[BaseModel]:
    """The reply expected for one paper."""
    keyword_fields: dict[str, Any] = {lang: (_KEYWORDS[lang], ...) for lang in languages}
    keywords = create_model("Keywords", __base__=_Reply, **keyword_fields)
    fields: dict[str, Any] = {name: (texts_model(languages), ...) for name in SUMMARY_FIELDS}
    fields["keywords"] = (keywords, ...)
    translated = tuple(lang for lang in languages if lang != "en")
    if translated:
        fields["title"] = (texts_model(translated), ...)
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


@dataclass(frozen=True, slots=True)
class PaperReply:
    """The LLM's validated reply for one paper: each summary field and the keywords per language,
    the title in each language but English (none when English is the only one)."""

    tldr: dict[str, str]
    problem: dict[str, str]
    method: dict[str, str]
    results: dict[str, str]
    keywords: dict[str, tuple[str, ...]]
    title: dict[str, str]

    @classmethod
    def _of(cls, data: Mapping[str, Any]) -> PaperReply:
        """From the validated model's data (private: only validation makes one)."""
        return cls(
            tldr=dict(data["tldr"]), problem=dict(data["problem"]), method=dict(data["method"]),
            results=dict(data["results"]),
            keywords={lang: tuple(words) for lang, words in data["keywords"].items()},
            title=dict(data.get("title", {})),
        )

    def as_json(self) -> dict[str, Any]:
        """The reply as the LLM wrote it: the cache's form and the repair prompt's entry."""
        data: dict[str, Any] = {name: dict(getattr(self, name)) for name in SUMMARY_FIELDS}
        data["keywords"] = {lang: list(words) for lang, words in self.keywords.items()}
        if self.title:
            data["title"] = dict(self.title)
        return data


@dataclass(frozen=True, slots=True)
class Cost:
    """What LLM requests cost: how many, and their tokens in and out."""

    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.requests + other.requests, self.tokens_in + other.tokens_in,
                    self.tokens_out + other.tokens_out)

    @classmethod
    def of_cached(cls, value: Mapping[str, Any]) -> Cost:
        """The cost recorded with a cached reply (one request unless it says otherwise)."""
        return cls(int(value.get("requests", 1)), int(value.get("tokens_in", 0)), int(value.get("tokens_out", 0)))


@dataclass(frozen=True, slots=True)
class PaperAnswer:
    """The LLM's answer for one paper, as cached: the reply kept, whether it is a repair, what it cost."""

    reply: PaperReply
    repaired: bool
    cost: Cost

    def as_json(self) -> dict[str, Any]:
        return {"reply": self.reply.as_json(), "repaired": self.repaired, "requests": self.cost.requests,
                "tokens_in": self.cost.tokens_in, "tokens_out": self.cost.tokens_out}

    @classmethod
    def from_cache(cls, value: object, languages: tuple[str, ...]) -> PaperAnswer | None:
        """A cached answer validated again (a hand-edited cache line is redone, not trusted); None if invalid."""
        if not isinstance(value, dict):
            return None
        reply = revalidate(value.get("reply"), languages)
        return cls(reply, bool(value.get("repaired")), Cost.of_cached(value)) if reply is not None else None


def parse_paper_reply(text: str, languages: tuple[str, ...]) -> PaperReply:
    """The paper reply, validated; SummaryError naming the first problem otherwise."""
    return PaperReply._of(_validate(paper_reply_model(languages), text))


def parse_brief_reply(text: str, languages: tuple[str, ...], papers: int) -> dict[str, str]:
    """The brief per language; every language must cite papers, by numbers 1..papers only."""
    brief: dict[str, str] = _validate(texts_model(languages), text)
    for lang, paragraph in brief.items():
        cited = [int(n) for group in _CITATION.findall(paragraph) for n in re.findall(r"\d+", group)]
        if not cited:
            raise SummaryError(f"LLM reply invalid: the {lang} brief cites no paper by number")
        if not all(1 <= n <= papers for n in cited):
            raise SummaryError(f"LLM reply invalid: the {lang} brief cites a paper number outside 1-{papers}")
    return brief


def revalidate(reply: Any, languages: tuple[str, ...]) -> PaperReply | None:
    """A stored reply validated again (a hand-edited cache line is redone, not trusted); None if invalid."""
    try:
        return PaperReply._of(paper_reply_model(languages).model_validate(reply).model_dump())
    except (ValidationError, TypeError):
        return None


def _validate(model: type[BaseModel], text: str) -> Any:
    try:
        return model.model_validate_json(text).model_dump()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "reply"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SummaryError(f"LLM reply invalid: {where}: {message}") from None


def reply_texts(reply: PaperReply, lang: str) -> list[str]:
    """The texts of a reply in one language that state facts about the paper (not its keywords)."""
    fields = [reply.title, reply.tldr, reply.problem, reply.method, reply.results]
    return [field[lang] for field in fields if lang in field]


def summary_from_reply(
    reply: PaperReply, unsupported: dict[str, tuple[str, ...]] | None = None, *, repaired: bool = False
) -> Summary:
    return Summary(
        kind="llm",
        tldr=dict(reply.tldr),
        title=dict(reply.title),
        problem=dict(reply.problem),
        method=dict(reply.method),
        results=dict(reply.results),
        keywords=dict(reply.keywords),
        unsupported=unsupported or {},
        repaired=repaired,
    )
