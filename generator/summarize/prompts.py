"""Prompt template files (generator/prompts/NAME.md) and the glossary sent with them."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any

from .. import glossary
from ..errors import SummaryError

LANGUAGE_NAMES = {"en": "English (en)", "zh": "Simplified Chinese (zh)"}
PROMPTS = resources.files("generator") / "prompts"


@dataclass(frozen=True)
class Prompt:
    """A prompt template file (generator/prompts/NAME.md): declared version, system and user parts."""

    version: str
    system: Template
    user: Template
    fingerprint: str  # hash of the file and the glossary: any edit invalidates cached replies

    def messages(self, **values: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system.substitute(values)},
            {"role": "user", "content": self.user.substitute(values)},
        ]


@lru_cache(maxsize=None)
def load_prompt(name: str) -> Prompt:
    text = (PROMPTS / f"{name}.md").read_text("utf-8")
    head, _, rest = text.partition("=== system ===\n")
    system, _, user = rest.partition("=== user ===\n")
    version = re.search(r"^version:\s*(\S+)", head, re.MULTILINE)
    if version is None or not user.strip():
        raise SummaryError(
            f"prompts/{name}.md: needs a 'version:' line, then '=== system ===' and '=== user ===' parts"
        )
    digest = hashlib.sha256((text + (PROMPTS / "glossary.tsv").read_text("utf-8")).encode()).hexdigest()
    return Prompt(version.group(1), Template(system.strip()), Template(user.strip()), digest[:12])


def glossary_for(text: str, languages: Sequence[str]) -> str:
    """The glossary lines whose English term occurs in `text` (sent only when translating)."""
    if "zh" not in languages:
        return "(not needed)"
    lines = [f"{entry.english} → {entry.chinese}" for entry in glossary.used_in(text)]
    return "\n".join(lines) or "(none)"


def languages_line(languages: Sequence[str]) -> str:
    """The languages as the prompts name them."""
    return ", ".join(LANGUAGE_NAMES[lang] for lang in languages)


def as_data(value: Any) -> str:
    """JSON for a delimited data block; '<' escaped so the text cannot close the block."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
