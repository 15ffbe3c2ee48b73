"""Untrusted text made safe to put in XML (feeds, posts, the replayed API): no forbidden characters."""

from __future__ import annotations

import re
import unicodedata

# What XML 1.0 forbids: C0 controls but tab and newlines, surrogates, U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_chars(text: str) -> str:
    """`text` without the characters XML forbids."""
    if text.isprintable():  # printable text has no XML-illegal character (checked in C)
        return text
    return _XML_ILLEGAL.sub("", text)


def visible(text: str) -> bool:
    """Whether `text` shows anything: not only spaces, controls and zero-width (format) characters."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf") for ch in text)


def one_line(text: str | None) -> str:
    """`text` valid in XML, on one line: forbidden characters dropped, whitespace runs collapsed."""
    return " ".join(xml_chars(text or "").split())  # str.split's whitespace is the regex module's \s
