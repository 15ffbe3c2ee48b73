"""The `digest` command: help on every command, one-line errors, exit codes, the settings check."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator import cli
from generator.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent


def commands() -> list[str]:
    return [command.name or command.callback.__name__ for command in app.registered_commands]


def invoke(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    if cwd is not None:
        args = (*args, "--config", str(cwd / "pelicanconfig.py"))
    return runner.invoke(app, list(args), env=env)


def set_digest(project: Path, old: str, new: str) -> None:
    config = project / "pelicanconfig.py"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("command", ["run", "build", "check", "demo", "email"])
def test_every_command_has_help(command: str) -> None:
    assert command in commands()
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) > 3


def test_the_command_list_gives_each_command_one_line() -> None:
    # `digest --help` broke demo's summary after "recorded", mid-sentence, onto a line of its own.
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    panel = result.output.split("─ Commands ", 1)[1].split("╰", 1)[0]
    listed = [line for line in panel.splitlines() if line.startswith("│ ")]
    names = [line.split()[1] for line in listed]
    assert names == commands(), listed  # each row starts with its command: none continues the one above


@pytest.mark.parametrize("args", [["foo"], ["backfill"], ["catch-up", "--days", "-3"], ["run", "--nope"]])
def test_a_mistyped_command_line_exits_2_as_the_readme_says(args: list[str]) -> None:
    # The README promised exit code 1 for every error; a usage error exits 2 (click's convention).
    readme = " ".join((REPO / "README.md").read_text().split())
    assert "a mistyped command line (an unknown command or option, a missing `--from`) gets the usage and exit code 2" in readme
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for command in commands():
        assert f"digest {command}" in readme, command


def test_check_summarizes_a_good_radar(project: Path) -> None:
    result = invoke("check", cwd=project)
    assert result.exit_code == 0, result.output
    assert "settings OK" in result.output
    assert "cs.CV, eess.IV" in result.output
    assert "library 60 papers" in result.output
    assert "extractive summaries" in result.output


def test_check_names_each_bad_setting_in_one_line(project: Path) -> None:
    set_digest(project, '"categories": ["cs.CV", "eess.IV"]', '"categories": ["cs.CV", "cs.XX"]')
    set_digest(project, '"papers_per_day": 30', '"papers_per_day": 30, "paper_per_day": 3')
    result = invoke("check", cwd=project)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any("DIGEST['sources']['arxiv']['categories']" in line and "cs.XX" in line for line in lines)
    assert any("DIGEST['paper_per_day']" in line and "unknown setting" in line for line in lines)
    assert "Traceback" not in result.output
    assert all(line.startswith("error:") for line in lines)


def test_check_reports_an_unreadable_library(project: Path) -> None:
    set_digest(project, '"library": "radar/library.bib"', '"library": "radar/missing.bib"')
    result = invoke("check", cwd=project)
    assert result.exit_code == 1
    assert "DIGEST['radar']['library']" in result.output
    assert "Traceback" not in result.output


def test_the_key_is_refused_in_the_settings_file(project: Path) -> None:
    set_digest(project, '"model": "gpt-4o-mini"', '"model": "gpt-4o-mini", "api_key": "sk-123"')
    result = invoke("check", cwd=project)
    assert result.exit_code == 1
    assert "OPENAI_API_KEY" in result.output
    assert "sk-123" not in result.output


def test_a_secret_in_the_settings_file_is_masked_in_later_log_lines(project: Path) -> None:
    set_digest(project, '"model": "gpt-4o-mini"',
               '"model": "gpt-4o-mini", "base_url": "http://lab:pw-in-file-42@127.0.0.1:9/v1"')
    result = invoke("check", cwd=project, env={"OPENAI_API_KEY": "local"})
    assert result.exit_code == 0, result.output
    # a line that names the password without its URL (an error message quoting it, say)
    record = logging.LogRecord("generator", logging.WARNING, __file__, 1, "LLM failed: %s", ("pw-in-file-42",), None)
    cli._redacting.filter(record)
    assert "pw-in-file-42" not in record.getMessage()


def test_missing_settings_file_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--config", str(tmp_path / "nope.py")])
    assert result.exit_code == 1
    assert result.output.startswith("error: settings file ")
    assert "not found" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(("config", "env", "shown"), [
    ('SITEURL = "lab.example.org/radar"\n', {}, "'lab.example.org/radar'"),  # no scheme
    ("", {"DIGEST_SITEURL": "htps://lab.example.org"}, "'htps://lab.example.org'"),  # a typo
    ('SITEURL = ""\n', {}, "empty"),
])
def test_check_names_a_site_url_feeds_cannot_link_with(project: Path, config: str, env: dict[str, str], shown: str) -> None:
    # 'lab.example.org/radar' passed the check and gave feeds relative links and ids like
    # 'tag:localhostlab.example.org,...' and 'lab.example.org/radarlab.example.org/radar/...'.
    config_path = project / "pelicanconfig.py"
    config_path.write_text(config_path.read_text() + config)
    result = invoke("check", cwd=project, env=env)
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "SITEURL" in line]
    assert line.startswith(f"error: SITEURL: {shown}") and "DIGEST_SITEURL" in line, line
    assert invoke("check", cwd=project, env={"DIGEST_SITEURL": "https://lab.github.io/radar"}).exit_code == 0


def test_bad_date_is_one_line(project: Path) -> None:
    result = invoke("run", "--date", "2026-13-45", cwd=project)
    assert result.exit_code == 1
    assert "--date '2026-13-45': expected a date as YYYY-MM-DD" in result.output


def test_a_day_without_mailing_writes_nothing(project: Path) -> None:
    result = invoke("run", "--date", "2026-06-06", cwd=project)  # a Saturday
    assert result.exit_code == 0
    assert "no arXiv mailing" in result.output
    assert not (project / "content" / "digests").exists()


def test_demo_replays_the_listings_and_builds_the_site(project: Path, tmp_path: Path) -> None:
    listings = tmp_path / "listings"
    listings.mkdir()
    shutil.copy(REPO / "sample" / "listings" / "2026-06-04.jsonl.gz", listings)
    result = invoke("demo", "--listings", str(listings), cwd=project)
    assert result.exit_code == 0, result.output
    assert re.search(r"2026-06-04: \d+ featured of 107 new papers", result.output)
    assert "demo site built" in result.output
    output = project / "output"
    assert (output / "data" / "2026-06-04.json").is_file()
    assert "2026-06-04" in (output / "index.html").read_text()
    assert (output / "zh" / "index.html").is_file()
    assert "中文: http://localhost:8000/zh/" in " ".join(result.output.split())


def test_an_english_only_demo_points_at_no_chinese_edition(project: Path, tmp_path: Path) -> None:
    # It ended "(中文: http://localhost:8000/zh/)" for a site without one.
    set_digest(project, '"languages": ["en", "zh"]', '"languages": ["en"]')
    listings = tmp_path / "listings"
    listings.mkdir()
    shutil.copy(REPO / "sample" / "listings" / "2026-06-04.jsonl.gz", listings)
    result = invoke("demo", "--listings", str(listings), cwd=project)
    assert result.exit_code == 0, result.output
    assert "browse http://localhost:8000/" in " ".join(result.output.split())
    assert "/zh/" not in result.output and not (project / "output" / "zh").exists()


def test_demo_merges_arxiv_medrxiv_hugging_face_and_journals_and_shows_each_paper_once(project: Path) -> None:
    result = invoke("demo", "--listings", str(REPO / "sample" / "listings"), "--sample", str(REPO / "sample"),
                    cwd=project)
    assert result.exit_code == 0, result.output
    assert "demo sources: arxiv (cs.CV, eess.IV), medrxiv" in " ".join(result.output.split())
    warnings = [line for line in result.output.splitlines() if "WARNING" in line]
    assert all("Summaries are extractive" in line for line in warnings), warnings  # nothing a forker must chase
    days = [json.loads(path.read_text("utf-8")) for path in sorted((project / "output" / "data").glob("*.json"))]
    papers = [paper for day in days for paper in day["papers"]]
    assert len(days) == 3 and all(day["format"] == 4 for day in days)
    listed = {ref["name"] for paper in papers for ref in paper["sources"]}
    assert {"arxiv", "medrxiv", "huggingface", "journals"} <= listed
    merged = [paper for paper in papers if len({ref["name"] for ref in paper["sources"]}) >= 2]
    assert merged, "no paper merged from two sources"
    keys = [(ref["name"], ref["id"]) for paper in papers for ref in paper["sources"]]
    assert len(keys) == len(set(keys)), "a listing shows up twice"  # each paper once across days
    hf = [paper for paper in papers if any(ref["name"] == "huggingface" for ref in paper["sources"])]
    assert hf and all(isinstance(paper["upvotes"], int) for paper in hf)
    assert any(paper["upvotes"] >= 10 for paper in hf)
    day_page = (project / "output" / "2026" / "06" / "02" / "index.html").read_text("utf-8")
    shown = [ref["badge"] for paper in days[0]["papers"] if paper["featured"] for ref in paper["sources"]]
    assert any(badge.startswith("HF ▲") for badge in shown) and any(b.startswith("arXiv (") for b in shown)
    for badge in shown:  # every source badge of every card
        assert f'<span class="badge">{badge}</span>' in day_page, badge
    # the About page's radar names every source the demo read (it listed arXiv alone)
    about = (project / "output" / "about" / "index.html").read_text("utf-8")
    (sources,) = re.findall(r"<dt>Sources</dt><dd>(.*?)</dd>", about)
    assert all(name in sources for name in ("arXiv: cs.CV, eess.IV", "medRxiv", "Hugging Face", "Journals")), sources


def test_topics_take_names_and_descriptions_per_language_or_plain_keywords(project: Path) -> None:
    # the demo radar gives its topics in the dict form; a plain keyword list stays valid beside it
    set_digest(project, '"topics": {', '"topics": {"Plain topic": ["plain keyword"], ')
    result = invoke("check", cwd=project)
    assert result.exit_code == 0, result.output
    assert "8 topics" in result.output
    set_digest(project, '"name": {"zh": "分割一切（SAM）"}', '"name": {"fr": "Segmenter tout"}')
    set_digest(project, '"description": {"en": "Delineating', '"descriptions": {"en": "Delineating')
    result = invoke("check", cwd=project)
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert any("['Segment Anything (SAM)']['name']" in line and "unknown language(s) fr" in line for line in lines)
    assert any("['Medical image segmentation & registration']['descriptions']: unknown setting" in line
               for line in lines)
