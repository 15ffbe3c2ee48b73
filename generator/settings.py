"""Settings: defaults, then `DIGEST` in pelicanconfig.py, then environment variables; validated once.

The lab edits one dict, `DIGEST`, in `pelicanconfig.py`. Relative paths in it resolve against the
directory of that file. Secrets come only from the environment (`OPENAI_API_KEY`), never from the
settings file. `load()` is the only place that reads the environment.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import runpy
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from .arxiv_taxonomy import CATEGORIES
from .errors import SettingsError
from .http import HttpSettings
from .redact import redact, url_secrets

if TYPE_CHECKING:
    from .sources import SourceConfig

# Every environment variable the digest reads, with what it overrides (shown by `digest check`
# and listed in the README; a test keeps the two in sync).
ENV_VARS: dict[str, str] = {
    "DIGEST_LLM_MODEL": "the LLM model (DIGEST['llm']['model'])",
    "OPENAI_API_KEY": "the LLM API key; without it summaries are extractive",
    "OPENAI_BASE_URL": "an OpenAI-compatible server (DIGEST['llm']['base_url'])",
    "DIGEST_SITEURL": "the published site's URL (SITEURL), e.g. set by the Pages workflow",
    "DIGEST_EMAIL_TO": "the email edition's recipients, comma-separated; `zh:you@example.org` "
    "asks for the Chinese edition (otherwise the first language)",
    "DIGEST_SMTP_URL": "the mail server: `smtp://user:password@host:port` (`smtps://` for TLS, "
    "`smtp+starttls://` for STARTTLS); the password is never shown",
    "DIGEST_EMAIL_FROM": "the email edition's sender, e.g. `Paper Radar <radar@example.org>`",
}

# Where Pelican puts a post when pelicanconfig.py sets no ARTICLE_URL (pelican.settings' default).
PELICAN_ARTICLE_URL = "{slug}.html"

# Environment variables holding a secret (masked wherever it could be shown), and the digest's own
# holding a URL whose password or secret parameters are (`DIGEST_SMTP_URL`: smtp://user:password@host);
# the sources' URL variables are found in their settings (`url_env_vars`).
SECRET_ENV_VARS = ("OPENAI_API_KEY",)
DIGEST_URL_ENV_VARS = ("OPENAI_BASE_URL", "DIGEST_SMTP_URL")

# A URL inside a setting's value (also inside a JSON list of feeds): up to a space or a quote,
# not a comma or a bracket, which a URL may hold (`?ids=1,2&token=...`, `http://[::1]/`).
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")


def url_env_vars() -> tuple[str, ...]:
    """Every environment variable holding URLs: the digest's own and, for each built-in source,
    the variables of its ENV that set a setting holding URLs (`url`, `*_url`, or a list of
    entries with a `url`, as the journals' feeds)."""
    from . import sources  # its registry imports the source modules, which import this module

    found = list(DIGEST_URL_ENV_VARS)
    for name in sources.builtin():
        module = importlib.import_module(sources.module_name(name, {}))
        found += [var for var, setting in getattr(module, "ENV", {}).items()
                  if setting in url_settings(module.Settings)]
    return tuple(found)


def url_settings(model: type[BaseModel]) -> set[str]:
    """The names of a settings model's fields that hold URLs: `url`, `*_url`, or a list of models
    with a `url` field."""
    found = set()
    for name, info in model.model_fields.items():
        inner = [arg for arg in getattr(info.annotation, "__args__", ()) if isinstance(arg, type)]
        if name == "url" or name.endswith("_url") or any(
            issubclass(arg, BaseModel) and "url" in arg.model_fields for arg in inner
        ):
            found.add(name)
    return found


def urls_secrets(text: str) -> tuple[str, ...]:
    """The secret parts (`redact.url_secrets`) of every URL in `text`: a URL, or JSON holding URLs."""
    return tuple(secret for url in _URL_IN_TEXT.findall(text) for secret in url_secrets(url))


def secret_values(env: Mapping[str, str]) -> tuple[str, ...]:
    """The secrets the environment holds, for `redact.redact` (the CLI masks them in every line)."""
    values = [env.get(name, "").strip() for name in SECRET_ENV_VARS]
    for name in url_env_vars():
        values += urls_secrets(env.get(name, ""))
    return tuple(value for value in values if value)


def settings_secrets(values: BaseModel) -> tuple[str, ...]:
    """The secret parts of every URL in a settings model (a source's endpoints and feeds)."""
    return urls_secrets(json.dumps(values.model_dump(mode="json")))


# What the email settings are for: recipients, server and sender come together or not at all.
EMAIL_ENV = ("DIGEST_EMAIL_TO", "DIGEST_SMTP_URL", "DIGEST_EMAIL_FROM")
SMTP_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}

# arXiv announces nothing on these dates (its published holiday schedule); the papers roll
# into the next mailing. Labs can extend the list in DIGEST['sources']['arxiv']['holidays'].
DEFAULT_HOLIDAYS: tuple[date, ...] = (
    date(2025, 12, 25),
    date(2025, 12, 26),
    date(2026, 1, 1),
    date(2026, 1, 2),
    date(2026, 11, 26),
    date(2026, 12, 25),
    date(2027, 1, 1),
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArxivSettings(_Strict):
    """The arXiv source (generator.sources.arxiv): the categories of the day's mailing."""

    categories: list[str] = Field(min_length=1, description="arXiv categories, OR-ed")
    url: str = Field("https://export.arxiv.org/api/query", description="arXiv API query URL")
    page_size: int = Field(200, ge=1, le=2000, description="results per API request")
    delay_seconds: float = Field(3.0, ge=0, description="pause between API requests")
    retries: int = Field(4, ge=0, le=10, description="retries on 429/5xx/timeouts, with backoff")
    timeout_seconds: float = Field(30.0, gt=0, description="timeout of one API request")
    max_papers: int = Field(3000, ge=1, description="most papers fetched for one day")
    holidays: list[date] = Field(
        list(DEFAULT_HOLIDAYS), description="dates without an arXiv mailing"
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value, example="https://export.arxiv.org/api/query")

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        for category in value:
            if category not in CATEGORIES:
                raise ValueError(
                    f"unknown arXiv category {category!r} (see https://arxiv.org/category_taxonomy)"
                )
        return value


def http_url(value: str, *, example: str = "https://example.org/path") -> str:
    """`value` if it is an http(s) URL with a host, else ValueError (for a source's or server's URL),
    whose message shows `example`, a URL of the kind the setting wants."""
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"not an http(s) URL: expected e.g. {example}")
    return value


class TopicText(_Strict):
    """A radar topic's words for readers, per language (a language not given shows the topic's name)."""

    name: dict[str, str] = Field({}, description="the topic's name in each language (en, zh)")
    description: dict[str, str] = Field({}, description="one line on the topic in each language (en, zh)")

    @field_validator("name", "description")
    @classmethod
    def _languages(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - {"en", "zh"})
        if unknown:
            raise ValueError(f"unknown language(s) {', '.join(unknown)} (expected en, zh)")
        return value


class RadarSettings(_Strict):
    """The lab's interests."""

    library: Path | None = Field(None, description="BibTeX export of papers the lab likes")
    liked: list[str] = Field([], description="arXiv ids the lab likes")
    disliked: list[str] = Field([], description="arXiv ids the lab does not want")
    topics: dict[str, list[str]] = Field(
        {},
        description="topic name -> keywords (a paper's card names a topic when they are in the title or "
        "mentioned twice; its score counts any mention); or -> {'keywords': [...], 'name': {'zh': ...}, "
        "'description': {'en': ..., 'zh': ...}}",
    )
    topic_text: dict[str, TopicText] = Field(
        {}, description="the topics' names and descriptions per language (from the topics' dict form)"
    )

    @model_validator(mode="before")
    @classmethod
    def _topic_dicts(cls, data: Any) -> Any:
        """A topic given as a dict: its keywords stay in `topics`, its words go to `topic_text`."""
        if not isinstance(data, Mapping) or not isinstance(data.get("topics"), Mapping):
            return data
        topics: dict[str, Any] = {}
        text: dict[str, Any] = dict(data.get("topic_text") or {})
        for name, value in data["topics"].items():
            if isinstance(value, Mapping) and "keywords" in value:
                # any other key is checked by TopicText (an unknown one is named there)
                topics[name] = value["keywords"]
                text[name] = {key: item for key, item in value.items() if key != "keywords"}
            else:
                topics[name] = value  # a keyword list; anything else is reported as not one
        return {**data, "topics": topics, "topic_text": text}

    def topic_name(self, topic: str, lang: str) -> str:
        """How `topic` is named to a reader of `lang`."""
        text = self.topic_text.get(topic)
        return (text.name.get(lang) if text else None) or topic

    def topic_description(self, topic: str, lang: str) -> str | None:
        """The topic's line for a reader of `lang`, or None."""
        text = self.topic_text.get(topic)
        return (text.description.get(lang) if text else None) or None
    authors: list[str] = Field([], description="followed authors")
    exclude: list[str] = Field([], description="keywords that veto a paper")
    floor: float = Field(
        34.0, ge=0, le=100,
        description="relevance floor: papers scoring at least this (0-100, how likely a paper belongs "
                    "with the lab's own) are featured, up to papers_per_day (measured: benchmarks/rank.py featured)",
    )


class LLMSettings(_Strict):
    """The LLM that summarizes featured papers (any OpenAI-compatible server)."""

    model: str = Field("gpt-4o-mini", min_length=1, description="model name")
    base_url: str | None = Field(None, description="OpenAI-compatible server URL")
    concurrency: int = Field(8, ge=1, le=64, description="requests in flight at once")
    timeout_seconds: float = Field(60.0, gt=0, description="timeout of one LLM request")
    retries: int = Field(4, ge=0, le=10, description="retries on 429/5xx, honouring Retry-After")
    max_papers: int | None = Field(None, ge=0, description="most papers summarized per day")
    max_tokens: int | None = Field(None, ge=0, description="most tokens spent per day")
    budget_usd: float | None = Field(None, ge=0, description="most dollars spent per day")
    price_in_per_mtok: float = Field(0.15, ge=0, description="USD per million input tokens")
    price_out_per_mtok: float = Field(0.60, ge=0, description="USD per million output tokens")

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value, example="https://api.openai.com/v1")


class EmailSettings(_Strict):
    """The email edition's public settings (recipients, server and sender are secrets: env vars)."""

    subscribe: str | None = Field(
        None, description="sign-up URL or `mailto:` address; the site shows a Subscribe link to it"
    )
    unsubscribe: str | None = Field(
        None, description="the emails' List-Unsubscribe: a URL or `mailto:` (default: mailto the sender)"
    )

    @field_validator("subscribe", "unsubscribe")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(https?://[^\s\"'<>]+|mailto:[^\s\"'<>]+@[^\s\"'<>]+)$", value):
            raise ValueError("expected an http(s):// URL or a mailto: address")
        return value


class DigestSettings(_Strict):
    """The `DIGEST` dict of pelicanconfig.py."""

    languages: list[Literal["en", "zh"]] = Field(
        ["en", "zh"], min_length=1,
        description="site languages, each once: 'en' first (the main site, at /), then 'zh' (at /zh/) if wanted"
    )
    papers_per_day: int = Field(30, ge=1, le=500, description="most featured papers a day (those above radar.floor)")
    min_papers_per_day: int = Field(
        5, ge=0, le=500,
        description="fewest featured papers a day (papers_per_day at most), below the floor if need be, "
                    "so a quiet day is not empty",
    )
    sources: dict[str, dict[str, Any]] = Field(
        description="the enabled sources: name -> its settings (see each source below; "
        "\"module\" names a source module outside generator/sources)"
    )
    radar: RadarSettings = RadarSettings()
    http: HttpSettings = HttpSettings()
    llm: LLMSettings = LLMSettings()
    email: EmailSettings = EmailSettings()
    store: Path = Field(Path("store"), description="where the digest keeps its state")
    run_minutes: float | None = Field(
        50.0, gt=0, description="longest `digest run` or `catch-up` may take; it then stops with "
        "one line, keeping the days built (the daily job's limit is 60 minutes)"
    )

    @field_validator("languages")
    @classmethod
    def _english_first(cls, value: list[str]) -> list[str]:
        if value[0] != "en" or len(set(value)) != len(value):
            raise ValueError("must start with 'en' (the main site) and list each language once")
        return value


@dataclass(frozen=True)
class Recipient:
    """One reader of the email edition and the language they read it in."""

    address: str
    lang: str


@dataclass(frozen=True)
class SmtpServer:
    """The mail server the email edition goes through; `url` is safe to show."""

    scheme: Literal["smtp", "smtps", "smtp+starttls"]
    host: str
    port: int
    username: str | None
    password: SecretStr | None

    @property
    def url(self) -> str:
        """The server as logs show it: no user name, no password."""
        return f"{self.scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Mail:
    """The email edition's delivery: who gets it, through which server, from whom."""

    recipients: tuple[Recipient, ...]
    server: SmtpServer
    sender: str


@dataclass(frozen=True)
class Settings:
    """Validated settings with every path resolved."""

    digest: DigestSettings
    config_path: Path
    root: Path  # the directory of pelicanconfig.py
    content_dir: Path  # Pelican's PATH
    output_dir: Path  # Pelican's OUTPUT_PATH
    store_dir: Path
    library_path: Path | None
    sitename: str
    siteurl: str
    openai_api_key: SecretStr | None
    mail: Mail | None = None  # None: the email edition is not configured
    sources: Mapping[str, SourceConfig] = field(default_factory=dict)  # enabled, in settings order
    sitenames: Mapping[str, str] = field(default_factory=dict)  # per language (I18N_SUBSITES)
    # where each language's day pages are: its ARTICLE_URL (write.day_path fills it in)
    article_urls: Mapping[str, str] = field(default_factory=dict)
    # secret values to mask in any text shown (secret_values); kept out of repr and fingerprints
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def sitename_in(self, lang: str) -> str:
        """The site's name in `lang`: its I18N_SUBSITES SITENAME, else SITENAME."""
        return self.sitenames.get(lang, self.sitename)

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None

    @property
    def arxiv(self) -> ArxivSettings | None:
        """The arXiv source's settings, if arXiv is enabled."""
        config = self.sources.get("arxiv")
        return config.settings if config and isinstance(config.settings, ArxivSettings) else None

    @property
    def holidays(self) -> tuple[date, ...]:
        """Dates without an arXiv mailing, hence without a digest (the digest's calendar)."""
        return tuple(self.arxiv.holidays) if self.arxiv else DEFAULT_HOLIDAYS


def load(config_path: Path | str = "pelicanconfig.py", env: Mapping[str, str] | None = None) -> Settings:
    """Read pelicanconfig.py, apply the environment, validate, resolve paths.

    Raises SettingsError with one line per problem, each naming the setting.
    """
    env = os.environ if env is None else env
    config_path = Path(config_path).resolve()
    if not config_path.is_file():
        raise SettingsError(
            [f"settings file {config_path} not found: run from the repository or pass --config"]
        )
    try:
        namespace = runpy.run_path(str(config_path))
    except Exception as exc:  # the lab's file: report, don't crash
        line = next((frame.lineno for frame in reversed(traceback.extract_tb(exc.__traceback__))
                     if frame.filename == str(config_path)), None)
        at = f"{config_path.name}, line {line}" if line else config_path.name
        raise SettingsError([f"{at}: cannot be read: {type(exc).__name__}: {exc}"]) from exc
    raw = namespace.get("DIGEST")
    if not isinstance(raw, dict):
        raise SettingsError([f"{config_path.name}: DIGEST must be a dict of settings"])
    from . import sources  # its registry imports the source modules, which import this module

    merged, where = _apply_env(raw, env)
    problems: list[str] = []  # every problem at once: the digest's and each source's
    try:
        digest = _validate(merged)
    except SettingsError as exc:
        problems += exc.problems
    try:
        configs = sources.configure(merged["sources"], where, env)
    except SettingsError as exc:
        problems += exc.problems
    if not merged["sources"]:
        problems.append(
            "DIGEST['sources']: no source enabled; add one, e.g. "
            "'sources': {'arxiv': {'categories': ['cs.CV']}} (see the README's Sources)"
        )
    if problems:
        raise SettingsError(problems)
    root = config_path.parent

    def resolve(path: Path | str) -> Path:
        return (root / path).resolve()

    subsites = {str(lang): subsite for lang, subsite in (namespace.get("I18N_SUBSITES") or {}).items()
                if isinstance(subsite, dict)}
    article_url = str(namespace.get("ARTICLE_URL", PELICAN_ARTICLE_URL))
    article_urls: dict[str, str] = {lang: str(subsites.get(lang, {}).get("ARTICLE_URL", article_url)) for lang in digest.languages}
    _check_article_urls(article_urls)
    key = env.get("OPENAI_API_KEY", "").strip()
    return Settings(
        digest=digest,
        config_path=config_path,
        root=root,
        content_dir=resolve(namespace.get("PATH", "content")),
        output_dir=resolve(namespace.get("OUTPUT_PATH", "output")),
        store_dir=resolve(digest.store),
        library_path=resolve(digest.radar.library) if digest.radar.library else None,
        sitename=str(namespace.get("SITENAME", "Paper Radar")),
        siteurl=env.get("DIGEST_SITEURL") or str(namespace.get("SITEURL", "")),
        openai_api_key=SecretStr(key) if key else None,
        mail=_mail(env, digest.languages),
        sources=configs,
        sitenames={lang: str(subsite["SITENAME"]) for lang, subsite in subsites.items() if subsite.get("SITENAME")},
        article_urls=article_urls,
        secrets=(
            secret_values(env) + url_secrets(digest.llm.base_url or "")
            + tuple(s for c in configs.values() for s in settings_secrets(c.settings))
        ),
    )


def _check_article_urls(article_urls: Mapping[str, str]) -> None:
    """SettingsError unless each edition's ARTICLE_URL can be filled in from what a digest post has
    and gives a day one path under every edition's root: the editions share one search index,
    which links a day by one path."""
    from .write import DAY_PAGE_FIELDS, day_path  # write.py imports this module

    paths = set()
    for lang, url in article_urls.items():
        try:
            paths.add(day_path(url, date(2026, 6, 2), lang))
        except (KeyError, IndexError, ValueError) as exc:
            raise SettingsError([
                f"ARTICLE_URL {url!r}: cannot be filled in for a digest post ({type(exc).__name__}: {exc}); "
                f"use the fields {', '.join('{' + name + '}' for name in DAY_PAGE_FIELDS)}"
            ]) from None
    if len(paths) > 1:
        raise SettingsError([
            f"ARTICLE_URL: the editions put a day at different paths ({', '.join(sorted(paths))}); each edition "
            "already has its own root (/zh/), so drop {lang} and per-language ARTICLE_URLs in I18N_SUBSITES"
        ])


def _mail(env: Mapping[str, str], languages: Sequence[str]) -> Mail | None:
    """The email delivery from DIGEST_EMAIL_TO, DIGEST_SMTP_URL and DIGEST_EMAIL_FROM (all or none)."""
    values = {name: env.get(name, "").strip() for name in EMAIL_ENV}
    if not any(values.values()):
        return None
    problems = [
        f"{name}: not set, but {', '.join(n for n in EMAIL_ENV if values[n])} is: the email edition "
        "needs all three (or none)"
        for name in EMAIL_ENV if not values[name]
    ]
    recipients: list[Recipient] = []
    for item in filter(None, (part.strip() for part in values["DIGEST_EMAIL_TO"].split(","))):
        lang, colon, address = item.partition(":")
        if not colon or lang not in ("en", "zh"):
            lang, address = languages[0], item
        if lang not in languages:
            problems.append(f"DIGEST_EMAIL_TO: {item!r} asks for {lang!r}, not one of the site's "
                            f"languages {list(languages)}")
        elif not _ADDRESS.match(address.strip()):
            problems.append(f"DIGEST_EMAIL_TO: {address.strip()!r} is not an email address "
                            "(expected e.g. ada@example.org or zh:ada@example.org)")
        else:
            recipients.append(Recipient(address.strip(), lang))
    if values["DIGEST_EMAIL_TO"] and not recipients and not problems:
        problems.append("DIGEST_EMAIL_TO: no address in it (comma-separated addresses)")
    sender = values["DIGEST_EMAIL_FROM"]
    address = parseaddr(sender)[1]
    if sender and not _ADDRESS.match(address):
        problems.append(f"DIGEST_EMAIL_FROM: {sender!r} is not an email address "
                        "(expected e.g. Paper Radar <radar@example.org>)")
    server = None
    if values["DIGEST_SMTP_URL"]:
        try:
            server = smtp_server(values["DIGEST_SMTP_URL"])
        except ValueError as exc:
            problems.append(f"DIGEST_SMTP_URL: {exc}")
    if problems:
        raise SettingsError(problems)
    assert server is not None
    return Mail(tuple(recipients), server, sender)


_ADDRESS = re.compile(r"^[^@\s<>,;:\"]+@[^@\s<>,;:\"]+\.[^@\s<>,;:\"]+$")


def smtp_server(url: str) -> SmtpServer:
    """Parse `smtp://user:password@host:port`; a ValueError's message never holds the password."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
        host = parts.hostname
    except ValueError:
        port, host = None, None
        if not scheme or scheme in SMTP_PORTS:
            raise ValueError(f"{redact(url)}: the port is not a number") from None
    if scheme not in SMTP_PORTS:
        raise ValueError(f"{redact(url)}: expected smtp://, smtps:// or smtp+starttls:// "
                         "(e.g. smtps://user:password@smtp.example.org:465)")
    if not host:
        raise ValueError(f"{redact(url)}: no host (e.g. smtps://user:password@smtp.example.org:465)")
    username = unquote(parts.username) if parts.username else None
    password = SecretStr(unquote(parts.password)) if parts.password else None
    if (password is None) != (username is None):
        raise ValueError(f"{redact(url)}: give both the user name and the password, or neither")
    return SmtpServer(cast(Any, scheme), host, port or SMTP_PORTS[scheme], username, password)


def _apply_env(raw: dict[str, Any], env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Lay the environment's overrides over the settings file's values; the old top-level
    `DIGEST['arxiv']` becomes `DIGEST['sources']['arxiv']`. Also returns where each source's
    entry was written, for error messages."""
    merged = {**raw, "llm": dict(raw.get("llm") or {})}
    sources = raw.get("sources") or {}
    if not isinstance(sources, Mapping):
        raise SettingsError([f"DIGEST['sources']: must be a dict of source name -> settings (got {sources!r})"])
    merged["sources"] = {name: dict(entry) if isinstance(entry, Mapping) else entry
                         for name, entry in sources.items()}
    where: dict[str, str] = {}
    if "arxiv" in merged:
        if "arxiv" in merged["sources"]:
            raise SettingsError(
                ["DIGEST['arxiv'] and DIGEST['sources']['arxiv'] are both set: keep one "
                 "(DIGEST['sources']['arxiv'])"]
            )
        legacy = merged.pop("arxiv")
        merged["sources"] = {"arxiv": dict(legacy) if isinstance(legacy, Mapping) else legacy,
                             **merged["sources"]}
        where["arxiv"] = "DIGEST['arxiv']"
    overrides = {
        ("llm", "model"): env.get("DIGEST_LLM_MODEL"),
        ("llm", "base_url"): env.get("OPENAI_BASE_URL"),
    }
    for (section, name), value in overrides.items():
        if value:
            merged[section][name] = value
    if "api_key" in merged["llm"]:
        raise SettingsError(
            ["DIGEST['llm']['api_key']: never put the key in the settings file; "
             "set the OPENAI_API_KEY environment variable (a repository secret in Actions)"]
        )
    return merged, where


def _validate(raw: dict[str, Any]) -> DigestSettings:
    try:
        return DigestSettings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError([problem_line("DIGEST", _as_written(raw, error)) for error in exc.errors()]) from None


def _as_written(raw: Mapping[str, Any], error: Mapping[str, Any]) -> Mapping[str, Any]:
    """`error` located where the lab wrote the setting: a topic given as a dict is validated as its
    keywords (`radar.topics[T]`) and its words (`radar.topic_text[T]`, RadarSettings._topic_dicts),
    but was written as `radar.topics[T]['keywords' | 'name' | ...]`."""
    loc = tuple(error["loc"])
    radar = raw.get("radar")
    topics = radar.get("topics") if isinstance(radar, Mapping) else None
    if len(loc) < 3 or loc[0] != "radar" or loc[1] not in ("topics", "topic_text") or not isinstance(topics, Mapping):
        return error
    written = topics.get(loc[2])
    if not isinstance(written, Mapping):
        return error
    if loc[1] == "topic_text":
        return {**error, "loc": ("radar", "topics", *loc[2:])}
    if "keywords" not in written:
        return {**error, "loc": ("radar", "topics", loc[2], "keywords"), "type": "missing"}
    return {**error, "loc": ("radar", "topics", loc[2], "keywords", *loc[3:])}


def problem_line(at: str, error: Mapping[str, Any]) -> str:
    """One line naming the setting under `at`, e.g. `DIGEST['sources']['arxiv']['categories'][0]: unknown ...`."""
    where = at + "".join(f"[{part}]" if isinstance(part, int) else f"[{part!r}]"
                         for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown setting (check the spelling; see the settings reference)"
    if error["type"] == "missing":
        return f"{where}: required setting is missing"
    if error["loc"] == ("languages",) and error["type"] == "too_short":
        return f"{where}: empty; list the site's languages, 'en' first (e.g. ['en', 'zh'])"
    message = str(error["msg"]).removeprefix("Value error, ")
    return redact(f"{where}: {message} (got {error.get('input')!r})")


def reference() -> str:
    """The settings reference in Markdown, generated from the settings' own definitions."""
    lines = ["| setting | default | what it is |", "| --- | --- | --- |"]

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            key = f"{prefix}[{name!r}]"
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, key)
                continue
            default = "required" if info.is_required() else _show(info.get_default(call_default_factory=True))
            lines.append(f"| `{key}` | {default} | {info.description or ''} |")

    walk(DigestSettings, "DIGEST")
    from . import sources

    for name in sources.builtin():
        module = importlib.import_module(sources.module_name(name, {}))
        walk(module.Settings, f"DIGEST['sources'][{name!r}]")
    lines += ["", "| environment variable | what it sets |", "| --- | --- |"]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in env_vars().items()]
    return "\n".join(lines) + "\n"


def env_vars() -> dict[str, str]:
    """Every environment variable the digest reads: ENV_VARS and the built-in sources' overrides."""
    from . import sources

    found = dict(ENV_VARS)
    for name in sources.builtin():
        module = importlib.import_module(sources.module_name(name, {}))
        for var, setting in getattr(module, "ENV", {}).items():
            found[var] = f"DIGEST['sources'][{name!r}][{setting!r}] (when the source is enabled)"
    return found


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, list) and value and isinstance(value[0], date):
        return f"{len(value)} dates (arXiv holidays)"
    if isinstance(value, Path):
        value = str(value)
    return f"`{value!r}`"
