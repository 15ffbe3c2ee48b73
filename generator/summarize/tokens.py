"""Token estimates without a tokenizer: what the budget reserves before a request is sent."""

from __future__ import annotations

import math
import re

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def clip_tokens(text: str, tokens: int) -> str:
    """`text` cut at a word boundary to about `tokens` tokens (estimate_tokens), marked with " …"."""
    if estimate_tokens(text) <= tokens:
        return text
    low, high = 0, len(text)  # the longest prefix within the budget
    while low < high:
        middle = (low + high + 1) // 2
        if estimate_tokens(text[:middle]) <= tokens:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    return (cut.rsplit(" ", 1)[0] if " " in cut[len(cut) // 2:] else cut) + " …"


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: ~4 characters per token for Latin text, 1 per CJK character."""
    cjk = len(CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)
