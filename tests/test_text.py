"""generator/text.py: the one brief-to-HTML helper the site's day page and the email share."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from generator import labels, newsletter, site, text


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


# --- punctuation: one home, generator/labels.py -------------------------------------------------

def test_the_colon_and_the_list_separator_of_each_language() -> None:
    assert (labels.colon("en"), labels.colon("zh"), labels.colon("fr")) == (": ", "：", ": ")
    assert (labels.list_separator("en"), labels.list_separator("zh")) == (", ", "、")
    assert labels.source_names(["arxiv", "medrxiv", "journals"], "zh") == "arXiv、medRxiv、期刊"


def test_no_other_module_or_template_decides_the_colon_or_the_list_separator() -> None:
    """The generator, the email templates and the theme (templates, radar.js) take them from
    labels.py (the theme through site.colon / site.list_separator and its `ui` JSON)."""
    root = Path(__file__).parent.parent
    files = [*root.glob("generator/**/*.py"), *root.glob("generator/templates/**/*"),
             *root.glob("theme/templates/*.html"), *root.glob("theme/static/js/*.js")]
    spelled = re.compile(r"""(["'])\s?[：、]\s?\1""")  # "、", '：', "： " ...
    found = [f"{path.relative_to(root)}: {line.strip()}" for path in files if path.name != "labels.py" and path.is_file()
             for line in path.read_text("utf-8").splitlines() if spelled.search(line)]
    assert found == []


def test_printable_is_the_emails_finalize_and_drops_what_html_does_not_allow() -> None:
    # The email's templates print records as they are: paper text may carry control characters
    assert text.printable("T\x07itle\x85\ufffe") == "Title" and text.printable(3) == 3
    cleaned = text.printable(Markup("<b>a\x1b</b>"))
    assert isinstance(cleaned, Markup) and cleaned == Markup("<b>a</b>")
    assert text.html_chars("tab\tand\nnewline") == "tab\tand\nnewline"
    for autoescape in (True, False):  # the email's HTML and text parts
        assert newsletter._environment(autoescape=autoescape).from_string("{{ x }}").render(x="a\x07\x85b") == "ab"
