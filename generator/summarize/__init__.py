"""The summarize stage: a summary for every paper, by the LLM when there is one, else extractive.

One module per job: `extractive` (the fallback), `tokens` (estimates for the budget), `prompts`
(template files and glossary), `replies` (schemas and validation), `client` (the only request
path to the LLM server), `day` (the day's orchestration).
"""

from .client import openai_client
from .day import (
    BUDGET_REASON,
    NO_KEY_NOTE,
    NO_KEY_REASON,
    PAPER_MAX_TOKENS_OUT,
    DaySummaries,
    summarize_day,
)
from .extractive import EXTRACTIVE_MAX_CHARS, extractive
from .replies import parse_brief_reply, parse_paper_reply
from .tokens import estimate_tokens

__all__ = [
    "BUDGET_REASON",
    "EXTRACTIVE_MAX_CHARS",
    "NO_KEY_NOTE",
    "NO_KEY_REASON",
    "PAPER_MAX_TOKENS_OUT",
    "DaySummaries",
    "estimate_tokens",
    "extractive",
    "openai_client",
    "parse_brief_reply",
    "parse_paper_reply",
    "summarize_day",
]
