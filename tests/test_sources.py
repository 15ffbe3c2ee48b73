"""Sources: the registry resolves and validates each DIGEST['sources'] entry, the old
DIGEST['arxiv'] still works, and the pipeline publishes what the working sources deliver."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import SettingsError
from generator.settings import ArxivSettings, load


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
