"""Every built page through the W3C Nu HTML Checker (vnu-jar from npm, run on Java): no errors."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.browser import VNU, build_demo_site, checkers_missing

SITEURL = "https://radar.example/lab"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    problem = checkers_missing()
    if problem:
        pytest.skip(problem) if not os.environ.get("CI") else pytest.fail(problem)
    root = tmp_path_factory.mktemp("html-site")
    return build_demo_site(root, SITEURL).output_dir


def test_every_built_page_is_valid_html(output: Path) -> None:
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 20
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    messages = json.loads(result.stderr or result.stdout or "{}").get("messages", [])
    errors = [(Path(m.get("url", "")).as_posix().split("/output/")[-1], m.get("message")) for m in messages
              if m.get("type") == "error"]
    assert not errors, errors[:10]
