"""Incremental site builds: a manifest of what each page was rendered from, and a writer that skips unchanged pages.

`digest build` keeps output/.build-manifest.json. It records a fingerprint of everything that shapes
every page (pelicanconfig.py, the validated settings, the theme, this package's code, Pelican's
version) and, for each page rendered from posts and days, a key made of the inputs that page shows:

    a day page      its post, its day file, and the URL and title of the days before and after it
    a topic page    the posts and day files of every day listed on it

When the fingerprint is unchanged, the build keeps the output directory and renders only the pages
whose key changed (adding a day re-renders that day, its neighbours and the topic pages of its
topics); every other page (home, archive, feeds, search index, sitemap, ...) is rebuilt as usual.
Otherwise the build is a full one, from an empty output directory. Pages of the previous build that
no longer exist (a topic no day matches any more) are deleted.

A template that starts showing other data on a day or topic page must add it to `page_key`: the
test that compares an incremental build with a full one (tests/test_site.py) catches a missed input.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pelican
from pelican.writers import Writer

from .files import write_atomic
from .settings import Settings

MANIFEST = ".build-manifest.json"
MANIFEST_FORMAT = 2
_PACKAGE = Path(__file__).resolve().parent


@dataclass
class BuildPlan:
    """One build's inputs and the pages it produces; shared by the editions through Pelican's settings."""

    output_dir: Path
    fingerprint: str
    sources: dict[str, str]  # absolute path of a post or day file -> hash of its bytes
    stamps: dict[str, list[int]] = field(default_factory=dict)  # path -> [mtime_ns, size] of that hash
    previous: dict[str, str] = field(default_factory=dict)  # page -> key, of the previous build
    full: bool = True
    pages: dict[str, str] = field(default_factory=dict)  # page -> key ("" = always rendered)
    skipped: int = 0

    def stale_pages(self) -> list[str]:
        """Pages of the previous build that this one did not produce."""
        return sorted(set(self.previous) - set(self.pages))

    def manifest(self) -> str:
        sources = {path: [*self.stamps[path], digest] for path, digest in self.sources.items()}
        return json.dumps(
            {"format": MANIFEST_FORMAT, "fingerprint": self.fingerprint, "pages": self.pages, "sources": sources},
            sort_keys=True, indent=0,
        )


def plan_build(settings: Settings, *, theme: Path) -> BuildPlan:
    """The plan for building `settings` with the theme in `theme`: incremental when the previous
    build's manifest still applies.

    A source file whose modification time and size are those the manifest recorded keeps its
    recorded hash: a rebuild reads only the new and changed files of a year of posts and days.
    """
    previous = _read_manifest(settings.output_dir / MANIFEST) or {}
    known = previous.get("sources", {})
    plan = BuildPlan(settings.output_dir, fingerprint(settings, theme), {})
    for path in _source_files(settings):
        stat = path.stat()
        stamp = [stat.st_mtime_ns, stat.st_size]
        recorded = known.get(str(path))
        if isinstance(recorded, list) and recorded[:2] == stamp:
            plan.sources[str(path)] = str(recorded[2])
        else:
            plan.sources[str(path)] = _hash_file(path)
        plan.stamps[str(path)] = stamp
    if previous.get("fingerprint") == plan.fingerprint:
        plan.previous = {str(k): str(v) for k, v in previous.get("pages", {}).items()}
        plan.full = False
    return plan


def finish_build(plan: BuildPlan) -> None:
    """After a successful build: delete the pages that no longer exist, record the manifest."""
    for page in plan.stale_pages():
        (plan.output_dir / page).unlink(missing_ok=True)
    write_atomic(plan.output_dir / MANIFEST, plan.manifest())


def forget_manifest(output_dir: Path) -> None:
    """Before a build writes anything: a build cut short must not leave a manifest that vouches for it."""
    (output_dir / MANIFEST).unlink(missing_ok=True)


def fingerprint(settings: Settings, theme: Path) -> str:
    """A hash of everything that shapes every page of the site."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{pelican.__version__}\n{settings!r}\n{_hash_file(settings.config_path)}\n".encode())
    for folder in (theme, _PACKAGE):
        for path in _files_under(folder):
            digest.update(f"{path.relative_to(folder)}\n{_hash_file(path)}\n".encode())
    return digest.hexdigest()


def page_key(page: Mapping[str, Any], sources: Mapping[str, str]) -> str | None:
    """The key of a page rendered from posts and days (Writer.write_file's keyword arguments), else None.

    A digest post's article carries `day_file`, the day it shows (set by generator.site).
    """
    def inputs(article: Any) -> list[str] | None:
        post = sources.get(str(article.source_path))
        day_file = getattr(article, "day_file", None)
        day = sources.get(str(day_file)) if day_file else ""
        return None if post is None or day is None else [post, day]

    if page.get("article") is not None:
        article = page["article"]
        own = inputs(article)
        if own is None or not getattr(article, "outline", None):
            return None
        neighbours = [
            [other.url, str(other.title), str(getattr(other, "digest_date", ""))] if other else None
            for other in (getattr(article, "prev_article", None), getattr(article, "next_article", None))
        ]
        return _hash_json(["day", own, neighbours])
    if page.get("tag") is not None:
        listed = [inputs(article) for article in page.get("articles", ())]
        if any(item is None for item in listed):
            return None
        return _hash_json(["topic", str(page["tag"].name), listed])
    return None


class PageSkippingWriter(Writer):
    """Pelican's writer, except that a page whose key is unchanged since the last build is not rendered."""

    def __init__(self, output_path: str, settings: dict[str, Any] | None = None) -> None:
        super().__init__(output_path, settings)
        self.plan: BuildPlan | None = (settings or {}).get("DIGEST_BUILD")
        # Where this edition writes, relative to the main output directory ("zh" for /zh/).
        self._edition = (
            Path(output_path).resolve().relative_to(self.plan.output_dir.resolve()) if self.plan else Path()
        )

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        """Pelican's file opening, except that a file from before this build is replaced, never
        rewritten in place: the staging output shares it with the published site (generator.build)."""
        if filename not in self._written_files and os.path.isfile(filename):
            os.unlink(filename)
        return super()._open_w(filename, encoding, override)

    def write_file(self, name: str, template: Any, context: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        if self.plan is None or not name:
            return super().write_file(name, template, context, *args, **kwargs)
        page = self._page(name)
        key = page_key(kwargs, self.plan.sources) or ""
        self.plan.pages[page] = key
        unchanged = key and not self.plan.full and self.plan.previous.get(page) == key
        if unchanged and (self.plan.output_dir / page).is_file():
            self.plan.skipped += 1
            return None
        return super().write_file(name, template, context, *args, **kwargs)

    def write_feed(self, elements: Any, context: dict[str, Any], path: str | None = None, *args: Any, **kwargs: Any) -> Any:
        if self.plan is not None and path:
            self.plan.pages[self._page(path)] = ""
        return super().write_feed(elements, context, path, *args, **kwargs)

    def _page(self, name: str) -> str:
        """The page's path relative to the main output directory (the editions write below it)."""
        return (self._edition / name).as_posix()


def _source_files(settings: Settings) -> Iterable[Path]:
    yield from (path for path in sorted(settings.content_dir.rglob("*")) if path.is_file())
    yield from sorted((settings.store_dir / "days").glob("*.json"))


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def _hash_file(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def _hash_json(value: Any) -> str:
    return hashlib.blake2b(json.dumps(value).encode(), digest_size=16).hexdigest()


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return None
    return manifest
