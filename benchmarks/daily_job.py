"""Benchmark of the daily job on the shipped days: run time, store growth per day, churn.

    .venv/bin/python benchmarks/daily_job.py        # 3 repeats (about a minute per repeat)
    .venv/bin/python benchmarks/daily_job.py 1      # or: how many repeats

Each repeat is a fresh copy of the demo lab (pelicanconfig.py, its library and radar, no LLM key)
against the local arXiv replaying sample/listings, driven through the `digest` command as the
workflow drives it: `digest catch-up --until D` for D = 2026-06-02, 06-03, 06-04 (one new day per
run, as on three mornings), each followed by a git commit of content/ and store/, then one
`digest build`. Prints, per day: the run time (median over repeats), the bytes the day added to
the files the job commits, and the growth of the git repository (packed); then the build time,
and how many files a re-run of the first day rewrote after the later days exist (should be 0).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from generator.replay import ReplayArxiv
from generator.settings import DEFAULT_HOLIDAYS

REPO = Path(__file__).resolve().parent.parent
DIGEST = str(Path(sys.executable).parent / "digest")
DAYS = ("2026-06-02", "2026-06-03", "2026-06-04")


def main(repeats: int) -> None:
    figures: dict[str, list[float]] = defaultdict(list)
    with ReplayArxiv(REPO / "sample" / "listings", holidays=DEFAULT_HOLIDAYS) as arxiv:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DIGEST_", "OPENAI_"))},
            "DIGEST_ARXIV_URL": arxiv.url, "DIGEST_ARXIV_DELAY": "0",
        }
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as folder:
                one_repeat(Path(folder) / "lab", env, figures)
    print(f"daily job on the shipped days, {repeats} repeat(s), medians:")
    for day in DAYS:
        print(
            f"  {day}: catch-up {statistics.median(figures[f'run {day}']):5.1f} s; "
            f"committed files +{statistics.median(figures[f'bytes {day}']) / 1e3:7.1f} kB "
            f"(store {statistics.median(figures[f'store {day}']) / 1e3:7.1f} kB, "
            f"posts {statistics.median(figures[f'posts {day}']) / 1e3:5.1f} kB); "
            f"git pack +{statistics.median(figures[f'pack {day}']) / 1e3:6.1f} kB"
        )
    per_day = [statistics.median(figures[f"bytes {day}"]) for day in DAYS]
    packed = [statistics.median(figures[f"pack {day}"]) for day in DAYS]
    print(f"  store + posts per mailing day: {statistics.mean(per_day) / 1e3:.0f} kB on average, "
          f"{statistics.mean(packed) / 1e3:.0f} kB in git (packed)")
    print(f"  digest build (3 days, both languages): {statistics.median(figures['build']):.1f} s")
    print(f"  files rewritten by re-running {DAYS[0]} after {DAYS[-1]}: "
          f"{max(figures['rewritten']):.0f}")


def one_repeat(lab: Path, env: dict[str, str], figures: dict[str, list[float]]) -> None:
    lab.mkdir()
    shutil.copy(REPO / "pelicanconfig.py", lab)
    shutil.copytree(REPO / "radar", lab / "radar")
    (lab / "theme").symlink_to(REPO / "theme", target_is_directory=True)
    if (REPO / "content" / "pages").is_dir():
        shutil.copytree(REPO / "content" / "pages", lab / "content" / "pages")
    git(lab, "init", "--quiet")
    commit(lab, "the lab")
    for day in DAYS:
        before, pack_before = committed_bytes(lab), packed_bytes(lab)
        started = time.perf_counter()
        digest(lab, env, "catch-up", "--until", day)
        figures[f"run {day}"].append(time.perf_counter() - started)
        commit(lab, f"digest: {day}")
        after = committed_bytes(lab)
        for part in ("store", "posts"):
            figures[f"{part} {day}"].append(after[part] - before[part])
        figures[f"bytes {day}"].append(sum(after.values()) - sum(before.values()))
        figures[f"pack {day}"].append(packed_bytes(lab) - pack_before)
    started = time.perf_counter()
    digest(lab, env, "build")
    figures["build"].append(time.perf_counter() - started)
    stamps = mtimes(lab)
    digest(lab, env, "run", "--date", DAYS[0])
    rewritten = [path for path, stamp in mtimes(lab).items() if stamps.get(path) != stamp]
    figures["rewritten"].append(len(rewritten))
    for path in rewritten:
        print(f"  rewritten on re-run: {path.relative_to(lab)}", file=sys.stderr)


def digest(lab: Path, env: dict[str, str], *args: str) -> None:
    result = subprocess.run([DIGEST, *args], cwd=lab, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"digest {' '.join(args)} failed:\n{result.stderr}")


def git(lab: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=lab, check=True, capture_output=True, text=True).stdout


def commit(lab: Path, message: str) -> None:
    git(lab, "add", "--all")
    git(lab, "-c", "user.name=bench", "-c", "user.email=bench@example.org",
        "commit", "--quiet", "--allow-empty", "-m", message)


def committed_bytes(lab: Path) -> dict[str, int]:
    """Bytes of the files the daily job commits: the store, and the posts."""
    folders = {"store": lab / "store", "posts": lab / "content" / "digests"}
    return {
        part: sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
        for part, folder in folders.items()
    }


def packed_bytes(lab: Path) -> int:
    """The repository's size once git has packed it (what a clone downloads)."""
    git(lab, "gc", "--quiet", "--aggressive", "--prune=now")
    counts = dict(line.split(": ") for line in git(lab, "count-objects", "-v").splitlines())
    return (int(counts["size-pack"]) + int(counts["size"])) * 1024


def mtimes(lab: Path) -> dict[Path, int]:
    files = [*(lab / "store").rglob("*"), *(lab / "content").rglob("*")]
    return {path: path.stat().st_mtime_ns for path in files if path.is_file()}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
