"""Regenerate the settings reference in README.md from the settings' own definitions (`make reference`)."""

import re
from pathlib import Path

from generator.settings import reference

START, END = "<!-- settings-reference:start -->", "<!-- settings-reference:end -->"

readme = Path(__file__).resolve().parent.parent / "README.md"
text = readme.read_text(encoding="utf-8")
pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
readme.write_text(pattern.sub(f"{START}\n{reference()}{END}", text), encoding="utf-8")
