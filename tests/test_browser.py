"""The site in headless Chromium: author filter, next batch, search, language switch, no console errors.

Screenshots at phone and desktop widths go to test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import (
    CANDIDATES, FEATURED, FOLLOWED, REPO, build_demo_site, chromium, chromium_missing, serve,
)

pytestmark = pytest.mark.skipif(
    bool(chromium_missing()) and not os.environ.get("CI"),
    reason=f"{chromium_missing()}; with CI set these tests run and fail instead",
)
ARTIFACTS = REPO / "test-artifacts"
WAIT_SECONDS = 10


# The site is built for its published address and served elsewhere: another host, a random port,
# the published sub-path (as GitHub Pages serves a project site) -- and, in
# test_site_works_from_another_sub_path_and_from_files, another sub-path and file://.
PUBLISHED = "https://radar.example/lab"
SUB_PATH = "/lab/"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser-site")
    build_demo_site(root, PUBLISHED)
    return root / "output"


@pytest.fixture(scope="module")
def site_url(built_site: Path) -> Iterator[str]:
    with serve(built_site, SUB_PATH) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = chromium_missing()
    if problem:
        pytest.fail(problem)
    driver = chromium()
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait_for(condition: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def open_page(browser: Any, url: str) -> None:
    browser.get(url)
    wait_for(lambda: browser.execute_script("return document.readyState") == "complete", url)
    browser.get_log("browser")  # earlier pages' console lines are not this page's


def console_errors(browser: Any) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def visible_ranks(browser: Any, selector: str) -> list[int]:
    return [int(card.get_attribute("id")[1:]) for card in browser.find_elements("css selector", selector)
            if card.is_displayed()]


def test_author_filter(browser: Any, site_url: str) -> None:
    open_page(browser, f"{site_url}/2026/06/02/")
    assert visible_ranks(browser, ".featured .paper") == list(range(1, FEATURED + 1))
    chip = browser.find_element("css selector", f'#p1 .author[data-author="{FOLLOWED}"]')
    chip.click()
    assert visible_ranks(browser, ".featured .paper") == [1]
    bar = browser.find_element("css selector", ".author-filter")
    assert bar.is_displayed() and FOLLOWED in bar.text and "1 of 6" in bar.text
    assert chip.get_attribute("aria-pressed") == "true"
    clear = browser.find_element("css selector", ".clear-filter")
    assert browser.switch_to.active_element == clear  # keyboard users land on the way back
    clear.send_keys("\n")  # Enter on the focused chip with ×
    assert visible_ranks(browser, ".featured .paper") == list(range(1, FEATURED + 1))
    assert not bar.is_displayed()
    assert console_errors(browser) == []


def test_next_batch_cycles_through_the_ranked_candidates(browser: Any, site_url: str) -> None:
    open_page(browser, f"{site_url}/2026/06/02/")
    button = browser.find_element("css selector", ".next-batch")
    assert button.is_displayed()
    rest = CANDIDATES - FEATURED
    expected = [list(range(first, min(first + 10, CANDIDATES + 1))) for first in range(FEATURED + 1, CANDIDATES + 1, 10)]
    for batch in [*expected, expected[0]]:  # the last click wraps around: 换一批
        button.click()
        wait_for(lambda batch=batch: visible_ranks(browser, ".batch .paper") == batch, f"batch {batch}")
        status = browser.find_element("css selector", ".batch-status").text
        assert f"{batch[0] - FEATURED}–{batch[-1] - FEATURED} of {rest}" in status
    first = browser.find_element("css selector", f".batch #p{FEATURED + 1}")
    assert first.find_element("css selector", ".title a").get_attribute("href").startswith("https://arxiv.org/abs/")
    # the revealed cards take part in the author filter too
    author = first.find_element("css selector", ".author")
    author.click()
    assert FEATURED + 1 in visible_ranks(browser, ".paper")
    assert console_errors(browser) == []


def test_chinese_edition_next_batch_speaks_chinese(browser: Any, site_url: str) -> None:
    open_page(browser, f"{site_url}/zh/2026/06/02/")
    button = browser.find_element("css selector", ".next-batch")
    assert "换一批" in button.text
    button.click()
    wait_for(lambda: "精选之后" in browser.find_element("css selector", ".batch-status").text, "Chinese status")
    assert console_errors(browser) == []


def test_language_switch_keeps_the_page(browser: Any, site_url: str) -> None:
    open_page(browser, f"{site_url}/2026/06/02/")
    browser.find_element("css selector", '.langs a[hreflang="zh"]').click()
    wait_for(lambda: browser.current_url == f"{site_url}/zh/2026/06/02/", "the Chinese day page")
    assert browser.find_element("css selector", "html").get_attribute("lang") == "zh-Hans"
    assert "精选论文" in browser.find_element("css selector", "#featured-h").text
    browser.find_element("css selector", '.langs a[hreflang="en"]').click()
    wait_for(lambda: browser.current_url == f"{site_url}/2026/06/02/", "the English day page")
    assert console_errors(browser) == []


def test_search_finds_papers_of_all_days(browser: Any, site_url: str) -> None:
    open_page(browser, f"{site_url}/archives/")
    box = browser.find_element("css selector", "#search-q")
    box.send_keys("Deliberative Curation")
    results = wait_for(lambda: browser.find_elements("css selector", "#search-results li a"), "search results")
    assert "Deliberative Curation" in results[0].text
    assert results[0].get_attribute("href").startswith(f"{site_url}/2026/06/02/#p")
    assert console_errors(browser) == []


@pytest.mark.parametrize("width,height,name", [(390, 844, "phone"), (1280, 900, "desktop")])
def test_pages_render_without_errors_and_screenshots(browser: Any, site_url: str, width: int, height: int, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    browser.set_window_size(width, height)
    try:
        for path, label in (("", "home-en"), ("zh/2026/06/02/", "day-zh"), ("about/", "about-en"),
                            ("zh/topics/", "topics-zh"), ("archives/", "archive-en"), ("404.html", "404-en")):
            open_page(browser, f"{site_url}/{path}")
            assert console_errors(browser) == [], path
            overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways at {width}px"
            full_height = browser.execute_script("return document.documentElement.scrollHeight")
            browser.set_window_size(width, min(full_height + 100, 4000))  # the whole page, within reason
            browser.save_screenshot(str(ARTIFACTS / f"{label}-{name}.png"))
            browser.set_window_size(width, height)
    finally:
        browser.set_window_size(1280, 900)


def test_browser_starts_quickly() -> None:
    started = time.monotonic()
    driver = chromium()
    driver.quit()
    seconds = time.monotonic() - started
    print(f"chromium start+quit: {seconds:.2f} s")
    assert seconds < 30


def styled_and_scripted(browser: Any) -> tuple[str, bool]:
    """The page's background colour (the theme's, once site.css applied) and whether radar.js ran
    (it reveals the next-batch button, hidden in the HTML)."""
    background = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    button = browser.find_elements("css selector", ".next-batch")
    return background, bool(button) and button[0].is_displayed()


THEME_BACKGROUND = "rgb(251, 250, 247)"  # --bg of theme/static/css/site.css


def test_site_works_from_another_sub_path_and_from_files(browser: Any, built_site: Path) -> None:
    with serve(built_site, "/somewhere/else/") as elsewhere:
        for path in ("2026/06/02/", "zh/2026/06/02/"):
            open_page(browser, f"{elsewhere}/{path}")
            assert styled_and_scripted(browser) == (THEME_BACKGROUND, True), path
            assert console_errors(browser) == [], path
        browser.find_element("css selector", 'a[rel="prev"], a[rel="next"]').click()
        wait_for(lambda: browser.current_url.startswith(f"{elsewhere}/zh/2026/06/0"), "a neighbouring day")
        assert styled_and_scripted(browser)[0] == THEME_BACKGROUND
    open_page(browser, (built_site / "zh" / "2026" / "06" / "03" / "index.html").as_uri())
    assert styled_and_scripted(browser) == (THEME_BACKGROUND, True)
    assert console_errors(browser) == []
    browser.find_element("css selector", 'a[rel="prev"]').click()  # a folder: its index.html
    wait_for(lambda: browser.current_url == (built_site / "zh/2026/06/02/index.html").as_uri(), "the day before, as a file")
    assert styled_and_scripted(browser) == (THEME_BACKGROUND, True)


def test_a_missing_page_shows_the_styled_404(browser: Any, site_url: str) -> None:
    open_page(browser, f"{site_url}/no/such/page/")
    assert browser.execute_script("return getComputedStyle(document.body).backgroundColor") == THEME_BACKGROUND
    link = browser.find_element("css selector", "main a")
    assert link.get_attribute("href") == f"{site_url}/"
    assert [e for e in console_errors(browser) if "404" not in e] == []  # the page's own status
