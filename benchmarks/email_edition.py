"""Email edition benchmark: how big a day's email is, and how long it takes to render.

    .venv/bin/python benchmarks/email_edition.py [--days 20] [--runs 5]

Makes `--days` days of 30 featured real papers (sample/listings, the same LLM-shaped summaries as
benchmarks/build.py, so a TL;DR is the size of a real one), plus a worst day: the 30 papers with
the longest abstracts and most authors. Renders each in both languages with the project's
settings (generator.newsletter) and prints the HTML size (Gmail clips above 102 KB) as written and
as MIME-encoded in the message, the whole message as sent (text + HTML) and the render time, as
medians and maxima.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from build import FEATURED, listing_pool, make_day  # noqa: E402 - benchmarks/build.py

from generator import newsletter
from generator.settings import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    settings = load(REPO / "pelicanconfig.py", env={"DIGEST_SITEURL": "https://lab.github.io/paper-radar"})
    topics = settings.digest.radar.topics
    pool = listing_pool()
    first = date(2026, 6, 1)
    days = [make_day(first + timedelta(days=n), pool[n * 40:(n + 1) * 40], topics) for n in range(args.days)]
    worst = sorted(pool, key=lambda row: (len(row["abstract"]) + 40 * len(row["authors"])), reverse=True)
    days.append(make_day(first - timedelta(days=1), worst[:40], topics))
    now = datetime(2026, 6, 2, 3, 0, tzinfo=UTC)

    for lang in settings.digest.languages:
        html, html_sent, mime, text, seconds = [], [], [], [], []
        for day in days:
            assert len(day.featured) == FEATURED
            runs = []
            for _ in range(args.runs):
                start = time.perf_counter()
                edition = newsletter.edition(day, lang, settings)
                msg = newsletter.addressed(edition, "ada@example.org", settings, now)
                raw = msg.as_bytes()
                runs.append(time.perf_counter() - start)
            html.append(len(edition.html.encode("utf-8")))
            html_part = msg.get_body(("html",))
            assert html_part is not None
            html_sent.append(len(str(html_part.get_payload())))
            text.append(len(edition.text.encode("utf-8")))
            mime.append(len(raw))
            seconds.append(statistics.median(runs))
        print(
            f"{lang}: {len(days)} days of {FEATURED} papers (the last the worst case) | HTML median "
            f"{statistics.median(html):,.0f} B, max {max(html):,} B (Gmail clips at 102,000: "
            f"{'OK' if max(html) < newsletter.MAX_HTML_BYTES else 'OVER'}; MIME-encoded max "
            f"{max(html_sent):,} B: {'OK' if max(html_sent) < newsletter.MAX_HTML_BYTES else 'OVER'}) | text median "
            f"{statistics.median(text):,.0f} B | message as sent median {statistics.median(mime):,.0f} B, "
            f"max {max(mime):,} B | render + encode median {1000 * statistics.median(seconds):.1f} ms"
        )


if __name__ == "__main__":
    main()
