"""Hostile and broken data from a source: the day is built, the site stays sound, nothing runs."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from tests.faults.harness import (
    DAY, assert_site_sound, digest_here, make_project, snapshot,
)
from tests.support.arxiv_server import ArxivTestServer, Reply, in_order

RLO = "\u202e"  # right-to-left override: 'evil\u202egnp.exe' reads 'evilexe.png'
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def entry(number: int, *, title: str, abstract: str = "We segment CT scans.", authors: int = 2,
          paper_id: str | None = None, raw_title: bool = False, day: str = "2026-05-31") -> str:
    paper_id = paper_id or f"2606.{number:05d}"
    names = "".join(f"<author><name>Author {n} Name</name></author>" for n in range(authors))
    shown = title if raw_title else escape(title)
    return f"""<entry>
<id>http://arxiv.org/abs/{paper_id}v1</id>
<updated>{day}T02:00:00Z</updated><published>{day}T02:00:0{number % 10}Z</published>
<title>{shown}</title><summary>{escape(abstract)}</summary>{names}
<link href="http://arxiv.org/abs/{paper_id}v1" rel="alternate" type="text/html"/>
<link title="pdf" href="http://arxiv.org/pdf/{paper_id}v1" rel="related" type="application/pdf"/>
<arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>
<category term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>
</entry>"""


def feed(entries: list[str]) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
<id>http://arxiv.org/api/x</id><title>arXiv Query</title><updated>2026-06-02T00:00:00-04:00</updated>
<opensearch:totalResults>{len(entries)}</opensearch:totalResults>
<opensearch:startIndex>0</opensearch:startIndex><opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>
{"".join(entries)}
</feed>""".encode()


HOSTILE = [
    entry(1, title="Segmentation with a raw \x01 control \x1f character &#x1; in the title", raw_title=True),
    entry(2, title="A" * 10_000 + " segmentation"),
    entry(3, title="Huge abstract segmentation", abstract="We segment CT. " * 70_000),  # ~1 MB
    entry(4, title=f"RTL {RLO}gnp.exe segmentation \u05e9\u05dc\u05d5\u05dd"),
    entry(5, title=ZERO_WIDTH),
    entry(6, title="Five hundred authors segmentation", authors=500),
    entry(7, title="<script>alert(1)</script> segmentation", abstract="<img src=x onerror=alert(2)>"),
    entry(8, title="Dot-dot id segmentation", paper_id="../../../etc/passwd"),
]


def test_hostile_papers_are_kept_and_the_site_stays_sound(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", papers=8)
    with ArxivTestServer(in_order(Reply(body=feed(HOSTILE)))) as arxiv:
        ran = digest_here(project, "run", "--date", DAY, env={"DIGEST_ARXIV_URL": arxiv.url, "DIGEST_ARXIV_DELAY": "0"})
    assert ran.returncode == 0, ran.stderr
    assert "characters XML forbids: dropped" in ran.stderr
    assert "using a placeholder" in ran.stderr
    stored = json.loads((project / "store" / "days" / f"{DAY}.json").read_text("utf-8"))
    titles = {p["id"]: p["title"] for p in stored["papers"]}
    assert len(titles) == 8  # every paper kept
    assert titles["2606.00005"] == "(untitled) 2606.00005"
    assert "\x01" not in titles["2606.00001"]
    for written in snapshot(project, "content", "store"):  # nothing named after the `../` id
        assert "passwd" not in written and ".." not in written, written
    built = digest_here(project, "build")
    assert built.returncode == 0, built.stderr
    assert_site_sound(project)
    page = (project / "output" / "2026" / "06" / "02" / "index.html").read_text("utf-8")
    assert f"<bdi>RTL {RLO}gnp.exe" in page  # isolated: the override cannot reorder the page
    assert "<script>alert(1)" not in page


def test_a_one_megabyte_abstract_is_cut_to_the_token_budget(tmp_path: Path) -> None:
    from tests.support.openai_server import OpenAIServer

    project = make_project(tmp_path / "project", papers=8)
    with ArxivTestServer(in_order(Reply(body=feed(HOSTILE)))) as arxiv, OpenAIServer() as llm:
        ran = digest_here(project, "run", "--date", DAY, env={
            "DIGEST_ARXIV_URL": arxiv.url, "DIGEST_ARXIV_DELAY": "0",
            "OPENAI_API_KEY": "sk-test-local", "OPENAI_BASE_URL": llm.url,
        })
    assert ran.returncode == 0, ran.stderr
    sizes = [len(r.prompt) for r in llm.requests]
    assert max(sizes) < 20_000, sorted(sizes)[-3:]  # not the 1 MB abstract, nor the 10,000-character title


def test_a_stray_day_file_is_ignored_with_a_warning(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    stray = project / "store" / "days" / "2026-13-45.json"
    stray.parent.mkdir(parents=True)
    stray.write_text("{}")
    result = digest_here(project, "catch-up", "--until", DAY, env={"DIGEST_ARXIV_URL": "http://127.0.0.1:9/api/query",
                                                                   "DIGEST_ARXIV_DELAY": "0"})
    assert "2026-13-45.json: not a date; ignored" in result.stderr
    assert "Traceback" not in result.stderr
    assert set(snapshot(project, "store")) == {"store/days/2026-13-45.json"}
