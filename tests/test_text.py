"""generator/text.py: the one brief-to-HTML helper the site's day page and the email share."""

from __future__ import annotations

from generator import newsletter, site, text


def test_brief_html_escapes_the_brief_and_links_its_references() -> None:
    brief = "<b>x</b> [2]\n\n  second\n  paragraph [12]\n \n"
    assert str(text.brief_html(brief)) == (
        '<p>&lt;b&gt;x&lt;/b&gt; <a href="#p2">[2]</a></p><p>second paragraph <a href="#p12">[12]</a></p>'
    )
    assert text.paragraphs(brief) == ["<b>x</b> [2]", "second paragraph [12]"]


def test_brief_html_links_another_page_with_inline_styles_escaped() -> None:
    page = 'https://lab.example/2026/06/02/?a=1&b="\\1'  # a backslash is no group reference
    assert str(text.brief_html("see [3]", page, paragraph_style="margin:0;", link_style="color:#1d4ed8;")) == (
        '<p style="margin:0;">see <a href="https://lab.example/2026/06/02/?a=1&amp;b=&quot;\\1#p3" '
        'style="color:#1d4ed8;">[3]</a></p>'
    )


def test_the_site_and_the_email_use_the_one_helper() -> None:
    assert site.brief_html is text.brief_html
    assert newsletter._environment(autoescape=True).filters["brief_html"].func is text.brief_html
    assert newsletter._environment(autoescape=False).filters["paragraphs"] is text.paragraphs
