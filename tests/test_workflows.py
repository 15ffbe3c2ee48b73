"""The GitHub Actions workflows: they parse, pass actionlint, and do what the README promises.

actionlint runs when its binary is installed (the test extras ship it on Linux x86-64); the
structural checks run everywhere: triggers, permissions, concurrency, and steps that call the
documented commands in an order that avoids the known Actions traps. The daily job's commit step
is run for real against a throwaway git remote.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date, datetime, time, timezone
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import mailings
from generator.http import ValidatorCache
from generator.settings import DIGEST_URL_ENV_VARS, url_env_vars
from generator.sources import configure
from generator.cli import app

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def load(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


def index_of(job_steps: list[dict[str, Any]], *, uses: str = "", runs: str = "") -> int:
    for number, step in enumerate(job_steps):
        if uses and step.get("uses", "").startswith(uses + "@"):
            return number
        if runs and runs in step.get("run", ""):
            return number
    raise AssertionError(f"no step {'uses ' + uses if uses else 'runs ' + runs!r}")


def digest_commands() -> set[str]:
    return {command.name or command.callback.__name__ for command in app.registered_commands}


@pytest.fixture(scope="module")
def daily() -> dict[str, Any]:
    return load("daily.yml")


@pytest.fixture(scope="module")
def tests_workflow() -> dict[str, Any]:
    return load("tests.yml")


def actionlint() -> str | None:
    return shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(actionlint() is None, reason="actionlint not installed (pip install '.[test]')")
def test_workflows_pass_actionlint() -> None:
    result = subprocess.run(
        [actionlint(), "-no-color", *sorted(str(p) for p in WORKFLOWS.glob("*.yml"))],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["daily.yml", "tests.yml"])
def test_every_run_script_is_valid_bash(name: str) -> None:
    for job in load(name)["jobs"].values():
        for step in job.get("steps", []):
            if "run" in step:
                script = EXPRESSION.sub("placeholder", step["run"])
                result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
                assert result.returncode == 0, (step.get("name"), result.stderr)


def test_daily_runs_after_arxivs_announcement_every_day_and_by_hand(daily: dict[str, Any]) -> None:
    (schedule,) = daily["on"]["schedule"]
    minute, hour, *every_day = schedule["cron"].split()
    assert every_day == ["*", "*", "*"]
    runs_at = time(int(hour), int(minute))
    for winter_or_summer in (date(2026, 1, 14), date(2026, 7, 14)):
        announced = datetime.combine(
            winter_or_summer, mailings.ANNOUNCEMENT, tzinfo=mailings.EASTERN
        ).astimezone(timezone.utc)
        # The announcement falls on the UTC day the run starts: the run must come after it.
        assert announced.time() < runs_at, (announced, runs_at)
        assert runs_at.minute != 0, "on the hour, GitHub delays or drops scheduled runs"
    date_input = daily["on"]["workflow_dispatch"]["inputs"]["date"]
    assert date_input["required"] is False


def test_daily_is_one_run_at_a_time_and_never_cancels_a_publish(daily: dict[str, Any]) -> None:
    assert daily["concurrency"]["group"]
    assert daily["concurrency"]["cancel-in-progress"] is False


def test_daily_permissions_are_least_privilege(daily: dict[str, Any]) -> None:
    assert daily["permissions"] == {}
    jobs = daily["jobs"]
    assert all("permissions" in job for job in jobs.values())
    writers = {
        name: {scope for scope, level in job["permissions"].items() if level == "write"}
        for name, job in jobs.items()
    }
    assert writers["publish"] == {"contents"}
    assert writers["deploy"] == {"pages", "id-token"}
    assert writers["keepalive"] == {"actions"}
    assert jobs["keepalive"]["if"].count("vars.DIGEST_KEEPALIVE") == 1  # opt-in only


def test_daily_builds_and_deploys_what_it_committed_in_one_workflow(daily: dict[str, Any]) -> None:
    publish = steps(daily, "publish")
    setup = publish[index_of(publish, uses="actions/setup-python")]
    assert setup["with"]["cache"] == "pip"
    order = [
        index_of(publish, uses="actions/checkout"),
        index_of(publish, runs="pip install -e ."),
        index_of(publish, runs="digest check"),
        index_of(publish, runs="digest catch-up"),
        index_of(publish, runs="commit --quiet"),
        index_of(publish, runs="digest build"),
        index_of(publish, uses="actions/upload-pages-artifact"),
    ]
    assert order == sorted(order)
    # A push with GITHUB_TOKEN starts no other workflow: the deploy job is in this one and
    # deploys the artifact built from the committed tree (it checks nothing out).
    deploy = daily["jobs"]["deploy"]
    assert deploy["needs"] == "publish"
    assert not any(step.get("uses", "").startswith("actions/checkout@") for step in deploy["steps"])
    index_of(deploy["steps"], uses="actions/deploy-pages")
    assert deploy["environment"]["name"] == "github-pages"
    upload = publish[index_of(publish, uses="actions/upload-pages-artifact")]
    assert upload["with"]["path"] == "output"


def test_daily_catches_up_and_retries_failed_days_later(daily: dict[str, Any]) -> None:
    publish = steps(daily, "publish")
    days = publish[index_of(publish, runs="digest catch-up")]
    assert days["continue-on-error"] is True  # the days that worked are still published
    assert "digest run --date" in days["run"]
    bound = re.search(r"digest catch-up --days (\d+)", days["run"])
    assert bound and 1 <= int(bound.group(1)) <= 20
    # Without the secret the expression is empty: abstracts-only mode.
    assert days["env"]["OPENAI_API_KEY"] == "${{ secrets.OPENAI_API_KEY }}"
    fail = daily["jobs"]["deploy"]["steps"][-1]
    assert f"needs.publish.outputs.{next(iter(daily['jobs']['publish']['outputs']))}" in fail["if"]
    assert daily["jobs"]["publish"]["outputs"]["days"] == f"${{{{ steps.{days['id']}.outcome }}}}"
    assert "exit 1" in fail["run"]


def test_daily_sets_the_site_url_from_pages(daily: dict[str, Any]) -> None:
    publish = steps(daily, "publish")
    pages = publish[index_of(publish, uses="actions/configure-pages")]
    build = publish[index_of(publish, runs="digest build")]
    assert build["env"]["DIGEST_SITEURL"] == f"${{{{ steps.{pages['id']}.outputs.base_url }}}}"


def test_workflow_inputs_never_reach_a_shell_unquoted(daily: dict[str, Any]) -> None:
    for job in daily["jobs"].values():
        for step in job.get("steps", []):
            assert "inputs." not in step.get("run", ""), step.get("name")


@pytest.mark.parametrize("name", ["daily.yml", "tests.yml"])
def test_workflows_call_only_existing_digest_commands(name: str) -> None:
    scripts = " ".join(
        step.get("run", "") for job in load(name)["jobs"].values() for step in job.get("steps", [])
    )
    called = set(re.findall(r"(?m)^\s*digest ([a-z][a-z-]*)", scripts))
    assert called <= digest_commands(), called - digest_commands()


def test_tests_run_the_readme_command_on_push_and_pull_request(
    tests_workflow: dict[str, Any],
) -> None:
    assert {"push", "pull_request"} <= set(tests_workflow["on"])
    assert tests_workflow["permissions"] == {"contents": "read"}
    scripts = [step.get("run", "") for step in steps(tests_workflow, "test")]
    assert "make test" in scripts
    assert "make test" in (REPO / "README.md").read_text()
    assert "make test" in (REPO / ".ci" / "run").read_text()


# --- the commit step, run for real -----------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=30,
    ).stdout


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of a bare remote, as actions/checkout leaves it, with one commit on main."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(remote), str(work))
    (work / "README.md").write_text("a lab's digest\n")
    git(work, "add", "README.md")
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start")
    git(work, "push", "--quiet", "origin", "HEAD:main")
    return work


def run_commit_step(work: Path, daily: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    publish = steps(daily, "publish")
    script = publish[index_of(publish, runs="commit --quiet")]["run"]
    env = {"PATH": "/usr/bin:/bin", "GITHUB_REF_NAME": "main", "HOME": str(work.parent)}
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=60,
    )


def test_the_commit_step_commits_new_days_as_the_bot_and_pushes(
    clone: Path, daily: dict[str, Any]
) -> None:
    for day in ("2026-06-02", "2026-06-03"):
        (clone / "store" / "days").mkdir(parents=True, exist_ok=True)
        (clone / "store" / "days" / f"{day}.json").write_text("{}\n")
        (clone / "content" / "digests" / "2026").mkdir(parents=True, exist_ok=True)
        (clone / "content" / "digests" / "2026" / f"{day}-en.md").write_text("Title: x\n")
    result = run_commit_step(clone, daily)
    assert result.returncode == 0, result.stderr
    log = git(clone.parent / "remote.git", "log", "-1", "--format=%an <%ae>|%s", "main")
    assert log.strip() == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
        "|digest: 2026-06-02 2026-06-03"
    )
    files = git(clone.parent / "remote.git", "show", "--name-only", "--format=", "main").split()
    assert len(files) == 4


def test_the_commit_step_commits_nothing_when_nothing_changed(
    clone: Path, daily: dict[str, Any]
) -> None:
    (clone / "output").mkdir()
    (clone / "output" / "index.html").write_text("built, not committed\n")
    before = git(clone, "rev-parse", "HEAD")
    result = run_commit_step(clone, daily)
    assert result.returncode == 0, result.stderr
    assert "nothing new to commit" in result.stdout
    assert git(clone, "rev-parse", "HEAD") == before


def test_the_commit_step_never_commits_the_http_cache(clone: Path, daily: dict[str, Any]) -> None:
    # A cache folder an older run committed (its files named the feeds' URLs, tokens and all):
    cache = clone / "store" / "http-cache"
    cache.mkdir(parents=True)
    (cache / "old.json").write_text('{"url": "https://feeds.example/x?token=t"}\n')
    git(clone, "add", "store")
    git(clone, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "older run")
    (cache / "0a1b.body").write_text("<rss/>\n")  # no .gitignore: the step itself leaves it out
    (clone / "store" / "days").mkdir()
    (clone / "store" / "days" / "2026-06-02.json").write_text("{}\n")
    result = run_commit_step(clone, daily)
    assert result.returncode == 0, result.stderr
    tracked = git(clone.parent / "remote.git", "ls-tree", "-r", "--name-only", "main").split()
    assert "store/days/2026-06-02.json" in tracked
    assert not [name for name in tracked if name.startswith("store/http-cache")]
    assert (cache / "old.json").is_file()  # untracked; the commit step deletes nothing, but
    ValidatorCache(cache)  # the next run's validator cache, opening the folder, does: it names a URL
    assert not (cache / "old.json").exists() and not (cache / "0a1b.body").exists()


def test_daily_passes_the_sources_url_secrets_to_the_fetch_step_only(daily: dict[str, Any]) -> None:
    # every built-in source's URL variable, as an optional secret (unset: empty, the settings hold)
    names = [name for name in url_env_vars() if name not in DIGEST_URL_ENV_VARS]
    assert "DIGEST_JOURNALS_FEEDS" in names and "DIGEST_HF_URL" in names
    publish = steps(daily, "publish")
    fetch = publish[index_of(publish, runs="digest catch-up")]
    assert {name: fetch["env"].get(name) for name in names} == {n: f"${{{{ secrets.{n} }}}}" for n in names}
    others = [step for job in daily["jobs"].values() for step in job["steps"] if step is not fetch]
    assert not [name for step in others for name in step.get("env", {}) if name in names]
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "DIGEST_JOURNALS_FEEDS` repository secret" in readme


def test_empty_source_url_variables_leave_the_settings() -> None:
    entries = {"huggingface": {"url": "https://hf.example/api"}, "journals": {"feeds": [{"name": "j", "url": "u"}]}}
    configs = configure(entries, env={"DIGEST_HF_URL": "", "DIGEST_JOURNALS_FEEDS": ""})
    assert configs["huggingface"].settings.url == "https://hf.example/api"  # type: ignore[attr-defined]
    assert configs["journals"].settings.feeds[0].url == "u"  # type: ignore[attr-defined]


def test_daily_keeps_the_http_cache_in_the_actions_cache(daily: dict[str, Any]) -> None:
    publish = steps(daily, "publish")
    restore = publish[index_of(publish, uses="actions/cache")]
    assert restore["with"]["path"] == "store/http-cache"
    assert restore["with"]["restore-keys"] == "http-cache-"  # the newest run's cache, saved per run
    assert publish.index(restore) < index_of(publish, runs="digest catch-up")


# --- the email edition -------------------------------------------------------------------------------

EMAIL_SECRETS = ("DIGEST_EMAIL_TO", "DIGEST_SMTP_URL", "DIGEST_EMAIL_FROM")


def test_daily_emails_after_the_deploy_and_only_with_the_secrets(daily: dict[str, Any]) -> None:
    job = daily["jobs"]["email"]
    assert set(job["needs"]) == {"publish", "deploy"}
    # after a deploy that worked, even when a day failed (the deploy job then fails last)
    assert "always()" in job["if"] and "needs.deploy.outputs.page_url" in job["if"]
    assert daily["jobs"]["deploy"]["outputs"]["page_url"] == "${{ steps.deployment.outputs.page_url }}"
    assert {s for s, level in job["permissions"].items() if level == "write"} == {"contents"}
    assert "env" not in job  # the secrets reach only the steps that need them
    email_steps = job["steps"]
    check = email_steps[0]
    assert {check["env"][name] for name in EMAIL_SECRETS} == {f"${{{{ secrets.{n} }}}}" for n in EMAIL_SECRETS}
    for step in email_steps[1:-1]:
        assert step["if"] == f"steps.{check['id']}.outputs.configured == 'true'", step.get("name")
    send = email_steps[index_of(email_steps, runs="digest email")]
    assert send["continue-on-error"] is True  # the record of what did go out is still committed
    assert send["env"]["DIGEST_SITEURL"] == "${{ needs.deploy.outputs.page_url }}"
    assert all(send["env"][name] == f"${{{{ secrets.{name} }}}}" for name in EMAIL_SECRETS)
    order = [index_of(email_steps, uses="actions/checkout"), index_of(email_steps, runs="pip install -e ."),
             email_steps.index(send), index_of(email_steps, runs="git add store/sent")]
    assert order == sorted(order)
    fail = email_steps[-1]
    assert fail["if"] == f"steps.{send['id']}.outcome == 'failure'" and "exit 1" in fail["run"]
    readme = (REPO / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in EMAIL_SECRETS)


@pytest.mark.parametrize(("secrets", "configured"), [({}, False), ({"DIGEST_EMAIL_TO": "a@b.org"}, True)])
def test_the_email_job_skips_quietly_without_the_secrets(
    tmp_path: Path, daily: dict[str, Any], secrets: dict[str, str], configured: bool
) -> None:
    script = daily["jobs"]["email"]["steps"][0]["run"]
    output = tmp_path / "output"
    output.write_text("")
    env = {"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), **{n: "" for n in EMAIL_SECRETS}, **secrets}
    result = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert (output.read_text() == "configured=true\n") is configured
    assert ("no email edition" in result.stdout) is not configured


def test_the_email_job_commits_what_was_sent(clone: Path, daily: dict[str, Any]) -> None:
    email_steps = daily["jobs"]["email"]["steps"]
    script = email_steps[index_of(email_steps, runs="git add store/sent")]["run"]
    env = {"PATH": "/usr/bin:/bin", "GITHUB_REF_NAME": "main", "HOME": str(clone.parent)}
    run = partial(subprocess.run, ["bash", "-e", "-c", script], cwd=clone, env=env,
                  capture_output=True, text=True, timeout=60)
    result = run()
    assert result.returncode == 0 and "nothing sent" in result.stdout, result.stderr
    (clone / "store" / "sent").mkdir(parents=True, exist_ok=True)
    (clone / "store" / "sent" / "2026-06.tsv").write_text(
        "2026-06-02\t0123456789abcdef\ten\t2026-06-02T03:01:00Z\n"
        "2026-06-03\t0123456789abcdef\ten\t2026-06-03T03:01:00Z\n"
    )
    result = run()
    assert result.returncode == 0, result.stderr
    log = git(clone.parent / "remote.git", "log", "-1", "--format=%an|%s", "main")
    assert log.strip() == "github-actions[bot]|email: sent the digests of 2026-06-02 2026-06-03"
