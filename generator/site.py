"""The Pelican plugin: reads digest posts, gives each its day's data for the theme, publishes the days as JSON."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache, pass_context
from jinja2.runtime import Context
from markdown import Markdown
from markupsafe import Markup, escape
from pelican import Pelican, signals
from pelican.generators import ArticlesGenerator, Generator
from pelican.readers import MarkdownReader, Readers
from pelican.urlwrappers import Tag
from pelican.utils import pelican_open

from . import glossary, labels
from .errors import BuildError
from .incremental import PageSkippingWriter
from .settings import RadarSettings, Settings
from .dayview import DayPage, site_days
from .labels import note_text, score_text, source_name
from .records import Match, Note
from .files import write_atomic
from .store import DAY_FORMAT_VERSION, NOT_A_DAY, Store, day_format, day_json, dumps
from .summarize.grounding import segments
from .text import brief_html
from .write import built_days, day_path

def digest_settings(pelican_settings: dict[str, Any]) -> Settings:
    """The validated digest settings that `digest build` passes to Pelican."""
    settings = pelican_settings.get("DIGEST_SETTINGS")
    if not isinstance(settings, Settings):
        raise BuildError("DIGEST_SETTINGS is missing: build the site with `digest build`, not `pelican`")
    return settings


# A Markdown post's metadata header: "Key: value" lines, continued by indented lines.
_HEADER_FIELD = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")


class DigestPostReader(MarkdownReader):
    """Markdown, except that a digest post's body is not converted: the theme renders the day from
    its data, and the body (a readable copy of the day for GitHub and other readers) would be a
    year of Markdown to parse on every build for nothing."""

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        with pelican_open(source_path) as text:
            header = front_matter(text)
        if "digest_date" not in header:
            return super().read(source_path)
        self._source_path = source_path
        self._md = Markdown(**self.settings["MARKDOWN"])  # formats the Summary field
        metadata = self._parse_metadata(header)
        return str(metadata.get("summary", "")), metadata


def front_matter(text: str) -> dict[str, list[str]]:
    """A Markdown post's metadata as Python-Markdown's meta extension reads it: lower-case names."""
    fields: dict[str, list[str]] = {}
    name = None
    for line in text.lstrip("\ufeff").splitlines():
        match = _HEADER_FIELD.match(line)
        if match:
            name = match.group(1).lower()
            fields.setdefault(name, []).append(match.group(2).strip())
        elif name and line.startswith("    ") and line.strip():
            fields[name].append(line.strip())
        else:
            break
    return fields


def _jinja_cache(cache_path: str, env: Environment) -> str:
    """The folder of compiled templates for environments configured as `env`. Jinja keys a compiled
    template by its source only, but its code depends on the environment's options (finalize,
    autoescape, trim_blocks, ... from JINJA_ENVIRONMENT): another configuration, another folder."""
    def named(value: object) -> object:  # a function by its name: its repr has its address
        return value if isinstance(value, bool | str | None) else getattr(value, "__qualname__", type(value).__name__)

    options = (jinja2.__version__, named(env.finalize), named(env.autoescape), sorted(env.extensions),
               env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.newline_sequence,
               env.block_start_string, env.variable_start_string, env.comment_start_string, env.line_statement_prefix,
               getattr(env, "newstyle_gettext", None))  # set by the i18n extension
    key = hashlib.blake2b(repr(options).encode(), digest_size=6).hexdigest()
    folder = Path(cache_path) / f"jinja-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def use_digest_reader(readers: Readers) -> None:
    for extension in DigestPostReader.file_extensions:
        readers.reader_classes[extension] = DigestPostReader


@pass_context
def matched_label(context: Context, match: Match) -> str:
    """What a reader sees of a radar match: Match("topic", "Medical imaging") -> the topic's name in
    the page's language; an author's name as it is."""
    return topic_name(context, match.name) if match.kind == "topic" else match.name


@pass_context
def topic_name(context: Context, topic: object) -> str:
    """A radar topic (a name or Pelican's Tag) as the page's language names it (DIGEST's topic_text)."""
    name = str(getattr(topic, "name", topic))
    return _radar(context).topic_name(name, _page_lang(context))


@pass_context
def topic_description(context: Context, topic: object) -> str | None:
    """A radar topic's one line in the page's language, or None."""
    name = str(getattr(topic, "name", topic))
    return _radar(context).topic_description(name, _page_lang(context))


@pass_context
def term(context: Context, word: str) -> str:
    """A keyword or matched term in the page's language: the glossary's Chinese for the Chinese
    edition where it has one ("segmentation" -> "分割"), else the word as it is."""
    if _page_lang(context) == "zh":
        return glossary.to_chinese(str(word)) or str(word)
    return str(word)


@pass_context
def radar_topic_names(context: Context) -> dict[str, str]:
    """Every radar topic's name in the page's language (for the next batch's cards, made by radar.js)."""
    radar = _radar(context)
    return {topic: radar.topic_name(topic, _page_lang(context)) for topic in radar.topics}


def chinese_glossary() -> dict[str, str]:
    """The glossary as {English term in lower case: Chinese}, for the next batch's why-terms."""
    return {entry.english.lower(): entry.chinese for entry in glossary.entries()}


@pass_context
def colon(context: Context) -> str:
    """The colon after a label, in the page's language (labels.colon)."""
    return labels.colon(_page_lang(context))


@pass_context
def list_separator(context: Context) -> str:
    """What separates the items of a list, in the page's language (labels.list_separator)."""
    return labels.list_separator(_page_lang(context))


@pass_context
def day_page(context: Context, when: str) -> str:
    """The page of the digest dated `when` ("2026-06-02") in the page's edition, relative to the
    edition's root (a related paper's day)."""
    lang = _page_lang(context)
    article_url = digest_settings({"DIGEST_SETTINGS": context.get("DIGEST_SETTINGS")}).article_urls[lang]
    return day_path(article_url, date.fromisoformat(when), lang)


def _page_lang(context: Context) -> str:
    return str(context.get("DEFAULT_LANG") or "en")


def _radar(context: Context) -> RadarSettings:
    return digest_settings({"DIGEST_SETTINGS": context.get("DIGEST_SETTINGS")}).digest.radar


def day_note(note: Note, lang: str) -> str:
    """What a note of the day (or the reason of a paper's extractive summary) says in `lang`; the
    template escapes it."""
    return note_text(note, lang)


def unverified(text: str, items: Iterable[str] | None, tooltip: str) -> Markup:
    """Summary text, escaped, each unsupported item in <span class="unverified"> with a tooltip.

    The tooltip is the title attribute, repeated as visually hidden text for screen readers.
    """
    if not items:  # the common case: nothing flagged
        return escape(text)
    tip = escape(tooltip)  # a translated label arrives as Markup already: not escaped twice
    hidden = f'<span class="visually-hidden"> ({tip})</span>'
    return Markup("".join(
        f'<span class="unverified" title="{tip}">{escape(part)}{hidden}</span>' if flagged else str(escape(part))
        for part, flagged in segments(str(text), items)
    ))


def relative_root(output_file: str) -> str:
    """The relative URL from a page written at `output_file` (a path inside its edition's output
    folder) to that edition's root: "./" for "index.html", "../../../" for "2026/06/02/index.html"."""
    depth = output_file.replace("\\", "/").strip("/").count("/")
    return "../" * depth or "./"


@pass_context
def site_root(context: Context, lang: str | None = None) -> str:
    """The URL the theme puts before a path of the site: relative to the page being written, so that
    output/ works from any host, port, sub-path or file:// (canonical, hreflang, OpenGraph and feed
    URLs stay absolute from SITEURL). `lang` names another language's edition.

    The 404 page is served at any missing URL, where a relative link would point elsewhere: its
    links start with SITEURL's path ("/" or "/<repo>/"), right on any host that serves the site
    under the configured path.
    """
    editions = list(context.get("lang_siteurls") or {})
    main = editions[0] if editions else context.get("DEFAULT_LANG")
    here = context.get("DEFAULT_LANG")
    target = lang or here
    if context.get("page_kind") == "404":
        main_root = urlsplit(str(context.get("main_siteurl") or context.get("SITEURL") or "")).path.rstrip("/") + "/"
    else:
        root = relative_root(str(context.get("output_file") or "index.html"))
        main_root = root if here == main else ("../" if root == "./" else root + "../")
    return main_root if target == main else f"{main_root}{target}/"


def add_template_helpers(generator: Generator) -> None:
    """The filters and globals the theme uses to render paper data.

    Templates print records as they are: their text is fit for HTML from the day's reading
    (dayview.read_whole_day), which drops what HTML does not allow once rather than from every
    value a page prints (no `finalize`: ~18% of a day page's rendering time).
    """
    # Every generator of every language has its own Jinja environment: share compiled templates.
    generator.env.bytecode_cache = FileSystemBytecodeCache(_jinja_cache(generator.settings["CACHE_PATH"], generator.env))

    def topic_slug(name: str) -> str:
        return Tag(name, generator.settings).slug

    generator.env.globals.update(
        site_root=site_root, colon=colon, list_separator=list_separator, radar_topic_names=radar_topic_names,
        chinese_glossary=chinese_glossary, date_kinds=lambda: labels.DATE_KINDS,
    )
    generator.env.filters.update(
        source_name=source_name,
        matched_label=matched_label,
        topic_name=topic_name,
        topic_description=topic_description,
        term=term,
        brief_html=brief_html,
        unverified=unverified,
        day_note=day_note,
        topic_slug=topic_slug,
        digest_day=digest_day,
        day_page=day_page,
        score_text=score_text,
    )


def attach_days(generator: ArticlesGenerator) -> None:
    """Give every digest post (and its translations) `day_file`, `outline` (dayview.Outline) and `radar`.

    A day page reads its day when it is rendered (the `digest_day` filter); pages listing many days
    use the outlines.
    """
    settings = digest_settings(generator.settings)
    days = site_days(generator.settings)
    topics = list(settings.digest.radar.topics)
    for article in [*generator.articles, *generator.translations, *generator.drafts]:
        digest_date = article.metadata.get("digest_date")
        if not digest_date:
            continue
        article.day_file = days.store.day_path(_date(digest_date))
        article.outline = days.outline(article.day_file)
        article.radar = article.outline.radar(topics)
    link_neighbours(generator.articles)
    add_quiet_topics(generator, topics)


def add_quiet_topics(generator: ArticlesGenerator, topics: list[str]) -> None:
    """Every radar topic gets a page (a topic no day matched yet says so), as every topic has a feed."""
    known = {tag.name for tag in generator.tags}
    quiet = [Tag(topic, generator.settings) for topic in topics if topic not in known]
    for tag in quiet:
        generator.tags[tag] = []
    if quiet:
        generator.context["tags"] = list(generator.tags.items())


def link_neighbours(articles: list[Any]) -> None:
    """Give each digest post of one edition `prev_article` (the day before) and `next_article` (the
    day after), or None at the ends: the day page's previous/next links."""
    days = sorted((a for a in articles if a.metadata.get("digest_date")), key=lambda a: str(a.metadata["digest_date"]))
    for position, article in enumerate(days):
        article.prev_article = days[position - 1] if position else None
        article.next_article = days[position + 1] if position + 1 < len(days) else None


@pass_context
def digest_day(context: Context, article: Any) -> DayPage:
    """The day a digest post shows, for its page."""
    return site_days({"DIGEST_DAYS": context.get("DIGEST_DAYS")}).page(article.day_file)


def publish_days(pelican: Pelican) -> None:
    """Make output/data/ hold every built day as D.json in the current format, and nothing else
    (once, from the main site). radar.js reads that format only: a day the store keeps in an older
    one is published upgraded (`store.upgrade_day_json`), its stored file left as it is."""
    settings = digest_settings(pelican.settings)
    if pelican.settings["DEFAULT_LANG"] != settings.digest.languages[0]:
        return
    store = Store(settings.store_dir)
    target = Path(pelican.output_path) / "data"
    target.mkdir(parents=True, exist_ok=True)
    gone = {path.name for path in target.glob("*.json")}  # days an incremental build's output still has
    for day in built_days(store.days(), settings):  # a day JSON is published with its pages only
        published = target / f"{day.isoformat()}.json"
        gone.discard(published.name)
        stored = store.day_path(day)
        if day_format(stored) == DAY_FORMAT_VERSION:
            _copy_if_changed(stored, published)
        else:
            _upgrade_if_changed(stored, published)
    for name in gone:
        (target / name).unlink()


def _copy_if_changed(source: Path, target: Path) -> None:
    """Publish `source` at `target` unless it is there already (same size and modification time).

    A hard link where the file system allows one: a year of days is ~75 MB that a full build would
    otherwise write again. The store replaces a day file rather than editing it, so the link keeps
    the published day until the next build links the new one.
    """
    stat = source.stat()
    try:
        published = target.stat()
        if (published.st_size, published.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return
        target.unlink()
    except FileNotFoundError:
        pass
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, target)


def _upgrade_if_changed(source: Path, target: Path) -> None:
    """Publish the day file `source`, of an older format, at `target` in the current one, written as
    the store writes a day, unless it is there already.

    The published file takes the source's modification time: while it has it (and is not the
    source itself, linked when that was current), it was made from this very file by this code, as a
    change of the code makes the next build a full one, into an empty folder. Comparing the text
    instead would read, upgrade and write again every older day on every build (~3.5 ms a 40-paper
    day: 1.3 s for a year of them).
    """
    stat = source.stat()
    try:
        published = target.stat()
        if published.st_mtime_ns == stat.st_mtime_ns and not os.path.samestat(published, stat):
            return
        target.unlink()  # a link to the published file of the previous build is not changed in place
    except FileNotFoundError:
        pass
    try:
        text = dumps(day_json(source.read_text("utf-8")))
    except (OSError, *NOT_A_DAY) as exc:
        raise BuildError(f"{source}: unreadable day file ({exc!r}); re-run `digest run --date {source.stem}`") from exc
    write_atomic(target, text)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def page_skipping_writer(pelican: Pelican) -> type[PageSkippingWriter]:
    """The writer of `digest build`: it renders only the pages whose inputs changed (generator.incremental)."""
    return PageSkippingWriter


def _date(value: object) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BuildError(f"Digest_date {value!r} is not a YYYY-MM-DD date; fix the post's metadata") from None


def register() -> None:
    signals.readers_init.connect(use_digest_reader)
    signals.generator_init.connect(add_template_helpers)
    signals.article_generator_finalized.connect(attach_days)
    signals.get_writer.connect(page_skipping_writer)
    signals.finalized.connect(publish_days)
