"""Build the site: run Pelican with pelicanconfig.py, the theme and the digest's plugin."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pelican import Pelican
from pelican.log import console
from pelican.plugins.i18n_subsites import i18n_subsites
from pelican.settings import read_settings

from . import incremental
from .errors import BuildError, DigestError
from .settings import Settings
from .store import Store
from .text import one_line

# Warnings that Pelican logs but that mean a page of the site is broken (a link to a file that
# does not exist, a post it could not read): the build fails instead of publishing them.
log = logging.getLogger(__name__)

_BROKEN_SITE_WARNINGS = ("Unable to find", "Skipping", "Could not process", "Cannot find")


def pelican_settings(settings: Settings) -> dict[str, Any]:
    """Pelican's settings for this build: pelicanconfig.py with the validated digest settings laid over."""
    siteurl = settings.siteurl.rstrip("/")
    pelican = read_settings(
        str(settings.config_path),
        override={
            "DIGEST_SETTINGS": settings,
            "SITEURL": siteurl,
            "FEED_DOMAIN": siteurl,
            "PATH": str(settings.content_dir),
            "OUTPUT_PATH": str(settings.output_dir),
        },
    )
    # Posts whose day file is missing belong to a run that did not finish (the day file is written
    # last): they are not a day of the site until `digest catch-up` or `digest run` rebuilds it.
    unbuilt = _unfinished_days(settings)
    if unbuilt:
        log.warning(
            "posts of %s have no day file (a run that did not finish): left out of the site; "
            "`digest catch-up` or `digest run --date D` rebuilds them", ", ".join(unbuilt),
        )
        pelican["IGNORE_FILES"] = [*pelican.get("IGNORE_FILES", []), *(f"{day}-*.md" for day in unbuilt)]
    # Each language subsite lives under /<lang>/ and needs its own absolute URLs (feeds too).
    subsites = pelican.get("I18N_SUBSITES", {})
    pelican["I18N_SUBSITES"] = {
        lang: {
            **subsites.get(lang, {}),
            "SITEURL": f"{siteurl}/{lang}",
            "FEED_DOMAIN": f"{siteurl}/{lang}",
        }
        for lang in settings.digest.languages[1:]
    }
    return pelican


def build(settings: Settings) -> incremental.BuildPlan:
    """Build `settings.content_dir` into `settings.output_dir`. Raises BuildError with one line.

    Incremental when the previous build's manifest still applies (see generator.incremental);
    returns the plan, which tells whether the build was a full one and how many pages it skipped.
    """
    pelican_config = pelican_settings(settings)
    plan = incremental.plan_build(settings, theme=Path(pelican_config["THEME"]))
    pelican_config["DIGEST_BUILD"] = plan
    # An incremental build keeps the previous output: only changed pages are rendered again.
    pelican_config["DELETE_OUTPUT_DIRECTORY"] = pelican_config["DELETE_OUTPUT_DIRECTORY"] and plan.full
    incremental.forget_manifest(settings.output_dir)
    # i18n_subsites keeps its state in module globals and resets it only at the end of a
    # successful build; a build that failed earlier in this process would otherwise leak into this one.
    i18n_subsites._MAIN_SETTINGS = None
    with _broken_site_log() as problems:
        try:
            Pelican(pelican_config).run()
        except DigestError:
            raise
        except Exception as exc:  # Pelican, a template or a plugin failed: one line for the user
            raise BuildError(f"site build failed: {type(exc).__name__}: {_one_line(str(exc))}") from exc
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BuildError(f"site build failed: {problems[0]}{more}")
    incremental.finish_build(plan)
    return plan


def _unfinished_days(settings: Settings) -> list[str]:
    """Dates (YYYY-MM-DD) of digest posts without a day file in the store."""
    store = Store(settings.store_dir)
    posts = {path.name[:10] for path in (settings.content_dir / "digests").glob("*/????-??-??-*.md")}
    return sorted(day for day in posts if not store.day_path_of(day).is_file())


class _ProblemCollector(logging.Handler):
    """Keeps the log records of a build that mean the site is broken."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = _one_line(record.getMessage())
        if record.levelno >= logging.ERROR or message.startswith(_BROKEN_SITE_WARNINGS):
            self.problems.append(message)


@contextmanager
def _broken_site_log() -> Iterator[list[str]]:
    """Collect Pelican's broken-site log lines; keep its own output at warnings and above."""
    logger = logging.getLogger("pelican")
    collector = _ProblemCollector()
    previous = (logger.level, console.quiet)
    logger.addHandler(collector)
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)
    console.quiet = True  # Pelican prints a "Done: ..." line per language; the CLI reports instead
    try:
        yield collector.problems
    finally:
        logger.removeHandler(collector)
        logger.setLevel(previous[0])
        console.quiet = previous[1]


def _one_line(text: str) -> str:
    return one_line(text)[:300]  # a log message or an exception can be a whole page
