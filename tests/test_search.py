"""Search index per language, the search script, and the bilingual sitemap."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from generator import search, sitemap
from generator.store import day_to_json
from tests.support.site import SITEURL, build_site
from tests.test_feeds import HOSTILE_TITLE, TOPIC, make_day

SEARCH_JS = Path(__file__).resolve().parents[1] / "theme" / "static" / "js" / "search.js"


def index_of(days: list, lang: str) -> dict:
    return search.build_index([day_to_json(d) for d in days], lang,
                              day_path=lambda when: f"{when:%Y/%m/%d}/")


def test_index_holds_featured_papers_newest_day_first_with_card_anchors() -> None:
    index = index_of([make_day(date(2026, 6, 3), [3]), make_day(date(2026, 6, 2), [1, 2])], "en")
    assert index["days"] == [["2026-06-03", "2026/06/03/"], ["2026-06-02", "2026/06/02/"]]
    assert [(p[0], p[1], p[2]) for p in index["papers"]] == [
        (0, 1, "Paper number 3 on medical image segmentation"),
        (1, 1, "Paper number 1 on medical image segmentation"),
        (1, 2, "Paper number 2 on medical image segmentation"),
    ]  # the non-featured paper 999 is not indexed


def test_index_searches_each_language_by_title_authors_and_summary() -> None:
    day = make_day(date(2026, 6, 2), [1], title=HOSTILE_TITLE)
    english, chinese = index_of([day], "en")["papers"][0], index_of([day], "zh")["papers"][0]
    assert english[2] == 'Seg <script>alert("x")</script> & ]]> 🧠 医学图像分割'  # control chars gone
    assert english[3] == ""  # no English translation of the title
    assert chinese[3] == "论文 1 <i>标题</i>"
    assert english[4] == chinese[4] == "<b>Mallory</b>, 张三, Eve"
    assert english[5].startswith("TL;DR 1") and chinese[5].startswith("要点 1")


def test_index_text_is_bounded() -> None:
    day = make_day(date(2026, 6, 2), [1], title="Segmentation " * 100)
    paper = index_of([day], "en")["papers"][0]
    assert len(paper[2]) == search.MAX_TITLE


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


def test_built_site_has_an_index_per_language_and_one_sitemap(site: Path) -> None:
    english = json.loads((site / "search" / "index.json").read_text("utf-8"))
    chinese = json.loads((site / "zh" / "search" / "index.json").read_text("utf-8"))
    assert len(english["papers"]) == len(chinese["papers"]) == 3
    assert chinese["papers"][0][3] == "论文 3 <i>标题</i>"
    assert (site / english["days"][0][1] / "index.html").is_file()  # the index links real pages
    locs = [el.text for el in ET.parse(site / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    for path in ("", "2026/06/02/", "2026/06/03/"):
        assert f"{SITEURL}/{path}" in locs and f"{SITEURL}/zh/{path}" in locs
    assert not (site / "zh" / "sitemap.xml").exists()
