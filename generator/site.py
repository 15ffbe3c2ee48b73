"""The Pelican plugin: reads digest posts, gives each its day's data for the theme, publishes the days as JSON."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import FileSystemBytecodeCache, pass_context
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
from .labels import json_badges, note_text, source_name
from .store import Store, note_from_json, upgrade_day_json
from .summarize.grounding import segments
from .text import brief_html
from .write import built_days

# Full days (featured papers only) read in this process, keyed by path and (mtime, size), least
# recently used dropped first: day pages and the feeds (which read the last feeds.MAX_DAYS days)
# share reads, and a year of full days is not held at once (issue 5: peak memory <= 200 MB).
_DAYS: OrderedDict[Path, tuple[tuple[int, int], dict[str, Any]]] = OrderedDict()
DAYS_KEPT = 64
# What pages listing many days (topic pages, the search index, radar counts) need of a day's
# featured papers; the abstracts and structured summaries that make a day file big are left out.
OUTLINE_FIELDS = (
    "rank", "featured", "title", "authors", "source", "primary_category", "sources", "upvotes",
    "matched",
)
OUTLINE_SUMMARY_FIELDS = ("title", "tldr")
OUTLINES_FOLDER = "day-outlines-3"  # named after the day format its outlines have


def digest_settings(pelican_settings: dict[str, Any]) -> Settings:
    """The validated digest settings that `digest build` passes to Pelican."""
    settings = pelican_settings.get("DIGEST_SETTINGS")
    if not isinstance(settings, Settings):
        raise BuildError("DIGEST_SETTINGS is missing: build the site with `digest build`, not `pelican`")
    return settings


def read_day(path: Path) -> dict[str, Any]:
    """The stored day with its featured papers only (all candidates stay in the published JSON).

    The last DAYS_KEPT days read stay in memory while their files are unchanged; `counts` still
    tells how many candidates the day had.
    """
    key = _file_key_or_none(path)
    cached = _DAYS.get(path)
    if cached is None or cached[0] != key or key is None:
        day = read_whole_day(path)
        by_rank = {paper.get("rank"): paper for paper in day.get("papers", [])}
        # the "Trending today" strip's papers, featured or not (the page lists them)
        day["trending_papers"] = [by_rank[rank] for rank in day.get("trending") or () if rank in by_rank]
        day["papers"] = [paper for paper in day.get("papers", []) if paper.get("featured")]
        cached = (key or _file_key(path), day)
    _DAYS[path] = cached
    _DAYS.move_to_end(path)
    while len(_DAYS) > DAYS_KEPT:
        _DAYS.popitem(last=False)
    return cached[1]


def read_whole_day(path: Path) -> dict[str, Any]:
    """The stored day with all its candidates, as the store wrote it."""
    try:
        day = upgrade_day_json(json.loads(path.read_text("utf-8")))
        if not isinstance(day, dict) or not isinstance(day.get("papers", []), list):
            raise ValueError("not a day object")
    except FileNotFoundError:
        raise BuildError(
            f"{path} not found: a post names a day the store does not have; run `digest run --date {path.stem}`"
        ) from None
    except (OSError, ValueError, AttributeError) as exc:
        raise BuildError(f"{path}: unreadable day file ({exc}); re-run `digest run --date {path.stem}`") from exc
    return day


def outline(day: dict[str, Any]) -> dict[str, Any]:
    """The day's date and featured papers with OUTLINE_FIELDS and the summary's OUTLINE_SUMMARY_FIELDS."""
    papers = []
    for paper in day.get("papers", []):
        if not paper.get("featured"):
            continue
        slim = {name: paper[name] for name in OUTLINE_FIELDS if name in paper}
        summary = paper.get("summary") or {}
        slim["summary"] = {name: summary[name] for name in OUTLINE_SUMMARY_FIELDS if name in summary}
        papers.append(slim)
    return {"date": day.get("date"), "papers": papers}


class DayOutlines:
    """Outlines of the stored days, in memory and one file per day in Pelican's cache folder, so
    that a rebuild parses only the day files that changed (a year of day files is ~75 MB of JSON).

    The files are pickles, as Pelican's own content cache beside them: ~2x faster to load than JSON.
    """

    def __init__(self) -> None:
        self._outlines: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}
        self.folder: Path | None = None  # where outlines are cached between builds

    def get(self, path: Path) -> dict[str, Any]:
        """The outline of the day file at `path`, made again only when the file changed."""
        key = _file_key_or_none(path)
        cached = self._outlines.get(path)
        if cached is None or cached[0] != key:
            cached = self._read(path)
        if cached is None or cached[0] != key or key is None:
            day = outline(read_day(path))  # says what is wrong with a missing or unreadable file
            cached = (key or _file_key(path), day)
            self._write(path, cached)
        self._outlines[path] = cached
        return cached[1]

    def _read(self, path: Path) -> tuple[tuple[int, int], dict[str, Any]] | None:
        if self.folder is None:
            return None
        try:
            with (self.folder / f"{path.stem}.pickle").open("rb") as handle:
                source, key, day = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            # no cache yet, or a torn or old one: make the outline again
            return None
        return (tuple(key), day) if source == str(path) else None

    def _write(self, path: Path, cached: tuple[tuple[int, int], dict[str, Any]]) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{path.stem}.pickle").write_bytes(pickle.dumps((str(path), *cached)))


_OUTLINES = DayOutlines()


def day_outline(path: Path) -> dict[str, Any]:
    """The outline of the stored day at `path` (see `outline`)."""
    return _OUTLINES.get(path)


def _file_key(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return (stat.st_mtime_ns, stat.st_size)


def _file_key_or_none(path: Path) -> tuple[int, int] | None:
    try:
        return _file_key(path)
    except OSError:
        return None  # read_day says what is wrong


# A Markdown post's metadata header: "Key: value" lines, continued by indented lines.
_HEADER_FIELD = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)
# Characters that are not allowed in HTML text (C0/C1 controls but tab and newlines, noncharacters).
_NOT_HTML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


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


def _jinja_cache(cache_path: str) -> str:
    folder = Path(cache_path) / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def use_digest_reader(readers: Readers) -> None:
    for extension in DigestPostReader.file_extensions:
        readers.reader_classes[extension] = DigestPostReader


def radar_counts(papers: list[dict[str, Any]], topics: list[str]) -> list[tuple[str, int]]:
    """How many featured papers matched each radar topic, in the radar's order."""
    featured = [paper for paper in papers if paper.get("featured")]
    return [
        (topic, sum(1 for paper in featured if topic in topic_names(paper)))
        for topic in topics
    ]


def topic_names(paper: Mapping[str, Any]) -> tuple[str, ...]:
    """The radar topics a paper of the day's JSON matched."""
    return tuple(
        str(match["name"]) for match in paper.get("matched") or ()
        if isinstance(match, Mapping) and match.get("kind") == "topic"
    )


def safe_url(value: object) -> str | None:
    """`value` if it is a plain http(s) URL, else None: paper data must never yield a javascript: link."""
    text = str(value or "").strip()
    return text if _SAFE_URL.match(text) else None


def badges(paper: Mapping[str, Any]) -> list[str]:
    """The source badges of a paper, e.g. ["arXiv (CS.CV)", "HF ▲ 42"]."""
    return json_badges(paper)


@pass_context
def matched_label(context: Context, match: Mapping[str, Any]) -> str:
    """What a reader sees of a radar match: {"kind": "topic", "name": "Medical imaging"} -> the
    topic's name in the page's language; an author's name as it is."""
    name = str(match.get("name", ""))
    return topic_name(context, name) if match.get("kind") == "topic" else name


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


def _page_lang(context: Context) -> str:
    return str(context.get("DEFAULT_LANG") or "en")


def _radar(context: Context) -> RadarSettings:
    return digest_settings({"DIGEST_SETTINGS": context.get("DIGEST_SETTINGS")}).digest.radar


def day_note(item: str | dict[str, Any], lang: str) -> str:
    """What a note of the day's JSON (or a paper's summary_reason) says in `lang`; the template escapes it."""
    return note_text(note_from_json(item), lang)


def unverified(text: str, items: Iterable[str] | None, tooltip: str) -> Markup:
    """Summary text, escaped, each unsupported item in <span class="unverified"> with a tooltip.

    The tooltip is the title attribute, repeated as visually hidden text for screen readers.
    """
    tip = escape(tooltip)  # a translated label arrives as Markup already: not escaped twice
    hidden = f'<span class="visually-hidden"> ({tip})</span>'
    return Markup("".join(
        f'<span class="unverified" title="{tip}">{escape(part)}{hidden}</span>' if flagged else str(escape(part))
        for part, flagged in segments(str(text), items or ())
    ))


def printable(value: Any) -> Any:
    """What a template prints, without the control characters that paper text may carry."""
    if not isinstance(value, str) or value.isprintable():  # the common case, checked in C
        return value
    cleaned = _NOT_HTML.sub("", value)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


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
    """The filters the theme uses to render paper data, and the control-character filter on output."""
    # Every generator of every language has its own Jinja environment: share compiled templates.
    generator.env.bytecode_cache = FileSystemBytecodeCache(_jinja_cache(generator.settings["CACHE_PATH"]))

    def topic_slug(name: str) -> str:
        return Tag(name, generator.settings).slug

    generator.env.finalize = printable  # templates compile lazily, after this signal
    generator.env.globals.update(
        site_root=site_root, colon=colon, list_separator=list_separator, radar_topic_names=radar_topic_names, chinese_glossary=chinese_glossary
    )
    generator.env.filters.update(
        safe_url=safe_url,
        badges=badges,
        source_name=source_name,
        matched_label=matched_label,
        topic_name=topic_name,
        topic_description=topic_description,
        term=term,
        topic_names=topic_names,
        brief_html=brief_html,
        unverified=unverified,
        day_note=day_note,
        topic_slug=topic_slug,
        digest_day=digest_day,
    )


def attach_days(generator: ArticlesGenerator) -> None:
    """Give every digest post (and its translations) `day_file`, `outline` and `radar`.

    A day page reads its whole day when it is rendered (the `digest_day` filter); pages listing
    many days use the outlines.
    """
    settings = digest_settings(generator.settings)
    store = Store(settings.store_dir)
    topics = list(settings.digest.radar.topics)
    if generator.settings["DEFAULT_LANG"] == settings.digest.languages[0]:  # the other editions share it
        _OUTLINES.folder = Path(generator.settings["CACHE_PATH"]) / OUTLINES_FOLDER
    for article in [*generator.articles, *generator.translations, *generator.drafts]:
        digest_date = article.metadata.get("digest_date")
        if not digest_date:
            continue
        article.day_file = store.day_path(_date(digest_date))
        article.outline = day_outline(article.day_file)
        article.radar = radar_counts(article.outline["papers"], topics)
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


def digest_day(article: Any) -> dict[str, Any]:
    """The whole day a digest post shows (its featured papers), for its page."""
    return read_day(article.day_file)


def publish_days(pelican: Pelican) -> None:
    """Make output/data/ hold every stored day as D.json, and nothing else (once, from the main site)."""
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
        _copy_if_changed(store.day_path(day), published)
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
