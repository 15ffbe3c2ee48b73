"""Shared fixtures: a clean environment for every test, and a throwaway project directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ENV_PREFIXES = ("DIGEST_", "OPENAI_")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's keys or endpoint overrides."""
    import os

    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's settings, theme, radar and pages, with empty content and store."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "pelicanconfig.py", root / "pelicanconfig.py")
    for folder in ("theme", "radar"):
        (root / folder).symlink_to(REPO / folder, target_is_directory=True)
    pages = REPO / "content" / "pages"
    if pages.is_dir():
        shutil.copytree(pages, root / "content" / "pages")
    (root / "content").mkdir(exist_ok=True)
    return root
