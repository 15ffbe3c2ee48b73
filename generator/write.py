"""Write a day's digest as Markdown posts, one per language, linked as Pelican translations.

The posts are the readable form of the day (what feeds carry, and what a reader sees without the
theme); the theme renders the rich cards from the day's JSON. Paper text is untrusted: it is
HTML-escaped and its Markdown syntax neutralised, so a title can never become markup or a link.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from .files import write_atomic
from .records import Day, Entry, Note, NoteKind
from .settings import Settings
from .text import one_line

# Inline Markdown syntax (emphasis, code, links, images, escapes) that paper text must not trigger.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]!{}|~^$])")

_LABELS = {
    "en": {
        "title": "Paper Radar · {date}",
        "headline": "Academic Intelligence · Curated Daily",
        "intro": "{featured} papers picked for this lab's radar from {candidates} new arXiv "
        "papers in {categories}, announced on {date}.",
        "topics": "Today's radar topics: {topics}.",
        "brief": "Cross-domain brief",
        "featured": "Featured papers",
        "authors": "{count} authors",
        "author": "1 author",
        "tldr": "TL;DR",
        "extractive": "extractive summary, not written by an LLM",
        "untranslated": "",
        "problem": "Problem",
        "method": "Method",
        "results": "Results",
        "why": "Why picked",
        "score": "score {score}",
        "terms": "terms: {terms}",
        "abstract": "Abstract",
        "pdf": "PDF",
        "code": "Code",
        "original_title": "",
        "more": "{count} more candidates ranked below the featured papers are listed on the site.",
        "note": "Note",
    },
    "zh": {
        "title": "论文雷达 · {date}",
        "headline": "学术情报 · 每日精选",
        "intro": "从 {date} 公布的 {candidates} 篇 arXiv 新论文（{categories}）中，"
        "为本实验室的研究雷达精选 {featured} 篇。",
        "topics": "今日雷达主题：{topics}。",
        "brief": "跨领域分析简报",
        "featured": "精选论文",
        "authors": "{count} 位作者",
        "author": "1 位作者",
        "tldr": "要点",
        "extractive": "摘要节选，非 LLM 生成",
        "untranslated": "未翻译",
        "problem": "问题",
        "method": "方法",
        "results": "结果",
        "why": "入选理由",
        "score": "相关度 {score}",
        "terms": "关键词：{terms}",
        "abstract": "摘要页",
        "pdf": "PDF",
        "code": "代码",
        "original_title": "原题：{title}",
        "more": "另有 {count} 篇候选论文排在精选之后，见网站。",
        "note": "注意",
    },
}


# How each note reads; "{name}" is one of the note's values. The Chinese wording follows the zh
# labels above and the theme's zh catalogue ("摘要节选" for an extractive summary, "跨领域分析简报").
_NOTES: dict[str, dict[NoteKind, str]] = {
    "en": {
        "no_llm_key": "Summaries are extractive: no LLM key was set.",
        "llm_failed": "{failed} of {total} featured papers have extractive summaries: "
        "the LLM failed for them (see the log).",
        "llm_budget": "The daily LLM budget ({limit}) was reached: {count} featured papers have "
        "extractive summaries.",
        "brief_budget": "No cross-domain brief today: the daily LLM budget ({limit}) was reached.",
        "brief_failed": "No cross-domain brief today: the LLM failed (see the log).",
        "brief_no_llm": "No cross-domain brief today: no paper was summarized by the LLM.",
        "paper_no_llm_key": "no OPENAI_API_KEY",
        "paper_llm_error": "{error}",
        "paper_budget": "daily LLM budget reached",
        "not_featured": "not featured: shown with its abstract",
        "text": "{text}",
    },
    "zh": {
        "no_llm_key": "未设置 LLM 密钥，所有摘要均为原文节选。",
        "llm_failed": "{total} 篇精选论文中有 {failed} 篇因 LLM 调用失败而使用摘要节选（详见运行日志）。",
        "llm_budget": "已达到每日 LLM 预算（{limit}），{count} 篇精选论文使用摘要节选。",
        "brief_budget": "今日没有跨领域分析简报：已达到每日 LLM 预算（{limit}）。",
        "brief_failed": "今日没有跨领域分析简报：LLM 调用失败（详见运行日志）。",
        "brief_no_llm": "今日没有跨领域分析简报：没有论文经 LLM 总结。",
        "paper_no_llm_key": "未设置 OPENAI_API_KEY",
        "paper_llm_error": "LLM 调用失败：{error}",
        "paper_budget": "已达到每日 LLM 预算",
        "not_featured": "未入选精选，显示原文摘要",
        "text": "{text}",
    },
}


def note_text(note: Note, lang: str) -> str:
    """What `note` says in `lang`, as plain (unescaped) text: its values are untrusted."""
    return _NOTES[lang][note.kind].format_map(note.values)


def post_path(content_dir: Path, day: Day, lang: str) -> Path:
    return post_file(content_dir, day.date, lang)


def post_file(content_dir: Path, day: date, lang: str) -> Path:
    """Where the post of `day` in `lang` lives: content/digests/YYYY/YYYY-MM-DD-LANG.md."""
    return content_dir / "digests" / f"{day:%Y}" / f"{day.isoformat()}-{lang}.md"


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
    categories = settings.digest.arxiv.categories
    paths = []
    for lang in settings.digest.languages:
        path = post_path(settings.content_dir, day, lang)
        write_atomic(path, render_post(day, lang, categories))
        paths.append(path)
    return paths


def render_post(day: Day, lang: str, categories: list[str]) -> str:
    """The Markdown post of `day` in `lang` (pure: same day, same bytes)."""
    labels = _LABELS[lang]
    topics = _day_topics(day)
    intro = labels["intro"].format(
        featured=len(day.featured),
        candidates=len(day.entries),
        categories=", ".join(categories),
        date=day.date.isoformat(),
    )
    if topics:
        intro += " " + labels["topics"].format(topics=", ".join(topics))
    header = {
        "Title": labels["title"].format(date=day.date.isoformat()),
        "Date": day.date.isoformat(),
        "Slug": day.date.isoformat(),
        "Lang": lang,
        "Category": "digest",
        "Tags": ", ".join(t.replace(",", " ") for t in topics),
        "Digest_date": day.date.isoformat(),
        "Summary": text(intro),
    }
    lines = [f"{key}: {value}" for key, value in header.items() if value]
    lines += ["", f"*{text(labels['headline'])}*", "", text(intro), ""]
    for note in day.notes:
        lines += [f"> **{labels['note']}:** {text(note_text(note, lang))}", ""]
    brief = day.brief.get(lang) or day.brief.get("en")
    if brief:
        lines += [f"## {labels['brief']}", "", text(brief), ""]
    lines += [f"## {labels['featured']}", ""]
    for entry in day.featured:
        lines += _render_entry(entry, lang, day)
    rest = len(day.entries) - len(day.featured)
    if rest:
        lines += [labels["more"].format(count=rest), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _render_entry(entry: Entry, lang: str, day: Day) -> list[str]:
    labels = _LABELS[lang]
    paper = entry.ranked.paper
    summary = entry.summary
    translated_title = summary.title.get(lang) if lang != "en" else None
    title = translated_title or paper.title
    count = len(paper.authors)
    authors = labels["author"] if count == 1 else labels["authors"].format(count=count)
    badge = f"{source_name(paper.source)} ({paper.primary_category.upper()})"
    lines = [f"### {entry.rank}. [{text(title)}]({paper.url})", ""]
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
    lines += [f"**{labels['tldr']}**{mark}: {text(tldr)}", ""]
    for field in ("problem", "method", "results"):
        value = getattr(summary, field).get(lang)
        if value:
            lines += [f"- **{labels[field]}:** {text(value)}"]
    if any(getattr(summary, f).get(lang) for f in ("problem", "method", "results")):
        lines.append("")
    why = [text(m) for m in entry.ranked.matched]
    why.append(labels["score"].format(score=f"{entry.ranked.score:.1f}"))
    if entry.ranked.why:
        why.append(labels["terms"].format(terms=text(", ".join(entry.ranked.why))))
    lines += [f"*{labels['why']}:* {' · '.join(why)}", ""]
    links = [f"[{labels['abstract']}]({paper.url})", f"[{labels['pdf']}]({paper.pdf_url})"]
    if entry.code_url:
        links.append(f"[{labels['code']}]({entry.code_url})")
    lines += [" · ".join(links), ""]
    return lines


def text(value: str) -> str:
    """Untrusted text as inert Markdown: one line, no character XML forbids (feeds carry the
    posts' summaries), HTML escaped, inline syntax backslashed."""
    return _MARKDOWN_INLINE.sub(r"\\\1", html.escape(one_line(value), quote=False))


def source_name(source: str) -> str:
    return {"arxiv": "arXiv"}.get(source, source)


def _day_topics(day: Day) -> list[str]:
    """Radar topics matched by the day's featured papers, most matched first."""
    counts = Counter(
        m.removeprefix("topic:")
        for entry in day.featured
        for m in entry.ranked.matched
        if m.startswith("topic:")
    )
    return [topic for topic, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
