"""Every label the generator writes, in one place: source names, badges, notes and the en/zh
words of posts, feeds and email. (The theme's own UI strings stay in its gettext catalogue.)

Pure data and small pure functions: no I/O. Values formatted into a label are untrusted text;
callers escape the result for where it goes (Markdown, HTML, XML).

A label that holds a count words it with `fill`: "{count:paper|papers}" is the singular for a count
of one, the plural for any other, so that one English label reads "1 paper" and "2 papers" (as the
theme's ngettext does). Chinese has no plural: its labels have no such choice.
"""

from __future__ import annotations

import string
from typing import Any

from .merge import refs
from .records import Note, NoteKind, Paper, SourceRef

# How each source is named to readers; a source not listed is shown by its settings name.
SOURCE_NAMES = {
    "arxiv": "arXiv",
    "medrxiv": "medRxiv",
    "biorxiv": "bioRxiv",
    "huggingface": "Hugging Face",
    "journals": "Journals",
}

# What a paper's date is, by its primary source: the first version's submission (arXiv, and the
# arXiv papers of Hugging Face), the posting (medRxiv, bioRxiv), the item's date in a journal's feed.
DATE_KINDS = {"medrxiv": "posted", "biorxiv": "posted", "journals": "published"}

# The badge of a source whose category names the venue (a journal's name is its whole badge).
_CATEGORY_IS_NAME = {"journals"}


def source_name(source: str) -> str:
    """A source's display name: "arxiv" -> "arXiv"."""
    return SOURCE_NAMES.get(source, source)


def date_kind(source: str) -> str:
    """What the date of a paper from `source` is: "submitted", "posted" or "published"."""
    return DATE_KINDS.get(source, "submitted")


def badge(ref: SourceRef) -> str:
    """What a card shows of one source: "arXiv (cs.CV)", "medRxiv (Radiology and Imaging)",
    "Medical Image Analysis" (a journal), "HF ▲ 42" (Hugging Face upvotes)."""
    return badge_text(ref.source, ref.category, ref.upvotes)


def badge_text(source: str, category: str | None, upvotes: int | None) -> str:
    """The badge of a source listing, from its parts (see `badge`)."""
    if source == "huggingface":
        return f"HF ▲ {upvotes}" if upvotes is not None else "HF"
    if source in _CATEGORY_IS_NAME and category:
        return category
    name = source_name(source)
    if not category:
        return name
    return f"{name} ({category})"  # as the source spells it: arXiv's categories are case-sensitive (cs.CV)


def badges(paper: Paper) -> list[str]:
    """Every badge of a paper, its primary source first."""
    return [badge(ref) for ref in refs(paper)]


def score_text(score: float) -> str:
    """A relevance score as every edition shows it: one decimal, a whole one without ".0" ("87.3",
    "100"), as radar.js shows the day JSON's scores (stored to one decimal) with String()."""
    return f"{score:.1f}".removesuffix(".0")


def counted(count: int, noun: str) -> str:
    """A count in the log and the CLI's English lines: "1 paper", "2 papers"."""
    return f"{count} {_plural(count, noun, noun + 's')}"


def _plural(count: int, one: str, other: str) -> str:
    """English's rule: the singular for one, the plural for any other count (0 papers, 2 papers)."""
    return one if count == 1 else other


class _Formatter(string.Formatter):
    """str.format with one more format spec: "{count:paper|papers}" words a count's noun (or
    verb) in the singular or the plural."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            one, other = format_spec.split("|")
            return _plural(value, one, other)
        return str(super().format_field(value, format_spec))


_FORMATTER = _Formatter()  # stateless


def fill(label: str, **values: Any) -> str:
    """`label` with its values filled in, counts worded: fill("{count} {count:paper|papers}",
    count=1) is "1 paper". Every label that holds a count is filled through here."""
    return _FORMATTER.vformat(label, (), values)


def source_names(names: list[str], lang: str) -> str:
    """Sources named in a sentence: "arXiv", "arXiv and medRxiv", "arXiv, medRxiv and Hugging Face"."""
    shown = [LABELS[lang].get(f"source_{name}") or source_name(name) for name in names]
    if len(shown) <= 1:
        return "".join(shown)
    return LABELS[lang]["and"].join([list_separator(lang).join(shown[:-1]), shown[-1]])


def colon(lang: str) -> str:
    """The colon between a label and its text, as it stands before the text: "Note: x", and in
    Chinese the full-width "注意：x" (it carries its own space). Posts, feeds, email and the theme
    (site.colon) all take it from here."""
    return LABELS.get(lang, LABELS["en"])["colon"]


def list_separator(lang: str) -> str:
    """What separates the items of a list in running text: ", ", in Chinese the enumeration comma
    "、". (Author names, Latin script, are listed with ", " in every language.)"""
    return LABELS.get(lang, LABELS["en"])["comma"]


# The words of posts (write.py), feeds (feeds.py) and the email.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        # posts
        "title": "{site} · {date}",  # site: SITENAME (default_site when not given)
        "default_site": "Paper Radar",
        "headline": "Academic Intelligence · Curated Daily",
        "intro": "{featured} {featured:paper|papers} picked for this lab's radar from {candidates} "
        "new arXiv {candidates:paper|papers} in {categories}, announced on {date}.",
        "intro_sources": "{featured} {featured:paper|papers} picked for this lab's radar from "
        "{candidates} new {candidates:paper|papers} from {sources}, for {date}.",
        "topics": "Today's radar topics: {topics}.",
        "brief": "Cross-domain brief",
        "featured": "Featured papers",
        "extractive": "extractive summary, not written by an LLM",
        "untranslated": "",
        "problem": "Problem",
        "method": "Method",
        "results": "Results",
        "why": "Why picked",
        "terms": "terms: {terms}",
        "original_title": "",
        "more": "{count} more {count:candidate|candidates} ranked below the featured papers "
        "{count:is|are} listed on the site.",
        "note": "Note",
        # posts and feeds
        "authors": "{count} {count:author|authors}",
        "tldr": "TL;DR",
        "abstract": "Abstract",
        "pdf": "PDF",
        "code": "Code",
        "score": "score {score}",
        # feeds
        "feed_papers": "{site}: featured papers",
        "feed_topic": "{site}: {topic}",
        "feed_more_authors": "and {count} more",
        "feed_extractive": "(extractive summary, not written by an LLM)",
        "feed_unverified": " [not in the abstract]",  # follows the item: its own space
        "feed_digest": "Digest of {date}",
        "feed_original": "",
        # lists
        "source_journals": "journal feeds",  # in a sentence; a journal's paper shows the journal's name
        "and": " and ",
        "comma": ", ",  # list_separator
        "colon": ": ",  # colon
    },
    "zh": {
        "title": "{site} · {date}",
        "default_site": "论文雷达",
        "headline": "学术情报 · 每日精选",
        "intro": "从 {date} 公布的 {candidates} 篇 arXiv 新论文（{categories}）中，"
        "为本实验室的研究雷达精选 {featured} 篇。",
        "intro_sources": "从 {sources} 的 {candidates} 篇新论文中（{date}），"
        "为本实验室的研究雷达精选 {featured} 篇。",
        "topics": "今日雷达主题：{topics}。",
        "brief": "跨领域分析简报",
        "featured": "精选论文",
        "extractive": "摘要节选，非 LLM 生成",
        "untranslated": "未翻译",
        "problem": "问题",
        "method": "方法",
        "results": "结果",
        "why": "入选理由",
        "terms": "关键词：{terms}",
        "original_title": "原题：{title}",
        "more": "另有 {count} 篇候选论文排在精选之后，见网站。",
        "note": "注意",
        "authors": "{count} 位作者",
        "tldr": "要点",
        "abstract": "摘要页",
        "pdf": "PDF",
        "code": "代码",
        "score": "相关度 {score}",
        "feed_papers": "{site}：精选论文",
        "feed_topic": "{site}：{topic}",
        "feed_more_authors": "等 {count} 位",
        "feed_extractive": "（摘要节选，非 LLM 生成）",
        "feed_unverified": "［摘要中未找到］",
        "feed_digest": "{date} 日报",
        "feed_original": "原题：{title}",
        "source_journals": "期刊",
        # an enumeration comma throughout: "和" before a Latin name reads "期刊和medRxiv" (no space)
        "and": "、",
        "comma": "、",
        "colon": "：",
    },
}


# The language each edition's `other_edition` label is written in (its colon follows that language).
OTHER_EDITION_LANG = {"en": "zh", "zh": "en"}

# The words of the email edition (newsletter.py), over those of the posts.
EMAIL_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "{title}: {count} {count:paper|papers}",
        "matched": "{featured} {featured:paper|papers} matched the radar today, from {candidates} "
        "new {candidates:paper|papers}.",
        "followed": "followed author",
        "more_authors": "and {count} more",
        "read_online": "Read it on the site",
        "other_edition": "中文版",
        "feeds": "Feeds",
        "papers_feed": "featured papers (Atom)",
        "why_you": "You get this email because you are on the lab's list for {site}.",
        "unsubscribe": "Unsubscribe",
        "pdf": "PDF",
    },
    "zh": {
        "subject": "{title}：{count} 篇论文",
        "matched": "今日 {candidates} 篇新论文中有 {featured} 篇与研究雷达相符。",
        "followed": "关注的作者",
        "more_authors": "等 {count} 位",
        "read_online": "在网站上阅读",
        "other_edition": "English edition",
        "feeds": "订阅源",
        "papers_feed": "精选论文 (Atom)",
        "why_you": "你收到这封邮件，是因为你在 {site} 的实验室邮件列表中。",
        "unsubscribe": "退订",
        "pdf": "PDF",
    },
}


# How each note reads; "{name}" is one of the note's values. The Chinese wording follows the zh
# labels above and the theme's zh catalogue ("摘要节选" for an extractive summary, "跨领域分析简报").
NOTES: dict[str, dict[NoteKind, str]] = {
    "en": {
        "no_llm_key": "Summaries are extractive: no LLM key was set.",
        "llm_failed": "{failed} of {total} featured {total:paper|papers} {failed:has an extractive "
        "summary|have extractive summaries}: the LLM failed for {failed:it|them} (see the log).",
        "llm_budget": "The daily LLM budget ({limit}) was reached: {count} featured "
        "{count:paper has an extractive summary|papers have extractive summaries}.",
        "brief_budget": "No cross-domain brief today: the daily LLM budget ({limit}) was reached.",
        "brief_failed": "No cross-domain brief today: the LLM failed (see the log).",
        "brief_no_llm": "No cross-domain brief today: no paper was summarized by the LLM.",
        "paper_no_llm_key": "no OPENAI_API_KEY",
        "paper_llm_error": "{error}",
        "paper_budget": "daily LLM budget reached",
        "not_featured": "not featured: shown with its abstract",
        "source_failed": "{name} could not be read today ({error}); its papers will be in the "
        "next digest.",
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
        "source_failed": "今日未能读取 {name}（{error}），其论文将收入下一期日报。",
        "text": "{text}",
    },
}


def note_text(note: Note, lang: str) -> str:
    """What `note` says in `lang`, as plain (unescaped) text: its values are untrusted."""
    values = dict(note.values)
    if note.kind == "source_failed":  # a part that failed alone (a journal's feed) is named itself
        values["name"] = str(values.get("part") or "") or source_name(str(values.get("source", "")))
    return fill(NOTES[lang][note.kind], **values)
