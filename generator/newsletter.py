"""The email edition: a day's digest as one email per language, and which emails are due.

Pure: `render` turns a Day into an Edition (subject, HTML and plain text) in one language from the
templates in generator/templates/email/; `message` addresses an Edition to one reader as a
multipart/alternative EmailMessage with the headers mail clients expect; `due` says which (day,
reader) pairs have not been mailed yet. Sending (generator/smtp.py) and the record of what was
sent (store.py) are at the edges.

Convention: paper text, author names and LLM output are untrusted: the HTML template
autoescapes them and only plain http(s) URLs become links, exactly as on the site. The HTML is
a table at most 600 px wide with inline styles only (no external CSS, no script), so that Gmail,
Outlook and Apple Mail show it alike and it narrows to a phone; it stays under MAX_HTML_BYTES.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache, partial
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .labels import EMAIL_LABELS as _LABELS
from .labels import OTHER_EDITION_LANG
from .labels import LABELS as POST_LABELS
from .labels import badges, colon, fill, list_separator, score_text
from .records import Day, Entry
from .settings import Recipient, Settings
from .summarize.grounding import segments
from .text import brief_html, one_line, paragraphs, printable, safe_url
from .write import day_path

# Gmail clips a message whose HTML passes 102 KB ("[Message clipped]"): the edition stays below.
MAX_HTML_BYTES = 102_000
# A day is mailed to a reader only while it is among the newest few digests: a failed send is
# retried by the next runs, but a reader is never sent a backlog of old days.
LOOKBACK_DAYS = 3
# Authors shown on a card before "and N more" (followed authors are always shown).
MAX_AUTHORS = 12

TEMPLATES = Path(__file__).parent / "templates" / "email"


@dataclass(frozen=True, slots=True)
class Links:
    """The absolute URLs an edition links to."""

    day: str  # the day's page in this language
    other_day: str | None  # the same day in the other language
    atom: str
    rss: str
    papers: str  # one item per featured paper
    unsubscribe: str  # mailto: or URL


@dataclass(frozen=True, slots=True)
class Edition:
    """A day's digest as one email in one language, before it is addressed to anybody."""

    day: date
    lang: str
    subject: str
    html: str
    text: str


def site_links(siteurl: str, day: date, lang: str, article_urls: Mapping[str, str], unsubscribe: str) -> Links:
    """The day page, the other language and the feeds of `lang`, as absolute URLs; `article_urls`
    holds each language's ARTICLE_URL, the first language's being the main edition's."""
    languages = list(article_urls)

    def root(language: str) -> str:
        base = siteurl.rstrip("/")
        return base if language == languages[0] else f"{base}/{language}"

    def page(language: str) -> str:
        return f"{root(language)}/{day_path(article_urls[language], day, language)}"

    other = next((language for language in languages if language != lang), None)
    return Links(
        day=page(lang),
        other_day=page(other) if other else None,
        atom=f"{root(lang)}/feeds/all.atom.xml",
        rss=f"{root(lang)}/feeds/all.rss.xml",
        papers=f"{root(lang)}/feeds/papers.atom.xml",
        unsubscribe=unsubscribe,
    )


def render(day: Day, lang: str, *, sitename: str, links: Links, followed: Iterable[str],
           topic_name: Callable[[str], str] = str) -> Edition:
    """The edition of `day` in `lang` (pure: same day, same bytes); `topic_name(topic)` is how `lang`
    names a radar topic."""
    labels = {**POST_LABELS[lang], **_LABELS[lang]}
    featured = day.featured
    followed_names = set(followed)
    title = f"{sitename} · {day.date.isoformat()}"
    subject = fill(labels["subject"], title=title, count=len(featured))
    matched = fill(labels["matched"], featured=len(featured), candidates=len(day.entries))
    context = {
        "lang": lang,
        "sitename": sitename,
        "subject": subject,
        "title": title,
        "date": day.date.isoformat(),
        "matched": matched,
        "brief": day.brief.get(lang) or day.brief.get("en") or "",
        "cards": [_card(entry, lang, labels, followed_names, topic_name) for entry in featured],
        "links": links,
        "labels": labels,
        "colon": colon(lang).rstrip(),  # after a label; the templates put the space (as the posts do)
        "other_colon": colon(OTHER_EDITION_LANG.get(lang, lang)).rstrip(),  # after labels.other_edition
    }
    return Edition(
        day=day.date,
        lang=lang,
        subject=one_line(subject),
        html=_environment(autoescape=True).get_template("digest.html").render(context),
        text=_environment(autoescape=False).get_template("digest.txt").render(context),
    )


def _card(entry: Entry, lang: str, labels: Mapping[str, str], followed: set[str],
          topic_name: Callable[[str], str]) -> dict[str, object]:
    """What the templates show of one featured paper (text still unescaped)."""
    paper = entry.ranked.paper
    summary = entry.summary
    tldr = summary.tldr.get(lang) or ""
    untranslated = not tldr and bool(summary.tldr.get("en")) and bool(labels["untranslated"])
    marks = [labels["extractive"]] if summary.kind == "extractive" else []
    marks += [labels["untranslated"]] if untranslated else []
    shown = [a for i, a in enumerate(paper.authors) if i < MAX_AUTHORS or a in followed]
    why = [topic_name(match.name) if match.kind == "topic" else match.name for match in entry.ranked.matched]
    why.append(labels["score"].format(score=score_text(entry.ranked.score)))
    return {
        "rank": entry.rank,
        "badges": [one_line(badge) for badge in badges(paper)],
        "title": one_line(paper.title),
        "title_tr": one_line(summary.title.get(lang, "")) if lang != "en" else "",
        "url": safe_url(paper.url),
        "pdf_url": safe_url(paper.pdf_url),
        "authors": [(one_line(a), a in followed) for a in shown],
        "more_authors": len(paper.authors) - len(shown),
        # what the paper does not support stays marked, as on the site and in the feeds
        "tldr": segments(one_line(tldr or summary.tldr.get("en") or ""),
                         summary.unsupported.get(lang if tldr else "en", ()) if summary.kind == "llm" else ()),
        "tldr_lang": "en" if untranslated else None,
        "marks": list_separator(lang).join(marks),
        "why": " · ".join(one_line(w) for w in why),
    }


@cache  # one compiled environment per kind, for every edition of a run
def _environment(*, autoescape: bool) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=printable,
    )
    # the brief's "[3]" links to the card on the site's day page (the filter's argument)
    environment.filters["brief_html"] = partial(
        brief_html, paragraph_style="margin:0 0 10px;", link_style="color:#1d4ed8;"
    )
    environment.filters["paragraphs"] = paragraphs
    return environment


# --- addressing -----------------------------------------------------------------------------------


def recipient_key(address: str) -> str:
    """How the store names a reader: a hash of the address (the store is public, addresses are not)."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:16]


def message(
    edition: Edition, to: str, *, sender: str, list_id: str, unsubscribe: str, now: datetime
) -> EmailMessage:
    """`edition` addressed to `to`: multipart/alternative (text, then HTML) with Date, Message-ID,
    List-Id and List-Unsubscribe. The Message-ID is the same for the same day, language and reader,
    so a message re-sent after a crash is recognised by mail clients as the same one."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg = EmailMessage()
    msg["Subject"] = edition.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<digest.{edition.day.isoformat()}.{edition.lang}.{recipient_key(to)}@{domain}>"
    msg["List-Id"] = list_id
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(edition.text)
    msg.add_alternative(edition.html, subtype="html")
    msg["Content-Language"] = "zh-Hans" if edition.lang == "zh" else edition.lang  # after set_content
    return msg


def unsubscribe_link(configured: str | None, sender: str) -> str:
    """The settings' unsubscribe URL or mailto:, else a mail to the sender asking to unsubscribe."""
    return configured or f"mailto:{parseaddr(sender)[1]}?subject=unsubscribe"


def list_id(sitename: str, siteurl: str, sender: str) -> str:
    """`Paper Radar <paper-radar.lab.github.io>`: the site's name and host (or the sender's domain)."""
    host = urlsplit(siteurl).hostname or parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    slug = re.sub(r"[^a-z0-9]+", "-", sitename.lower()).strip("-") or "digest"
    label = sitename.replace('"', "").replace("<", "").replace(">", "")
    return f"{label} <{slug}.{host}>"


# --- the edition of a configured digest ---------------------------------------------------------

DRY_RUN_SENDER = "Paper Radar <radar@example.org>"  # --dry-run without DIGEST_EMAIL_FROM


def edition(day: Day, lang: str, settings: Settings) -> Edition:
    """`day` in `lang` with the site's links and the lab's followed authors."""
    sender = settings.mail.sender if settings.mail else DRY_RUN_SENDER
    unsubscribe = unsubscribe_link(settings.digest.email.unsubscribe, sender)
    links = site_links(settings.siteurl, day.date, lang, settings.article_urls, unsubscribe)
    return render(day, lang, sitename=settings.sitename_in(lang), links=links,
                  followed=settings.digest.radar.authors, topic_name=partial(settings.digest.radar.topic_name, lang=lang))


def addressed(edition: Edition, to: str, settings: Settings, now: datetime) -> EmailMessage:
    """`edition` as the message to `to`, from the configured sender."""
    sender = settings.mail.sender if settings.mail else DRY_RUN_SENDER
    return message(
        edition, to, sender=sender, now=now,
        list_id=list_id(settings.sitename, settings.siteurl, sender),
        unsubscribe=unsubscribe_link(settings.digest.email.unsubscribe, sender),
    )


def outbox(
    todo: Iterable[tuple[date, Recipient]], days: Callable[[date], Day], settings: Settings, now: datetime
) -> Iterator[tuple[date, Recipient, EmailMessage]]:
    """The message of each (day, reader) pair of `todo`, in the reader's language. Each edition
    is rendered once per (day, language) and addressed to every reader of that language: only
    the To and Message-ID headers are a reader's own. `days(on)` gives the day dated `on`."""
    editions: dict[tuple[date, str], Edition] = {}
    for on, reader in todo:
        if (on, reader.lang) not in editions:
            editions[on, reader.lang] = edition(days(on), reader.lang, settings)
        yield on, reader, addressed(editions[on, reader.lang], reader.address, settings, now)


# --- what is due ---------------------------------------------------------------------------------


def due(
    recipients: Iterable[Recipient],
    days: list[date],
    sent: Mapping[str, set[date]],
    *,
    only: date | None = None,
) -> list[tuple[date, Recipient]]:
    """The (day, reader) pairs to mail, oldest day first.

    With `only`, that day to every reader who has not had it. Otherwise the newest LOOKBACK_DAYS
    digests a reader has not had, from the first day they were mailed on (a failed send is retried;
    a day built late by a catch-up still goes out); a reader never mailed gets the newest day only.
    """
    if only is not None:
        candidates = [only] if only in days else []
    else:
        candidates = sorted(days)[-LOOKBACK_DAYS:]
    pairs = []
    unique: dict[str, Recipient] = {}
    for recipient in recipients:  # an address listed twice is mailed once, in its first language
        unique.setdefault(recipient_key(recipient.address), recipient)
    for recipient in unique.values():
        had = sent.get(recipient_key(recipient.address), set())
        if only is None and not had:
            todo = candidates[-1:]
        else:
            first = min(had, default=date.min) if only is None else date.min
            todo = [day for day in candidates if day not in had and day >= first]
        pairs += [(day, recipient) for day in todo]
    return sorted(pairs, key=lambda pair: pair[0])
