"""A day is built only when all of it is written: posts, seen-list, then the day file as the commit mark."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.replay import ReplayArxiv
from tests.faults.harness import (
    digest_here,
    DAY, LISTINGS, NEXT_DAY, arxiv_env, assert_one_error_line, assert_site_sound, kill_when, make_project,
    snapshot, start_digest,
)

DAY_FILE = f"store/days/{NEXT_DAY}.json"
POSTS = [f"content/digests/2026/{NEXT_DAY}-{lang}.md" for lang in ("en", "zh")]


@pytest.fixture(scope="module")
def arxiv() -> Iterator[ReplayArxiv]:
    with ReplayArxiv(LISTINGS) as server:
        yield server


@pytest.fixture(scope="module")
def first_day(tmp_path_factory: pytest.TempPathFactory, arxiv: ReplayArxiv) -> Path:
    """A project whose first day is built; each test copies it and runs the next day."""
    project = make_project(tmp_path_factory.mktemp("first") / "project")
    assert digest_here(project, "run", "--date", DAY, env=arxiv_env(arxiv.url)).returncode == 0
    return project


def copy_of(project: Path, tmp_path: Path) -> Path:
    shutil.copytree(project, tmp_path / "project", symlinks=True)
    return tmp_path / "project"


def assert_built(project: Path) -> None:
    for name in (DAY_FILE, *POSTS):
        assert (project / name).is_file(), name
    seen = (project / "store/seen/2026-06.tsv").read_text("utf-8")
    stored = json.loads((project / DAY_FILE).read_text("utf-8"))
    assert {p["id"] for p in stored["papers"]} == {
        line.split("\t")[0].removeprefix("arxiv:") for line in seen.splitlines()
        if line.endswith(NEXT_DAY) and line.startswith("arxiv:")
    }


def test_a_failing_post_write_is_one_line_and_the_day_is_retried(first_day: Path, tmp_path: Path, arxiv: ReplayArxiv) -> None:
    project = copy_of(first_day, tmp_path)
    blocker = project / POSTS[1]
    blocker.mkdir(parents=True)  # the zh post cannot be written (as with a full disk)
    result = digest_here(project, "run", "--date", NEXT_DAY, env=arxiv_env(arxiv.url))
    assert_one_error_line(result, "cannot write or read", f"{NEXT_DAY}-zh.md")
    assert not (project / DAY_FILE).exists()  # not built: nothing vouches for a half-written day
    built = digest_here(project, "build")
    assert built.returncode == 0, built.stderr
    assert not (project / "output/data" / f"{NEXT_DAY}.json").exists()
    assert_site_sound(project)
    blocker.rmdir()
    retried = digest_here(project, "catch-up", "--until", NEXT_DAY, env=arxiv_env(arxiv.url))
    assert retried.returncode == 0, retried.stderr
    assert_built(project)


def test_a_day_file_without_its_posts_is_in_no_page_feed_or_search(first_day: Path, tmp_path: Path) -> None:
    """A day file whose posts are gone (deleted by hand, an older version's interrupted run) is not a
    built day: the site, its feeds and its search index all leave it out."""
    project = copy_of(first_day, tmp_path)
    for post in project.glob(f"content/digests/2026/{DAY}-*.md"):
        post.unlink()
    built = digest_here(project, "build")
    assert built.returncode == 0, built.stderr
    assert not (project / "output/data" / f"{DAY}.json").exists()
    assert_site_sound(project)
    assert "<entry>" not in (project / "output/feeds/papers.atom.xml").read_text("utf-8")  # its only day
    index = b"".join(path.read_bytes() for path in (project / "output/search").rglob("*") if path.is_file())
    assert DAY.encode() not in index


@pytest.mark.parametrize("point", [POSTS[0], "store/seen/2026-06.tsv", DAY_FILE])
def test_kill_9_during_a_run_leaves_a_day_built_whole_or_not_at_all(
    first_day: Path, tmp_path: Path, arxiv: ReplayArxiv, point: str
) -> None:
    project = copy_of(first_day, tmp_path)
    run = start_digest(project, "run", "--date", NEXT_DAY, env=arxiv_env(arxiv.url))
    kill_when(run, project / point)
    complete = (project / DAY_FILE).is_file()
    if complete:
        assert_built(project)  # the day file is written last: when it is there, so is the rest
    built = digest_here(project, "build")
    assert built.returncode == 0, built.stderr
    assert_site_sound(project)
    assert (project / "output/data" / f"{NEXT_DAY}.json").is_file() == complete
    retried = digest_here(project, "catch-up", "--until", NEXT_DAY, env=arxiv_env(arxiv.url))
    assert retried.returncode == 0, retried.stderr
    assert ("nothing to do" in retried.stderr) == complete, retried.stderr
    assert_built(project)
    before = snapshot(project, "store/days", "content/digests")
    again = digest_here(project, "catch-up", "--until", NEXT_DAY, env=arxiv_env(arxiv.url))
    assert "nothing to do" in again.stderr
    assert snapshot(project, "store/days", "content/digests") == before
