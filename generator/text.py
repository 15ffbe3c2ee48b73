"""Untrusted text made safe: for XML (feeds, posts, the replayed API: no forbidden characters) and,
for the LLM's brief, as escaped HTML paragraphs (the site's day page and the email)."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from bs4 import BeautifulSoup
from markupsafe import Markup

# What XML 1.0 forbids: C0 controls but tab and newlines, surrogates, U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_chars(text: str) -> str:
    """`text` without the characters XML forbids."""
    if text.isprintable():  # printable text has no XML-illegal character (checked in C)
        return text
    return _XML_ILLEGAL.sub("", text)


# What HTML does not allow in text: C0/C1 controls but tab and newlines, DEL, noncharacters.
_NOT_HTML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def html_chars(text: str) -> str:
    """`text` without the characters HTML does not allow."""
    return text if text.isprintable() else _NOT_HTML.sub("", text)


def printable(value: Any) -> Any:
    """What a template prints, without the characters HTML does not allow, which paper text may
    carry: a Jinja finalize for templates that print records as they are (the email's; the site's
    days are cleaned once when read, dayview.read_whole_day). Markup stays Markup."""
    if not isinstance(value, str) or value.isprintable():  # the common case, checked in C
        return value
    cleaned = html_chars(value)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def safe_url(value: object) -> str | None:
    """`value` if it is a plain http(s) URL, else None: paper data must never yield a javascript: link
    (the one rule of the site, the posts, the feeds and the email)."""
    text = str(value or "").strip()
    return text if _SAFE_URL.match(text) else None


def visible(text: str) -> bool:
    """Whether `text` shows anything: not only spaces, controls and zero-width (format) characters."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf") for ch in text)


def one_line(text: str | None) -> str:
    """`text` valid in XML, on one line: forbidden characters dropped, whitespace runs collapsed."""
    return " ".join(xml_chars(text or "").split())  # str.split's whitespace is the regex module's \s


# Elements that end a run of text: their content must not run into the next word.
_BLOCKS = ("p", "br", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6", "sec", "title",
           "jats:p", "jats:sec", "jats:title")


def plain_text(markup: str | None) -> str:
    """HTML or JATS markup in a title or abstract reduced to one line of text.

    Entities are decoded, tags dropped (inline ones glue: "H<sub>2</sub>O" is "H2O"; block ones
    separate), whitespace collapsed, XML-forbidden characters dropped. Text that only looks like a
    tag ("p < 0.05") stays.
    """
    text = markup or ""
    if "<" not in text and "&" not in text:
        return one_line(text)
    soup = BeautifulSoup(text, "html.parser")
    for block in soup.find_all(_BLOCKS):
        block.insert_after(" ")
    return one_line(soup.get_text())


# A brief's reference to a paper card: "[3]" is the card ranked 3 (its anchor is "#p3").
_PAPER_REFERENCE = re.compile(r"\[(\d{1,3})\]")


def paragraphs(text: str) -> list[str]:
    """The paragraphs of `text` (blank-line separated), each on one line."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def brief_html(text: str, page: str = "", *, paragraph_style: str = "", link_style: str = "") -> Markup:
    """The LLM's brief as escaped paragraphs, its "[3]" references linked to the paper cards of the
    day page at URL `page` (default: the page the brief is on). The styles, if any, are inline CSS
    (the email's); `page` and the styles are escaped, the brief's text too."""

    def attribute(style: str) -> str:
        return f' style="{html.escape(style)}"' if style else ""

    def link(reference: re.Match[str]) -> str:
        number = reference.group(1)
        return f'<a href="{html.escape(page)}#p{number}"{attribute(link_style)}>[{number}]</a>'

    return Markup("".join(
        f"<p{attribute(paragraph_style)}>{_PAPER_REFERENCE.sub(link, html.escape(p))}</p>"
        for p in paragraphs(text)
    ))
