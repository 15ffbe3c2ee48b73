"""Token estimates without a tokenizer: what the budget reserves before a request is sent."""

from __future__ import annotations

import math
import re

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: ~4 characters per token for Latin text, 1 per CJK character."""
    cjk = len(CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)
