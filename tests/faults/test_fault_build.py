"""Builds never lose the site: a failed or killed build leaves the previous output/ byte-identical;
`digest check` names each bad setting found by hostile configs, one line each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.replay import ReplayArxiv
from tests.faults.harness import (
    digest, digest_here,
    DAY, LISTINGS, NEXT_DAY, arxiv_env, assert_one_error_line, assert_site_sound, error_lines,
    kill_when, make_project, snapshot, start_digest,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with two days run and built; each test works on a copy."""
    project = make_project(tmp_path_factory.mktemp("built") / "project")
    with ReplayArxiv(LISTINGS) as arxiv:
        for day in (DAY, NEXT_DAY):
            assert digest_here(project, "run", "--date", day, env=arxiv_env(arxiv.url)).returncode == 0
    assert digest_here(project, "build").returncode == 0
    return project


def copy_of(project: Path, tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(project, target, symlinks=True)
    return target


def test_a_failed_build_leaves_the_previous_output_intact(built: Path, tmp_path: Path) -> None:
    project = copy_of(built, tmp_path)
    before = snapshot(project, "output")
    config = project / "pelicanconfig.py"
    config.write_text(config.read_text("utf-8") + "\nDIGEST['languages'] = ['en']\n", "utf-8")
    checked = digest_here(project, "check")
    assert checked.returncode == 1
    assert any("'zh' posts" in line for line in error_lines(checked.stderr)), checked.stderr
    failed = digest_here(project, "build")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert len(error_lines(failed.stderr)) == 1, failed.stderr
    assert snapshot(project, "output") == before


@pytest.mark.parametrize("point", [".output.staging", ".output.staging/zh", ".output.staging/.build-manifest.json"])
def test_kill_9_during_a_build_leaves_the_previous_output_intact(built: Path, tmp_path: Path, point: str) -> None:
    project = copy_of(built, tmp_path)
    (project / "output" / ".build-manifest.json").unlink()  # a full build: the longest window
    before = snapshot(project, "output")
    kill_when(start_digest(project, "build"), project / point)
    after = snapshot(project, "output")
    if after != before:  # killed after the swap: then the new site is complete
        assert "output/.build-manifest.json" in after, point
        assert_site_sound(project)
    again = digest(project, "build")  # the next build, in a process of its own as in the daily job
    assert again.returncode == 0, again.stderr
    assert_site_sound(project)


def test_an_incremental_build_keeps_the_previous_output_until_it_succeeds(built: Path, tmp_path: Path) -> None:
    project = copy_of(built, tmp_path)
    before = snapshot(project, "output")
    page = project / "output" / "2026" / "06" / "02" / "index.html"
    post = project / "content" / "digests" / "2026" / f"{DAY}-en.md"
    post.write_text(post.read_text("utf-8").replace("Paper Radar", "Paper Radar (edited)", 1), "utf-8")
    store_day = project / "store" / "days" / f"{NEXT_DAY}.json"
    store_day.write_text("{ not json", "utf-8")  # the build reads it and fails
    failed = digest_here(project, "build")
    assert_one_error_line(failed, NEXT_DAY)
    assert snapshot(project, "output") == before
    assert page.read_bytes() == before[str(page.relative_to(project))]


@pytest.mark.parametrize(
    ("digest_settings", "fragment"),
    [
        ({"languages": []}, "DIGEST['languages']: empty"),
        ({"store": "pelicanconfig.py"}, "is a file, not a folder"),
        ({"sources": {"arxiv": {"categories": ["cs.CV"], "url": "export.arxiv.org/api/query"}}}, "not an http(s) URL"),
        ({"llm": {"base_url": "localhost:8000/v1"}}, "DIGEST['llm']['base_url']: not an http(s) URL"),
        ({"papers_per_day": "many"}, "DIGEST['papers_per_day']"),
    ],
    ids=["no-languages", "store-is-a-file", "arxiv-url-not-a-url", "llm-url-not-a-url", "wrong-type"],
)
def test_bad_settings_are_one_line_each(tmp_path: Path, digest_settings: dict[str, object], fragment: str) -> None:
    project = make_project(tmp_path / "project", digest=digest_settings)
    result = digest_here(project, "check")
    assert_one_error_line(result, fragment)


def test_a_config_that_cannot_run_names_its_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    config = project / "pelicanconfig.py"
    config.write_text(config.read_text("utf-8").replace('DEFAULT_LANG = DIGEST["languages"][0]', 'DEFAULT_LANG = DIGEST["languages"][5]'), "utf-8")
    assert_one_error_line(digest_here(project, "check"), "pelicanconfig.py, line", "IndexError")
