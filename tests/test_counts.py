"""Counts in every edition: English reads "1 paper" and "2 papers"; Chinese, which has no plural,
reads as it always has."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator import feeds, labels, newsletter, write
from generator.records import Note
from tests.support.browser import build_theme_site
from tests.support.days import day, paper

CATEGORIES = ["cs.CV"]
LINKS = newsletter.site_links("https://lab.example.org", date(2026, 6, 2), "en", {"en": "{date:%Y}/", "zh": "{date:%Y}/"},
                              "mailto:radar@example.org")


def test_fill_words_a_count_of_one_in_the_singular_and_any_other_in_the_plural() -> None:
    label = "{count} {count:paper is|papers are} here; {score:.1f}"
    assert [labels.fill(label, count=n, score=2.25) for n in (0, 1, 2)] == [
        "0 papers are here; 2.2", "1 paper is here; 2.2", "2 papers are here; 2.2"]


# (featured, candidates) of a day: one featured of two, and two featured of four
@pytest.mark.parametrize(("featured", "candidates", "en"), [
    (1, 2, ["1 paper picked for this lab's radar from 2 new arXiv papers",
            "1 more candidate ranked below the featured papers is listed on the site."]),
    (2, 4, ["2 papers picked for this lab's radar from 4 new arXiv papers",
            "2 more candidates ranked below the featured papers are listed on the site."]),
    (1, 1, ["1 paper picked for this lab's radar from 1 new arXiv paper in cs.CV"]),
])
def test_posts_word_their_counts(featured: int, candidates: int, en: list[str]) -> None:
    the_day = day(count=candidates, featured=featured)
    post = write.render_post(the_day, "en", CATEGORIES)
    assert all(text in post for text in en)
    zh = write.render_post(the_day, "zh", CATEGORIES)
    assert f"从 2026-06-02 公布的 {candidates} 篇 arXiv 新论文（cs.CV）中，为本实验室的研究雷达精选 {featured} 篇。" in zh
    rest = candidates - featured
    assert (f"另有 {rest} 篇候选论文排在精选之后，见网站。" in zh) == bool(rest)


@pytest.mark.parametrize(("authors", "en", "zh"), [
    (("Ada Lovelace",), "(1 author)", "（1 位作者）"),
    (("Ada Lovelace", "Alan Turing"), "(2 authors)", "（2 位作者）"),
])
def test_posts_and_feeds_count_a_papers_authors(authors: tuple[str, ...], en: str, zh: str) -> None:
    the_day = day(count=1, featured=1, first=paper(1, authors=authors))
    assert en in write.render_post(the_day, "en", CATEGORIES)
    assert f"({zh[1:-1]})" in write.render_post(the_day, "zh", CATEGORIES)  # the post's parentheses are ASCII
    for lang, text in (("en", en), ("zh", f"({zh[1:-1]})")):
        item = next(feeds.paper_items([the_day], lang, host="lab.example.org", day_url=lambda when: "https://lab.example.org/"))
        assert f"{authors[-1]} {text}</p>" in item.content


@pytest.mark.parametrize(("featured", "candidates", "subject", "matched"), [
    (1, 2, "Radar · 2026-06-02: 1 paper", "1 paper matched the radar today, from 2 new papers."),
    (2, 2, "Radar · 2026-06-02: 2 papers", "2 papers matched the radar today, from 2 new papers."),
    (1, 1, "Radar · 2026-06-02: 1 paper", "1 paper matched the radar today, from 1 new paper."),
])
def test_the_email_words_its_counts(featured: int, candidates: int, subject: str, matched: str) -> None:
    the_day = day(count=candidates, featured=featured)
    en = newsletter.render(the_day, "en", sitename="Radar", links=LINKS, followed=[])
    assert en.subject == subject
    assert matched in en.text and matched in en.html
    zh = newsletter.render(the_day, "zh", sitename="雷达", links=LINKS, followed=[])
    assert zh.subject == f"雷达 · 2026-06-02：{featured} 篇论文"
    assert f"今日 {candidates} 篇新论文中有 {featured} 篇与研究雷达相符。" in zh.text


@pytest.mark.parametrize(("note", "en", "zh"), [
    (Note("llm_failed", {"failed": 1, "total": 1}),
     "1 of 1 featured paper has an extractive summary: the LLM failed for it (see the log).",
     "1 篇精选论文中有 1 篇因 LLM 调用失败而使用摘要节选（详见运行日志）。"),
    (Note("llm_failed", {"failed": 1, "total": 30}),
     "1 of 30 featured papers has an extractive summary: the LLM failed for it (see the log).",
     "30 篇精选论文中有 1 篇因 LLM 调用失败而使用摘要节选（详见运行日志）。"),
    (Note("llm_failed", {"failed": 2, "total": 30}),
     "2 of 30 featured papers have extractive summaries: the LLM failed for them (see the log).",
     "30 篇精选论文中有 2 篇因 LLM 调用失败而使用摘要节选（详见运行日志）。"),
    (Note("llm_budget", {"limit": "$0.50", "count": 1}),
     "The daily LLM budget ($0.50) was reached: 1 featured paper has an extractive summary.",
     "已达到每日 LLM 预算（$0.50），1 篇精选论文使用摘要节选。"),
    (Note("llm_budget", {"limit": "$0.50", "count": 2}),
     "The daily LLM budget ($0.50) was reached: 2 featured papers have extractive summaries.",
     "已达到每日 LLM 预算（$0.50），2 篇精选论文使用摘要节选。"),
])
def test_notes_word_their_counts_in_posts(note: Note, en: str, zh: str) -> None:
    the_day = day(notes=(note,))
    assert f"> **Note:** {write.text(en)}" in write.render_post(the_day, "en", CATEGORIES)
    assert f"> **注意：** {write.text(zh)}" in write.render_post(the_day, "zh", CATEGORIES)


# --- the page -------------------------------------------------------------------------------------

FAILED_ONE, BUDGET_ONE = Note("llm_failed", {"failed": 1, "total": 1}), Note("llm_budget", {"limit": "$0.50", "count": 1})
FAILED_TWO, BUDGET_TWO = Note("llm_failed", {"failed": 2, "total": 30}), Note("llm_budget", {"limit": "$0.50", "count": 2})
# (day, candidates, featured, matched, notes, the English page says, the Chinese page says)
PAGES = [
    (2, 2, 1, 1, (FAILED_ONE, BUDGET_ONE),
     ["1 paper matched your radar today, 1 more below", "1 paper picked for this lab's radar from 2 new",
      "1 of 1 featured paper has an extractive summary: the LLM failed for it",
      "reached: 1 featured paper has an extractive summary.", "1 author",
      "1 more paper of the day is ranked below the featured ones."],
     ["今天有 1 篇论文符合你的雷达，下方还有 1 篇", "为本实验室的研究雷达精选 1 篇。",
      "1 篇精选论文中有 1 篇因 LLM 调用失败而使用摘要节选（详见运行日志）。",
      "已达到每日 LLM 预算（$0.50），1 篇精选论文使用摘要节选。", "1 位作者", "今日另有 1 篇论文排在精选之后。"]),
    (3, 4, 2, 2, (FAILED_TWO, BUDGET_TWO),
     ["2 papers matched your radar today, 2 more below", "2 papers picked for this lab's radar from 4 new",
      "2 of 30 featured papers have extractive summaries: the LLM failed for them",
      "reached: 2 featured papers have extractive summaries.", "2 authors",
      "2 more papers of the day are ranked below the featured ones."],
     ["今天有 2 篇论文符合你的雷达，下方还有 2 篇", "为本实验室的研究雷达精选 2 篇。",
      "30 篇精选论文中有 2 篇因 LLM 调用失败而使用摘要节选（详见运行日志）。",
      "已达到每日 LLM 预算（$0.50），2 篇精选论文使用摘要节选。", "2 位作者", "今日另有 2 篇论文排在精选之后。"]),
    (4, 3, 1, 3, (), ["3 papers matched your radar today; the closest is featured, 2 more below"],
     ["今天有 3 篇论文符合你的雷达；精选最接近的 1 篇，下方还有 2 篇"]),
    (5, 5, 2, 3, (), ["3 papers matched your radar today; the 2 closest are featured, 3 more below"],
     ["今天有 3 篇论文符合你的雷达；精选最接近的 2 篇，下方还有 3 篇"]),
    (6, 1, 1, None, (), ["1 featured of 1 new paper"], ["从 1 篇新论文中精选 1 篇"]),
    (7, 5, 2, None, (), ["2 featured of 5 new papers"], ["从 5 篇新论文中精选 2 篇"]),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    days = []
    for number, candidates, featured, matched, notes, _en, _zh in PAGES:
        authors = ("Ada Lovelace",) if number == 2 else ("Ada Lovelace", "Alan Turing")
        the_day = day(count=candidates, featured=featured, first=paper(1, authors=authors), notes=notes)
        days.append(dataclasses.replace(the_day, date=date(2026, 6, number), matched=matched))
    return build_theme_site(tmp_path_factory.mktemp("counts"), "http://127.0.0.1:8000", days).output_dir


def read_page(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


@pytest.mark.parametrize(("number", "en", "zh"), [(page[0], page[5], page[6]) for page in PAGES])
def test_the_day_page_words_its_counts(site: Path, number: int, en: list[str], zh: list[str]) -> None:
    for prefix, says in (("", en), ("zh/", zh)):
        text = " ".join(read_page(site / f"{prefix}2026/06/0{number}/index.html").get_text(" ").split())
        assert [words for words in says if words not in text] == []


UI_FORMS = {  # the page's scripts' words with a count: [form for one, form for other counts]
    "": {"authors": ["{num} author", "{num} authors"], "shown": ["{shown} of {num} paper shown", "{shown} of {num} papers shown"],
         "batch": ["Paper {first} of {total} ranked below the featured ones",
                   "Papers {first}–{last} of {total} ranked below the featured ones"],
         "results": ["{num} result", "{num} results"]},
    "zh/": {"authors": ["{num} 位作者"] * 2, "shown": ["显示 {shown} / {num} 篇"] * 2,
            "batch": ["精选之后的第 {first} 篇（共 {total} 篇）", "精选之后的第 {first}–{last} 篇（共 {total} 篇）"], "results": ["{num} 条结果"] * 2},
}


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_the_page_scripts_get_each_counted_message_for_one_and_for_other_counts(site: Path, prefix: str) -> None:
    html = read_page(site / f"{prefix}2026/06/02/index.html")
    scripts = {**json.loads(html.find(id="radar-ui").string), **json.loads(html.find(id="search-ui").string)}
    assert {key: scripts[key] for key in UI_FORMS[prefix]} == UI_FORMS[prefix]
