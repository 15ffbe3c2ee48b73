"""A run's guards: one run per tree at a time (a lock), and a deadline for the whole run.

`one_run(root)` holds an exclusive lock on `root/.digest.lock` (flock: released by the kernel
when the process ends, also on kill -9) while a command writes the store, the posts or the site;
a second command in the same tree refuses at once with a line naming the first one. Two runs at
once would pay the LLM twice and race on the same files.

`deadline(minutes)` makes the main thread raise DeadlineError when the run has taken `minutes`
(DIGEST['run_minutes']): whatever it was waiting for (a server, a retry), the run stops with one
line. Every file is written atomically and a day counts as built only once its day file is written
last (generator.pipeline), so what was finished is kept and the rest is retried by the next run.
"""

from __future__ import annotations

import fcntl
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from .errors import DeadlineError, DigestError

LOCK_FILE = ".digest.lock"


@contextmanager
def one_run(root: Path, command: str) -> Iterator[None]:
    """Hold the tree's run lock while the block runs; DigestError if another run holds it."""
    path = root / LOCK_FILE
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another digest command"
            raise DigestError(
                f"{holder} is running in {root} ({path.name} is locked): one run at a time; "
                "wait for it to finish, then run this again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"`digest {command}` (pid {os.getpid()}, since {time.strftime('%H:%M:%S')})\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock


@contextmanager
def deadline(minutes: float | None, setting: str = "DIGEST['run_minutes']") -> Iterator[None]:
    """Raise DeadlineError in the main thread after `minutes` (None: no deadline)."""
    if not minutes:
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise DeadlineError(
            f"the run passed its deadline ({setting} = {minutes:g}): the days built so far are "
            "kept; the others are retried by the next run (raise the setting for long backfills)"
        )

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, minutes * 60)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
