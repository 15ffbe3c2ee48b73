"""The new sources' settings: enabled by one entry each, endpoints overridden by the environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import settings as settings_module
from generator.errors import SettingsError

CONFIG = '''
DIGEST = {
    "sources": {
        "arxiv": {"categories": ["cs.CV"]},
        "medrxiv": {"categories": ["radiology and imaging"]},
        "huggingface": {},
        "journals": {"feeds": [{"name": "Medical Image Analysis",
                                "url": "https://rss.sciencedirect.com/publication/science/13618415"}]},
    },
    "http": {"mailto": "radar@lab.example"},
}
'''


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "pelicanconfig.py"
    path.write_text(CONFIG)
    return path


def test_one_entry_each_enables_the_sources(config: Path) -> None:
    loaded = settings_module.load(config, env={})
    assert list(loaded.sources) == ["arxiv", "medrxiv", "huggingface", "journals"]
    assert loaded.sources["medrxiv"].settings.url == "https://api.biorxiv.org/details/medrxiv"  # type: ignore[attr-defined]
    assert loaded.digest.http.mailto == "radar@lab.example"


def test_the_environment_points_the_sources_elsewhere(config: Path) -> None:
    feeds = [{"name": "J", "url": "http://127.0.0.1:9/j.xml"}]
    env = {
        "DIGEST_MEDRXIV_URL": "http://127.0.0.1:9/details/medrxiv",
        "DIGEST_BIORXIV_URL": "http://127.0.0.1:9/details/biorxiv",  # bioRxiv is not enabled: ignored
        "DIGEST_HF_URL": "http://127.0.0.1:9/api/daily_papers",
        "DIGEST_CROSSREF_URL": "http://127.0.0.1:9/works",
        "DIGEST_JOURNALS_FEEDS": json.dumps(feeds),
    }
    loaded = settings_module.load(config, env=env)
    sources = {name: config.settings for name, config in loaded.sources.items()}
    assert sources["medrxiv"].url == env["DIGEST_MEDRXIV_URL"]  # type: ignore[attr-defined]
    assert sources["huggingface"].url == env["DIGEST_HF_URL"]  # type: ignore[attr-defined]
    assert sources["journals"].crossref_url == env["DIGEST_CROSSREF_URL"]  # type: ignore[attr-defined]
    assert [feed.model_dump() for feed in sources["journals"].feeds] == feeds  # type: ignore[attr-defined]
    assert "biorxiv" not in sources


def test_bad_feeds_in_the_environment_say_so_in_one_line(config: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_module.load(config, env={"DIGEST_JOURNALS_FEEDS": "[Medical Image Analysis]"})
    assert caught.value.problems[0].startswith("DIGEST_JOURNALS_FEEDS: not valid JSON")
    with pytest.raises(SettingsError) as caught:
        settings_module.load(config, env={"DIGEST_JOURNALS_FEEDS": '[{"name": "J"}]'})
    assert caught.value.problems == ["DIGEST['sources']['journals']['feeds'][0]['url']: required setting is missing"]


def test_a_typo_in_a_source_entry_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "pelicanconfig.py"
    path.write_text(CONFIG.replace('"huggingface": {}', '"huggingface": {"min_upvote": 3}'))
    with pytest.raises(SettingsError) as caught:
        settings_module.load(path, env={})
    assert caught.value.problems == [
        "DIGEST['sources']['huggingface']['min_upvote']: unknown setting (check the spelling; see the settings reference)"]


def test_every_source_endpoint_is_overridable_listed_and_its_secrets_masked() -> None:
    """Every URL setting of every built-in source has an environment variable (so the demo and the
    tests can point it elsewhere), listed in the reference (`env_vars`, the README's table), and a
    password or token in it is masked wherever it could be shown (`secret_values`)."""
    import importlib

    from generator import sources

    listed = settings_module.env_vars()
    url_vars = settings_module.url_env_vars()
    for name in sources.builtin():
        module = importlib.import_module(sources.module_name(name, {}))
        endpoints = settings_module.url_settings(module.Settings)
        assert endpoints, f"{name}: no URL setting found"  # the walk sees each source's endpoint
        overrides = {setting: var for var, setting in getattr(module, "ENV", {}).items()}
        for setting in endpoints:
            assert setting in overrides, f"{name}.{setting}: no environment variable overrides it"
            assert overrides[setting] in url_vars and overrides[setting] in listed
    assert settings_module.url_settings(importlib.import_module("generator.sources.journals").Settings) == {
        "feeds", "crossref_url"}
    feeds = [{"name": "J", "url": "https://feeds.example/toc.xml?access_token=feed-token-77"}]
    env = {"DIGEST_MEDRXIV_URL": "https://user:medrxiv-pw-1@mirror.example/details/medrxiv",
           "DIGEST_CROSSREF_URL": "https://api.example/works?api_key=crossref-key-9",
           "DIGEST_JOURNALS_FEEDS": json.dumps(feeds), "DIGEST_HF_URL": "https://hf.example/api?sig=hf-sig-5"}
    assert set(settings_module.secret_values(env)) == {"medrxiv-pw-1", "crossref-key-9", "feed-token-77", "hf-sig-5"}



def test_a_token_as_a_urls_user_name_and_a_secret_after_a_comma_are_secrets() -> None:
    from generator.redact import url_secrets

    feeds = [{"name": "J", "url": "https://ghp_tok12345@feeds.example/x"},
             {"name": "K", "url": "https://feeds.example/toc?ids=1,2&token=tok-after-comma"}]
    env = {"DIGEST_JOURNALS_FEEDS": json.dumps(feeds),
           "DIGEST_HF_URL": "https://hf-user-token@[::1]:8080/api?issn=1,2&sig=sig-after-comma"}
    assert set(settings_module.secret_values(env)) == {
        "ghp_tok12345", "tok-after-comma", "hf-user-token", "sig-after-comma"}
    # a user name beside a password is no secret: the SMTP user, shown as who sends
    assert url_secrets("smtps://radar%40lab.example:pw-9@mail.example:465") == ("pw-9",)
    assert url_secrets("https://user:@host.example/") == ()  # an empty password: the name is a name


def test_a_token_in_a_feed_or_crossref_url_of_the_settings_file_is_a_secret(tmp_path: Path) -> None:
    from generator.redact import redact

    path = tmp_path / "pelicanconfig.py"
    path.write_text(CONFIG.replace(
        '"url": "https://rss.sciencedirect.com/publication/science/13618415"}]',
        '"url": "https://rss.example/toc.xml?token=feed-token-31"}], '
        '"crossref_url": "https://lab:crossref-pw-7@crossref.example/works"'))
    loaded = settings_module.load(path, env={})
    assert {"feed-token-31", "crossref-pw-7"} <= set(loaded.secrets)
    line = "Medical Image Analysis answered 'feed-token-31' and Crossref 'crossref-pw-7'"
    assert "feed-token-31" not in redact(line, loaded.secrets) and "crossref-pw-7" not in redact(line, loaded.secrets)
