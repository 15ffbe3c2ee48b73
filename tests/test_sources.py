"""Sources: the registry resolves and validates each DIGEST['sources'] entry, the old
DIGEST['arxiv'] still works, and the pipeline publishes what the working sources deliver."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from generator.cli import app
from generator.errors import SettingsError
from generator.labels import note_text
from generator.replay import ReplayArxiv
from generator.settings import ArxivSettings, load
from generator.store import Store
from tests.support.http_server import Reply, ScriptedServer, Seen

REPO = Path(__file__).resolve().parent.parent
LISTINGS = REPO / "sample" / "listings"
runner = CliRunner()


def config(tmp_path: Path, digest: str) -> Path:
    path = tmp_path / "pelicanconfig.py"
    path.write_text(f"DIGEST = {digest}\n", "utf-8")
    return path


def test_the_old_top_level_arxiv_entry_is_the_arxiv_source(tmp_path: Path) -> None:
    settings = load(config(tmp_path, '{"arxiv": {"categories": ["cs.CV"]}}'), env={"DIGEST_ARXIV_URL": "http://x/q"})
    assert list(settings.sources) == ["arxiv"]
    assert settings.arxiv == ArxivSettings(categories=["cs.CV"], url="http://x/q")
    with pytest.raises(SettingsError, match=r"DIGEST\['arxiv'\]\['categories'\]: unknown arXiv category 'cs.XX'"):
        load(config(tmp_path, '{"arxiv": {"categories": ["cs.XX"]}}'), env={})


def test_each_source_entry_is_validated_by_its_module_and_errors_name_it(tmp_path: Path) -> None:
    digest = '{"papers_per_day": 0, "sources": {"arxiv": {"categories": ["cs.CV"], "pages": 2}, "nosuch": {}, "bad": 3}}'
    with pytest.raises(SettingsError) as error:
        load(config(tmp_path, digest), env={})
    problems = error.value.problems
    assert any(p.startswith("DIGEST['papers_per_day']") for p in problems)
    assert "DIGEST['sources']['arxiv']['pages']: unknown setting (check the spelling; see the settings reference)" in problems
    assert any(p.startswith("DIGEST['sources']['nosuch']: no source module 'generator.sources.nosuch'") for p in problems)
    assert any(p.startswith("DIGEST['sources']['bad']: must be a dict") for p in problems)
    with pytest.raises(SettingsError, match=r"DIGEST\['sources'\]: no source enabled"):
        load(config(tmp_path, '{"sources": {}}'), env={})
    with pytest.raises(SettingsError, match="both set"):
        load(config(tmp_path, '{"arxiv": {"categories": ["cs.CV"]}, "sources": {"arxiv": {"categories": ["cs.CV"]}}}'), env={})


# --- adding a source: one module plus one settings entry -------------------------------------

TOY_MODULE = '''
"""A toy source: a JSON list of papers per date from one URL."""

from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict, Field

from generator import http as polite
from generator.records import Paper, SourceRef


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str = Field(description="the toy list, asked with ?date=YYYY-MM-DD")


class Toy:
    name = "toy"

    def __init__(self, settings):
        self.settings = settings

    def fetch(self, day, http):
        papers = []
        for listed in day.dates:
            answer = polite.get(http, self.settings.url, label="Toy", params={"date": listed.isoformat()})
            for item in answer.json():
                when = datetime(listed.year, listed.month, listed.day, tzinfo=timezone.utc)
                papers.append(Paper(
                    id=item["id"], version=1, title=item["title"], abstract=item["abstract"],
                    authors=tuple(item["authors"]), categories=(), primary_category="",
                    published=when, updated=when, url=item["url"], pdf_url="", source="toy",
                    sources=(SourceRef("toy", item["id"], item["url"], "Toy Letters", upvotes=item.get("upvotes")),),
                ))
        return papers


def source(settings):
    return Toy(settings)
'''

TOY_PAPER = {
    "id": "toy-1", "url": "https://toy.example/1", "authors": ["Ada Toy"], "upvotes": 42,
    "title": "MedSAM-Toy: Segment Anything for 3D medical image segmentation of CT and MRI tumours",
    "abstract": "We adapt the Segment Anything Model (SAM) to volumetric medical image segmentation "
    "of tumours in CT and MRI, with promptable segmentation; medical image segmentation improves.",
}
DAY, NEXT = "2026-06-03", "2026-06-04"


def toy_project(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path:
    (tmp_path / "toy_source.py").write_text(TOY_MODULE, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = project / "pelicanconfig.py"
    text = config.read_text("utf-8")
    entry = '"arxiv": {"categories": ["cs.CV", "eess.IV"]},'
    assert entry in text
    config.write_text(text.replace(
        entry, entry + f' "toy": {{"module": "toy_source", "url": "{url}"}},'
    ).replace('"papers_per_day": 30', '"papers_per_day": 30, "http": {"retries": 0, "interval_seconds": 0}'), "utf-8")
    return config


def run(config: Path, day: str, arxiv_url: str) -> Result:
    env = {"DIGEST_ARXIV_URL": arxiv_url, "DIGEST_ARXIV_DELAY": "0"}
    return runner.invoke(app, ["run", "--date", day, "--config", str(config)], env=env)


def test_a_source_added_in_one_module_and_one_setting_reaches_the_site(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy = ScriptedServer(lambda seen: Reply(json.dumps([TOY_PAPER] if seen.query["date"] == "2026-06-02" else []).encode()))
    with toy, ReplayArxiv(LISTINGS) as arxiv:
        config = toy_project(project, tmp_path, monkeypatch, toy.url("/list"))
        result = run(config, DAY, arxiv.url)
        assert result.exit_code == 0, result.output
        build_result = runner.invoke(app, ["build", "--config", str(config)])
        assert build_result.exit_code == 0, build_result.output
    assert [seen.query["date"] for seen in toy.seen] == ["2026-06-02"]  # the dates since the previous mailing
    published = json.loads((project / "output" / "data" / f"{DAY}.json").read_text("utf-8"))
    [paper] = [p for p in published["papers"] if p["source"] == "toy"]
    assert paper["featured"] and paper["upvotes"] == 42 and paper["sources"][0] == {
        "name": "toy", "id": "toy-1", "url": "https://toy.example/1", "category": "Toy Letters",
        "upvotes": 42, "badge": "toy (Toy Letters)",
    }
    assert published["trending"] == [paper["rank"]]  # upvoted and on the lab's themes
    page = (project / "output" / "2026" / "06" / "03" / "index.html").read_text("utf-8")
    assert "MedSAM-Toy" in page and "toy (Toy Letters)" in page
    strip = page[page.index('class="trending"'):page.index('class="featured"')]
    assert "Trending today" in strip and "MedSAM-Toy" in strip and f'href="#p{paper["rank"]}"' in strip
    post = (project / "content" / "digests" / "2026" / f"{DAY}-en.md").read_text("utf-8")
    assert "new papers from arXiv and toy" in post  # the post no longer says arXiv alone


def test_a_failing_source_is_named_the_others_publish_and_the_next_digest_asks_again(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = {"now": True}

    def respond(seen: Seen) -> Reply:
        if down["now"]:
            return Reply(b"busy", status=503, content_type="text/plain")
        return Reply(json.dumps([TOY_PAPER] if seen.query["date"] == "2026-06-02" else []).encode())

    toy = ScriptedServer(respond)
    with toy, ReplayArxiv(LISTINGS) as arxiv:
        config = toy_project(project, tmp_path, monkeypatch, toy.url("/list"))
        failed = run(config, DAY, arxiv.url)
        assert failed.exit_code == 0, failed.output
        assert "not read, the next digest asks again" in failed.output and "toy" in failed.output and "HTTP 503" in failed.output
        stored = Store(project / "store").load_day(date.fromisoformat(DAY))
        assert stored is not None and stored.entries  # arXiv's papers are published
        [note] = [n for n in stored.notes if n.kind == "source_failed"]
        assert note.values["source"] == "toy" and "503" in str(note.values["error"])
        assert "toy could not be read today" in note_text(note, "en") and "toy" in note_text(note, "zh")
        assert not any(e.ranked.paper.source == "toy" for e in stored.entries)

        down["now"] = False
        toy.seen.clear()
        recovered = run(config, NEXT, arxiv.url)
        assert recovered.exit_code == 0, recovered.output
    # The next digest asks for the failed digest's dates too: nothing the source listed is lost.
    assert [seen.query["date"] for seen in toy.seen] == ["2026-06-02", "2026-06-03"]
    stored = Store(project / "store").load_day(date.fromisoformat(NEXT))
    assert stored is not None and any(e.ranked.paper.id == "toy-1" for e in stored.entries)
