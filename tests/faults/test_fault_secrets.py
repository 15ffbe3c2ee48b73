"""Secrets never reach a page, a feed, the store or a log (generator.redact)."""

from __future__ import annotations

import json
from pathlib import Path

from generator.redact import RedactingFilter, redact, url_secrets
from generator.replay import ReplayArxiv
from tests.faults.harness import (
    digest_here,
    DAY, LISTINGS, arxiv_env, assert_no_secret, assert_site_sound, closed_port, digest, make_project,
)

PASSWORD = "hunter2-Pw-Secret"
TOKEN = "tok-Query-Secret-123"
KEY = "sk-test-Key-Secret-456"


def test_redact_strips_user_info_query_secrets_and_known_values() -> None:
    text = (f"cannot connect to http://me:{PASSWORD}@127.0.0.1:9/v1?token={TOKEN}&page=2 "
            f"(api_key={TOKEN}; Authorization: Bearer {KEY}; password%3D{PASSWORD})")
    clean = redact(text, [KEY, PASSWORD])
    for secret in (PASSWORD, TOKEN, KEY):
        assert secret not in clean
    assert "http://me:***@127.0.0.1:9/v1?token=***&page=2" in clean
    assert redact("push to https://ghp_abc123@github.com/x") == "push to https://***@github.com/x"
    assert url_secrets(f"smtp://me:{PASSWORD}@mail.example:465?sig=abc") == (PASSWORD, "abc")
    assert redact("a key of 3", ["key"]) == "a key of 3"  # too short to search for


def test_a_lone_url_user_name_is_a_secret_even_a_plain_one() -> None:
    # on the safe side (it is often a token), as redact's docstring says: masked wherever it appears
    assert url_secrets("https://reader@feeds.example/toc.xml") == ("reader",)
    assert url_secrets("smtp://reader:pw@mail.example") == ("pw",)  # beside a password: a user name
    assert redact("reader failed: https://reader@feeds.example/", ["reader"]) == "*** failed: https://***@feeds.example/"


def test_the_log_filter_redacts_messages_and_their_arguments() -> None:
    import logging

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s failed: %s", (KEY, f"http://u:{PASSWORD}@h/"), None)
    assert RedactingFilter([KEY]).filter(record)
    assert record.getMessage() == "*** failed: http://u:***@h/"


def test_credentials_in_the_llm_url_reach_no_page_store_or_log(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", llm={"retries": 0, "timeout_seconds": 5})
    env = {
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": f"http://user:{PASSWORD}@127.0.0.1:{closed_port()}/v1?token={TOKEN}",
    }
    with ReplayArxiv(LISTINGS) as arxiv:
        ran = digest(project, "run", "--date", DAY, env={**env, **arxiv_env(arxiv.url)})
    assert ran.returncode == 0, ran.stderr
    built = digest(project, "build", env=env)
    assert built.returncode == 0, built.stderr
    stored = json.loads((project / "store" / "days" / f"{DAY}.json").read_text("utf-8"))
    reasons = [p["summary_reason"] for p in stored["papers"] if p["featured"]]
    assert all(r["kind"] == "paper_llm_error" and "cannot connect to http://user:***@127.0.0.1:" in r["error"]
               for r in reasons), reasons  # the path was taken, and the URL shown without its secrets
    assert_no_secret(project, [PASSWORD, TOKEN, KEY], ran.stdout + ran.stderr, built.stdout + built.stderr)
    assert_site_sound(project)


def test_a_setting_error_shows_no_credentials(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", digest={"sources": {"arxiv": {"categories": ["cs.CV"], "url": 12}}})
    result = digest_here(project, "check", env={"DIGEST_ARXIV_URL": f"http://u:{PASSWORD}@h/?key={TOKEN}&x=1", "OPENAI_API_KEY": KEY})
    assert_no_secret(project, [PASSWORD, TOKEN, KEY], result.stdout + result.stderr)
