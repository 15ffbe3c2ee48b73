"""Feeds Pelican has none of, per language: one item per featured paper, one Atom feed per topic.

A Pelican plugin. Pelican writes the digest feeds (feeds/all.atom.xml, feeds/all.rss.xml); this
module keeps those to each day's summary (Pelican's Atom entries always carry the whole post) and
adds, from the store's day files:

    feeds/papers.atom.xml              the featured papers of recent days, TL;DR in the item
    feeds/topics/<topic-slug>.atom.xml the same, for the papers matching one radar topic

Item ids are tag URIs made of the site's host, the paper's first submission date, the language
and the paper id, so the same paper keeps its id across rebuilds and re-appearances. Paper text is
untrusted: it is stripped of XML-illegal characters, escaped in the HTML content, and each feed is
cut to whole items under MAX_FEED_BYTES.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import islice
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from pelican import Pelican, signals
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

from .files import write_atomic
from .labels import LABELS as _LABELS
from .labels import badges, fill, score_text
from .records import Day, Entry, Match
from .dayview import site_days
from .site import digest_settings
from .store import Store
from .summarize.grounding import segments
from .text import one_line, safe_url
from .write import CATEGORY, built_days, day_path

PAPERS_FEED = "feeds/papers.atom.xml"
TOPIC_FEED = "feeds/topics/{slug}.atom.xml"
MAX_FEED_BYTES = 300_000
MAX_ITEMS = 100  # per feed: about two days of featured papers
MAX_DAYS = 60  # days read back for the topic feeds, whose papers are sparser
MAX_TEXT = 1500  # characters of a TL;DR kept in an item
MAX_AUTHORS = 12  # authors named in an item; the rest are counted

@dataclass(frozen=True, slots=True)
class FeedItem:
    """One paper as a feed entry, in one language. Text fields are already cleaned."""

    id: str
    title: str
    link: str
    updated: datetime
    summary: str  # plain text
    content: str  # escaped HTML
    topics: tuple[str, ...]


def topic_slug(topic: str) -> str:
    """The topic's slug: the one Pelican gives the tag of that name with its default slug rules."""
    return slugify(topic, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])


def feed_paths(topics: Iterable[str]) -> dict[str, Any]:
    """The paths of this module's feeds, relative to a language's site (for the theme's links).

    A dict of strings: it goes into Pelican's settings, which Pelican's content cache pickles."""
    return {
        "papers": PAPERS_FEED,
        "topics": {topic: TOPIC_FEED.format(slug=topic_slug(topic)) for topic in topics},
    }


def paper_items(
    days: Iterable[Day], lang: str, *, host: str, day_url: Callable[[date], str], topic: str | None = None,
    topic_name: Callable[[str], str] = str,
) -> Iterator[FeedItem]:
    """The featured papers of `days` (newest first) as feed items, each paper once, lazily.

    `day_url(date)` gives the absolute URL of that day's page in this language; `topic` keeps
    the papers that matched that radar topic; `topic_name(topic)` is how this language names a
    topic (the items' categories).
    """
    seen: set[str] = set()
    for day in days:
        for entry in day.featured:
            key = entry.ranked.paper.key
            if key in seen:
                continue
            if topic is not None and Match("topic", topic) not in entry.ranked.matched:
                continue
            seen.add(key)
            yield _item(entry, lang, day.date, host=host, day_link=day_url(day.date), topic_name=topic_name)


def _item(entry: Entry, lang: str, when: date, *, host: str, day_link: str,
          topic_name: Callable[[str], str] = str) -> FeedItem:
    labels = _LABELS.get(lang, _LABELS["en"])
    paper, summary = entry.ranked.paper, entry.summary
    original = one_line(paper.title)
    title = one_line(summary.title.get(lang)) or original
    # Each language's TL;DR, else the English one (an extractive TL;DR has no translation), else the
    # abstract: the same papers make the feed in both languages, in about the same bytes.
    tldr = _shorten(one_line(summary.tldr.get(lang) or summary.tldr.get("en") or paper.abstract))
    if summary.kind != "llm":
        tldr = f"{tldr} {labels['feed_extractive']}".strip()
    elif flagged := summary.unsupported.get(lang):
        # what the paper does not support is marked in the text itself: feed readers drop styling
        tldr = "".join(part + labels["feed_unverified"] if bad else part for part, bad in segments(tldr, flagged))
    authors = [one_line(a) for a in paper.authors]
    named = ", ".join(authors[:MAX_AUTHORS])
    if len(authors) > MAX_AUTHORS:
        named += " " + labels["feed_more_authors"].format(count=len(authors) - MAX_AUTHORS)
    source_badge = " · ".join(one_line(b) for b in badges(paper))
    topics = tuple(topic_name(match.name) for match in entry.ranked.matched if match.kind == "topic")
    # only plain http(s) links reach a feed, by the site's and the email's rule (text.safe_url)
    links = [
        (labels["abstract"], safe_url(paper.url)),
        (labels["pdf"], safe_url(paper.pdf_url)),
        (labels["code"], safe_url(entry.code_url)),
        (labels["feed_digest"].format(date=when.isoformat()), safe_url(day_link)),
    ]
    e = html.escape
    parts = [
        f"<p><strong>{e(source_badge)}</strong> · {e(when.isoformat())} · "
        f"{e(labels['score'].format(score=score_text(entry.ranked.score)))}</p>",
    ]
    if title != original and labels["feed_original"]:
        parts.append(f"<p>{e(labels['feed_original'].format(title=original))}</p>")
    parts += [
        f"<p>{e(named)} ({e(fill(labels['authors'], count=len(authors)))})</p>",
        f"<p><strong>{e(labels['tldr'])}</strong> {e(tldr)}</p>",
        "<p>"
        + " · ".join(f'<a href="{e(url)}">{e(label)}</a>' for label, url in links if url)
        + "</p>",
    ]
    return FeedItem(
        id=f"tag:{host},{paper.published:%Y-%m-%d}:{lang}/{one_line(paper.source)}/{one_line(paper.id)}",
        title=title,
        link=safe_url(paper.url) or day_link,
        updated=datetime(when.year, when.month, when.day, tzinfo=UTC),
        summary=tldr,
        content="".join(parts),
        topics=topics,
    )


def _shorten(text: str) -> str:
    """`text` cut to MAX_TEXT characters at a space: a URL or a word is whole or left out."""
    if len(text) <= MAX_TEXT:
        return text
    cut = text[: MAX_TEXT - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"


def render_atom(
    items: list[FeedItem], *, title: str, feed_url: str, site_url: str, lang: str,
    max_bytes: int = MAX_FEED_BYTES,
) -> bytes:
    """The Atom document of `items` (newest first), cut to whole items under `max_bytes`."""
    items = items[:MAX_ITEMS]
    while True:
        document = _atom(items, title=title, feed_url=feed_url, site_url=site_url, lang=lang)
        if len(document) <= max_bytes or not items:
            return document
        # Drop the oldest items in proportion to the excess, at least one per pass.
        keep = min(len(items) - 1, int(len(items) * max_bytes / len(document)))
        items = items[:keep]


def _atom(items: list[FeedItem], *, title: str, feed_url: str, site_url: str, lang: str) -> bytes:
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(one_line(title))
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=site_url, rel="alternate", type="text/html")
    feed.language(lang)
    feed.author({"name": one_line(title)})
    # A fixed `updated` keeps a rebuild byte-identical: the newest item's date, or the epoch.
    feed.updated(items[0].updated if items else datetime(1970, 1, 1, tzinfo=UTC))
    for item in items:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.title(item.title)
        entry.link(href=item.link)
        entry.updated(item.updated)
        entry.published(item.updated)
        entry.summary(item.summary)
        entry.content(item.content, type="html")
        for topic in item.topics:
            entry.category(term=one_line(topic))
    return feed.atom_str(pretty=True)


# --- the Pelican side (I/O) -------------------------------------------------------------------


def _absolute(url: str, fallback: str) -> str:
    """Feeds need absolute URLs; a root-relative SITEURL is joined to the digest's site URL."""
    if urlsplit(url).scheme:
        return url.rstrip("/")
    return (fallback.rstrip("/") or "http://localhost") + url.rstrip("/")


def add_feed_paths(pelican: Pelican) -> None:
    """Expose DIGEST_FEEDS (papers feed and topic feed paths) to the theme's templates."""
    settings = digest_settings(pelican.settings)
    pelican.settings["DIGEST_FEEDS"] = feed_paths(settings.digest.radar.topics)


def write_paper_feeds(pelican: Pelican) -> None:
    """Write this language's papers feed and topic feeds from the store's recent days."""
    settings = digest_settings(pelican.settings)
    lang = pelican.settings["DEFAULT_LANG"]
    site_url = _absolute(pelican.settings["SITEURL"], settings.siteurl)
    host = urlsplit(_absolute(settings.siteurl, "")).hostname or "localhost"
    output = Path(pelican.settings["OUTPUT_PATH"])
    store = Store(settings.store_dir)

    def day_url(when: date) -> str:
        return f"{site_url}/{day_path(settings.article_urls[lang], when, lang)}"

    # as the site: days with their pages
    recent = [store.day_path(d) for d in reversed(built_days(store.days(), settings)[-MAX_DAYS:])]
    labels = _LABELS.get(lang, _LABELS["en"])
    site = pelican.settings.get("SITENAME", settings.sitename)

    site_days_read = site_days(pelican.settings)

    def write(path: str, title: str, topic: str | None = None) -> None:
        # Items are made for at most MAX_ITEMS papers: a year of days costs no more than a week;
        # days are read lazily, only as far back as some feed reads, from the site's days (the
        # build's SiteDays, which keeps the last DAYS_KEPT >= MAX_DAYS days read: once for all feeds;
        # tests/test_feeds.py holds the inequality).
        days = (site_days_read.page(day).day for day in recent)
        items = list(islice(paper_items(days, lang, host=host, day_url=day_url, topic=topic,
                                        topic_name=partial(settings.digest.radar.topic_name, lang=lang)), MAX_ITEMS))
        document = render_atom(
            items, title=title, feed_url=f"{site_url}/{path}", site_url=f"{site_url}/", lang=lang
        )
        write_atomic(output / path, document.decode("utf-8"))

    write(PAPERS_FEED, labels["feed_papers"].format(site=site))
    for topic, path in feed_paths(settings.digest.radar.topics)["topics"].items():
        name = settings.digest.radar.topic_name(topic, lang)
        write(path, labels["feed_topic"].format(site=site, topic=name), topic)


def summaries_only(context: Mapping[str, Any], feed: Any) -> None:
    """Keep Pelican's digest feeds to each post's summary; the whole post stays on the site."""
    for item in feed.items:
        # Pelican drops the summary when it equals the content (a post whose body is its summary).
        item["description"] = item["description"] or item["content"]
        item["content"] = None


def ids_are_not_links(context: Mapping[str, Any], feed: Any) -> None:
    """Pelican's item ids are tag URIs: in RSS a <guid> is the item's URL unless isPermaLink="false"."""
    for item in feed.items:
        if item.get("unique_id"):
            item["unique_id_is_permalink"] = False


def declare_language(context: Mapping[str, Any], feed: Any) -> None:
    """Pelican's digest feeds say which language they are in (RSS <language>, Atom xml:lang)."""
    feed.feed["language"] = context.get("DEFAULT_LANG")


def name_topics(context: Mapping[str, Any], feed: Any) -> None:
    """Pelican's digest feeds label each day with its radar topics (the post's tags) in their
    language, not with the category every post has ("digest", which tells a subscriber nothing)."""
    radar = digest_settings(dict(context)).digest.radar
    lang = str(context.get("DEFAULT_LANG"))
    for item in feed.items:
        item["categories"] = [
            radar.topic_name(category, lang) if category in radar.topics else category
            for category in item.get("categories") or ()  # strings: the post's category and tags
            if category != CATEGORY
        ] or None


def register() -> None:
    signals.initialized.connect(add_feed_paths)
    signals.feed_generated.connect(summaries_only)
    signals.feed_generated.connect(declare_language)
    signals.feed_generated.connect(ids_are_not_links)
    signals.feed_generated.connect(name_topics)
    signals.finalized.connect(write_paper_feeds)
