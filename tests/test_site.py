"""The built site: both editions, the day page's cards, escaping, links, feeds, catalogs, errors."""

from __future__ import annotations

import copy
import dataclasses
import gettext
import gzip
import io
import json
import os
import pickle
import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser
import jinja2
import pytest
from bs4 import BeautifulSoup
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from generator import build, dayview, feeds, glossary, incremental, labels, newsletter, site
from generator.errors import BuildError, SettingsError
from generator.records import Day, Entry, Match, Note, Ranked, SourceRef, Summary
from generator.settings import Settings, load
from generator.files import write_atomic
from generator.store import DAY_FORMAT_VERSION, Store, dumps, upgrade_day_json
from generator.text import safe_url
from generator.write import write_posts
from tests.support.browser import (
    CANDIDATES,
    COMMENT,
    FEATURED,
    FOLLOWED,
    FORMAT_1_NOTE,
    FORMAT_1_REASON,
    HOSTILE_LLM_ERROR,
    REPO,
    UNVERIFIED,
    build_demo_site,
    build_theme_site,
    demo_day,
    store_as_format_1,
    store_as_format_3,
)
from tests.support import days
from tests.support.site import build_site
from tests.support.days import HOSTILE_TITLE

SITEURL = "http://127.0.0.1:8765"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# Attributes that hold a URL: a page's links are relative (the site works under any host, port or
# sub-path); Page resolves them against the page's address on SITEURL, as a browser there would.
URL_ATTRIBUTES = ("href", "src", "action", "data-src", "data-index")


class Page(HTMLParser):
    """A built page: its elements' attributes (URLs resolved against `url`), text, open/close balance
    and parse problems; `raw` keeps the attributes as written."""

    def __init__(self, text: str, url: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.raw: list[tuple[str, dict[str, str]]] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.problems: list[str] = []
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"unclosed {self.open}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        written = {k: v or "" for k, v in attrs}
        self.raw.append((tag, written))
        resolved = {k: urljoin(self.url, v) if self.url and k in URL_ATTRIBUTES else v for k, v in written.items()}
        self.elements.append((tag, resolved))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:]}")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open[-1:] != ["script"]:  # what a reader sees: not the scripts' data
            self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements
                if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def with_class(self, name: str) -> list[tuple[str, dict[str, str]]]:
        return [(t, a) for t, a in self.elements if name in a.get("class", "").split()]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_demo_site(tmp_path_factory.mktemp("site"), SITEURL)


def page(built: Settings, path: str) -> Page:
    return Page((built.output_dir / path).read_text("utf-8"), page_url(built, built.output_dir / path))


def page_url(built: Settings, path: Path) -> str:
    """Where the built file at `path` is served on SITEURL."""
    return f"{SITEURL}/{path.resolve().relative_to(built.output_dir.resolve()).as_posix()}"


def html_files(built: Settings) -> list[Path]:
    return sorted(path.resolve() for path in built.output_dir.rglob("*.html"))


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_home_is_the_latest_day_in_full_with_earlier_days_linked(built: Settings, prefix: str) -> None:
    home = page(built, prefix + "index.html")
    assert len(home.with_class("paper")) == FEATURED
    assert home.all("article", class_="day")[0]["data-date"] == "2026-06-03"
    assert {"href": f"{SITEURL}/{prefix}2026/06/02/"} in home.all("a")


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_day_page_shows_numbered_featured_cards(built: Settings, prefix: str) -> None:
    day = page(built, prefix + "2026/06/02/index.html")
    numbers = [a["id"] for t, a in day.with_class("paper")]
    assert numbers == [f"p{n}" for n in range(1, FEATURED + 1)]
    assert "arXiv (cs.AI)" in day.plain
    followed = [a for t, a in day.with_class("followed") if t == "button"]
    assert [a["data-author"] for a in followed] == [FOLLOWED]
    extractive = "摘要节选（未经 LLM）" if prefix else "Extractive summary (no LLM)"
    assert day.plain.count(extractive) == 2 * (FEATURED // 3)  # badge + note on every third card
    assert "Papers on" not in day.plain
    more = day.all("section", class_="more")[0]
    assert more["data-src"] == f"{SITEURL}/data/2026-06-02.json"
    assert f"{CANDIDATES - FEATURED}" in day.plain
    assert day.all("a", href="https://github.com/lab/medseg")  # code link of paper 2


def test_chinese_edition_speaks_chinese(built: Settings) -> None:
    zh = page(built, "zh/2026/06/02/index.html")
    assert zh.all("html")[0]["lang"] == "zh-Hans"
    for words in ("学术情报 · 每日精选", "精选论文", "换一批", "要点", "入选理由", "译题 1", "原文摘要"):
        assert words in zh.plain
    assert "部分摘要尚未翻译" in zh.plain  # paper 2 has no Chinese TL;DR
    en_ui = ("Featured papers", "Next batch", "Why picked", "Original abstract", "Archive", "Topics")
    assert not [words for words in en_ui if words in zh.plain]


def test_a_chinese_day_without_any_translated_summary_does_not_say_some(tmp_path: Path) -> None:
    # Without a key no summary is translated, and the page said 部分摘要尚未翻译 ("some summaries are
    # not translated yet") under the note that every summary is extractive.
    keyless = build_theme_site(tmp_path, SITEURL, [days.day(count=6, featured=3, notes=(Note("no_llm_key"),))])
    zh = page(keyless, "zh/2026/06/02/index.html")
    assert "摘要尚未翻译，暂以英文显示" in zh.plain and "部分摘要" not in zh.plain
    assert "not translated" not in page(keyless, "2026/06/02/index.html").plain


NOTES = {
    "": ["Note: 1 of 6 featured papers has an extractive summary: the LLM failed for it (see the log).",
         "Note: The daily LLM budget (DIGEST['llm']['max_papers'] = 5) was reached: 1 featured paper has "
         "an extractive summary."],
    "zh/": ["注意： 6 篇精选论文中有 1 篇因 LLM 调用失败而使用摘要节选（详见运行日志）。",
            "注意： 已达到每日 LLM 预算（DIGEST['llm']['max_papers'] = 5），1 篇精选论文使用摘要节选。"],
}
REASONS = {
    "": ["Extractive summary (no LLM): daily LLM budget reached",
         f"Extractive summary (no LLM): {HOSTILE_LLM_ERROR}"],
    "zh/": ["摘要节选（未经 LLM）：已达到每日 LLM 预算", f"摘要节选（未经 LLM）：LLM 调用失败：{HOSTILE_LLM_ERROR}"],
}


@pytest.mark.parametrize(("prefix", "other"), [("", "zh/"), ("zh/", "")])
def test_day_notes_and_extractive_reasons_speak_the_editions_language(
    built: Settings, prefix: str, other: str
) -> None:
    day = page(built, prefix + "2026/06/02/index.html")
    for text in NOTES[prefix] + REASONS[prefix]:
        assert text in day.plain
    for text in NOTES[other] + REASONS[other][:1]:  # (the error message itself is the same in both)
        assert re.split(r": |：", text, maxsplit=1)[1].strip() not in day.plain
    assert "<script>alert(6)" not in (built.output_dir / prefix / "2026/06/02/index.html").read_text("utf-8")


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_a_day_stored_before_notes_had_kinds_shows_its_english_notes_as_they_are(
    built: Settings, prefix: str
) -> None:
    day = page(built, prefix + "2026/06/03/index.html")
    assert f"{'注意：' if prefix else 'Note:'} {FORMAT_1_NOTE}" in day.plain
    html = (built.output_dir / prefix / "2026/06/03/index.html").read_text("utf-8")
    assert f'<span lang="en">{FORMAT_1_NOTE}</span>' in html  # marked as English in both editions
    extractive = "摘要节选（未经 LLM）：" if prefix else "Extractive summary (no LLM): "
    assert day.plain.count(f"{extractive}{FORMAT_1_REASON}") == FEATURED // 3


def test_every_template_string_is_translated_and_the_catalog_is_compiled() -> None:
    translations = REPO / "theme" / "translations" / "zh" / "LC_MESSAGES"
    with (translations / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}}
    used = {m[2] if isinstance(m[2], str) else m[2][0]
            for m in extract_from_dir(REPO / "theme" / "templates", method_map, options)}
    untranslated = [msgid for msgid in used if not (catalog.get(msgid) and catalog.get(msgid).string)]
    assert not untranslated, "run pybabel update/compile (see theme/babel.cfg)"
    with (translations / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m.id for m in catalog if m.id and isinstance(m.id, str) and compiled.gettext(m.id) != m.string]
    assert not stale, "messages.mo is older than messages.po: run pybabel compile -d theme/translations"


@pytest.mark.parametrize(("prefix", "tooltip", "footer"), [
    ("", "not found in the paper's title or abstract", "repaired 1, still flagged 1"),
    ("zh/", "论文标题和摘要中未找到", "1 篇摘要经过修正，1 篇仍有未核实内容"),
])
def test_unsupported_numbers_are_marked_with_a_tooltip_in_the_pages_language(
    built: Settings, prefix: str, tooltip: str, footer: str
) -> None:
    day = page(built, prefix + "2026/06/02/index.html")
    marked = [a for t, a in day.with_class("unverified") if t == "span"]
    data = json.loads((built.output_dir / "data" / "2026-06-02.json").read_text("utf-8"))
    flagged = [p for p in data["papers"] if p["unsupported_numbers"]]
    assert [p["rank"] for p in flagged] == [UNVERIFIED] and data["counts"]["flagged"] == 1
    lang = "zh" if prefix else "en"
    expected = flagged[0]["unsupported_numbers"][lang]
    assert expected and all(a["title"] == tooltip for a in marked)
    assert len(marked) == len(expected) + 1  # each item once in the results, plus the footer's example
    assert f"({tooltip})" in day.plain  # the tooltip is read out by screen readers too
    assert footer in day.plain and not day.problems


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_hostile_paper_text_stays_text(built: Settings, prefix: str) -> None:
    for path in ("index.html", "2026/06/02/index.html", "2026/06/03/index.html", "topics/disease-detection-diagnosis/index.html"):
        text = (built.output_dir / prefix / path).read_text("utf-8")
        parsed = Page(text)
        scripts = parsed.all("script")
        assert all(s.get("src", "").endswith(("/js/radar.js", "/js/search.js")) or s.get("type") == "application/json"
                   for s in scripts), scripts
        assert len(scripts) == 4 if "2026" in path or path == "index.html" else 3  # + search's and a day's words
        for tag, attrs in parsed.elements:
            assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
            for name in ("href", "src", "action"):
                assert not attrs.get(name, "").lower().lstrip().startswith("javascript:"), (tag, attrs)
        assert "<b>segment</b>" not in text and "<img src=x" not in text and "<script>x" not in text
        assert "\x07" not in text  # control characters are not HTML
    day = page(built, prefix + "2026/06/02/index.html")
    assert " ".join(HOSTILE_TITLE.replace("\x07", "").split()) in day.plain


def test_related_papers_link_to_the_day_they_appeared(built: Settings) -> None:
    day = page(built, "2026/06/03/index.html")
    assert day.all("a", href=f"{SITEURL}/2026/06/02/")
    assert "An earlier <i>related</i> paper" in day.plain


def test_brief_references_link_to_cards(built: Settings) -> None:
    day = page(built, "2026/06/02/index.html")
    written = {a.get("href") for t, a in day.raw if t == "a"}
    assert {"#p1", "#p2"} <= written


def test_every_page_links_its_feeds_and_both_languages(built: Settings) -> None:
    for path in html_files(built):
        relative = path.relative_to(built.output_dir).as_posix()
        parsed = Page(path.read_text("utf-8"), page_url(built, path))
        feeds = {a["href"] for a in parsed.all("link", rel="alternate") if "type" in a}
        base = SITEURL + ("/zh" if relative.startswith("zh/") else "")
        assert {f"{base}/feeds/all.atom.xml", f"{base}/feeds/all.rss.xml", f"{base}/feeds/papers.atom.xml"} <= feeds
        hreflangs = {a["hreflang"] for a in parsed.all("link", rel="alternate") if "hreflang" in a}
        assert hreflangs == {"en", "zh", "x-default"}, relative


def test_language_switch_leads_to_the_same_page(built: Settings) -> None:
    en = page(built, "2026/06/02/index.html")
    assert en.all("a", class_="lang", href=f"{SITEURL}/zh/2026/06/02/", hreflang="zh", lang="zh")
    zh = page(built, "zh/about/index.html")
    assert zh.all("a", class_="lang", href=f"{SITEURL}/about/", hreflang="en", lang="en")


def test_every_internal_link_resolves(built: Settings) -> None:
    assert not broken_links(built)


def broken_links(built: Settings) -> list[tuple[str, str]]:
    """(page, link) for each link of a built page to a page of the site or an id that is not there."""
    pages = {path: Page(path.read_text("utf-8"), page_url(built, path)) for path in html_files(built)}
    ids = {path: {a["id"] for _, a in parsed.elements if "id" in a} for path, parsed in pages.items()}
    broken = []
    for path, parsed in pages.items():
        for _tag, attrs in parsed.elements:
            url = attrs.get("href") or attrs.get("src") or ""
            if url.startswith("#"):
                url = SITEURL + "/" + path.relative_to(built.output_dir).as_posix() + url
            if not url.startswith(SITEURL):
                continue
            address, fragment = urldefrag(url)
            target = (built.output_dir / urlsplit(address).path.lstrip("/")).resolve()
            if address.endswith("/"):
                target = target / "index.html"
            if not target.is_file() or (fragment and fragment not in ids.get(target, set())):
                broken.append((path.relative_to(built.output_dir).as_posix(), url))
    return broken


def served_file(built: Settings, url: str) -> Path:
    """The built file a browser gets at `url` on SITEURL (a folder's index.html)."""
    assert url.startswith(f"{SITEURL}/"), url
    target = built.output_dir / urlsplit(urldefrag(url)[0]).path.lstrip("/")
    return target / "index.html" if url.endswith("/") else target


# A fork's own URL scheme for its day pages, unlike pelicanconfig.py's "2026/06/02/".
FORK_URLS = """
ARTICLE_URL = "days/{date:%Y}/{slug}.html"
ARTICLE_SAVE_AS = ARTICLE_URL
ARTICLE_LANG_URL = ARTICLE_URL
ARTICLE_LANG_SAVE_AS = ARTICLE_SAVE_AS
"""


def test_every_link_to_a_day_page_follows_article_url(tmp_path: Path) -> None:
    forked = build_demo_site(tmp_path, SITEURL, config=FORK_URLS)
    days = ("days/2026/2026-06-02.html", "days/2026/2026-06-03.html")
    editions = ("", "zh/")
    assert all((forked.output_dir / edition / day).is_file() for edition in editions for day in days)
    assert not (forked.output_dir / "2026").exists()
    # related papers (and every other link of every page)
    assert page(forked, "days/2026/2026-06-03.html").all("a", href=f"{SITEURL}/days/2026/2026-06-02.html")
    assert page(forked, "zh/days/2026/2026-06-03.html").all("a", href=f"{SITEURL}/zh/days/2026/2026-06-02.html")
    assert not broken_links(forked)
    # the papers feeds: each item links its day's page
    for edition in editions:
        feed = feedparser.parse((forked.output_dir / edition / feeds.PAPERS_FEED).read_bytes())
        links = {href for entry in feed.entries for href in re.findall(r'href="([^"]+)"', entry.content[0].value)}
        assert {link for link in links if link.startswith(SITEURL)} == {f"{SITEURL}/{edition}{day}" for day in days}
    # the search index, whose day paths each edition's search box puts after its root
    index = json.loads((forked.output_dir / "search" / "index.json").read_text("utf-8"))
    paths = [day[1] for segment in index["segments"] for day in segment["days"]]
    assert sorted(paths) == list(days)
    # the email's links to the day in both languages
    for lang in forked.digest.languages:
        stored = Store(forked.store_dir).load_day(date(2026, 6, 3))
        assert stored is not None
        edition = newsletter.edition(stored, lang, forked)
        hrefs = set(re.findall(r'href="(http[^"#]*)', edition.html))
        pages = {href for href in hrefs if href.startswith(SITEURL) and "/feeds/" not in href}
        assert pages == {f"{SITEURL}/days/2026/2026-06-03.html", f"{SITEURL}/zh/days/2026/2026-06-03.html"}
        assert all(served_file(forked, href).is_file() for href in hrefs if href.startswith(SITEURL))


@pytest.mark.parametrize(("config", "problem"), [
    ('ARTICLE_URL = "days/{author}/{slug}/"\n', "ARTICLE_URL 'days/{author}/{slug}/': cannot be filled in"),
    ('ARTICLE_URL = "{lang}/{slug}/"\n', "ARTICLE_URL: the editions put a day at different paths (en/2026-06-02/, zh/2026-06-02/)"),
])
def test_an_article_url_no_day_page_can_follow_is_a_settings_error(tmp_path: Path, config: str, problem: str) -> None:
    (tmp_path / "pelicanconfig.py").write_text((REPO / "pelicanconfig.py").read_text("utf-8") + config, "utf-8")
    with pytest.raises(SettingsError) as raised:
        load(tmp_path / "pelicanconfig.py", env={})
    (line,) = raised.value.problems
    assert line.startswith(problem), line


def test_an_english_only_fork_builds_with_the_repositorys_pages(tmp_path: Path) -> None:
    # A lab that sets languages to ['en'] keeps content/pages/about-zh.md, the Chinese edition's
    # About page: the build failed on it ("site build failed: KeyError: '.../about-zh.md'").
    english = build_theme_site(tmp_path, SITEURL, [demo_day(date(2026, 6, 2), "2026-06-02", hostile=False)],
                               config='DIGEST["languages"] = ["en"]\n')
    assert (REPO / "content" / "pages" / "about-zh.md").is_file()  # the page the fork inherits
    assert (english.output_dir / "about" / "index.html").is_file()
    assert not (english.output_dir / "zh").exists()
    assert "Paper Radar" in page(english, "about/index.html").plain
    assert not broken_links(english)
    # and no language switch holding "EN" alone
    assert not page(english, "index.html").with_class("langs") and not page(english, "about/index.html").with_class("lang")


def test_pages_are_balanced_html5(built: Settings) -> None:
    for path in html_files(built):
        text = path.read_text("utf-8")
        assert text.startswith("<!doctype html>"), path
        parsed = Page(text)
        assert not parsed.problems, (path, parsed.problems[:3])
        ids = [a["id"] for _, a in parsed.elements if "id" in a]
        assert len(ids) == len(set(ids)), path


def test_relevance_reads_alike_everywhere_and_the_json_keeps_its_decimal(built: Settings) -> None:
    text = (built.output_dir / "data" / "2026-06-02.json").read_text("utf-8")
    assert '"score": 100.0' in text  # the data as stored
    scores = [paper["score"] for paper in json.loads(text)["papers"]][:FEATURED]
    # radar.js joins a stored score to text as JavaScript writes numbers ("100", "92.4"): so does every edition
    shown = [f"{score:g}" for score in scores]
    assert shown[:2] == ["100", "92.4"]
    html = (built.output_dir / "2026" / "06" / "02" / "index.html").read_text("utf-8")
    assert re.findall(r'<span class="score">relevance ([^<]*)</span>', html) == shown
    post = (built.content_dir / "digests" / "2026" / "2026-06-02-en.md").read_text("utf-8")
    feed = (built.output_dir / feeds.PAPERS_FEED).read_text("utf-8")
    for written in (post, feed):
        assert all(f"score {score}" in written for score in shown) and "score 100.0" not in written
    assert labels.score_text(99.96) == "100" and labels.score_text(0.04) == "0"


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_feeds_parse(built: Settings, prefix: str) -> None:
    for name in ("all.atom.xml", "all.rss.xml"):
        feed = feedparser.parse((built.output_dir / prefix / "feeds" / name).read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        assert len(feed.entries) == 2
        assert feed.entries[0].link == f"{SITEURL}/{prefix}2026/06/03/"


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_rss_item_ids_are_not_offered_as_links(built: Settings, prefix: str) -> None:
    # RSS 2.0: a <guid> without isPermaLink="false" must be the item's URL; the day feed's guids are
    # tag URIs (tag:127.0.0.1,2026-06-03:/2026/06/03/), which readers could open as links.
    rss = (built.output_dir / prefix / "feeds" / "all.rss.xml").read_text("utf-8")
    guids = re.findall(r"<guid([^>]*)>([^<]*)</guid>", rss)
    assert len(guids) == 2 and all(value.startswith("tag:") for _, value in guids), guids
    assert all(attrs == ' isPermaLink="false"' for attrs, _ in guids), guids


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_feeds_label_papers_with_the_topics_names_in_their_language(built: Settings, lang: str) -> None:
    # The Chinese feeds labelled items "Medical imaging modalities" though the topic is 医学影像模态
    # there (the feed's own title said so).
    radar = built.digest.radar
    names = {radar.topic_name(topic, lang) for topic in radar.topics}
    others = {radar.topic_name(topic, other) for topic in radar.topics for other in ("en", "zh")} - names
    assert others, "the demo radar names its topics in Chinese"
    prefix = "" if lang == "en" else f"{lang}/"
    slug = feeds.topic_slug("Medical imaging modalities")
    for name in ("papers.atom.xml", "all.atom.xml", "all.rss.xml", f"topics/{slug}.atom.xml"):
        feed = feedparser.parse((built.output_dir / prefix / "feeds" / name).read_bytes())
        terms = {tag.term for entry in feed.entries for tag in entry.get("tags", [])}
        assert terms & names and not terms & others, (prefix + name, terms)
        assert terms <= names, (prefix + name, terms)  # nothing else: not the posts' category "digest"


def test_day_json_is_published_in_the_current_format(built: Settings) -> None:
    # 2026-06-02 is stored in the current format: published as it is, linked; 2026-06-03 is stored
    # in format 1 (build_demo_site): published upgraded, as the store reads it (radar.js reads no other)
    stored = built.store_dir / "days" / "2026-06-02.json"
    assert os.path.samefile(built.output_dir / "data" / "2026-06-02.json", stored)
    older = (built.store_dir / "days" / "2026-06-03.json").read_text("utf-8")
    assert json.loads(older)["format"] == 1
    published = (built.output_dir / "data" / "2026-06-03.json").read_text("utf-8")
    assert published == dumps(upgrade_day_json(json.loads(older)))
    for text in (stored.read_text("utf-8"), published):
        data = json.loads(text)
        assert data["format"] == DAY_FORMAT_VERSION and len(data["papers"]) == CANDIDATES
    upgraded = json.loads(published)
    assert upgraded["notes"] == [{"kind": "text", "text": FORMAT_1_NOTE}]
    assert {json.dumps(paper["summary_reason"]) for paper in upgraded["papers"]} == {
        "null", json.dumps({"kind": "text", "text": FORMAT_1_REASON})}
    badges = [[ref["badge"] for ref in paper["sources"]] for paper in upgraded["papers"]]
    assert all(len(names) == 1 and re.fullmatch(r"arXiv \([a-z]+\.[A-Z]{2}\)", names[0]) for names in badges), badges
    assert not (built.output_dir / "zh" / "data").exists()


def test_days_stored_in_older_formats_are_published_upgraded_and_stay_stored_as_they_are(tmp_path: Path) -> None:
    listed = dataclasses.replace(days.paper(1), sources=(
        SourceRef("arxiv", "2606.00001", "https://arxiv.org/abs/2606.00001", "cs.CV"),))
    current, one, three = (date(2026, 6, number) for number in (1, 2, 3))
    output = build_site(tmp_path, [dataclasses.replace(days.day(first=listed), date=when) for when in (current, one, three)],
                        topics={"Lesion segmentation": ["lesion"]})
    settings = load(tmp_path / "pelicanconfig.py", env={})
    store = Store(settings.store_dir)
    # rewritten in place: the files the first build linked into output/data/ change with them
    store_as_format_1(store, one)
    store_as_format_3(store, three)
    kept = {when: store.day_path(when).read_bytes() for when in (one, three)}
    assert not build.build(settings).full

    def published(when: date) -> Path:
        return output / "data" / f"{when}.json"

    assert os.path.samefile(published(current), store.day_path(current))  # a current day: still a link
    for when, version in ((one, 1), (three, 3)):
        assert store.day_path(when).read_bytes() == kept[when] and json.loads(kept[when])["format"] == version
        text = published(when).read_text("utf-8")
        assert text == dumps(upgrade_day_json(json.loads(kept[when])))
        data = json.loads(text)
        assert data["format"] == DAY_FORMAT_VERSION and data["papers"][0]["sources"][0]["badge"] == "arXiv (cs.CV)"
        assert data["papers"][0]["matched"] == [{"kind": "topic", "name": "Lesion segmentation"}]

    # A build that changes nothing writes nothing again; a changed day is published again.
    files = {when: published(when).stat().st_ino for when in (current, one, three)}
    assert not build.build(settings).full
    assert {when: published(when).stat().st_ino for when in files} == files
    changed = json.loads(kept[three])
    changed["papers"][0]["title"] = "A title changed by a re-run"
    write_atomic(store.day_path(three), dumps(changed))
    build.build(settings)
    assert json.loads(published(three).read_text("utf-8"))["papers"][0]["title"] == "A title changed by a re-run"
    assert {when: published(when).stat().st_ino == files[when] for when in files} == {current: True, one: True, three: False}

    # A day no longer built is no longer published.
    store.day_path(one).unlink()
    build.build(settings)
    assert sorted(path.name for path in (output / "data").iterdir()) == [f"{current}.json", f"{three}.json"]


def test_about_page_shows_the_radar(built: Settings) -> None:
    radar = built.digest.radar
    for lang, prefix in (("en", ""), ("zh", "zh/")):
        about = page(built, prefix + "about/index.html")
        for topic, keywords in radar.topics.items():
            keyword = (glossary.to_chinese(keywords[-1]) if lang == "zh" else None) or keywords[-1]
            assert radar.topic_name(topic, lang) in about.plain and keyword in about.plain
            assert radar.topic_description(topic, lang) in about.plain
        assert "eess.IV" in about.plain and FOLLOWED in about.plain
        # the languages by their names, not the codes "en, zh"
        html = (built.output_dir / prefix / "about" / "index.html").read_text("utf-8")
        (languages,) = re.findall(r"<dd>(<span lang=.*?)</dd>", html)
        assert re.sub(r"<[^>]+>", "", languages) == ("English, 中文" if lang == "en" else "English、中文"), languages
        assert built.digest.llm.model not in about.plain  # no key: no LLM ran, none is named
    assert "Extractive" in page(built, "about/index.html").plain


CHINESE_THEN_COLON = re.compile(r"[\u3400-\u9fff（）。]\s*:")


def test_chinese_edition_stands_without_a_key(built: Settings) -> None:
    """Topic names and descriptions from the settings, keywords and matched terms from the glossary,
    full-width colons after Chinese words."""
    day = page(built, "zh/2026/06/02/index.html")
    assert "医学影像模态" in day.plain and "疾病检测与诊断" in day.plain  # radar and cards
    assert "Medical imaging modalities" not in day.plain
    assert "关键词：分割、病灶" in day.plain  # the why-terms ("segmentation", "lesion") through the glossary
    topics = page(built, "zh/topics/index.html")
    assert "在影像中发现肿瘤、病灶等病变。" in topics.plain
    about = page(built, "zh/about/index.html")
    assert "肿瘤" in about.plain and "tumor" not in about.plain.replace("tumour", "")  # glossary keywords
    for path in html_files(built):
        if "/zh/" in path.as_posix():
            text = Page(path.read_text("utf-8")).plain
            assert not CHINESE_THEN_COLON.search(text), (path, CHINESE_THEN_COLON.search(text))
    post = (built.content_dir / "digests").rglob("*-zh.md")
    for path in post:
        assert not CHINESE_THEN_COLON.search(path.read_text("utf-8")), path


def test_archive_lists_days_by_month_and_topic_pages_list_matched_papers(built: Settings) -> None:
    archive = page(built, "archives/index.html")
    assert archive.all("h2", id="m-2026-06")
    assert archive.all("a", href=f"{SITEURL}/2026/06/02/")
    topic = page(built, "zh/topics/disease-detection-diagnosis/index.html")
    assert topic.all("a", href=f"{SITEURL}/zh/2026/06/02/#p2")
    assert topic.all("link", href=f"{SITEURL}/zh/feeds/topics/disease-detection-diagnosis.atom.xml")
    assert (built.output_dir / "404.html").is_file() and (built.output_dir / "zh" / "404.html").is_file()


def test_budgets_day_page_and_script(built: Settings) -> None:
    day = (built.output_dir / "2026/06/02/index.html").read_bytes()
    assert len(gzip.compress(day)) <= 30_000
    scripts = b"".join(p.read_bytes() for p in (built.output_dir / "theme" / "js").glob("*.js"))
    assert len(gzip.compress(scripts)) <= 15_000


def test_a_post_without_its_day_fails_the_build_with_one_line(built: Settings, tmp_path: Path) -> None:
    broken = dataclasses.replace(built, store_dir=tmp_path / "empty-store", output_dir=tmp_path / "out")
    with pytest.raises(BuildError) as error:
        build.build(broken)
    assert "\n" not in str(error.value) and "digest run --date 2026-06-0" in str(error.value)
    # the failed build leaves no state behind: the next build in this process works
    build.build(dataclasses.replace(built, output_dir=tmp_path / "again"))
    assert (tmp_path / "again" / "zh" / "2026" / "06" / "02" / "index.html").is_file()


def test_safe_url_and_badges() -> None:
    assert safe_url("https://github.com/a/b") == "https://github.com/a/b"
    for hostile in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", 'https://x" onmouseover="a', None):
        assert safe_url(hostile) is None
    first = days.paper(1)
    merged = dataclasses.replace(first, sources=(
        SourceRef("arxiv", first.id, first.url, "cs.CV"), SourceRef("medrxiv", "10.1101/x", "https://m", "Radiology and Imaging"),
        SourceRef("journals", "10.1/y", "https://j", "Medical Image Analysis"), SourceRef("huggingface", first.id, "https://h", upvotes=42),
    ))
    card = dayview.card(Entry(1, Ranked(merged, 90.0), True, Summary("extractive", {})))
    assert card.badges == ("arXiv (cs.CV)", "medRxiv (Radiology and Imaging)", "Medical Image Analysis", "HF ▲ 42")
    # a paper stored before `sources` (format 1 and 2) has the badge of its one source
    assert dayview.card(Entry(1, Ranked(first, 90.0), True, Summary("extractive", {}))).badges == ("arXiv (cs.CV)",)
    assert dayview.outline(days.day(count=3, featured=2)).radar(["Lesion segmentation", "B"]) == [
        ("Lesion segmentation", 2), ("B", 0)]
    assert str(site.brief_html("<b>x</b> [2]")) == '<p>&lt;b&gt;x&lt;/b&gt; <a href="#p2">[2]</a></p>'


FORMAT_1_PAPER = {"rank": 1, "featured": True, "title": "T", "authors": ["A"], "source": "arxiv", "id": "2606.00001",
                  "url": "https://arxiv.org/abs/2606.00001", "published": "2026-06-01T12:00:00Z",
                  "primary_category": "cs.CV", "matched": ["topic:X", "author:A"], "abstract": "long",
                  "summary_reason": "no key", "related": [{"id": "r", "title": "R", "url": "javascript:x", "date": "2026-05-29"}],
                  "summary": {"tldr": {"en": "t"}, "title": {"zh": "题"}, "method": {"en": "m"}}}


def test_day_outline_keeps_what_listing_pages_need_and_is_cached_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "2026-06-02.json"
    unfeatured = {**FORMAT_1_PAPER, "rank": 2, "featured": False, "id": "2606.00002", "title": "U"}
    path.write_text(json.dumps({"date": "2026-06-02", "brief": {"en": "b"}, "papers": [FORMAT_1_PAPER, unfeatured]}), "utf-8")
    # A day of format 1 or 2 is read in the current format: its one source's badge, matches as records.
    expected = dayview.Outline((dayview.OutlinePaper(rank=1, title="T", badges=("arXiv (cs.CV)",), topics=("X",),
                                                     translated={"zh": "题"}),))
    first = dayview.DayFiles(tmp_path / "cache", dayview.outline, version="v1")
    assert first.get(path) == expected
    # Another build (process) reads the pickled outline: the day file is not parsed while unchanged.
    stat = path.stat()
    path.write_bytes(b"x" * stat.st_size)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = dayview.DayFiles(tmp_path / "cache", dayview.outline, version="v1")
    assert second.get(path) == expected
    # ... unless the pickle was made by other code (another version), or the file changed
    with pytest.raises(BuildError, match="unreadable day file"):
        dayview.DayFiles(tmp_path / "cache", dayview.outline, version="v2").get(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    with pytest.raises(BuildError, match="unreadable day file"):
        second.get(path)
    with pytest.raises(BuildError, match="not found"):
        second.get(tmp_path / "2026-06-03.json")


def test_day_page_is_records_made_once_per_day_for_every_edition(tmp_path: Path) -> None:
    path = tmp_path / "2026-06-02.json"
    trending = {**FORMAT_1_PAPER, "rank": 3, "featured": False, "id": "2606.00003", "title": "Trending"}
    papers = [FORMAT_1_PAPER, {**FORMAT_1_PAPER, "rank": 2, "featured": False, "id": "2606.00002"}, trending]
    path.write_text(json.dumps({"date": "2026-06-02", "counts": {"candidates": 3, "matched": 1}, "trending": [3],
                                "notes": ["plain text"], "papers": papers}), "utf-8")
    pages = dayview.DayFiles(tmp_path / "cache", dayview.day_page, version="v1", kept=1)
    page = pages.get(path)
    assert pages.get(path) is page  # held in memory while unchanged
    assert isinstance(page.day, Day) and page.day.date == date(2026, 6, 2) and page.day.matched == 1
    # the featured and trending entries are kept; the rest is the published JSON's
    assert [entry.rank for entry in page.day.entries] == [1, 3] and page.candidates == 3
    assert [card.rank for card in page.cards] == [1] and [card.paper.title for card in page.trending] == ["Trending"]
    card = page.cards[0]
    assert card.entry.ranked.matched == (Match("topic", "X"), Match("author", "A"))
    assert card.summary.reason == Note("text", {"text": "no key"}) and page.day.notes == (Note("text", {"text": "plain text"}),)
    assert (card.date, card.url, card.pdf_url, card.code_url) == ("2026-06-01", "https://arxiv.org/abs/2606.00001", None, None)
    assert card.related == (dayview.RelatedLink("R", None, "2026-05-29"),)
    assert (page.llm, page.repaired, page.flagged) == (0, 0, 0)
    # another build reads the pickle, records and all
    assert dayview.DayFiles(tmp_path / "cache", dayview.day_page, version="v1").get(path) == page


def test_day_pickles_are_replaced_not_rewritten_in_place(tmp_path: Path) -> None:
    # A build reading a pickle while another writes it (or a build cut short) must see a whole one.
    path = tmp_path / "2026-06-02.json"
    path.write_text(json.dumps({"date": "2026-06-02", "papers": [FORMAT_1_PAPER]}), "utf-8")
    dayview.DayFiles(tmp_path / "cache", dayview.outline, version="v1").get(path)
    pickled = tmp_path / "cache" / "2026-06-02.pickle"
    os.link(pickled, tmp_path / "reader")  # what a reader has open
    before = pickled.read_bytes()
    dayview.DayFiles(tmp_path / "cache", dayview.outline, version="v2").get(path)
    assert (tmp_path / "reader").read_bytes() == before != pickled.read_bytes()
    assert [item.name for item in (tmp_path / "cache").iterdir()] == ["2026-06-02.pickle"]


@dataclasses.dataclass(frozen=True, slots=True)
class _Computed:
    text: str
    length: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "length", len(self.text))


def test_records_with_computed_fields_are_cleaned_and_pickled() -> None:
    # html_text and the pickler rebuild a record from the fields its class takes
    assert dayview.html_text(_Computed("a\x07b")) == _Computed("ab")
    data = io.BytesIO()
    dayview._RecordPickler(data).dump(_Computed("abc"))
    assert pickle.loads(data.getvalue()) == _Computed("abc")


@pytest.mark.parametrize("ensure_ascii", [False, True])  # as the store writes, as json.dumps does by default
def test_days_are_read_with_text_fit_for_html(tmp_path: Path, ensure_ascii: bool) -> None:
    # The templates print records as they are: the characters HTML does not allow (C0/C1 controls,
    # noncharacters) are dropped when a day is read, in every text, however deep.
    path = tmp_path / "2026-06-02.json"
    hostile = {**FORMAT_1_PAPER, "title": "T\x07itle\x85", "authors": ["A\x00da"], "comment": "c\ufffe",
               "summary": {"tldr": {"zh": "要\x1b点"}}, "unsupported_numbers": {"en": ["3\x07%"]}}
    path.write_text(json.dumps({"date": "2026-06-02", "brief": {"en": "b\x07\n\tb"}, "papers": [hostile],
                                "notes": [{"kind": "llm_failed", "error": "bad\x07"}]}, ensure_ascii=ensure_ascii), "utf-8")
    day = dayview.read_whole_day(path)
    paper = day.entries[0].ranked.paper
    assert (paper.title, paper.authors, paper.comment) == ("Title", ("Ada",), "c")
    assert day.entries[0].summary.tldr == {"zh": "要点"} and day.entries[0].summary.unsupported == {"en": ("3%",)}
    assert day.brief == {"en": "b\n\tb"} and day.notes[0].values == {"error": "bad"}
    # a C1 control or a noncharacter alone (no C0 control beside it to give the day away)
    for text in ("T\x85", "T\x9f", "T\ufdd0", "T\ufdef", "T\ufffe", "T\uffff"):
        alone = tmp_path / "2026-06-04.json"
        alone.write_text(json.dumps({"date": "2026-06-04", "papers": [{**FORMAT_1_PAPER, "title": text}]},
                                    ensure_ascii=ensure_ascii), "utf-8")
        assert dayview.read_whole_day(alone).entries[0].ranked.paper.title == "T", repr(text)
    # a day without such characters is read as it is
    clean = tmp_path / "2026-06-03.json"
    clean.write_text(json.dumps({"date": "2026-06-03", "papers": [FORMAT_1_PAPER]}), "utf-8")
    assert dayview.read_whole_day(clean).entries[0].ranked.paper.title == "T"


def test_compiled_templates_are_kept_per_jinja_configuration(tmp_path: Path) -> None:
    # Jinja keys compiled templates by their source only: a template compiled with a finalize (or
    # other JINJA_ENVIRONMENT options) must not be loaded by an environment without it.
    plain, finalizing = jinja2.Environment(autoescape=True), jinja2.Environment(autoescape=True, finalize=str)
    assert site._jinja_cache(str(tmp_path), plain) != site._jinja_cache(str(tmp_path), finalizing)
    assert site._jinja_cache(str(tmp_path), jinja2.Environment(autoescape=True, finalize=str)) == site._jinja_cache(
        str(tmp_path), finalizing)  # the same options, the same folder (no object address in the key)
    # the i18n extension compiles gettext calls differently with newstyle_gettext
    oldstyle, newstyle = (jinja2.Environment(extensions=["jinja2.ext.i18n"]) for _ in range(2))
    newstyle.newstyle_gettext = True  # type: ignore[attr-defined]
    assert site._jinja_cache(str(tmp_path), oldstyle) != site._jinja_cache(str(tmp_path), newstyle)


def test_the_sites_days_belong_to_one_build(built: Settings) -> None:
    with pytest.raises(BuildError, match="DIGEST_DAYS is missing"):
        dayview.site_days({})
    # Pelican's content cache pickles the settings (every Tag holds them): a build's days are not in it
    days = dayview.SiteDays(built, built.root / "cache", code="test")
    days.outline(built.store_dir / "days" / "2026-06-02.json")
    assert pickle.loads(pickle.dumps({"DIGEST_DAYS": days})) == {"DIGEST_DAYS": None}
    # ... but a copy of the settings (shallow or deep) holds the same build's days
    assert copy.deepcopy({"DIGEST_DAYS": days})["DIGEST_DAYS"] is days and copy.copy(days) is days
    caches = list((built.root / "cache").rglob("ArticlesGenerator-Readers"))
    assert len(caches) == 2  # one per edition
    contents = [cache.read_bytes() for cache in caches]
    contents = [gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data for data in contents]  # GZIP_CACHE
    assert contents[0] and not [data for data in contents if b"OutlinePaper" in data]


def test_changed_code_reaches_pages_rebuilt_from_cached_days(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The day pickles hold text made by code (badges): a build of other code (another fingerprint,
    # as a changed label gives) must make them again, not re-render its pages from the old ones.
    settings = build_demo_site(tmp_path, SITEURL)
    paths = ("2026/06/02/index.html", "zh/2026/06/02/index.html", "topics/disease-detection-diagnosis/index.html")
    assert all("arXiv (" in (settings.output_dir / path).read_text("utf-8") for path in paths)
    original_badge, original_fingerprint = labels.badge_text, incremental.fingerprint
    monkeypatch.setattr(labels, "badge_text", lambda *args: "★ " + original_badge(*args))
    monkeypatch.setattr(incremental, "fingerprint", lambda *args: original_fingerprint(*args) + "-changed")
    assert build.build(settings).full
    for path in paths:
        html = (settings.output_dir / path).read_text("utf-8")
        assert html.count("arXiv (") == html.count("★ arXiv (") > 0, path


def test_pelicans_content_cache_of_other_code_is_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pelican's content cache pickles articles with this package's objects attached; a class
    # renamed since cannot be loaded, and Pelican catches pickling errors only.
    settings = build_demo_site(tmp_path, SITEURL)
    caches = list((settings.root / "cache").rglob("ArticlesGenerator-Readers"))
    assert len(caches) == 2
    renamed = b"cgenerator.dayview\nRenamedOutline\n."  # a pickle of a class that no longer exists
    with pytest.raises(AttributeError, match="Can't get attribute"):
        pickle.loads(renamed)
    for cache in caches:
        cache.write_bytes(renamed)
    # the same code: the cache is loaded, and the build fails with one line saying what to do
    with pytest.raises(BuildError, match=r"Can't get attribute 'RenamedOutline'.*delete .*cache/ and build again"):
        build.build(settings)
    # other code (another fingerprint): the content cache is cleared first, the build succeeds
    original_fingerprint = incremental.fingerprint
    monkeypatch.setattr(incremental, "fingerprint", lambda *args: original_fingerprint(*args) + "-changed")
    assert build.build(settings).full
    assert "arXiv (" in page(settings, "2026/06/02/index.html").plain
    assert all(b"RenamedOutline" not in cache.read_bytes() for cache in caches)


def test_a_cold_build_parses_each_day_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The daily job builds without cache/: a day file's page, outline and search data are made from
    # one reading of it (a year of day files is ~75 MB of JSON).
    settings = build_demo_site(tmp_path, SITEURL)
    shutil.rmtree(settings.root / "cache")
    (settings.output_dir / incremental.MANIFEST).unlink()
    read, reads = dayview.read_whole_day, []
    monkeypatch.setattr(dayview, "read_whole_day", lambda path: reads.append(path.name) or read(path))
    assert build.build(settings).full
    days = sorted(path.name for path in (settings.store_dir / "days").glob("*.json"))
    assert sorted(reads) == days and len(days) == 2
    assert sorted(path.stem for path in (settings.root / "cache" / "search" / "days").glob("*.pickle")) == [
        name.removesuffix(".json") for name in days]


@pytest.mark.parametrize(("prefix", "sitename"), [("", "Paper Radar"), ("zh/", "论文雷达")])
def test_a_day_pages_title_names_the_site_once(built: Settings, prefix: str, sitename: str) -> None:
    # It read "Paper Radar · 2026-06-02 · Paper Radar" in the browser's tab and bookmarks.
    for path in ("2026/06/02/index.html", "about/index.html", "archives/index.html"):
        (title,) = re.findall(r"<title>(.*?)</title>", (built.output_dir / prefix / path).read_text("utf-8"))
        assert title.count(sitename) == 1, (prefix + path, title)
    (title,) = re.findall(r"<title>(.*?)</title>", (built.output_dir / prefix / "2026/06/02/index.html").read_text("utf-8"))
    assert title == f"{sitename} · 2026-06-02"


def test_a_forks_site_name_titles_its_days(tmp_path: Path) -> None:
    # A lab's SITENAME named the header and the email, but each day's headline, title and feed item
    # said "Paper Radar · 2026-06-02" (论文雷达 · ... in Chinese), a fixed label.
    forked = build_demo_site(tmp_path, SITEURL, config=(
        'SITENAME = "Vision Lab Radar"\nI18N_SUBSITES["zh"]["SITENAME"] = "视觉实验室雷达"\n'))
    for prefix, sitename, default in (("", "Vision Lab Radar", "Paper Radar"), ("zh/", "视觉实验室雷达", "论文雷达")):
        for path in ("2026/06/02/index.html", "index.html"):
            html = (forked.output_dir / prefix / path).read_text("utf-8")
            (h1,) = re.findall(r"<h1>(.*?)</h1>", html)
            assert re.sub(r"<[^>]+>", "", h1).startswith(f"{sitename} · 2026-06-0"), (prefix + path, h1)
            assert default not in html, prefix + path
        assert re.findall(r"<title>(.*?)</title>", (forked.output_dir / prefix / "2026/06/02/index.html").read_text("utf-8")) == [f"{sitename} · 2026-06-02"]
        for name in ("all.atom.xml", "all.rss.xml"):
            feed = feedparser.parse((forked.output_dir / prefix / "feeds" / name).read_bytes())
            assert sorted(entry.title for entry in feed.entries) == [f"{sitename} · 2026-06-02", f"{sitename} · 2026-06-03"]


def test_opengraph_tags(built: Settings) -> None:
    day = page(built, "zh/2026/06/02/index.html")
    og = {a["property"]: a["content"] for a in day.all("meta") if a.get("property", "").startswith("og:")}
    assert og["og:url"] == f"{SITEURL}/zh/2026/06/02/"
    assert og["og:type"] == "article" and og["og:locale"] == "zh_CN"
    assert "2026-06-02" in og["og:title"] and og["og:description"]


@pytest.mark.parametrize("path", ["2026/06/02/index.html", "index.html"])
def test_descriptions_are_the_summary_as_plain_text(built: Settings, path: str) -> None:
    # The summary is HTML: its tags are dropped and its text escaped once ("&", not "&amp;").
    metas = page(built, path).all("meta")
    descriptions = [a["content"] for a in metas
                    if a.get("name") == "description" or a.get("property") == "og:description"]
    assert len(descriptions) == 2 and descriptions[0] == descriptions[1]
    assert "Disease detection & diagnosis" in descriptions[0]
    assert not any(marker in descriptions[0] for marker in ("<p>", "&amp;", "&lt;"))


def _luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(foreground: str, background: str) -> float:
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_theme_colours_meet_wcag_aa_contrast_in_light_and_dark() -> None:
    css = (REPO / "theme" / "static" / "css" / "site.css").read_text("utf-8")
    light = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-f]{6})", css.split("@media (prefers-color-scheme: dark)")[0]))
    dark = {**light, **dict(re.findall(r"--([\w-]+):\s*(#[0-9a-f]{6})",
                                       css.split("@media (prefers-color-scheme: dark)")[1].split("}\n}")[0]))}
    pairs = [("text", "bg"), ("text", "surface"), ("muted", "bg"), ("muted", "surface"), ("accent", "bg"),
             ("accent", "surface"), ("surface", "accent"), ("badge", "badge-soft"), ("followed", "followed-soft"),
             ("text", "accent-soft"), ("text", "warn-soft")]
    for name, scheme in (("light", light), ("dark", dark)):
        low = [(f, b, round(_contrast(scheme[f], scheme[b]), 2)) for f, b in pairs if _contrast(scheme[f], scheme[b]) < 4.5]
        assert not low, (name, low)


def test_front_matter_reads_the_header_as_markdowns_meta_extension_does() -> None:
    text = "\ufeffTitle: A day\nTags: a, b\nSummary: first line\n    second line\n\n# Body: not a field\n"
    assert site.front_matter(text) == {"title": ["A day"], "tags": ["a, b"], "summary": ["first line", "second line"]}
    assert site.front_matter("# Just a body\nKey: value\n") == {}


def _tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != incremental.MANIFEST}


def _add_day(settings: Settings, day: Day) -> None:
    Store(settings.store_dir).write_day(day)
    write_posts(day, settings)


def _assert_same_as_a_full_build(settings: Settings, full_output: Path) -> None:
    full = build.build(dataclasses.replace(settings, output_dir=full_output))
    assert full.full
    incremental_tree, full_tree = _tree(settings.output_dir), _tree(full_output)
    assert sorted(incremental_tree) == sorted(full_tree)
    assert [name for name in full_tree if incremental_tree[name] != full_tree[name]] == []


def test_adding_or_changing_a_day_rebuilds_only_what_changed_and_matches_a_full_build(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    settings = build_demo_site(tmp_path / "site", SITEURL)
    # Topic pages show their latest day in full, earlier days as links: a changed setting is a full build.
    with settings.config_path.open("a", encoding="utf-8") as config:
        config.write("\nTOPIC_PAGE_DAYS = 1\n")
    assert build.build(settings).full
    topic = page(settings, "zh/topics/disease-detection-diagnosis/index.html")
    assert topic.all("a", href=f"{SITEURL}/zh/2026/06/03/#p2") and not topic.all("a", href=f"{SITEURL}/zh/2026/06/02/#p2")
    assert topic.all("a", href=f"{SITEURL}/zh/2026/06/02/") and "5 篇相关论文" in topic.plain
    # A new day whose papers match one topic only: the other topic's pages stay as they are.
    new = demo_day(date(2026, 6, 4), "2026-06-04", hostile=False, related_day=date(2026, 6, 3))
    new = dataclasses.replace(new, entries=tuple(
        dataclasses.replace(entry, ranked=dataclasses.replace(entry.ranked, matched=(Match("topic", "Medical imaging modalities"),)))
        for entry in new.entries
    ))
    _add_day(settings, new)
    plan = build.build(settings)
    assert not plan.full
    # 2026-06-02, the disease topic page and the pages of the five topics no day matched, in both
    # languages (2026-06-03 gains a next-day link)
    assert plan.skipped == 14
    _assert_same_as_a_full_build(settings, tmp_path / "full-1")

    # The newest day is re-run with other matches: the disease topic page lists it, Medical imaging
    # no longer does; a topic that is not on the radar (any more) and no day matches loses its page;
    # a radar topic no day matches keeps its page (and its feed).
    changed = dataclasses.replace(new, entries=tuple(
        dataclasses.replace(entry, ranked=dataclasses.replace(entry.ranked, matched=(
            Match("topic", "Segment Anything (SAM)"), Match("topic", "A retired topic"))))
        for entry in new.entries
    ), brief={"en": "A different brief [1]."})
    _add_day(settings, changed)
    build.build(settings)
    assert (settings.output_dir / "zh" / "topics" / "a-retired-topic" / "index.html").is_file()
    _assert_same_as_a_full_build(settings, tmp_path / "full-2")

    Store(settings.store_dir).day_path(changed.date).unlink()
    for post in settings.content_dir.rglob("*2026-06-04*"):
        post.unlink()
    build.build(settings)
    assert not (settings.output_dir / "zh" / "topics" / "a-retired-topic" / "index.html").exists()
    quiet = page(settings, "zh/topics/segment-anything-sam/index.html")
    assert "目前还没有精选论文命中此主题。" in quiet.plain and "分割一切（SAM）" in quiet.plain
    assert quiet.all("a", href=f"{SITEURL}/zh/feeds/topics/segment-anything-sam.atom.xml")
    _assert_same_as_a_full_build(settings, tmp_path / "full-3")


def test_a_changed_config_settings_or_theme_makes_the_next_build_a_full_one(tmp_path: Path) -> None:
    settings = build_demo_site(tmp_path, SITEURL)
    assert not incremental.plan_build(settings, theme=settings.root / "theme").full
    assert incremental.plan_build(dataclasses.replace(settings, siteurl="https://lab.example"), theme=settings.root / "theme").full
    config = settings.config_path.read_text("utf-8")
    settings.config_path.write_text(config + "\n# a comment\n", "utf-8")
    assert incremental.plan_build(settings, theme=settings.root / "theme").full
    settings.config_path.write_text(config, "utf-8")
    assert not incremental.plan_build(settings, theme=settings.root / "theme").full
    theme = shutil.copytree(REPO / "theme", tmp_path / "theme-copy")  # same files elsewhere: same site
    assert not incremental.plan_build(settings, theme=theme).full
    (theme / "templates" / "tag.html").write_text("{# changed #}", "utf-8")
    assert incremental.plan_build(settings, theme=theme).full
    (settings.output_dir / incremental.MANIFEST).write_text("{not json", "utf-8")
    assert incremental.plan_build(settings, theme=settings.root / "theme").full


def test_links_between_pages_and_to_assets_are_relative(built: Settings) -> None:
    """The built site works from any host, port, sub-path or file://: only the URLs that name the
    published site (canonical, hreflang, OpenGraph, feeds) are absolute; the 404 page, served at
    any missing address, links from SITEURL's path."""
    for path in html_files(built):
        relative = path.relative_to(built.output_dir.resolve()).as_posix()
        parsed = Page(path.read_text("utf-8"))
        for tag, attrs in parsed.raw:
            for name in URL_ATTRIBUTES:
                url = attrs.get(name, "")
                if not url.startswith(SITEURL) and not url.startswith("/"):
                    continue
                if tag == "link" and attrs.get("rel") in ("canonical", "alternate") or "/feeds/" in url:
                    continue
                assert relative.endswith("404.html") and url.startswith("/"), (relative, tag, attrs)
        assert parsed.all("link", rel="canonical")[0]["href"] == f"{SITEURL}/{relative.removesuffix('index.html')}" or relative.endswith("404.html")


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_day_pages_link_the_previous_and_next_day(built: Settings, prefix: str) -> None:
    first, last = page(built, prefix + "2026/06/02/index.html"), page(built, prefix + "2026/06/03/index.html")
    # above the day and below it
    assert len(first.all("a", rel="next", href=f"{SITEURL}/{prefix}2026/06/03/")) == 2 and not first.all("a", rel="prev")
    assert last.all("a", rel="prev", href=f"{SITEURL}/{prefix}2026/06/02/") and not last.all("a", rel="next")


@pytest.mark.parametrize(("prefix", "submitted", "comment"), [("", "Submitted", "Comment:"), ("zh/", "提交于", "备注：")])
def test_cards_label_the_submission_date_and_show_the_arxiv_comment(built: Settings, prefix: str, submitted: str,
                                                                   comment: str) -> None:
    day = page(built, prefix + "2026/06/02/index.html")
    assert re.search(rf"{submitted} 20\d\d-\d\d-\d\d", day.plain)
    assert f"{comment} {COMMENT}" in day.plain or f"{comment}{COMMENT}" in day.plain


@pytest.mark.parametrize(("prefix", "dated"), [("", ("Submitted", "Posted", "Published")), ("zh/", ("提交于", "发布于", "发表于"))])
def test_a_cards_date_says_what_it_is_by_the_papers_source(tmp_path: Path, prefix: str, dated: tuple[str, ...]) -> None:
    # arXiv dates a paper by its submission, medRxiv by its posting, a journal's feed by its publication.
    preprint = dataclasses.replace(days.paper(2), source="medrxiv", sources=(
        SourceRef("medrxiv", "10.1101/2026.06.01.1", "https://www.medrxiv.org/content/10.1101/2026.06.01.1", "Radiology and Imaging"),))
    article = dataclasses.replace(days.paper(3), source="journals", sources=(
        SourceRef("journals", "https://journal.example/a/3", "https://journal.example/a/3", "Medical Image Analysis"),))
    day = days.day(count=3, featured=3)
    day = dataclasses.replace(day, entries=tuple(dataclasses.replace(entry, ranked=dataclasses.replace(entry.ranked, paper=paper))
                                                 for entry, paper in zip(day.entries, (days.paper(1), preprint, article), strict=True)))
    output = build_theme_site(tmp_path, SITEURL, [day]).output_dir
    cards = BeautifulSoup((output / prefix / "2026/06/02/index.html").read_text("utf-8"), "html.parser").select(".featured .paper")
    assert [card.select_one(".date").get_text(" ", strip=True) for card in cards] == [f"{label} 2026-06-01" for label in dated]


def test_every_radar_topic_has_a_page_as_it_has_a_feed(built: Settings) -> None:
    for topic in built.digest.radar.topics:
        slug = feeds.topic_slug(topic)  # Pelican's tag slug (tests/test_feeds.py checks the two agree)
        for prefix in ("", "zh/"):
            assert (built.output_dir / prefix / "topics" / slug / "index.html").is_file(), topic
            assert (built.output_dir / prefix / "feeds" / "topics" / f"{slug}.atom.xml").is_file(), topic


def test_the_replaced_output_is_kept_until_the_next_build_deletes_it(tmp_path: Path) -> None:
    # Deleting the replaced output's folders overlaps the next build's rendering (generator.build).
    output = build_site(tmp_path, [days.day()], topics={"Lesion segmentation": ["lesion"]})
    old = tmp_path / ".output.old"
    assert not old.exists()  # nothing was replaced
    settings = load(tmp_path / "pelicanconfig.py", env={})
    build.build(settings)
    assert (old / "index.html").is_file() and (output / "index.html").is_file()
    (old / "left-over").write_text("x", "utf-8")
    build.build(settings)
    assert not (old / "left-over").exists() and (old / "index.html").is_file()
