"""A small bilingual site built with the project's theme, served on 127.0.0.1, and a headless Chromium.

Used by the site tests (the built HTML) and the browser tests (the same pages, clicked).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from generator.build import build
from generator.records import Day, Entry, Match, Note, Paper, Ranked, Related, SourceRef, Summary
from generator.settings import Settings, load
from generator.store import Store, dumps
from generator.summarize import grounding
from generator.summarize.grounding import Evidence
from generator.write import write_posts
from tests.support.days import HOSTILE_ABSTRACT, HOSTILE_TITLE
from tests.support.papers import listing_papers

REPO = Path(__file__).resolve().parents[2]
FOLLOWED = "Hao Chen"  # a followed author in pelicanconfig.py's demo radar
HOSTILE_SUMMARY = 'We <b>segment</b> <a href="javascript:alert(3)">lesions</a> <img src=x onerror=alert(4)>'
HOSTILE_CODE_URL = "javascript:alert(5)"
FEATURED = 6
UNVERIFIED = 4  # the featured paper whose summary has unsupported items
CANDIDATES = 34  # featured + three batches of ten, the last one partial
HOSTILE_LLM_ERROR = "LLM rejected the request: HTTP 400: <script>alert(6)</script>"
FORMAT_1_NOTE = "Summaries of some papers are extractive: no OPENAI_API_KEY was set."
FORMAT_1_REASON = "no OPENAI_API_KEY"


def _summary(item: Paper, position: int) -> Summary:
    """LLM-style summaries for most papers; every third one extractive; the first one hostile."""
    if position % 3 == 0:
        reason = Note("paper_budget") if position == 3 else Note("paper_llm_error", {"error": HOSTILE_LLM_ERROR})
        return Summary(kind="extractive", tldr={"en": item.abstract.split(". ")[0] + "."}, reason=reason)
    tldr = HOSTILE_SUMMARY if position == 1 else f"TL;DR of paper {position}: {item.title[:60]}"
    if position == 4:
        tldr += f" See {LONG_URL} for {LONG_FORMULA}"
    results = {"en": "Dice +3.2 points on ISIC 2018.", "zh": "ISIC 2018 上 Dice 提升 3.2。"}
    if position == UNVERIFIED:  # repaired once, still stating what its abstract does not
        evidence = Evidence.of(item.title, item.abstract)
        unsupported = {lang: found for lang, text in results.items() if (found := grounding.unsupported(text, evidence))}
        return Summary(kind="llm", tldr={"en": tldr, "zh": f"论文 {position} 的要点"}, title={"zh": f"译题 {position}"},
                       results=results, unsupported=unsupported, repaired=True)
    return Summary(
        kind="llm",
        tldr={"en": tldr, "zh": f"论文 {position} 的要点"} if position != 2 else {"en": tldr},
        title={"zh": f"译题 {position}"},
        problem={"en": "Segmenting lesions across scanners.", "zh": "跨设备的病灶分割。"},
        method={"en": "A promptable foundation model.", "zh": "可提示的基础模型。"},
        results=results,
    )


# What widens a phone's page unless the theme wraps it: a long URL, a formula without spaces, a
# consortium paper's author list (on paper 4, featured, of the hostile day).
LONG_URL = "https://github.com/some-lab/" + "a-very-long-repository-name-" * 6 + "/blob/main/README.md"
LONG_FORMULA = "$\\mathcal{L}_{total}=\\lambda_{1}\\mathcal{L}_{Dice}+\\lambda_{2}\\mathcal{L}_{CE}+" * 3 + "$"
COMMENT = "MICCAI 2026; 10 pages, 4 figures. Code: https://github.com/lab/from-the-comment"
MANY_AUTHORS = tuple(f"Consortium Member Number{n} Withalongsurname{n}" for n in range(1, 81))


def demo_day(when: date, listing: str, *, hostile: bool, related_day: date | None = None) -> Day:
    """A day of real listing papers: the first featured one hostile, one by a followed author, and
    (on the hostile day) a fourth with a long URL, a formula and eighty authors."""
    papers = listing_papers(listing, limit=CANDIDATES)
    first = papers[0]
    if hostile:
        first = dataclasses.replace(first, title=HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT)
        wide = papers[3]
        papers[3] = dataclasses.replace(wide, authors=MANY_AUTHORS,
                                        abstract=f"{wide.abstract} Code: {LONG_URL} Loss: {LONG_FORMULA}")
    papers[0] = dataclasses.replace(first, authors=(*first.authors[:2], FOLLOWED))
    papers[1] = dataclasses.replace(papers[1], comment=COMMENT)
    batch_first = papers[FEATURED]  # one author, and listed by Hugging Face too
    papers[FEATURED] = dataclasses.replace(batch_first, authors=batch_first.authors[:1], sources=(
        SourceRef("arxiv", batch_first.id, batch_first.url, batch_first.primary_category or None), SourceRef("huggingface", batch_first.id, f"https://huggingface.co/papers/{batch_first.id}", upvotes=42)))
    related = (Related(id="2606.09999", title="An earlier <i>related</i> paper",
                       url="https://arxiv.org/abs/2606.09999", date=related_day.isoformat()),) if related_day else ()
    entries = tuple(
        Entry(
            rank=position,
            ranked=Ranked(
                paper=item,
                score=100.0 if position == 1 else round(95 - position * 1.3, 1),  # a whole top score, as real days have
                matched=(Match("topic", "Medical imaging modalities"), Match("author", FOLLOWED)) if position == 1
                else (Match("topic", "Disease detection & diagnosis"),) if position <= FEATURED else (),
                why=("segmentation", "lesion"),
                related=related if position == 1 else (),
            ),
            featured=position <= FEATURED,
            summary=_summary(item, position) if position <= FEATURED else Summary(kind="extractive", tldr={}),
            code_url=(HOSTILE_CODE_URL if position == 1 else "https://github.com/lab/medseg" if position == 2 else None),
        )
        for position, item in enumerate(papers, 1)
    )
    return Day(
        date=when,
        entries=entries,
        brief={"en": "Two themes today: promptable models [1] and shift [2].\n\nAlso <script>x</script>."},
        notes=(Note("llm_failed", {"failed": 1, "total": FEATURED}),
               Note("llm_budget", {"limit": "DIGEST['llm']['max_papers'] = 5", "count": 1})),
    )


def store_as_format_1(store: Store, when: date) -> None:
    """Rewrite a stored day as the digest stored it before notes had kinds: notes and reasons as text."""
    path = store.day_path(when)
    data = json.loads(path.read_text("utf-8"))
    data["format"] = 1
    data["notes"] = [FORMAT_1_NOTE]
    for paper in data["papers"]:
        if paper["summary_reason"]:
            paper["summary_reason"] = FORMAT_1_REASON
        # before format 3: matches as "topic:X" strings, one source and no `sources` list
        paper["matched"] = [f"{match['kind']}:{match['name']}" for match in paper["matched"]]
        del paper["sources"], paper["upvotes"]
    path.write_text(dumps(data), "utf-8")


def store_as_format_3(store: Store, when: date) -> None:
    """Rewrite a stored day as format 3 stored it: an arXiv source's badge with its category in capitals."""
    path = store.day_path(when)
    data = json.loads(path.read_text("utf-8"))
    data["format"] = 3
    for paper in data["papers"]:
        for ref in paper["sources"]:
            if ref["name"] == "arxiv" and ref["category"]:
                ref["badge"] = f"arXiv ({ref['category'].upper()})"
    path.write_text(dumps(data), "utf-8")


def build_demo_site(root: Path, siteurl: str, *, config: str = "") -> Settings:
    """Two days (2026-06-02 with hostile text, 2026-06-03) built with the repository's theme and
    pelicanconfig.py, followed by `config` (settings a fork changes)."""
    days = [
        demo_day(date(2026, 6, 2), "2026-06-02", hostile=True),
        demo_day(date(2026, 6, 3), "2026-06-03", hostile=False, related_day=date(2026, 6, 2)),
    ]
    return build_theme_site(root, siteurl, days, config=config, format_1=date(2026, 6, 3))


def build_theme_site(root: Path, siteurl: str, days: list[Day], *, config: str = "",
                     format_1: date | None = None, format_3: date | None = None) -> Settings:
    """`days` built with the repository's theme and pelicanconfig.py, followed by `config`; the day
    `format_1` is stored as the digest stored days before notes had kinds, `format_3` as before
    badges spelled arXiv's categories as arXiv does."""
    (root / "pelicanconfig.py").write_text((REPO / "pelicanconfig.py").read_text("utf-8") + config, "utf-8")
    for folder in ("theme", "radar"):
        (root / folder).symlink_to(REPO / folder, target_is_directory=True)
    shutil.copytree(REPO / "content" / "pages", root / "content" / "pages")
    settings = dataclasses.replace(load(root / "pelicanconfig.py", env={}), siteurl=siteurl)
    for day in days:
        Store(settings.store_dir).write_day(day)
        write_posts(day, settings)
    if format_1:
        store_as_format_1(Store(settings.store_dir), format_1)
    if format_3:
        store_as_format_3(Store(settings.store_dir), format_3)
    build(settings)
    return settings


# --- serving the built site and driving Chromium ------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site under `prefix` (e.g. "/lab/"), as GitHub Pages serves a project site; any
    other path is a 404 with the site's 404.html, as Pages does."""

    prefix = "/"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass  # the tests assert on what the browser saw, not on the access log

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "does-not-exist")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serve(directory: Path, prefix: str = "/") -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) under `prefix` while the block runs; yields the
    base URL (without a trailing slash)."""
    handler = partial(type("Handler", (_QuietHandler,), {"prefix": prefix}), directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{prefix.rstrip('/')}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Debian's chromium and driver are installed."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    return f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)" if missing else None


def chromium(width: int = 1280, height: int = 900) -> Any:
    """A headless Debian Chromium driven through its chromedriver, recording the console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


# --- page checkers (installed into .checkers/ by .ci/install-checkers) ---------------------------

CHECKERS = REPO / ".checkers" / "node_modules"
AXE = CHECKERS / "axe-core" / "axe.min.js"
VNU = CHECKERS / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checkers_missing() -> str | None:
    """Why the accessibility/HTML checks cannot run here, or None."""
    missing = [str(path.relative_to(REPO)) for path in (AXE, VNU) if not path.is_file()]
    if shutil.which("java") is None:
        missing.append("java")
    return f"{', '.join(missing)} missing (run .ci/install-checkers)" if missing else None


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page open in `driver`: [{"id", "impact", "nodes": [targets]}]."""
    driver.execute_script(AXE.read_text("utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ("
        "{id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))));"
    )
