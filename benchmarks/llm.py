"""Benchmark the LLM stage: 30 featured papers against a local OpenAI-compatible server with 1 s latency.

Prints the wall time of a day (default concurrency) against the serial time (concurrency 1),
the requests a re-run makes, and the tokens per paper of the prompts actually sent. Tokens are
counted with generator.summarize.estimate_tokens (~4 characters per token for Latin text, one per
CJK character; tiktoken is not installed). Output tokens are those of the local server's replies,
which are as long as the prompt's word limits allow; the request's max_tokens caps a real model.

Run from the repository root:  .venv/bin/python benchmarks/llm.py
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # a script, not a package: reach tests/support from the root

from generator import settings as settings_module  # noqa: E402
from generator.settings import Settings  # noqa: E402
from generator.store import Store  # noqa: E402
from generator.summarize import PAPER_MAX_TOKENS_OUT, estimate_tokens, openai_client, summarize_day  # noqa: E402
from tests.support.openai_server import OpenAIServer, Recorded  # noqa: E402
from tests.support.papers import listing_papers, ranked  # noqa: E402

PAPERS = 30
LATENCY_SECONDS = 1.0
TARGET_RATIO = 0.25
TARGET_TOKENS_IN, TARGET_TOKENS_OUT = 1500, 500


def _settings(server: OpenAIServer, concurrency: int | None = None) -> Settings:
    loaded = settings_module.load(
        REPO / "pelicanconfig.py", env={"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": server.url}
    )
    if concurrency is None:
        return loaded
    llm = loaded.digest.llm.model_copy(update={"concurrency": concurrency})
    return dataclasses.replace(loaded, digest=loaded.digest.model_copy(update={"llm": llm}))


def _timed_day(settings: Settings, store: Path, featured: list) -> float:
    start = time.perf_counter()
    day = summarize_day(featured, settings, Store(store), client=openai_client(settings))
    elapsed = time.perf_counter() - start
    assert {s.kind for s in day.summaries.values()} == {"llm"} and day.brief, day.notes
    return elapsed


def _tokens_in(request: Recorded) -> int:
    """The prompt as sent: every message, plus the schema in response_format."""
    return estimate_tokens(request.prompt) + estimate_tokens(json.dumps(request.body["response_format"]))


def main() -> None:
    # Featured papers as the ranker would pick them for the demo radar: computer vision first.
    papers = [p for p in listing_papers("2026-06-02") if p.primary_category in ("cs.CV", "eess.IV")]
    featured = ranked(papers[:PAPERS])
    with OpenAIServer(latency=LATENCY_SECONDS) as server, tempfile.TemporaryDirectory() as tmp:
        default = _settings(server)
        serial = _timed_day(_settings(server, concurrency=1), Path(tmp, "serial"), featured)
        server.requests.clear()
        wall = _timed_day(default, Path(tmp, "day"), featured)
        sent = list(server.requests)
        server.requests.clear()
        rerun = _timed_day(default, Path(tmp, "day"), featured)
        rerun_requests = len(server.requests)

    per_paper = [r for r in sent if "<paper>" in r.prompt]
    tokens_in = [_tokens_in(r) for r in per_paper]
    tokens_out = [estimate_tokens(r.reply) for r in per_paper]
    brief = next(r for r in sent if "<papers>" in r.prompt)
    ratio = wall / serial
    print(f"LLM stage: {len(featured)} featured papers, server latency {LATENCY_SECONDS:g} s, "
          f"concurrency {default.digest.llm.concurrency}")
    print(f"  wall time      {wall:6.2f} s   serial {serial:6.2f} s   ratio {ratio:.3f}  "
          f"(target <= {TARGET_RATIO})  {'ok' if ratio <= TARGET_RATIO else 'MISSED'}")
    print(f"  re-run         {rerun_requests} requests in {rerun:.2f} s  (target 0)  "
          f"{'ok' if rerun_requests == 0 else 'MISSED'}")
    print(f"  tokens in      per paper median {statistics.median(tokens_in):.0f}, max {max(tokens_in)}  "
          f"(target <= {TARGET_TOKENS_IN})  {'ok' if max(tokens_in) <= TARGET_TOKENS_IN else 'MISSED'}")
    print(f"  tokens out     per paper median {statistics.median(tokens_out):.0f}, max {max(tokens_out)}, "
          f"cap {PAPER_MAX_TOKENS_OUT}  (target <= {TARGET_TOKENS_OUT})  "
          f"{'ok' if max(tokens_out) <= TARGET_TOKENS_OUT else 'MISSED'}")
    print(f"  brief          {_tokens_in(brief)} tokens in, {estimate_tokens(brief.reply)} out (one request a day)")
    print("  tokens counted with estimate_tokens (no tiktoken): ~4 chars/token Latin, 1/CJK char")


if __name__ == "__main__":
    main()
