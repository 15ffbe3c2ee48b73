"""Search index per language, the search script, and the bilingual sitemap."""

from __future__ import annotations

import dataclasses
import gzip
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from itertools import accumulate
from pathlib import Path

import pytest

from generator import search, sitemap
from generator.build import build
from generator.records import Entry, Ranked, Summary
from generator.settings import load
from generator.store import Store
from generator.write import write_posts
from tests.support.days import paper as a_paper
from tests.support.site import SITEURL, build_site
from tests.test_feeds import HOSTILE_TITLE, TOPIC, make_day

SEARCH_JS = Path(__file__).resolve().parents[1] / "theme" / "static" / "js" / "search.js"


def index_of(days: list) -> dict:
    """One month's files, and its manifest as "index.json"."""
    entries = [search.day_entry(d) for d in days]
    segment, files = search.build_segment(entries, day_path=lambda when: f"{when:%Y/%m/%d}/")
    return {"index.json": segment, **files}


def find(files: dict, *words: str) -> list[tuple[str, int]]:
    """(date, rank) of the documents that have every term, as search.js intersects them."""
    index = files["index.json"]
    found = None
    for term in words:
        gaps = files[f"terms/{search.bucket(term, index['buckets'])}.json"].get(term, [])
        numbers = set(accumulate(gaps))
        found = numbers if found is None else found & numbers
    rows = [files[f"docs/{n // index['chunk']}.json"][n % index["chunk"]] for n in sorted(found or ())]
    return [(index["days"][row[0]][0], row[1]) for row in rows]


def test_every_paper_of_every_day_is_a_document_numbered_oldest_day_first() -> None:
    files = index_of([make_day(date(2026, 6, 2), [1, 2]), make_day(date(2026, 6, 3), [3])])
    index = files["index.json"]
    assert index["days"] == [["2026-06-02", "2026/06/02/", 0], ["2026-06-03", "2026/06/03/", 3]]
    docs = files["docs/0.json"]
    assert [(row[0], row[1], row[5]) for row in docs] == [(0, 1, 1), (0, 2, 1), (0, 3, 0), (1, 1, 1), (1, 2, 0)]
    # the non-featured paper (999) is found too: every candidate is searchable
    assert ("2026-06-02", 3) in find(files, "999")


def test_documents_are_found_by_title_authors_abstract_and_both_summaries() -> None:
    day = make_day(date(2026, 6, 2), [1, 2], title=HOSTILE_TITLE)
    files = index_of([day])
    assert find(files, "mallory") == find(files, "张三") == [("2026-06-02", 1), ("2026-06-02", 2), ("2026-06-02", 3)]
    assert find(files, "seg", "alert") == [("2026-06-02", 1)]  # the title, escaped nowhere: it is data
    assert ("2026-06-02", 1) in find(files, "要点")  # the Chinese TL;DR
    assert ("2026-06-02", 1) in find(files, "标题")  # the translated title
    assert find(files, "lesion", "dice") == [("2026-06-02", 1)]  # the abstract ("lesions": plural folded)
    assert find(files, "segmentation") == [("2026-06-02", 2), ("2026-06-02", 3)]
    row = files["docs/0.json"][0]
    assert row[2] == 'Seg <script>alert("x")</script> & ]]> 🧠 医学图像分割'  # control characters gone
    assert row[3] == "论文 1 <i>标题</i>" and row[4] == "<b>Mallory</b>, 张三, Eve"


def test_tokens_fold_plurals_drop_stop_words_and_pair_chinese_characters() -> None:
    assert search.tokens("The Segmentations of ＭＲＩ scans") == {"segmentation", "mri", "scan"}
    assert search.tokens("医学图像分割 and 癌") == {"医学", "学图", "图像", "像分", "分割", "癌"}
    assert search.tokens("class loss") == {"class", "loss"}  # no "s" taken from a double s


def test_glossary_puts_chinese_terms_next_to_english_ones() -> None:
    # a paper summarized without an LLM has no Chinese: the glossary's 分割 stands for "segmentation"
    paper = dataclasses.replace(a_paper(1, title="Lesion Segmentation with SAM"), abstract="", authors=())
    text = search.document_text(Entry(1, Ranked(paper, 90.0), True, Summary("extractive", {})))
    assert "分割" in text and "病灶" in text
    assert "分割" in search.glossary.chinese_dictionary() and "病灶" in search.glossary.chinese_dictionary()


def test_chinese_words_of_the_field_find_its_papers_and_word_its_why_terms() -> None:
    # In the demo's Chinese edition 医学影像 ("medical imaging") found no paper, and the cards' why-terms
    # read "关键词：medical、clinical、imaging、chest": the glossary had none of the field's everyday words.
    paper = dataclasses.replace(a_paper(1, title="Robust models for medical imaging"),
                                abstract="A clinical study of chest images.", authors=())
    text = search.document_text(Entry(1, Ranked(paper, 90.0), True, Summary("extractive", {})))
    assert all(word in text for word in ("医学影像", "临床", "胸部", "图像")), text
    assert [search.glossary.to_chinese(term) for term in ("medical", "clinical", "imaging", "chest")] == [
        "医学", "临床", "影像", "胸部"]


def test_a_paper_is_found_by_its_arxiv_id_or_doi() -> None:
    # A reader pasting an arXiv id (2606.04705 in the demo) found nothing: ids were not searchable.
    day = make_day(date(2026, 6, 2), [1, 2])
    listed = dataclasses.replace(day.entries[1].ranked.paper, doi="10.5555/2026.06.02.26990014")
    day = dataclasses.replace(day, entries=(day.entries[0], dataclasses.replace(
        day.entries[1], ranked=dataclasses.replace(day.entries[1].ranked, paper=listed)), *day.entries[2:]))
    files = index_of([day])
    assert find(files, *search.tokens("2606.00001")) == [("2026-06-02", 1)]
    assert find(files, *search.tokens("arXiv:2606.00002")) == [("2026-06-02", 2)]
    assert find(files, *search.tokens("10.5555/2026.06.02.26990014")) == [("2026-06-02", 2)]


def test_an_authors_whole_name_is_a_token() -> None:
    paper = a_paper(1, authors=("Hao Chen", "Klaus Maier-Hein", "Eve"))
    assert search.author_tokens(paper) == {"hao chen", "klaus maier hein"}


def test_buckets_spread_terms_and_grow_with_the_month() -> None:
    # FNV-1a 32 of "a" is 0xe40c292c (the algorithm's published test vector)
    assert search.bucket("a", 1 << 32) == 0xE40C292C
    assert len({search.bucket(f"term{n}", 512) for n in range(2000)}) > 512 * 0.9
    assert search.bucket_count(10) == 1 and search.bucket_count(search.POSTINGS_A_FILE * 100) == 128


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_search_script_is_valid_and_small() -> None:
    subprocess.run(["node", "--check", str(SEARCH_JS)], check=True)
    assert len(gzip.compress(SEARCH_JS.read_bytes())) < 4_000


def test_sitemap_pairs_translations_and_escapes_urls() -> None:
    editions = {
        "en": ("https://x.example", {"": None, "2026/06/02/": date(2026, 6, 2), "a&b/": None}),
        "zh": ("https://x.example/zh", {"": None, "2026/06/02/": date(2026, 6, 2)}),
    }
    root = ET.fromstring(sitemap.render_sitemap(editions))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = {u.findtext("s:loc", namespaces=ns): u for u in root.findall("s:url", ns)}
    assert set(urls) == {"https://x.example/", "https://x.example/2026/06/02/", "https://x.example/a&b/",
                         "https://x.example/zh/", "https://x.example/zh/2026/06/02/"}
    day = urls["https://x.example/zh/2026/06/02/"]
    assert day.findtext("s:lastmod", namespaces=ns) == "2026-06-02"
    assert {(a.get("hreflang"), a.get("href")) for a in day.findall("x:link", ns)} == {
        ("en", "https://x.example/2026/06/02/"), ("zh", "https://x.example/zh/2026/06/02/")}
    assert [a.get("hreflang") for a in urls["https://x.example/a&b/"].findall("x:link", ns)] == ["en"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    days = [make_day(date(2026, 6, 2), [1, 2], title=HOSTILE_TITLE), make_day(date(2026, 6, 3), [3])]
    return build_site(tmp_path_factory.mktemp("search"), days, topics={TOPIC: ["lesion"]})


def test_built_site_has_one_index_for_both_editions_and_one_sitemap(site: Path) -> None:
    index = json.loads((site / "search" / "index.json").read_text("utf-8"))
    [month] = index["segments"]
    assert month["id"] == "2026-06" and [day[0] for day in month["days"]] == ["2026-06-02", "2026-06-03"]
    assert (site / month["days"][0][1] / "index.html").is_file()  # the index links real pages
    assert (site / "zh" / month["days"][0][1] / "index.html").is_file()
    assert (site / "search" / "2026-06" / "docs" / "0.json").is_file()
    assert "分割" in index["dictionary"] and "the" in index["stop"]
    assert not (site / "zh" / "search").exists()
    locs = [el.text for el in ET.parse(site / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    for path in ("", "2026/06/02/", "2026/06/03/"):
        assert f"{SITEURL}/{path}" in locs and f"{SITEURL}/zh/{path}" in locs
    assert not (site / "zh" / "sitemap.xml").exists()


def test_adding_a_day_rebuilds_its_month_only(tmp_path: Path) -> None:
    output = build_site(tmp_path, [make_day(date(2026, 5, 29), [1]), make_day(date(2026, 6, 2), [2])],
                        topics={TOPIC: ["lesion"]})
    may = output / "search" / "2026-05" / "docs" / "0.json"
    june = output / "search" / "2026-06" / "docs" / "0.json"
    before = (may.stat().st_ino, june.read_text("utf-8"))
    settings = load(tmp_path / "pelicanconfig.py", env={})
    day = make_day(date(2026, 6, 3), [3])
    Store(settings.store_dir).write_day(day)
    write_posts(day, settings)
    build(settings)
    assert may.stat().st_ino == before[0]  # May's files are the cached ones, linked again
    assert june.read_text("utf-8") != before[1]
    index = json.loads((output / "search" / "index.json").read_text("utf-8"))
    assert [[day[0] for day in month["days"]] for month in index["segments"]] == [
        ["2026-05-29"], ["2026-06-02", "2026-06-03"]]
