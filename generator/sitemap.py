"""sitemap.xml for both language editions, each URL with its hreflang alternates.

A Pelican plugin. pelican-i18n-subsites builds each language as its own Pelican run inside the
main one (the other languages finish first), so each run records its pages here and the main
run, which finalizes last, writes one output/sitemap.xml. A page exists in a language when that
edition built it; the editions share paths (ARTICLE_LANG_URL = ARTICLE_URL), so a path is the key
that pairs translations.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from pelican import Pelican, signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from .text import one_line
from .files import write_atomic
from .site import digest_settings

# language -> (site URL, path -> last modified date or None), filled during one build.
_EDITIONS: dict[str, tuple[str, dict[str, date | None]]] = {}
# Direct templates that are no page of their own in a sitemap: the home page is added as "".
_NOT_LISTED = {"index", "404"}


def render_sitemap(editions: Mapping[str, tuple[str, Mapping[str, date | None]]]) -> str:
    """The sitemap of every page of every edition, with the same path in other languages as alternates."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for site, pages in editions.values():
        for path in sorted(pages):
            lines.append(f"<url><loc>{escape(one_line(f'{site}/{path}'))}</loc>")
            modified = pages[path]
            if modified:
                lines.append(f"<lastmod>{modified.isoformat()}</lastmod>")
            for other, (other_site, other_pages) in editions.items():
                if path in other_pages:
                    href = quoteattr(one_line(f"{other_site}/{path}"))
                    lines.append(f'<xhtml:link rel="alternate" hreflang="{other}" href={href}/>')
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _edition(settings: Mapping[str, Any]) -> dict[str, date | None]:
    return _EDITIONS.setdefault(settings["DEFAULT_LANG"], (settings["SITEURL"].rstrip("/"), {}))[1]


def start(pelican: Pelican) -> None:
    """A new build starts with the main edition: forget the previous build's pages."""
    if pelican.settings["DEFAULT_LANG"] == digest_settings(pelican.settings).digest.languages[0]:
        _EDITIONS.clear()


def add_articles(generator: ArticlesGenerator) -> None:
    pages = _edition(generator.settings)
    pages[""] = None  # the home page
    for template in set(generator.settings["DIRECT_TEMPLATES"]) - _NOT_LISTED:
        # The URL Pelican gives a direct template, when it writes one (pelican.generators).
        if generator.settings.get(f"{template.upper()}_SAVE_AS", f"{template}.html"):
            pages[generator.settings.get(f"{template.upper()}_URL", f"{template}.html")] = None
    for article in generator.articles:
        pages[article.url] = article.date.date()
    for tag in generator.tags:
        pages[tag.url] = None


def add_pages(generator: PagesGenerator) -> None:
    pages = _edition(generator.settings)
    for page in generator.pages:
        pages[page.url] = None


def write_sitemap(pelican: Pelican) -> None:
    """Write output/sitemap.xml once every edition is built (the main edition finalizes last)."""
    if pelican.settings["DEFAULT_LANG"] != digest_settings(pelican.settings).digest.languages[0]:
        return
    write_atomic(Path(pelican.settings["OUTPUT_PATH"]) / "sitemap.xml", render_sitemap(_EDITIONS))


def register() -> None:
    signals.initialized.connect(start)
    signals.article_generator_finalized.connect(add_articles)
    signals.page_generator_finalized.connect(add_pages)
    signals.finalized.connect(write_sitemap)
