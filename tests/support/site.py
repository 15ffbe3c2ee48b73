"""A small bilingual site built with Pelican's default theme and the digest's plugins, for plugin tests.

The default theme keeps these tests independent of theme/ (tested by the site tests); the plugins,
feed and URL settings are those of pelicanconfig.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from generator.build import build
from generator.records import Day
from generator.settings import load
from generator.store import Store
from generator.write import write_posts

SITEURL = "https://radar.example"

CONFIG = '''
DIGEST = {{"languages": ["en", "zh"], "papers_per_day": 2, "arxiv": {{"categories": ["cs.CV"]}},
          "radar": {{"topics": {topics}}}}}
SITENAME = "Radar"
SITEURL = "{siteurl}"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
PATH = "content"
OUTPUT_PATH = "output"
ARTICLE_PATHS = ["digests"]
PLUGINS = ["pelican.plugins.i18n_subsites", "generator.site", "generator.feeds", "generator.search",
           "generator.sitemap"]
I18N_SUBSITES = {{"zh": {{}}}}
ARTICLE_URL = "{{date:%Y}}/{{date:%m}}/{{date:%d}}/"
ARTICLE_SAVE_AS = "{{date:%Y}}/{{date:%m}}/{{date:%d}}/index.html"
ARTICLE_LANG_URL = ARTICLE_URL
ARTICLE_LANG_SAVE_AS = ARTICLE_SAVE_AS
DIRECT_TEMPLATES = ["index", "archives", "tags"]
FEED_ATOM = "feeds/all.atom.xml"
FEED_RSS = "feeds/all.rss.xml"
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
'''


def build_site(root: Path, days: list[Day], *, topics: dict[str, list[str]]) -> Path:
    """Store `days`, write their posts, build the site under `root`; returns the output directory."""
    (root / "pelicanconfig.py").write_text(
        CONFIG.format(topics=json.dumps(topics, ensure_ascii=False), siteurl=SITEURL), "utf-8"
    )
    settings = load(root / "pelicanconfig.py", env={})
    for day in days:
        Store(settings.store_dir).write_day(day)
        write_posts(day, settings)
    build(settings)
    return settings.output_dir
