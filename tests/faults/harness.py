"""The fault suite's harness: a throwaway project, the `digest` command in a subprocess, and the
checks every scenario ends with (feeds parse strictly, no executable markup, internal links
resolve, no paper twice, no secret anywhere, earlier days byte-identical)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[2]
LISTINGS = REPO / "sample" / "listings"
DIGEST = shutil.which("digest", path=str(Path(sys.executable).parent)) or "digest"
SITEURL = "https://radar.example"
DAY = "2026-06-02"
NEXT_DAY = "2026-06-03"


# No library: the ranker has nothing to fit, so a run takes seconds, not the SVD's minute on a busy machine.
RADAR = {"topics": {"Medical imaging": ["medical image", "MRI", "CT", "segmentation"]}, "authors": ["Hao Chen"],
         "floor": 0}  # every day features papers_per_day papers


def make_project(root: Path, *, papers: int = 3, llm: dict[str, object] | None = None,
                 digest: dict[str, object] | None = None) -> Path:
    """A project like a lab's fork: the repository's settings with a few papers a day."""
    root.mkdir(parents=True, exist_ok=True)
    text = (REPO / "pelicanconfig.py").read_text("utf-8")
    text += f"\nDIGEST['papers_per_day'] = {papers}\n"
    text += f"DIGEST['llm'].update({llm or {}!r})\n"
    text += f"DIGEST.update({ {'radar': RADAR, **(digest or {})}!r})\n"
    (root / "pelicanconfig.py").write_text(text, "utf-8")
    for folder in ("theme", "radar"):
        (root / folder).symlink_to(REPO / folder, target_is_directory=True)
    shutil.copytree(REPO / "content" / "pages", root / "content" / "pages")
    return root


def digest(project: Path, *args: str, env: dict[str, str] | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` in `project`, as a lab runs it; the environment holds no key unless given."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DIGEST_", "OPENAI_"))}
    return subprocess.run(
        [DIGEST, *args], cwd=project, env={**base, "DIGEST_SITEURL": SITEURL, "COLUMNS": "200", **(env or {})},
        capture_output=True, text=True, timeout=timeout,
    )


@dataclass(frozen=True)
class Ran:
    """What `digest_here` ran: the shape of subprocess.CompletedProcess the checks read."""

    returncode: int
    stdout: str
    stderr: str


def digest_here(project: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    """`digest ARGS` in this process (no interpreter start-up: for timing a scenario)."""
    from typer.testing import CliRunner

    from generator.cli import app

    config = ["--config", str(project / "pelicanconfig.py")]
    result = CliRunner().invoke(app, [*args, *config], env={"DIGEST_SITEURL": SITEURL, "COLUMNS": "200", **(env or {})})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def start_digest(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DIGEST_", "OPENAI_"))}
    return subprocess.Popen(
        [DIGEST, *args], cwd=project, env={**base, "DIGEST_SITEURL": SITEURL, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def kill_when(process: subprocess.Popen[str], ready: Path | None = None, *, after: float | None = None,
              timeout: float = 120) -> None:
    """kill -9 `process` as soon as `ready` exists (or after `after` seconds)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            return
        if ready is not None and ready.exists():
            break
        if after is not None and time.monotonic() - start >= after:
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def arxiv_env(url: str) -> dict[str, str]:
    return {"DIGEST_ARXIV_URL": url, "DIGEST_ARXIV_DELAY": "0"}


def snapshot(project: Path, *folders: str) -> dict[str, bytes]:
    """Every file under `folders` (default: content/digests, store, output), by relative path."""
    found = {}
    for folder in folders or ("content/digests", "store", "output"):
        for path in sorted((project / folder).rglob("*")):
            if path.is_file():
                found[str(path.relative_to(project))] = path.read_bytes()
    return found


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def assert_one_error_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def assert_no_secret(project: Path, secrets: Iterable[str], *texts: str) -> None:
    """None of `secrets` in any file of content/, store/, output/ nor in `texts` (the logs)."""
    files = snapshot(project, "content", "store", "output")
    for secret in secrets:
        encoded = secret.encode()
        leaks = [name for name, data in files.items() if encoded in data]
        assert not leaks, f"{secret!r} written to {leaks[:5]}"
        for text in texts:
            assert secret not in text, f"{secret!r} in the log"


def assert_site_sound(project: Path) -> None:
    """The built site: feeds are well-formed XML, pages carry no executable markup from paper data,
    every internal link resolves, no day JSON without its page, no paper twice in a day's cards."""
    output = project / "output"
    for feed in output.rglob("*.xml"):
        tree = ElementTree.parse(feed)  # strict: raises on anything not well-formed
        for link in tree.iter():  # a feed item links a page the site has (Atom href, RSS text)
            url = link.get("href") or (link.text or "") if link.tag.rpartition("}")[2] == "link" else ""
            if url.startswith(SITEURL):
                _assert_resolves(output, feed, url)
    for data in (output / "data").glob("*.json"):
        day = data.stem
        assert (output / day[:4] / day[5:7] / day[8:] / "index.html").is_file(), f"{data} has no page"
        papers = json.loads(data.read_text("utf-8"))["papers"]
        keys = [(p.get("source", "arxiv"), p["id"]) for p in papers]
        assert len(keys) == len(set(keys)), f"a paper twice in {data}"
    theme_scripts = {p.name for p in (REPO / "theme" / "static").rglob("*.js")}
    for page in output.rglob("*.html"):
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), f"{page}: <{tag.name} {name}>"
                text = " ".join(value) if isinstance(value, list) else str(value)
                assert not text.strip().lower().startswith(("javascript:", "data:text/html")), f"{page}: {name}={text}"
            if tag.name == "script" and tag.get("src"):
                assert Path(urlsplit(tag["src"]).path).name in theme_scripts, f"{page}: script {tag['src']}"
            if tag.name == "script" and not tag.get("src"):
                assert "alert(" not in tag.get_text(), f"{page}: inline script from data"
            for attribute in ("href", "src"):
                link = tag.get(attribute)
                if isinstance(link, str):
                    _assert_resolves(output, page, link)


def _assert_resolves(output: Path, page: Path, link: str) -> None:
    parts = urlsplit(link)
    if link.startswith(SITEURL):
        path = parts.path
    elif not parts.scheme and not parts.netloc and parts.path:
        path = "/" + str((page.parent / parts.path).resolve().relative_to(output.resolve())) if not parts.path.startswith("/") else parts.path
    else:
        return
    target = output / path.lstrip("/")
    assert target.is_file() or (target / "index.html").is_file(), f"{page}: broken link {link}"
