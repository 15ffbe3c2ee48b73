"""The Markdown posts: metadata Pelican needs, both languages, inert untrusted text, stable bytes."""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

import markdown
import pytest

from generator import write
from generator.records import Note, NoteKind
from tests.support.days import HOSTILE_ABSTRACT, HOSTILE_TITLE, day, paper

CATEGORIES = ["cs.CV", "eess.IV"]


def metadata(post: str) -> dict[str, str]:
    header = post.split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in header.splitlines())


def to_html(post: str) -> str:
    body = post.split("\n\n", 1)[1]
    return markdown.markdown(body, extensions=["markdown.extensions.extra"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_posts_are_translations_of_each_other(lang: str) -> None:
    meta = metadata(write.render_post(day(), lang, CATEGORIES))
    assert meta["Slug"] == "2026-06-02"
    assert meta["Date"] == "2026-06-02"
    assert meta["Lang"] == lang
    assert meta["Digest_date"] == "2026-06-02"
    assert meta["Tags"] == "Lesion segmentation"


def test_english_post_lists_featured_papers_in_rank_order_with_links() -> None:
    post = write.render_post(day(count=6, featured=3), "en", CATEGORIES)
    html = to_html(post)
    positions = [html.index(f"Paper number {n} on") for n in (2, 3)]
    assert positions == sorted(positions)
    assert "Paper number 4 on" not in html  # not featured
    assert 'href="https://arxiv.org/abs/2606.00002"' in html
    assert 'href="https://arxiv.org/pdf/2606.00002v1"' in html
    assert "arXiv (cs.CV)" in html
    assert "3 more candidates" in html
    assert "extractive summary, not written by an LLM" in html


def test_chinese_post_has_chinese_labels_and_marks_untranslated_summaries() -> None:
    post = write.render_post(day(), "zh", CATEGORIES)
    assert "论文雷达 · 2026-06-02" in post
    assert "精选论文" in post
    assert "未翻译" in post
    assert "摘要节选，非 LLM 生成" in post


NO_KEY_NOTE = {"en": "Summaries are extractive: no LLM key was set.", "zh": "未设置 LLM 密钥，所有摘要均为原文节选。"}


@pytest.mark.parametrize(("lang", "other"), [("en", "zh"), ("zh", "en")])
def test_a_day_without_an_llm_key_says_so_in_the_posts_language(lang: str, other: str) -> None:
    post = write.render_post(day(notes=(Note("no_llm_key"),)), lang, CATEGORIES)
    label = {"en": "Note:", "zh": "注意："}[lang]  # a full-width colon in Chinese
    assert f"> **{label}** {NO_KEY_NOTE[lang]}" in post
    assert NO_KEY_NOTE[other] not in post


@pytest.mark.parametrize("kind", get_args(NoteKind))
def test_every_note_kind_is_worded_in_every_language(kind: NoteKind) -> None:
    values = {"failed": 2, "total": 30, "count": 3, "limit": "DIGEST['llm']['budget_usd'] = 0.5",
              "error": "HTTP 500", "text": "as stored"}
    texts = {lang: write.note_text(Note(kind, values), lang) for lang in ("en", "zh")}
    assert all(texts.values())
    assert "{" not in "".join(texts.values())
    assert (texts["en"] == texts["zh"]) == (kind == "text")  # only text stored before kinds is not translated


def test_a_note_stored_as_text_reads_the_same_in_both_posts() -> None:
    old = Note("text", {"text": "Summaries are extractive: no LLM key was set."})
    for lang in ("en", "zh"):
        assert "Summaries are extractive: no LLM key was set." in write.render_post(day(notes=(old,)), lang, CATEGORIES)


def test_untrusted_values_in_a_note_stay_text() -> None:
    hostile = Note("llm_budget", {"limit": "<script>x</script> [a](javascript:b) {total}", "count": 1})
    for lang in ("en", "zh"):
        html = to_html(write.render_post(day(notes=(hostile,)), lang, CATEGORIES))
        assert "<script" not in html and 'href="javascript' not in html
        assert "&lt;script&gt;x&lt;/script&gt;" in html and "{total}" in html


def test_hostile_paper_text_stays_text() -> None:
    hostile = paper(1, title=HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT,
                    authors=("<b>Mallory</b>", "Eve [x](javascript:y)"))
    for lang in ("en", "zh"):
        html = to_html(write.render_post(day(first=hostile), lang, CATEGORIES))
        assert "<script" not in html
        assert "<img" not in html
        assert "<b>Mallory" not in html
        assert "javascript:" not in html.replace("(javascript:", "")  # never inside href
        assert 'href="javascript' not in html
        assert "<strong>bold" not in html and "<em>bold" not in html
        assert "&lt;script&gt;" in html


def test_a_paper_link_is_a_plain_http_url_or_no_link() -> None:
    """Paper URLs come from sources: the posts link them by the site's rule (text.safe_url)."""
    hostile = replace(paper(1), url="javascript:alert(1)", pdf_url="https://x.example/a.pdf) [y](javascript:z")
    parens = replace(paper(2), url="https://doi.org/10.1016/S1361-8415(24)00123-4", pdf_url=None)
    for lang in ("en", "zh"):
        html = to_html(write.render_post(day(first=hostile), lang, CATEGORIES))
        assert "javascript" not in html
        assert "Paper number 1 on medical" in html  # the title stays, unlinked
        html = to_html(write.render_post(day(first=parens), lang, CATEGORIES))
        assert 'href="https://doi.org/10.1016/S1361-8415%2824%2900123-4"' in html


def test_rendering_is_deterministic() -> None:
    assert write.render_post(day(), "en", CATEGORIES) == write.render_post(day(), "en", CATEGORIES)


def test_text_flattens_whitespace_and_escapes_markup() -> None:
    assert write.text("a\n  b") == "a b"
    assert write.text("x < y & *z*") == r"x &lt; y &amp; \*z\*"


def test_text_drops_control_characters_xml_forbids() -> None:
    assert write.text("bell\x07 and\x00 null\x1b") == "bell and null"
