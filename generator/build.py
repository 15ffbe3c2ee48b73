"""Build the site: run Pelican with pelicanconfig.py, the theme and the digest's plugin."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pelican import Pelican
from pelican.log import console
from pelican.plugins.i18n_subsites import i18n_subsites
from pelican.settings import read_settings

from . import incremental, search
from .dayview import SiteDays
from .errors import BuildError, DigestError
from .files import write_atomic
from .settings import Settings
from .site import front_matter
from .store import Store
from .text import one_line

# Warnings that Pelican logs but that mean a page of the site is broken (a link to a file that
# does not exist, a post it could not read): the build fails instead of publishing them.
log = logging.getLogger(__name__)

_BROKEN_SITE_WARNINGS = ("Unable to find", "Skipping", "Could not process", "Cannot find")


def pelican_settings(settings: Settings, *, output: Path | None = None) -> dict[str, Any]:
    """Pelican's settings for this build: pelicanconfig.py with the validated digest settings laid
    over; `output` is where Pelican writes (default settings.output_dir)."""
    siteurl = settings.siteurl.rstrip("/")
    pelican = read_settings(
        str(settings.config_path),
        override={
            "DIGEST_SETTINGS": settings,
            "SITEURL": siteurl,
            "FEED_DOMAIN": siteurl,
            "PATH": str(settings.content_dir),
            "OUTPUT_PATH": str(output or settings.output_dir),
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
    # A page in a language the site does not publish has no edition to go to (an English-only fork
    # keeps the Chinese About page): left out, as i18n_subsites cannot link it ("KeyError: about-zh.md").
    other = _pages_of_other_languages(settings, pelican)
    if other:
        pelican["IGNORE_FILES"] = [*pelican.get("IGNORE_FILES", []), *(glob.escape(path.name) for path in other)]
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


def _pages_of_other_languages(settings: Settings, pelican: dict[str, Any]) -> list[Path]:
    """The pages (PAGE_PATHS) whose `Lang:` is not one of DIGEST['languages'] (no `Lang:`: the main one)."""
    found = []
    for folder in pelican.get("PAGE_PATHS", []):
        root = settings.content_dir / folder
        for path in sorted(root.rglob("*.md")) if root.is_dir() else ():
            lang = (front_matter(path.read_text("utf-8")).get("lang") or [settings.digest.languages[0]])[0]
            if lang not in settings.digest.languages:
                found.append(path)
    return found


def build(settings: Settings) -> incremental.BuildPlan:
    """Build `settings.content_dir` into `settings.output_dir`. Raises BuildError with one line.

    The site is built in a staging folder next to the output (`.output.staging`) and swapped in
    only when the build succeeded: a failed or killed build leaves the published site as it was.
    Incremental when the previous build's manifest still applies (see generator.incremental): the
    staging folder then starts as a copy of the output (hard links for the pages, feeds and JSON,
    which the build replaces rather than rewrites). Returns the plan, which tells whether the
    build was a full one and how many pages it skipped.

    The output a build replaces is kept as `.output.old` (mostly hard links to the new one) until
    the next build, which deletes it while it renders: deleting a year's ~850 folders takes
    seconds of I/O on some disks (ext4 with online discard: ~3 ms a folder), and overlapped with
    the rendering it costs the build nothing.
    """
    final = settings.output_dir
    staging = final.with_name(f".{final.name}.staging")
    cleaner = threading.Thread(target=_remove_old, args=(_old(final),), name="remove-old-output")
    cleaner.start()
    try:
        return _build(settings, final, staging, cleaner)
    finally:
        cleaner.join()


def _build(settings: Settings, final: Path, staging: Path, cleaner: threading.Thread) -> incremental.BuildPlan:
    pelican_config = pelican_settings(settings, output=staging)
    plan = incremental.plan_build(settings, theme=Path(pelican_config["THEME"]))
    pelican_config["DIGEST_BUILD"] = plan
    # The days this build reads, shared by the editions (each derives its pages from them once);
    # their pickles are keyed by the build's fingerprint, which covers the code that made them.
    # The search index's data per day is made from the same reading of each day file.
    cache = Path(pelican_config["CACHE_PATH"])
    pelican_config["DIGEST_DAYS"] = SiteDays(settings, cache, code=plan.fingerprint,
                                             search=search.day_files(cache, plan.fingerprint))
    _forget_content_cache_of_other_code(cache, plan.fingerprint)
    # An incremental build keeps the previous output: only changed pages are rendered again.
    pelican_config["DELETE_OUTPUT_DIRECTORY"] = pelican_config["DELETE_OUTPUT_DIRECTORY"] and plan.full
    _remove_tree(staging)  # what a build cut short left
    if not plan.full and final.is_dir():
        _link_tree(final, staging)
    plan.output_dir = staging
    incremental.forget_manifest(staging)
    # i18n_subsites keeps its state in module globals and resets it only at the end of a
    # successful build; a build that failed earlier in this process would otherwise leak into this one.
    i18n_subsites._MAIN_SETTINGS = None
    with _broken_site_log() as problems:
        try:
            Pelican(pelican_config).run()
        except DigestError:
            raise
        except Exception as exc:  # Pelican, a template or a plugin failed: one line for the user
            hint = ""
            if "Can't get attribute" in str(exc) or isinstance(exc, ModuleNotFoundError):  # an unloadable pickle
                hint = f" (a cache of other code? delete {pelican_config['CACHE_PATH']}/ and build again)"
            raise BuildError(f"site build failed: {type(exc).__name__}: {_one_line(str(exc))}{hint}") from exc
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BuildError(f"site build failed: {problems[0]}{more}")
    incremental.finish_build(plan)
    cleaner.join()  # the swap puts the output where the old one was
    _swap(staging, final)
    plan.output_dir = final
    return plan


# Where the cache folder records the fingerprint of the code that wrote Pelican's content cache.
_CACHE_CODE = "code-fingerprint"


def _forget_content_cache_of_other_code(cache: Path, code: str) -> None:
    """Delete Pelican's content cache (`<Generator>-Readers`, one per edition) when it was written
    by a build of other code or settings (`code`, the build's fingerprint, differs).

    It pickles the settings and the articles, with this package's objects attached; Pelican catches
    only pickling errors when it loads it, so a class renamed since (a dayview record) would end
    the build with "Can't get attribute". The digest's own caches (days/, search/) are keyed by
    the fingerprint themselves.
    """
    stamp = cache / _CACHE_CODE
    try:
        if stamp.read_text("utf-8") == code:
            return
    except OSError:
        pass
    for path in cache.rglob("*-Readers") if cache.is_dir() else ():
        path.unlink(missing_ok=True)
    write_atomic(stamp, code)


# Files a build replaces (the writer unlinks before writing, plugins write atomically): these may
# be hard links shared with the published output. Anything else (theme assets, which Pelican copies
# over in place) is copied.
_LINKED_SUFFIXES = frozenset({".html", ".xml", ".json"})


def _link_tree(source: Path, target: Path) -> None:
    """A copy of `source` at `target`: hard links for the files a build replaces, copies for the rest."""
    for folder, _, files in os.walk(source):
        into = target / Path(folder).relative_to(source)
        into.mkdir(parents=True, exist_ok=True)
        for name in files:
            path = Path(folder) / name
            if path.suffix in _LINKED_SUFFIXES:
                try:
                    os.link(path, into / name)
                    continue
                except OSError:  # another file system, or no hard links there
                    pass
            shutil.copy2(path, into / name)


def _swap(staging: Path, final: Path) -> None:
    """Put the built `staging` folder in place of `final` (two renames); the old output stays as
    `.output.old` until the next build deletes it."""
    old = _old(final)
    _remove_tree(old)  # left by a cleaner that failed (it logged why): once more
    if final.exists():
        final.rename(old)
    staging.rename(final)


def _old(final: Path) -> Path:
    return final.with_name(f".{final.name}.old")


def _remove_old(old: Path) -> None:
    try:
        _remove_tree(old)
    except OSError as exc:  # the swap tries again, and fails the build with one line if it must
        log.warning("could not delete the previous output %s yet: %s", old, exc)


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _unfinished_days(settings: Settings) -> list[str]:
    """Dates (YYYY-MM-DD) of digest posts without a day file in the store.

    None when the store has no day at all: then the store is missing or the setting points at the
    wrong folder, and the build fails naming the first post's missing day.
    """
    store = Store(settings.store_dir)
    if not store.days():
        return []
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
