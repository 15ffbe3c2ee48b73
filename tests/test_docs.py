"""The README documents every setting and environment variable, generated from their definitions."""

from pathlib import Path

from generator.settings import env_vars, reference

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_settings_reference_is_in_sync() -> None:
    assert reference() in README, "the settings reference is stale: run `make reference`"


def test_every_environment_variable_is_documented() -> None:
    for name in env_vars():
        assert f"`{name}`" in README, name
