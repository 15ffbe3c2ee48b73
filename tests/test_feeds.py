"""Feeds: valid whatever the papers contain, stable item ids, bounded size, summaries only."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import pytest

from generator import dayview, feeds, incremental
from generator.build import build
from generator.settings import load
from generator.records import Day, Entry, Match, Ranked, Summary
from tests.support.days import HOSTILE_ABSTRACT, paper
from tests.support.site import build_site

HOSTILE_TITLE = 'Seg <script>alert("x")</script> & ]]> \x07\x1b\ufffe 🧠 医学图像分割'
TOPIC = "Lesion segmentation"


def entry(number: int, *, title: str | None = None, code_url: str | None = None,
          featured: bool = True) -> Entry:
    item = paper(number, title=title, abstract=HOSTILE_ABSTRACT if title else None,
                 authors=("<b>Mallory</b>", "张三", "Eve \x00"))
    return Entry(
        rank=number,
        ranked=Ranked(paper=item, score=90.0 - number, matched=(Match("topic", TOPIC), Match("author", "张三"))),
        featured=featured,
        summary=Summary(
            kind="llm",
            tldr={"en": f"TL;DR {number} <em>x</em> ]]> \x0b done", "zh": f"要点 {number}：分割 ]]>"},
            title={"zh": f"论文 {number} <i>标题</i>"},
        ),
        code_url=code_url,
    )


def make_day(when: date, numbers: list[int], **first: Any) -> Day:
    entries = [entry(numbers[0], **first)] + [entry(n) for n in numbers[1:]]
    entries.append(entry(999, featured=False))
    return Day(date=when, entries=tuple(dataclasses.replace(e, rank=i) for i, e in enumerate(entries, 1)))


def day_url(when: date) -> str:
    return f"https://radar.example/{when:%Y/%m/%d}/"


def render(days: list[Day], lang: str = "en", **options: Any) -> bytes:
    items = list(feeds.paper_items(days, lang, host="radar.example",
                                   day_url=day_url))
    return feeds.render_atom(items, title="Radar <feed>", feed_url="https://radar.example/feeds/p.xml",
                             site_url="https://radar.example/", lang=lang, **options)


def parse(document: bytes) -> Any:
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hostile_paper_text_gives_a_valid_feed_with_inert_markup(lang: str) -> None:
    hostile = make_day(date(2026, 6, 2), [1, 2], title=HOSTILE_TITLE, code_url="javascript:alert(3)")
    document = render([hostile], lang)
    parsed = parse(document)
    text = document.decode("utf-8")
    assert "<script" not in text and "<img" not in text and "<em>" not in text  # escaped, not markup
    assert "\x07" not in text and "\x1b" not in text and "\x00" not in text and "\ufffe" not in text
    assert "javascript:" not in re.sub(r"\[here\]\(javascript:alert\(2\)\)", "", text)
    first = parsed.entries[0]
    if lang == "en":
        assert first.title == 'Seg <script>alert("x")</script> & ]]> 🧠 医学图像分割'
        assert "TL;DR 1 &lt;em&gt;x&lt;/em&gt; ]]&gt; done" in first.content[0].value
    else:
        assert first.title == "论文 1 <i>标题</i>"  # the translated title, as text
        assert "要点 1：分割 ]]&gt;" in first.content[0].value
        assert "原题：" in first.content[0].value
    assert "&lt;b&gt;Mallory&lt;/b&gt;, 张三, Eve" in first.content[0].value
    assert [t.term for t in first.tags] == [TOPIC]


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x",
                                 'https://x" onmouseover="a', "https://github.com/lab/a b", "ftp://lab.example/x"])
def test_a_link_the_site_would_not_make_is_not_in_the_feed_either(url: str) -> None:
    from generator.text import safe_url

    assert safe_url(url) is None  # the one rule of the site, the email and the feeds
    item = next(feeds.paper_items([make_day(date(2026, 6, 2), [1], code_url=url)], "en",
                                  host="radar.example", day_url=day_url))
    assert ">Code</a>" not in item.content
    assert ">Abstract</a>" in item.content


def test_only_featured_papers_once_each_newest_day_first() -> None:
    newer = make_day(date(2026, 6, 3), [3, 1])  # paper 1 re-appears
    older = make_day(date(2026, 6, 2), [1, 2])
    parsed = parse(render([newer, older]))
    ids = [e.id for e in parsed.entries]
    assert ids == [f"tag:radar.example,2026-06-01:en/arxiv/2606.{n:05d}" for n in (3, 1, 2)]
    assert "2606.00999" not in render([newer, older]).decode()  # not featured


def test_item_ids_survive_rebuilds_and_reappearances() -> None:
    alone = parse(render([make_day(date(2026, 6, 2), [1, 2])]))
    later = parse(render([make_day(date(2026, 6, 9), [7]), make_day(date(2026, 6, 2), [1, 2])]))
    assert {e.id for e in alone.entries} <= {e.id for e in later.entries}
    assert render([make_day(date(2026, 6, 2), [1, 2])]) == render([make_day(date(2026, 6, 2), [1, 2])])
    english, chinese = parse(render([make_day(date(2026, 6, 2), [1])], "en")), parse(
        render([make_day(date(2026, 6, 2), [1])], "zh"))
    assert english.entries[0].id != chinese.entries[0].id  # one id per language's item


def test_feed_stays_under_its_size_bound_keeping_the_newest_items() -> None:
    long_title = "Segmentation " * 300
    days = [make_day(date(2026, 6, d), [d * 10 + i for i in range(9)], title=long_title)
            for d in range(28, 0, -1)]
    document = render(days, max_bytes=60_000)
    assert len(document) <= 60_000
    parsed = parse(document)
    assert 0 < len(parsed.entries) < 9 * 28
    assert parsed.entries[0].id.endswith("2606.00280")  # the newest day's first paper
    assert len(parse(render(days)).entries) == feeds.MAX_ITEMS


def test_topic_slugs_match_pelican_tag_slugs() -> None:
    assert feeds.topic_slug("Segment Anything in medicine") == "segment-anything-in-medicine"
    assert feeds.feed_paths([TOPIC])["topics"] == {TOPIC: "feeds/topics/lesion-segmentation.atom.xml"}


# --- the built site ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    days = [make_day(date(2026, 6, 2), [1, 2], title=HOSTILE_TITLE), make_day(date(2026, 6, 3), [3])]
    return build_site(tmp_path_factory.mktemp("site"), days, topics={TOPIC: ["lesion"], "Empty topic": []})


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_built_site_has_paper_and_topic_feeds_per_language(site: Path, prefix: str) -> None:
    papers = parse((site / prefix / "feeds/papers.atom.xml").read_bytes())
    lang = prefix.rstrip("/") or "en"
    assert [e.id.rsplit("/", 1)[1] for e in papers.entries] == ["2606.00003", "2606.00001", "2606.00002"]
    assert all(f":{lang}/arxiv/" in e.id for e in papers.entries)
    base = "https://radar.example/" + prefix
    assert papers.feed.links[0].href == base + "feeds/papers.atom.xml"
    assert base + "2026/06/02/" in papers.entries[1].content[0].value
    topic = parse((site / prefix / "feeds/topics/lesion-segmentation.atom.xml").read_bytes())
    assert len(topic.entries) == 3
    assert parse((site / prefix / "feeds/topics/empty-topic.atom.xml").read_bytes()).entries == []


def test_each_day_file_is_read_once_for_the_pages_and_feeds_of_both_languages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[date] = []
    real = dayview.read_whole_day

    def counted(path: Path) -> Day:  # a spy: the real reading, counted
        read.append(date.fromisoformat(path.stem))
        return real(path)

    monkeypatch.setattr(dayview, "read_whole_day", counted)
    days = [make_day(date(2026, 6, 2), [1, 2]), make_day(date(2026, 6, 3), [3]), make_day(date(2026, 6, 4), [4])]
    # four feeds per language (papers, two topics, an empty topic that reads every day back)
    output = build_site(tmp_path, days, topics={TOPIC: ["lesion"], "Other": ["other"], "Empty topic": []})
    assert len(list((output / "zh/feeds/topics").glob("*.atom.xml"))) == 3
    # once for the site's outlines, pages and feeds in both languages and for the search index
    assert sorted(read) == sorted(day.date for day in days)
    # a rebuild reads the days from the build cache's pickles
    read.clear()
    (output / incremental.MANIFEST).unlink()
    build(load(tmp_path / "pelicanconfig.py", env={}))
    assert read == []


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_pelican_digest_feeds_carry_summaries_not_whole_posts(site: Path, prefix: str) -> None:
    for name in ("all.atom.xml", "all.rss.xml"):
        document = (site / prefix / "feeds" / name).read_bytes()
        parsed = parse(document)
        lang_root = "https://radar.example/" + prefix
        assert [e.link for e in parsed.entries] == [lang_root + "2026/06/03/", lang_root + "2026/06/02/"]
        assert b"<content" not in document
        assert all("2606.00001" not in (e.get("summary") or "") for e in parsed.entries)
        assert all(e.summary for e in parsed.entries)


@pytest.mark.parametrize(("lang", "marked"), [("en", "12.5% [not in the abstract] on BraTS [not in the abstract]"),
                                              ("zh", "12.5%［摘要中未找到］")])
def test_unsupported_numbers_are_marked_in_the_item_text(lang: str, marked: str) -> None:
    flagged = dataclasses.replace(entry(1), summary=Summary(
        kind="llm", tldr={"en": "Dice rises 12.5% on BraTS, 2012 style.", "zh": "Dice 提升 12.5%，2012 年。"},
        unsupported={"en": ("12.5%", "BraTS"), "zh": ("12.5%",)},
    ))
    day = Day(date=date(2026, 6, 2), entries=(flagged,))
    item = parse(render([day], lang)).entries[0]
    assert marked in item.summary and marked in item.content[0].value
    assert "2012" in item.summary and "2012 [" not in item.summary and "2012［" not in item.summary


def test_both_languages_carry_the_same_papers_each_with_its_own_summary() -> None:
    # extractive summaries (no Chinese TL;DR) of papers with long abstracts that end in a URL
    long_abstract = "We segment lesions in CT. " * 80 + "Code: https://github.com/lab/" + "x" * 60
    extractive = Summary(kind="extractive", tldr={"en": "We segment lesions in CT."})
    days = []
    for n in range(12):
        day = make_day(date(2026, 5, 1 + n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        days.append(dataclasses.replace(day, entries=tuple(
            dataclasses.replace(e, summary=extractive, ranked=dataclasses.replace(
                e.ranked, paper=dataclasses.replace(e.ranked.paper, abstract=long_abstract, id=f"2605.{n:02d}{k:03d}")))
            for k, e in enumerate(day.entries))))
    days.reverse()
    english, chinese = parse(render(days, "en")), parse(render(days, "zh"))
    assert len(english.entries) == len(chinese.entries) == feeds.MAX_ITEMS
    assert [e.id.replace(":en/", ":zh/") for e in english.entries] == [e.id for e in chinese.entries]
    assert all(e.summary.startswith("We segment lesions in CT. ") for e in chinese.entries)
    assert all("github.com/lab/" not in e.summary for e in chinese.entries)  # the TL;DR, not the abstract
    assert feeds._shorten("word " * 400 + "https://example.org/" + "y" * 40).endswith("word…")


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_every_feed_declares_its_language(site: Path, prefix: str) -> None:
    lang = prefix.rstrip("/") or "en"
    for path in sorted((site / prefix / "feeds").rglob("*.xml")):
        parsed = parse(path.read_bytes())
        assert parsed.feed.get("language") == lang, path


def test_the_sites_days_hold_every_day_the_feeds_read() -> None:
    # feeds.write reads each of its last MAX_DAYS days once for all feeds from SiteDays' pages
    assert dayview.DAYS_KEPT >= feeds.MAX_DAYS
