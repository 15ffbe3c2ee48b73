"""End to end: `digest run` + `digest build` against a local arXiv replaying a real day.

The arXiv API is a real HTTP server on 127.0.0.1 (generator.replay) serving the shipped listing
of 2026-06-02; the `digest` console script runs in a subprocess exactly as a lab would run it.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from generator import settings as settings_module
from generator.pipeline import run_day
from generator.rank.config import DEFAULT_CONFIG
from generator.replay import ReplayArxiv

REPO = Path(__file__).resolve().parent.parent
LISTINGS = REPO / "sample" / "listings"
DIGEST = shutil.which("digest", path=str(Path(sys.executable).parent)) or "digest"
DAY = "2026-06-02"


def listing_ids(day: str, categories: set[str]) -> set[str]:
    with gzip.open(LISTINGS / f"{day}.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return {row["id"] for row in rows if categories & set(row["categories"])}


@pytest.fixture(scope="module")
def arxiv() -> Iterator[ReplayArxiv]:
    with ReplayArxiv(LISTINGS) as server:
        yield server


def digest(project: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DIGEST, *args], cwd=project, env={**os.environ, **env}, capture_output=True, text=True,
        timeout=300,
    )


def arxiv_env(server: ReplayArxiv) -> dict[str, str]:
    return {"DIGEST_ARXIV_URL": server.url, "DIGEST_ARXIV_DELAY": "0"}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory, arxiv: ReplayArxiv) -> Path:
    """One project: `digest run --date 2026-06-02` then `digest build`."""
    root = tmp_path_factory.mktemp("site") / "project"
    root.mkdir()
    shutil.copy(REPO / "pelicanconfig.py", root)
    for folder in ("theme", "radar"):
        (root / folder).symlink_to(REPO / folder, target_is_directory=True)
    if (REPO / "content" / "pages").is_dir():
        shutil.copytree(REPO / "content" / "pages", root / "content" / "pages")
    env = {**arxiv_env(arxiv), "OPENAI_API_KEY": ""}
    result = digest(root, "run", "--date", DAY, env=env)
    assert result.returncode == 0, result.stderr
    assert "fetched" in result.stderr and "posts:" in result.stderr
    result = digest(root, "build", env=env)
    assert result.returncode == 0, result.stderr
    return root


def test_run_writes_both_posts_and_the_day(built_site: Path) -> None:
    for lang in ("en", "zh"):
        post = built_site / "content" / "digests" / "2026" / f"{DAY}-{lang}.md"
        assert post.is_file()
        assert f"Lang: {lang}" in post.read_text()
    assert (built_site / "store" / "days" / f"{DAY}.json").is_file()


NO_KEY = {"en": "Summaries are extractive: no LLM key was set.", "zh": "未设置 LLM 密钥，所有摘要均为原文节选。"}


@pytest.mark.parametrize(("lang", "other"), [("en", "zh"), ("zh", "en")])
def test_a_day_without_an_llm_key_says_so_in_each_editions_language(built_site: Path, lang: str, other: str) -> None:
    post = (built_site / "content" / "digests" / "2026" / f"{DAY}-{lang}.md").read_text()
    page = (built_site / "output" / ("zh/" if lang == "zh" else "") / "2026" / "06" / "02" / "index.html").read_text()
    text = " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())
    for shown in (post, text):
        assert NO_KEY[lang] in shown and NO_KEY[other] not in shown
    reason = {"en": "Extractive summary (no LLM): no OPENAI_API_KEY", "zh": "摘要节选（未经 LLM）：未设置 OPENAI_API_KEY"}
    featured = json.loads((built_site / "output" / "data" / f"{DAY}.json").read_text())["counts"]["featured"]
    assert text.count(reason[lang]) == featured  # one per featured paper


def test_day_json_has_every_candidate_in_rank_order(built_site: Path) -> None:
    data = json.loads((built_site / "output" / "data" / f"{DAY}.json").read_text())
    papers = data["papers"]
    assert data["date"] == DAY
    assert {p["id"] for p in papers} == listing_ids(DAY, {"cs.CV", "eess.IV"})
    assert len({p["id"] for p in papers}) == len(papers)  # cross-lists once
    scores = [p["score"] for p in papers]
    assert scores == sorted(scores, reverse=True)
    # Featured: the papers at or above the relevance floor (the default), at least 5, at most 30.
    counts = data["counts"]
    floor = DEFAULT_CONFIG.floor
    assert counts["matched"] == sum(s >= floor for s in scores) and 0 < counts["matched"] < len(papers)
    assert counts["featured"] == min(30, max(5, counts["matched"]))
    assert [p["featured"] for p in papers] == [True] * counts["featured"] + [False] * (len(papers) - counts["featured"])
    for paper in papers:
        assert {"id", "title", "authors", "categories", "score", "featured", "summary_kind",
                "url"} <= paper.keys()
        assert paper["summary_kind"] == "extractive"
        assert paper["url"] == f"https://arxiv.org/abs/{paper['id']}"
        assert 0 <= paper["score"] <= 100


def test_both_home_pages_show_the_featured_papers(built_site: Path) -> None:
    data = json.loads((built_site / "output" / "data" / f"{DAY}.json").read_text())
    featured_titles = [p["title"] for p in data["papers"] if p["featured"]]
    for home, lang in ((built_site / "output" / "index.html", "en"),
                       (built_site / "output" / "zh" / "index.html", "zh")):
        soup = BeautifulSoup(home.read_text(), "html.parser")
        assert soup.html is not None and soup.html.get("lang", "").startswith(lang)
        text = " ".join(soup.get_text(" ").split())
        for title in featured_titles:
            assert " ".join(title.split()) in text, (lang, title)
        # How many matched the radar, and how many more are one click away (next batch).
        matched, rest = data["counts"]["matched"], data["counts"]["candidates"] - data["counts"]["featured"]
        said = {"en": f"{matched} papers matched your radar today", "zh": f"今天有 {matched} 篇论文符合你的雷达"}
        assert said[lang] in text and (f"{rest} more below" if lang == "en" else f"下方还有 {rest} 篇") in text


@pytest.mark.parametrize("path", ["feeds/all.atom.xml", "feeds/all.rss.xml",
                                  "zh/feeds/all.atom.xml", "zh/feeds/all.rss.xml"])
def test_feeds_per_language_are_valid(built_site: Path, path: str) -> None:
    feed = feedparser.parse((built_site / "output" / path).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == 1
    assert DAY.replace("-", "/") in feed.entries[0].link


def test_rerun_is_byte_identical_and_only_checks_for_new_papers(
    built_site: Path, arxiv: ReplayArxiv
) -> None:
    files = sorted(p for folder in ("content", "store") for p in (built_site / folder).rglob("*")
                   if p.is_file())
    before = {p: p.read_bytes() for p in files}
    requests_before = arxiv.requests
    settings = settings_module.load(built_site / "pelicanconfig.py", env=arxiv_env(arxiv))
    result = run_day(date.fromisoformat(DAY), settings)
    assert result.new == len(listing_ids(DAY, {"cs.CV", "eess.IV"}))
    after = sorted(p for folder in ("content", "store") for p in (built_site / folder).rglob("*")
                   if p.is_file())
    assert after == files
    assert {p: p.read_bytes() for p in after} == before
    # only the query for the day's window, page by page
    assert settings.arxiv is not None
    pages = -(-result.fetched // settings.arxiv.page_size)
    assert arxiv.requests - requests_before == pages


def test_with_an_llm_the_day_is_bilingual_and_the_key_stays_secret(
    tmp_path: Path, arxiv: ReplayArxiv
) -> None:
    """`digest run` + `digest build` with an OpenAI-compatible server: translated titles, the
    brief on both home pages, LLM accounting in the JSON, and the key nowhere in the files."""
    from tests.support.openai_server import OpenAIServer

    key = "sk-e2e-5e1f0c93d2a84b7e"
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "pelicanconfig.py", root)
    for folder in ("theme", "radar"):
        (root / folder).symlink_to(REPO / folder, target_is_directory=True)
    config = root / "pelicanconfig.py"
    config.write_text(config.read_text().replace('"papers_per_day": 30', '"papers_per_day": 4'))
    with OpenAIServer() as llm:
        env = {**arxiv_env(arxiv), "OPENAI_API_KEY": key, "OPENAI_BASE_URL": llm.url}
        result = digest(root, "run", "--date", DAY, env=env)
        assert result.returncode == 0, result.stderr
        assert "LLM-summarized 4" in result.stderr
        assert digest(root, "build", env=env).returncode == 0
    data = json.loads((root / "output" / "data" / f"{DAY}.json").read_text())
    featured = [p for p in data["papers"] if p["featured"]]
    assert [p["summary_kind"] for p in featured] == ["llm"] * 4
    assert data["usage"]["tokens_in"] > 0 and data["brief"]["zh"]
    zh_home = BeautifulSoup((root / "output" / "zh" / "index.html").read_text(), "html.parser")
    zh_text = zh_home.get_text(" ")
    assert featured[0]["summary"]["title"]["zh"] in zh_text
    assert featured[0]["summary"]["tldr"]["zh"] in zh_text
    assert data["brief"]["zh"].split("[")[0].strip() in zh_text  # the brief, before its first reference
    en_text = BeautifulSoup((root / "output" / "index.html").read_text(), "html.parser").get_text(" ")
    usage = data["usage"]
    assert f"{usage['tokens_in']} tokens in" in en_text and usage["model"] in en_text  # accounting
    assert f"输入 {usage['tokens_in']} 个 token" in zh_text
    for folder in ("content", "store", "output"):
        for path in (root / folder).rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), path
    assert key not in result.stderr


def test_every_page_parses_as_html5_without_errors(built_site: Path) -> None:
    """html5lib's strict mode raises on any WHATWG parse error (the HTML5 validity of the markup)."""
    import html5lib

    pages = sorted((built_site / "output").rglob("*.html"))
    assert len(pages) > 10
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    for page in pages:
        parser.parse(page.read_bytes())  # raises ParseError with the position
