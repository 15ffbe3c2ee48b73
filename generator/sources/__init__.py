"""Where papers come from: the Source interface and the registry of enabled sources.

A source is one module exporting `Settings` (a pydantic model: `extra="forbid"`, every field
described, so that it lands in the README's settings reference) and `source(settings) -> Source`;
optionally `ENV = {"DIGEST_X_URL": "url"}`, environment variables overriding its settings (a
value starting with "[" or "{" is read as JSON, for lists and dicts).
It is enabled by an entry `DIGEST['sources'][<name>] = {...}` in pelicanconfig.py; the module is
`generator.sources.<name>`, or the one the entry names with `"module": "pkg.mod"`. The old
top-level `DIGEST['arxiv']` means `DIGEST['sources']['arxiv']`.

Days across calendars: the digest is dated by arXiv's mailing day. arXiv gives the papers of that
mailing's submission window (`DigestDay.window`); every other source gives what it published on
the calendar dates since the previous digest (`DigestDay.dates`: the previous mailing date up to
the day before the digest's), so weekend items roll into Monday's digest.

Parts that fail alone: a source made of independent parts (the journals' feeds) also offers
`parts()`, each part a Source named by what readers call it ("Medical Image Analysis"). The
pipeline then fetches each part on its own (`units`): a failing part is labelled by name, asked
again by the next digest for the dates it missed, and the other parts publish.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ValidationError

from ..errors import SettingsError
from ..settings import problem_line

if TYPE_CHECKING:
    import httpx

    from ..records import Paper


@dataclass(frozen=True, slots=True)
class DigestDay:
    """What a source needs to know about the digest being built."""

    date: dt.date  # the digest's date (an arXiv mailing day)
    window: tuple[dt.datetime, dt.datetime]  # arXiv's submission window [start, end), UTC
    dates: tuple[dt.date, ...]  # calendar dates this digest takes from the other sources


class Source(Protocol):
    """A place papers come from. `fetch` raises errors.SourceError (one line) when it cannot deliver."""

    name: str  # the settings key, e.g. "medrxiv"

    def fetch(self, day: DigestDay, http: httpx.Client) -> list[Paper]: ...


@dataclass(frozen=True)
class Unit:
    """What the pipeline fetches, and labels when it fails, on its own: a source, or one part of a
    source whose parts fail alone (`part`: the part's name, e.g. a journal's). A source that fails
    before it has units (while set up) fails as the unit of its whole."""

    source: str  # the registered source name
    part: str | None

    @property
    def label(self) -> str:
        """How logs and the run's summary line name it: "medrxiv", "journals (Medical Image Analysis)"."""
        return f"{self.source} ({self.part})" if self.part else self.source


@dataclass(frozen=True)
class FetchUnit(Unit):
    """A unit with the fetch that gives its papers."""

    fetch: Callable[[DigestDay, httpx.Client], list[Paper]]


def units(name: str, source: Source) -> list[FetchUnit]:
    """What to fetch of source `name`: each of its `parts()` when it has them, else the source whole."""
    parts: Callable[[], Sequence[Source]] | None = getattr(source, "parts", None)
    if parts is None:
        return [FetchUnit(name, None, source.fetch)]
    return [FetchUnit(name, part.name, part.fetch) for part in parts()]


@dataclass(frozen=True)
class SourceConfig:
    """An enabled source: its module's name and its validated settings (picklable, as Pelican
    caches the settings)."""

    name: str
    module: str
    settings: BaseModel

    def make(self) -> Source:
        source: Source = importlib.import_module(self.module).source(self.settings)
        return source


def module_name(name: str, entry: Mapping[str, Any]) -> str:
    """The module of source `name`: the entry's "module", else generator.sources.<name>."""
    return str(entry.get("module") or f"{__name__}.{name}")


def configure(
    entries: Mapping[str, Any], where: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None
) -> dict[str, SourceConfig]:
    """Resolve and validate every `DIGEST['sources']` entry, in the order given, with the
    environment's overrides (the module's ENV) laid over it.

    `where[name]` names an entry's setting in errors (default `DIGEST['sources'][name]`).
    Raises SettingsError with one line per problem.
    """
    problems: list[str] = []
    configs: dict[str, SourceConfig] = {}
    for name, entry in entries.items():
        at = (where or {}).get(name, f"DIGEST['sources'][{name!r}]")
        if not isinstance(entry, Mapping):
            problems.append(f"{at}: must be a dict of the source's settings (got {entry!r})")
            continue
        target = module_name(name, entry)
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            problems.append(
                f"{at}: no source module {target!r} ({exc}); check the name, or set "
                "\"module\" to the module that defines it"
            )
            continue
        if not (isinstance(getattr(module, "Settings", None), type) and callable(getattr(module, "source", None))):
            problems.append(f"{at}: module {target!r} is not a source (it needs Settings and source())")
            continue
        values = {key: value for key, value in entry.items() if key != "module"}
        for var, field in getattr(module, "ENV", {}).items():
            value = (env or {}).get(var, "").strip()
            if value:
                values[field] = _env_value(var, value, problems)
        try:
            settings = module.Settings.model_validate(values)
        except ValidationError as exc:
            problems += [problem_line(at, error) for error in exc.errors()]
            continue
        configs[name] = SourceConfig(name, target, settings)
    if problems:
        raise SettingsError(problems)
    return configs


def _env_value(var: str, value: str, problems: list[str]) -> Any:
    if not value.startswith(("[", "{")):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        problems.append(f"{var}: not valid JSON ({exc})")
        return value


def builtin() -> list[str]:
    """The names of the sources shipped in generator/sources/, for the settings reference."""
    import pkgutil

    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
