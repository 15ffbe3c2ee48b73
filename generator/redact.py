"""Secrets out of text: every error text that can reach a page, a feed, the store or a log passes here.

Pure functions. `redact(text, secrets)`:

- URLs lose the secret part of their user info (`http://user:pw@host/` → `http://user:***@host/`,
  `https://TOKEN@host/` → `https://***@host/`);
- a secret-looking `name=value` pair (a query parameter or a form field whose name contains token,
  key, password, secret, sig, auth, credential...) keeps its name and loses its value (`token=***`);
- `Authorization: Bearer ...` values and OpenAI-style keys (`sk-...`) are masked;
- each of `secrets` (the API key, the SMTP password: see `settings.secret_values`) is masked
  wherever it appears, also percent-encoded. Values shorter than MIN_SECRET_CHARS are not
  searched for (masking "ab" everywhere would garble every line); they are still masked as URL
  user info or secret parameters.

A user name alone in a URL (`https://NAME@host/`) counts as a secret: it errs on the safe side,
as it is often a token, but a plain name is masked too. `https://reader@feeds.example/` in a
configured URL makes "reader" one of `settings.secret_values`, masked in every log line and error
text wherever the word appears ("*** failed" for "reader failed"). A name beside a password (the
SMTP user) is not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlsplit

MASK = "***"
MIN_SECRET_CHARS = 4

# user info of a URL: scheme://user:password@host → scheme://user:***@host; a lone user part
# (often a token: https://TOKEN@host) → scheme://***@host
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)(?:([^/\s@?#\"'<>:]*):)?[^/\s@?#\"'<>]*@")
# name=value where the name says the value is a secret (query strings, form bodies, log lines)
_SECRET_NAME = r"[\w.-]*(?:token|key|passw(?:or)?d|pwd|secret|sig|signature|auth|credential|session)[\w.-]*"
_SECRET_PAIR = re.compile(rf"(?i)\b({_SECRET_NAME})(=|%3D)([^\s&;#\"'<>]+)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_OPENAI_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{8,}")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without URL user info, secret parameters, bearer tokens, API keys and `secrets`."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            text = text.replace(form, MASK)
    text = _USERINFO.sub(lambda m: f"{m[1]}{m[2] + ':' if m[2] is not None else ''}{MASK}@", text)
    text = _SECRET_PAIR.sub(rf"\1\2{MASK}", text)
    text = _BEARER.sub(rf"\1 {MASK}", text)
    return _OPENAI_KEY.sub(MASK, text)


def url_secrets(url: str) -> tuple[str, ...]:
    """The secret parts of a URL: its password and secret query values. A user name beside a
    password is no secret (the SMTP user); a user name alone is (`https://TOKEN@host/`), even a
    plain one (`reader@`): see the module's docstring."""
    try:
        parts = urlsplit(url)
        lone_user = parts.username if parts.password is None else None
        found = [parts.password or "", lone_user or ""]
    except ValueError:
        return ()
    found += [value for name, value in parse_qsl(parts.query) if re.fullmatch(_SECRET_NAME, name, re.I)]
    return tuple(value for value in found if value)


class RedactingFilter(logging.Filter):
    """A log filter that passes every record's text (and its traceback text) through `redact`.

    Attached to the CLI's log handler; `secrets` may grow once the settings are read.
    """

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            exc.args = tuple(redact(str(arg), self.secrets) if isinstance(arg, str) else arg for arg in exc.args)
        return True
