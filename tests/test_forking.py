"""The fork experience: the README's guide matches the workflow, and `digest check` catches a
forker's mistakes in one line each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from generator.catchup import CATCH_UP_MAILINGS
from generator.cli import app

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()
DAILY_TEXT = (REPO / ".github" / "workflows" / "daily.yml").read_text()
runner = CliRunner()


def fork_guide() -> str:
    start = README.index("## Publish your lab's digest")
    return README[start:README.index("\n## ", start + 1)]


def test_the_guide_walks_a_forker_through_every_step() -> None:
    guide = fork_guide()
    for step in ("Fork", "`DIGEST`", "pelicanconfig.py", "OPENAI_API_KEY", "abstracts-only",
                 "Source: **GitHub Actions**", "enable", "Run workflow", "digest check",
                 "digest backfill"):
        assert step in guide, step
    # I18N_SUBSITES: the Chinese edition's SITENAME titles its days (论文雷达 otherwise)
    for setting in ("SITENAME", "I18N_SUBSITES", "languages", "categories", "library", "topics", "authors", "model"):
        assert setting in guide, setting


def test_the_guide_states_what_the_workflow_does() -> None:
    guide = fork_guide()
    (schedule,) = yaml.safe_load(DAILY_TEXT)[True]["schedule"]
    minute, hour = schedule["cron"].split()[:2]
    assert f"{int(hour):02d}:{int(minute):02d} UTC" in guide
    assert f"last {CATCH_UP_MAILINGS} mailings" in guide
    assert f"digest catch-up --days {CATCH_UP_MAILINGS}" in DAILY_TEXT
    for name in set(re.findall(r"vars\.([A-Z_]+)", DAILY_TEXT)):
        assert f"`{name}`" in guide, name  # every repository variable is documented
    for secret in set(re.findall(r"secrets\.([A-Z_]+)", DAILY_TEXT)):
        assert f"`{secret}`" in guide, secret


def test_check_flags_a_model_set_without_a_key(project: Path) -> None:
    config = project / "pelicanconfig.py"
    config.write_text(config.read_text().replace('"model": "gpt-4o-mini"', '"model": "gpt-4.1"', 1))
    args = ["check", "--config", str(config)]

    result = runner.invoke(app, args)
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "DIGEST['llm']['model']" in line]
    assert line.startswith("error:") and "OPENAI_API_KEY" in line and "'gpt-4.1'" in line

    result = runner.invoke(app, args, env={"OPENAI_API_KEY": "sk-test"})
    assert result.exit_code == 0, result.output
    assert "sk-test" not in result.output


SAM_TOPIC = '"description": {"en": "Promptable segmentation'
SAM_KEYWORDS = '"keywords": [\n                    "Segment Anything"'


@pytest.mark.parametrize(("old", "new", "problem"), [
    (SAM_TOPIC, '"descripton": {"en": "Promptable segmentation',
     "DIGEST['radar']['topics']['Segment Anything (SAM)']['descripton']: unknown setting"),
    ('"name": {"zh": "分割一切（SAM）"}', '"name": {"cn": "分割一切（SAM）"}',
     "DIGEST['radar']['topics']['Segment Anything (SAM)']['name']: unknown language(s) cn"),
    (SAM_KEYWORDS, '"keywords": "SAM", "more": [\n                    "Segment Anything"',
     "DIGEST['radar']['topics']['Segment Anything (SAM)']['keywords']: Input should be a valid list"),
    (SAM_KEYWORDS, '"keyword": [\n                    "Segment Anything"',
     "DIGEST['radar']['topics']['Segment Anything (SAM)']['keywords']: required setting is missing"),
])
def test_a_mistake_in_a_topics_dict_names_the_setting_as_the_lab_wrote_it(
        project: Path, old: str, new: str, problem: str) -> None:
    # They were named under DIGEST['radar']['topic_text'] (where the digest keeps a topic's words),
    # which the lab never wrote; a misspelt 'keywords' printed the whole topic as "not a valid list".
    config = project / "pelicanconfig.py"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"error: {problem}"), lines
    assert not any("topic_text" in line for line in lines), lines
    if "more" in new:  # the unknown key beside the bad keywords, named where it was written
        assert lines[1:] == ["error: DIGEST['radar']['topics']['Segment Anything (SAM)']['more']: unknown setting "
                             "(check the spelling; see the settings reference)"]
    else:
        assert len(lines) == 1, lines


def test_the_reference_states_the_language_order_check_enforces(project: Path) -> None:
    # The reference said "the first is the main site", and check refused ['zh', 'en'].
    (row,) = [line for line in README.splitlines() if line.startswith("| `DIGEST['languages']` |")]
    assert "'en' first" in row, row
    config = project / "pelicanconfig.py"
    config.write_text(config.read_text().replace('"languages": ["en", "zh"]', '"languages": ["zh", "en"]', 1))
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1 and "must start with 'en'" in result.output


def test_a_bad_llm_server_url_is_shown_an_llm_servers_example(project: Path) -> None:
    # It said "expected e.g. https://export.arxiv.org/api/query", the arXiv API's address.
    config = project / "pelicanconfig.py"
    config.write_text(config.read_text().replace('"model": "gpt-4o-mini"', '"base_url": "localhost:8080/v1"', 1))
    result = runner.invoke(app, ["check", "--config", str(config)], env={"OPENAI_API_KEY": "sk-test"})
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: DIGEST['llm']['base_url']: not an http(s) URL: expected e.g. https://api.openai.com/v1"), line


@pytest.mark.parametrize(("topics", "problem"), [
    ('"???": ["segmentation"], ', "DIGEST['radar']['topics']['???']: the name has no letter or digit"),
    ('"C++ & AI": ["c++"], "C & AI": ["clang"], ', "DIGEST['radar']['topics']: 'C++ & AI' and 'C & AI' would share "
                                                 "one page and feed (topics/c-ai/)"),
])
def test_topics_without_an_address_of_their_own_are_named(project: Path, topics: str, problem: str) -> None:
    # '???' linked its cards to topics// (the list of topics) and wrote its feed to feeds/topics/.atom.xml.
    config = project / "pelicanconfig.py"
    config.write_text(config.read_text().replace('"topics": {', '"topics": {' + topics, 1))
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: {problem}"), line
