"""Sending the email edition over SMTP (the edge: stdlib smtplib), one message per reader.

`deliver` opens one connection (plain, STARTTLS or TLS as the server's URL says), logs in when the
URL names a user, sends each message and calls `on_sent` right after the server accepted it, so
the store records every message as it goes. Any failure becomes a MailError of one line naming
the server without its password; what was accepted before it stays recorded.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable
from email.message import EmailMessage

from .errors import MailError
from .redact import redact
from .settings import SmtpServer

TIMEOUT_SECONDS = 60.0


def deliver(
    server: SmtpServer,
    messages: Iterable[tuple[EmailMessage, Callable[[], None]]],
    *,
    timeout: float = TIMEOUT_SECONDS,
    context: ssl.SSLContext | None = None,
) -> int:
    """Send each message, calling its callback once the server accepted it; returns how many."""
    sent = 0
    try:
        with _connect(server, timeout, context) as connection:
            for msg, on_sent in messages:
                connection.send_message(msg)
                on_sent()
                sent += 1
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"{server.url} refused the login ({_reply(exc)}): check the user and password in "
            f"DIGEST_SMTP_URL; {sent} sent"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(
            f"{server.url} offers no login on this connection: it may want smtp+starttls:// or "
            "smtps:// in DIGEST_SMTP_URL"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(exc.recipients)
        raise MailError(f"{server.url} refused the recipient {refused}: check DIGEST_EMAIL_TO; {sent} sent") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(
            f"sending through {server.url} failed: {_reply(exc)}; {sent} sent, the rest is "
            "retried by the next run"
        ) from None
    return sent


def _connect(server: SmtpServer, timeout: float, context: ssl.SSLContext | None) -> smtplib.SMTP:
    if server.scheme == "smtps":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, timeout=timeout, context=context or ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=timeout)
    try:
        if server.scheme == "smtp+starttls":
            connection.starttls(context=context or ssl.create_default_context())
        if server.username is not None and server.password is not None:
            connection.login(server.username, server.password.get_secret_value())
    except BaseException:
        connection.close()
        raise
    return connection


def _reply(exc: BaseException) -> str:
    """What went wrong, in one line, with any URL's password hidden."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        detail = f"{exc.smtp_code} {text}"
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        detail = f"the server closed the connection ({exc})" if str(exc) else "the server closed the connection"
    elif isinstance(exc, socket.timeout | TimeoutError):
        detail = "no answer in time"
    else:
        detail = str(exc) or type(exc).__name__
    return redact(" ".join(detail.split()))
