"""The LLM's replies: their schemas, and validation before any of a reply is used."""

from __future__ import annotations

import re
import unicodedata
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


def parse_paper_reply(text: str, languages: tuple[str, ...]) -> dict[str, Any]:
    """The paper reply as validated data; SummaryError naming the first problem otherwise."""
    return _validate(paper_reply_model(languages), text)


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


def revalidate(reply: Any, languages: tuple[str, ...]) -> dict[str, Any] | None:
    """A stored reply validated again (a hand-edited cache line is redone, not trusted); None if invalid."""
    try:
        return paper_reply_model(languages).model_validate(reply).model_dump()
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


def reply_texts(reply: dict[str, Any], lang: str) -> list[str]:
    """The texts of a reply in one language that state facts about the paper (not its keywords)."""
    fields = [reply.get("title", {})] + [reply[name] for name in SUMMARY_FIELDS]
    return [field[lang] for field in fields if lang in field]


def summary_from_reply(
    reply: dict[str, Any], unsupported: dict[str, tuple[str, ...]] | None = None, *, repaired: bool = False
) -> Summary:
    return Summary(
        kind="llm",
        tldr=reply["tldr"],
        title=reply.get("title", {}),
        problem=reply["problem"],
        method=reply["method"],
        results=reply["results"],
        keywords={lang: tuple(words) for lang, words in reply["keywords"].items()},
        unsupported=unsupported or {},
        repaired=repaired,
    )
