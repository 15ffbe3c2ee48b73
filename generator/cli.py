"""The `digest` command: a thin layer over the pipeline that turns errors into one line and exit 1."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from functools import cache, partial
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import mailings, settings as settings_module
from .errors import DigestError, SettingsError, SourceError, StoreError
from .labels import counted
from .records import Day
from .redact import RedactingFilter, redact

app = typer.Typer(
    help="Paper Radar: a lab's daily research digest (arXiv → rank → summarize → Pelican site).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stderr = Console(stderr=True, highlight=False)
# Every log line and error line passes through the redaction layer (generator.redact).
_redacting = RedactingFilter()

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="The settings file (Pelican settings + DIGEST)."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")]
DateOption = Annotated[
    str | None,
    typer.Option("--date", "-d", help="Mailing date YYYY-MM-DD (default: the latest complete day)."),
]


def main() -> None:
    """Entry point of the `digest` console script."""
    app()


def _load_settings(config: Path) -> settings_module.Settings:
    """The validated settings; their secrets (the settings file's URLs too) join the log's mask."""
    settings = settings_module.load(config)
    _redacting.secrets = sorted({*_redacting.secrets, *settings.secrets})
    return settings


@contextmanager
def _errors_as_lines(debug: bool) -> Iterator[None]:
    """Let a DigestError out as one line per problem and exit code 1; a traceback only with --debug."""
    handler = RichHandler(console=stderr, show_path=False, show_time=False, markup=False)
    _redacting.secrets = list(settings_module.secret_values(os.environ))
    handler.addFilter(_redacting)
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(message)s",
        handlers=[handler],
        force=True,
    )
    for noisy in ("arxiv", "httpx", "httpx2", "openai", "pelican"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    # urllib3 logs every retry as a multi-line block; the source reports the outcome in one line.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if debug else logging.ERROR)
    try:
        yield
    except DigestError as exc:
        if debug:
            raise
        problems = exc.problems if isinstance(exc, SettingsError) else [str(exc)]
        for problem in problems:
            line = escape(redact(problem, _redacting.secrets))
            stderr.print(f"[red]error:[/red] {line}", markup=True, soft_wrap=True)
        raise typer.Exit(1) from None
    except OSError as exc:  # a full disk, a read-only or missing folder: nothing was half-written
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        line = escape(redact(f"{where}{exc.strerror or exc}", _redacting.secrets))
        stderr.print(
            f"[red]error:[/red] cannot write or read {line} (free space or fix the permissions, "
            "then run the command again: files are written atomically, nothing is half-written)",
            markup=True, soft_wrap=True,
        )
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        stderr.print("interrupted")
        raise typer.Exit(130) from None


@contextmanager
def _guarded(settings: settings_module.Settings, command: str, *, deadline: bool = False) -> Iterator[None]:
    """One command writing this tree at a time; the daily commands also under DIGEST['run_minutes']."""
    from .guards import deadline as run_deadline, one_run

    with one_run(settings.root, command), run_deadline(settings.digest.run_minutes if deadline else None):
        yield


def _parse_date(value: str | None, option: str = "--date") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SettingsError([f"{option} {value!r}: expected a date as YYYY-MM-DD"]) from None


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar per stage on stderr; quiet when stderr is not a terminal."""
    labels = {"days": "mailing days", "fetch": "fetching papers", "summarize": "summarizing"}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=stderr, transient=True, disable=not stderr.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


@app.command()
def run(
    day: DateOption = None,
    config: ConfigOption = Path("pelicanconfig.py"),
    debug: DebugOption = False,
) -> None:
    """Fetch, rank, summarize and write the posts of one mailing day."""
    from .pipeline import run_day

    with _errors_as_lines(debug):
        settings = _load_settings(config)
        when = _announced(_parse_date(day), "--date", settings)
        with _guarded(settings, "run", deadline=True), _progress() as progress:
            result = run_day(when, settings, on_progress=progress)
        failed = _failed_sources(result.failed)
        if result.skipped:
            stderr.print(f"{when}: nothing written ({result.skipped}){failed}.")
            return
        where = ", ".join(_relative(p) for p in result.posts)
        stderr.print(
            f"{when}: fetched {counted(result.fetched, 'paper')}, {result.new} new, featured "
            f"{result.featured}, LLM-summarized {result.llm_summaries}; posts: {where}{failed}"
        )


def _failed_sources(failed: tuple[str, ...]) -> str:
    """The end of a summary line naming the sources that failed (their items come next run)."""
    if not failed:
        return ""
    return f"; not read, the next digest asks again: {'; '.join(failed)}"


@app.command()
def build(config: ConfigOption = Path("pelicanconfig.py"), debug: DebugOption = False) -> None:
    """Build the site from content/ into output/ with Pelican (both languages, feeds, day JSON)."""
    from .build import build as build_site

    with _errors_as_lines(debug):
        settings = _load_settings(config)
        with _guarded(settings, "build"):
            build_site(settings)
        stderr.print(f"site built in {_relative(settings.output_dir)}/")


@app.command()
def check(config: ConfigOption = Path("pelicanconfig.py"), debug: DebugOption = False) -> None:
    """Validate the settings: one line per problem (exit 1), or a summary of the radar."""
    from .radar import load_radar, radar_problems

    with _errors_as_lines(debug):
        settings = _load_settings(config)
        problems = []
        radar = None
        try:
            radar = load_radar(settings)
            problems += radar_problems(radar)
        except SettingsError as exc:
            problems += exc.problems
        problems += _state_problems(settings)
        problems += _topic_address_problems(settings.digest.radar.topics)
        if not settings.siteurl:
            problems.append("SITEURL: empty; feeds need absolute links (set it or DIGEST_SITEURL)")
        elif not _absolute_http_url(settings.siteurl):
            problems.append(
                f"SITEURL: {settings.siteurl!r} is not an absolute http(s) URL: feeds and emails link with it "
                "(e.g. https://USER.github.io/REPO; set SITEURL or DIGEST_SITEURL)"
            )
        default_model = settings_module.LLMSettings.model_fields["model"].default
        if settings.digest.llm.model != default_model and not settings.llm_enabled:
            problems.append(
                f"DIGEST['llm']['model'] is {settings.digest.llm.model!r} but OPENAI_API_KEY is not "
                "set: summaries would be extractive (add the key, a repository secret in Actions, "
                "or drop the model for abstracts-only)"
            )
        if settings.digest.llm.base_url and not settings.llm_enabled:
            problems.append(
                "DIGEST['llm']['base_url'] is set but OPENAI_API_KEY is not: summaries would be "
                "extractive (set the key, any non-empty value for a local server)"
            )
        if problems:
            raise SettingsError(problems)
        digest = settings.digest
        assert radar is not None
        llm = (
            f"LLM {digest.llm.model}" if settings.llm_enabled
            else "no OPENAI_API_KEY: extractive summaries"
        )
        mail = settings.mail
        readers = (
            f"email to {len(mail.recipients)} readers ("
            + ", ".join(f"{lang} {sum(r.lang == lang for r in mail.recipients)}" for lang in digest.languages)
            + f") through {mail.server.url}" if mail else "no email edition (DIGEST_EMAIL_TO not set)"
        )
        typer.echo(
            f"settings OK: sources {_sources_line(settings)}; {digest.papers_per_day} papers a "
            f"day; languages {', '.join(digest.languages)}; library {len(radar.library)} papers, "
            f"{len(radar.topics)} topics, {len(radar.authors)} followed authors; {llm}; {readers}"
        )


@app.command()
def email(
    day: Annotated[
        str | None,
        typer.Option("--date", "-d", help="Send this digest day, YYYY-MM-DD (default: the newest days "
                     "not yet mailed)."),
    ] = None,
    dry_run: Annotated[
        Path | None,
        typer.Option("--dry-run", help="Write the emails as .eml files into this folder; send nothing."),
    ] = None,
    config: ConfigOption = Path("pelicanconfig.py"),
    debug: DebugOption = False,
) -> None:
    """Email the digest to the lab (DIGEST_EMAIL_TO), each reader in their language; never twice."""
    from . import newsletter
    from .smtp import deliver
    from .store import Store

    with _errors_as_lines(debug):
        settings = _load_settings(config)
        store = Store(settings.store_dir)
        days = store.days()
        when = _parse_date(day)
        if when is not None and when not in days:
            raise StoreError(f"--date {when}: no digest that day; build it first (digest run --date {when})")
        if not _absolute_http_url(settings.siteurl):
            raise SettingsError([
                f"SITEURL: {settings.siteurl!r} is not an absolute http(s) URL: the email's links need "
                "one (set SITEURL or DIGEST_SITEURL)"
            ])
        now = datetime.now(timezone.utc)

        def stored(on: date) -> Day:
            loaded = store.load_day(on)
            assert loaded is not None  # `on` is one of the store's days
            return loaded

        if dry_run is not None:
            on = when or (days[-1] if days else None)
            if on is None:
                raise StoreError(f"{settings.store_dir}: no digest yet; build one first (digest run)")
            day_on = stored(on)
            for lang in settings.digest.languages:
                readers = [r.address for r in settings.mail.recipients if r.lang == lang] if settings.mail else []
                msg = newsletter.addressed(newsletter.edition(day_on, lang, settings),
                                           ", ".join(readers) or "undisclosed-recipients:;", settings, now)
                path = dry_run / f"{on.isoformat()}-{lang}.eml"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(msg.as_bytes())
                stderr.print(f"{_relative(path)}: {msg['Subject']} ({path.stat().st_size} bytes, "
                             f"{counted(len(readers), 'reader')})")
            return
        if settings.mail is None:
            raise SettingsError([
                "DIGEST_EMAIL_TO, DIGEST_SMTP_URL and DIGEST_EMAIL_FROM are not set: the email "
                "edition needs all three (see the README; --dry-run writes the emails without them)"
            ])
        todo = newsletter.due(settings.mail.recipients, days, store.sent(), only=when)
        if not todo:
            stderr.print("nothing to send: every reader has had the newest digests.")
            return
        messages = [
            (msg, partial(store.mark_sent, on, newsletter.recipient_key(reader.address), reader.lang, now))
            for on, reader, msg in newsletter.outbox(todo, cache(stored), settings, now)
        ]
        count = deliver(settings.mail.server, messages)
        sent_days = ", ".join(sorted({on.isoformat() for on, _ in todo}))
        stderr.print(f"sent {counted(count, 'email')} ({sent_days}) through "
                     f"{settings.mail.server.url}")


@app.command()
def demo(
    config: ConfigOption = Path("pelicanconfig.py"),
    listings: Annotated[
        Path, typer.Option(help="Real arXiv listings to replay (one .jsonl.gz per day).")
    ] = Path("sample/listings"),
    sample: Annotated[
        Path | None, typer.Option(help="Recorded answers of the other sources (medRxiv, Hugging Face, "
                                  "journals), replayed when there are some (default: the listings' parent).")
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Build the demo site offline: the shipped arXiv days and other sources' answers, replayed.

    The recorded answers go through the real pipeline (a local arXiv API server and another for
    medRxiv, Hugging Face and the journals), then the site is built."""
    from .build import build as build_site
    from .replay import ReplayArxiv, with_demo_sources
    from .replay_sources import ReplaySources

    with _errors_as_lines(debug):
        base = _load_settings(config)
        days = _listing_dates(listings)
        if not days:
            raise SettingsError([f"--listings {listings}: no YYYY-MM-DD.jsonl.gz files found"])
        with _guarded(base, "demo"):
            sample = listings.parent if sample is None else sample
            others = ReplaySources(sample) if (sample / "medrxiv").is_dir() else nullcontext(None)
            with ReplayArxiv(listings, holidays=base.holidays) as server, others as replay:
                env = {**os.environ, "DIGEST_ARXIV_URL": server.url, "DIGEST_ARXIV_DELAY": "0"}
                if replay is not None:
                    env.update(replay.env())
                settings = settings_module.load(config, env=env)
                if replay is not None:
                    settings = with_demo_sources(settings, env)
                stderr.print(f"demo sources: {_sources_line(settings)}")
                _run_days(days, settings, nothing="no listing day to replay")
                if replay is not None:
                    asked = ", ".join(f"{kind} {count}" for kind, count in sorted(replay.requests.items()))
                    stderr.print(f"requests served: arXiv {server.requests}; {asked}")
            build_site(settings)
        stderr.print(
            f"demo site built in {_relative(settings.output_dir)}/ — open it with:\n"
            f"  python -m http.server -d {_relative(settings.output_dir)} 8000   "
            "and browse http://localhost:8000/"
            + (" (中文: http://localhost:8000/zh/)" if "zh" in settings.digest.languages else "")
        )


UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until", help="The newest mailing to build, YYYY-MM-DD (default: the latest complete day)."
    ),
]


@app.command("catch-up")
def catch_up(
    until: UntilOption = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days", min=1, max=60,
            help="How many recent mailings to look back over (default: two weeks of mailings).",
        ),
    ] = None,
    config: ConfigOption = Path("pelicanconfig.py"),
    debug: DebugOption = False,
) -> None:
    """The daily job: build every recent mailing day without a digest yet (failed days are retried)."""
    from .catchup import CATCH_UP_MAILINGS, catch_up_days
    from .store import Store
    from .write import built_days

    with _errors_as_lines(debug):
        settings = _load_settings(config)
        holidays = settings.holidays
        latest = _announced(_parse_date(until, "--until"), "--until", settings)
        todo = catch_up_days(
            built_days(Store(settings.store_dir).days(), settings), latest, holidays,
            lookback=days or CATCH_UP_MAILINGS,
        )
        with _guarded(settings, "catch-up", deadline=True):
            _run_days(todo, settings, nothing=f"every mailing up to {latest} is built")


@app.command()
def backfill(
    first: Annotated[str, typer.Option("--from", help="The first mailing date, YYYY-MM-DD.")],
    last: Annotated[
        str | None,
        typer.Option("--to", help="The last mailing date (default: the latest complete day)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild days that are already built.")
    ] = False,
    config: ConfigOption = Path("pelicanconfig.py"),
    debug: DebugOption = False,
) -> None:
    """Build past mailing days in a range; resumable: days already built are skipped (unless --force)."""
    from .catchup import backfill_days
    from .store import Store
    from .write import built_days

    with _errors_as_lines(debug):
        settings = _load_settings(config)
        start = _parse_date(first, "--from")
        end = _announced(_parse_date(last, "--to"), "--to", settings)
        assert start is not None
        todo = backfill_days(
            start, end, built_days(Store(settings.store_dir).days(), settings), settings.holidays,
            force=force,
        )
        with _guarded(settings, "backfill"):
            _run_days(todo, settings, nothing=f"every mailing from {start} to {end} is built")


def _topic_address_problems(topics: Iterable[str]) -> list[str]:
    """Topics whose names give their page and feed no address of their own (topics/<slug>/)."""
    from .feeds import topic_slug

    named: dict[str, list[str]] = {}
    for topic in topics:
        named.setdefault(topic_slug(topic), []).append(topic)
    problems = [f"DIGEST['radar']['topics'][{topic!r}]: the name has no letter or digit to make its page's "
                "address from (topics/<name>/): rename it" for topic in named.pop("", [])]
    problems += [f"DIGEST['radar']['topics']: {' and '.join(map(repr, same))} would share one page and feed "
                 f"(topics/{slug}/): rename one" for slug, same in named.items() if len(same) > 1]
    return problems


def _absolute_http_url(url: str) -> bool:
    try:
        settings_module.http_url(url)
    except ValueError:
        return False
    return True


def _state_problems(settings: settings_module.Settings) -> list[str]:
    """What `digest check` finds wrong in the tree the settings point at (store, posts)."""
    problems = []
    store = settings.store_dir
    if store.exists() and not store.is_dir():
        problems.append(f"DIGEST['store']: {store} is a file, not a folder: point the setting at a folder")
    languages = settings.digest.languages
    posts = settings.content_dir / "digests"
    for lang in ("en", "zh"):
        found = next(iter(posts.glob(f"*/????-??-??-{lang}.md")), None) if posts.is_dir() else None
        if found is not None and lang not in languages:
            problems.append(
                f"DIGEST['languages'] is {languages!r} but content/digests holds {lang!r} posts "
                f"({found.name}): add {lang!r}, or delete those posts, or the site will not build"
            )
    return problems


def _announced(when: date | None, option: str, settings: settings_module.Settings) -> date:
    """`when`, or the latest complete mailing when None; SettingsError if `when` is later than that:
    a mailing not announced yet is not in arXiv's API, and a day built without it (from the other
    sources) would be marked built, its arXiv papers never asked for."""
    latest = _latest_mailing(settings)
    if when is None:
        return latest
    if when > latest:
        raise SettingsError([f"{option} {when}: not announced yet (the latest complete mailing is {latest})"])
    return when


def _latest_mailing(settings: settings_module.Settings) -> date:
    return mailings.latest_complete_mailing(
        datetime.now(timezone.utc), settings.holidays
    )


def _sources_line(settings: settings_module.Settings) -> str:
    """The enabled sources, e.g. "arxiv (cs.CV, eess.IV), medrxiv"."""
    parts = []
    for name, config in settings.sources.items():
        categories = getattr(config.settings, "categories", None)
        parts.append(f"{name} ({', '.join(categories)})" if categories else name)
    return ", ".join(parts)


def _run_days(days: list[date], settings: settings_module.Settings, *, nothing: str) -> None:
    """Build `days` with a progress bar, one line per day; exit 1 naming the days that failed."""
    from .catchup import run_days

    if not days:
        stderr.print(f"nothing to do: {nothing}.")
        return
    stderr.print(f"building {counted(len(days), 'mailing day')}: {', '.join(map(str, days))}")
    with _progress() as progress:
        progress("days", 0, len(days))
        report = run_days(
            days, settings, on_stage=progress,
            on_day=lambda day, done, total: progress("days", done, total),
        )
    for result in report.results:
        done = result.skipped or f"{result.featured} featured of {counted(result.new, 'new paper')}"
        stderr.print(f"{result.date}: {done}{_failed_sources(result.failed)}")
    if report.failures or report.left:
        failed = ", ".join(map(str, report.failures))
        left = (
            f"; not tried (every source looked down): {', '.join(map(str, report.left))}"
            if report.left else ""
        )
        raise SourceError(f"not built: {failed}{left}; run the command again later to retry them")


def _listing_dates(folder: Path) -> list[date]:
    """The days of the listings in `folder` (files named YYYY-MM-DD.jsonl.gz), oldest first."""
    days = []
    for path in folder.glob("*.jsonl.gz"):
        try:
            days.append(date.fromisoformat(path.name.removesuffix(".jsonl.gz")))
        except ValueError:
            continue  # e.g. the background set: not a day
    return sorted(days)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
