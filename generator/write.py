"""Write a day's digest as Markdown posts, one per language, linked as Pelican translations.

The posts are the readable form of the day (what feeds carry, and what a reader sees without the
theme); the theme renders the rich cards from the day's JSON. Paper text is untrusted: it is
HTML-escaped and its Markdown syntax neutralised, so a title can never become markup or a link.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

from .files import write_atomic
from .labels import LABELS as _LABELS
from .labels import badges, colon, fill, list_separator, note_text, score_text, source_names
from .records import Day, Entry
from .settings import Settings
from .text import one_line, safe_url

# Inline Markdown syntax (emphasis, code, links, images, escapes) that paper text must not trigger.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]!{}|~^$])")

def post_path(content_dir: Path, day: Day, lang: str) -> Path:
    return post_file(content_dir, day.date, lang)


def post_file(content_dir: Path, day: date, lang: str) -> Path:
    """Where the post of `day` in `lang` lives: content/digests/YYYY/YYYY-MM-DD-LANG.md."""
    return content_dir / "digests" / f"{day:%Y}" / f"{day.isoformat()}-{lang}.md"


# The fields of a post's metadata that its page's URL (ARTICLE_URL) may use, as Pelican fills them in.
DAY_PAGE_FIELDS = ("date", "slug", "lang", "category")
CATEGORY = "digest"


def day_path(article_url: str, day: date, lang: str) -> str:
    """The page of the post of `day` in `lang`, relative to its edition's root: `article_url` (the
    edition's ARTICLE_URL, settings.article_urls) filled in with the post's Date, Slug, Lang and
    Category (render_post's header), so feeds, search, related links and the email link the page
    Pelican writes whatever URL scheme a fork chooses. KeyError for a field a post has not."""
    values = dict(zip(DAY_PAGE_FIELDS, (datetime(day.year, day.month, day.day), day.isoformat(), lang, CATEGORY), strict=True))
    return article_url.format(**values)


def built_days(days: Iterable[date], settings: Settings) -> list[date]:
    """Those of `days` (dates with a day file) whose posts exist in every language: the days built.

    A run writes a day's posts, then its seen-list, and its day file last; a day file without its
    posts (an older version's interrupted run, posts deleted by hand) is not a built day.
    """
    return [
        day for day in days
        if all(post_file(settings.content_dir, day, lang).is_file() for lang in settings.digest.languages)
    ]


def write_posts(day: Day, settings: Settings) -> list[Path]:
    """Write one post per configured language; unchanged posts are left untouched."""
    arxiv = settings.sources.get("arxiv")
    categories = list(getattr(arxiv.settings, "categories", [])) if arxiv else []
    paths = []
    for lang in settings.digest.languages:
        path = post_path(settings.content_dir, day, lang)
        names = {topic: settings.digest.radar.topic_name(topic, lang) for topic in settings.digest.radar.topics}
        write_atomic(path, render_post(day, lang, categories, names, sitename=settings.sitename_in(lang)))
        paths.append(path)
    return paths


def render_post(day: Day, lang: str, categories: list[str], topic_names: Mapping[str, str] | None = None,
                *, sitename: str | None = None) -> str:
    """The Markdown post of `day` in `lang` (pure: same day, same bytes); `topic_names` names the
    radar topics in `lang` (a topic not in it keeps its name); `sitename` is the edition's
    SITENAME, which titles the day."""
    names = topic_names or {}
    labels = _LABELS[lang]
    topics = _day_topics(day)
    contributing = day_sources(day)
    intro = fill(
        labels["intro" if contributing == ["arxiv"] else "intro_sources"],
        featured=len(day.featured),
        candidates=len(day.entries),
        categories=", ".join(categories),
        sources=source_names(contributing, lang),
        date=day.date.isoformat(),
    )
    if topics:
        intro += " " + labels["topics"].format(topics=list_separator(lang).join(names.get(topic, topic) for topic in topics))
    header = {
        "Title": labels["title"].format(site=sitename or labels["default_site"], date=day.date.isoformat()),
        "Date": day.date.isoformat(),
        "Slug": day.date.isoformat(),
        "Lang": lang,
        "Category": CATEGORY,
        "Tags": ", ".join(t.replace(",", " ") for t in topics),
        "Digest_date": day.date.isoformat(),
        "Summary": text(intro),
    }
    lines = [f"{key}: {value}" for key, value in header.items() if value]
    lines += ["", f"*{text(labels['headline'])}*", "", text(intro), ""]
    for note in day.notes:
        lines += [f"> **{labels['note']}{_colon(lang)}** {text(note_text(note, lang))}", ""]
    brief = day.brief.get(lang) or day.brief.get("en")
    if brief:
        lines += [f"## {labels['brief']}", "", text(brief), ""]
    lines += [f"## {labels['featured']}", ""]
    for entry in day.featured:
        lines += _render_entry(entry, lang, day, names)
    rest = len(day.entries) - len(day.featured)
    if rest:
        lines += [fill(labels["more"], count=rest), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _render_entry(entry: Entry, lang: str, day: Day, names: Mapping[str, str]) -> list[str]:
    labels = _LABELS[lang]
    paper = entry.ranked.paper
    summary = entry.summary
    translated_title = summary.title.get(lang) if lang != "en" else None
    title = translated_title or paper.title
    authors = fill(labels["authors"], count=len(paper.authors))
    badge = " · ".join(badges(paper))
    url = _link_target(paper.url)
    lines = [f"### {entry.rank}. " + (f"[{text(title)}]({url})" if url else text(title)), ""]
    if translated_title:
        lines += [text(labels["original_title"].format(title=paper.title)), ""]
    lines += [
        f"**{text(badge)}** · {day.date.isoformat()} · {text(', '.join(paper.authors))} ({authors})",
        "",
    ]
    tldr = summary.tldr.get(lang)
    marks = []
    if summary.kind == "extractive":
        marks.append(labels["extractive"])
    if tldr is None:
        tldr = summary.tldr.get("en", "")
        if labels["untranslated"]:
            marks.append(labels["untranslated"])
    mark = f" *({'; '.join(marks)})*" if marks else ""
    lines += [f"**{labels['tldr']}**{mark}{_colon(lang)} {text(tldr)}", ""]
    for field in ("problem", "method", "results"):
        value = getattr(summary, field).get(lang)
        if value:
            lines += [f"- **{labels[field]}{_colon(lang)}** {text(value)}"]
    if any(getattr(summary, f).get(lang) for f in ("problem", "method", "results")):
        lines.append("")
    why = [text(names.get(m.name, m.name) if m.kind == "topic" else m.name) for m in entry.ranked.matched]
    why.append(labels["score"].format(score=score_text(entry.ranked.score)))
    if entry.ranked.why:
        why.append(labels["terms"].format(terms=text(list_separator(lang).join(entry.ranked.why))))
    lines += [f"*{labels['why']}{_colon(lang)}* {' · '.join(why)}", ""]
    links = [
        f"[{labels[name]}]({target})"
        for name, value in (("abstract", paper.url), ("pdf", paper.pdf_url), ("code", entry.code_url))
        if (target := _link_target(value))  # a journal's feed gives no PDF, most papers no code
    ]
    if links:
        lines += [" · ".join(links), ""]
    return lines


def _link_target(url: str | None) -> str | None:
    """A paper's URL as a Markdown link target, or None when it is not a plain http(s) URL (by the
    site's rule, text.safe_url): parentheses are percent-encoded so that one cannot end the link."""
    safe = safe_url(url)
    return safe.replace("(", "%28").replace(")", "%29") if safe else None


def _colon(lang: str) -> str:
    """The colon after a label, without its space: a post puts the space after the emphasis that
    closes the label ("**Note:** x"; Markdown's closing "**" cannot follow a space)."""
    return colon(lang).rstrip()


def text(value: str) -> str:
    """Untrusted text as inert Markdown: one line, no character XML forbids (feeds carry the
    posts' summaries), HTML escaped, inline syntax backslashed."""
    return _MARKDOWN_INLINE.sub(r"\\\1", html.escape(one_line(value), quote=False))


def day_sources(day: Day) -> list[str]:
    """The sources that listed the day's candidates, arXiv first, then by name."""
    names = {ref.source for e in day.entries for ref in e.ranked.paper.sources}
    names |= {e.ranked.paper.source for e in day.entries if not e.ranked.paper.sources}
    return sorted(names, key=lambda name: (name != "arxiv", name))


def _day_topics(day: Day) -> list[str]:
    """Radar topics matched by the day's featured papers, most matched first."""
    counts = Counter(
        m.name for entry in day.featured for m in entry.ranked.matched if m.kind == "topic"
    )
    return [topic for topic, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
