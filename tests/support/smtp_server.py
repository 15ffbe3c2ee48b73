"""A real SMTP server on 127.0.0.1 (aiosmtpd) with AUTH PLAIN/LOGIN, for the email tests.

It keeps what it accepted; `drop` makes it hang up in the middle of the first message (after
DATA, before its reply), as a server that goes away does. With `tls` it speaks STARTTLS
(required before AUTH) or implicit TLS ("smtps") with the self-signed certificate for 127.0.0.1
in tests/fixtures/smtp/ (`client_context()` trusts it).
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

CERTIFICATE = Path(__file__).resolve().parents[1] / "fixtures" / "smtp" / "localhost.crt"
USER = "lab"
PASSWORD = "pw-Sup3r.s3cret"  # tests assert it never shows in output


@dataclass
class Mailbox:
    """What the server accepted: (envelope recipients, the message's bytes), in order."""

    port: int
    drop: bool = False
    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop:
            server.transport.close()  # hang up instead of answering
            return "421 closing"
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client_context() -> ssl.SSLContext:
    """A client's TLS context that trusts the test server's certificate (and nothing else)."""
    return ssl.create_default_context(cafile=str(CERTIFICATE))


def _server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERTIFICATE, CERTIFICATE.with_suffix(".key"))
    return context


@contextmanager
def smtp_server(*, drop: bool = False, tls: Literal["starttls", "smtps"] | None = None) -> Iterator[Mailbox]:
    """An authenticating SMTP server (USER / PASSWORD) on a free port of 127.0.0.1."""
    mailbox = Mailbox(port=_free_port(), drop=drop)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # not the CLI's output under test

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode()
        )
        if ok:
            mailbox.logins.append(USER)
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    if tls == "starttls":
        options: dict[str, Any] = {"tls_context": _server_context(), "require_starttls": True}
    elif tls == "smtps":
        options = {"ssl_context": _server_context(), "auth_require_tls": False}  # TLS from the start
    else:
        options = {"auth_require_tls": False}  # AUTH over plain SMTP: a test server only
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=mailbox.port, authenticator=authenticator,
        auth_required=True, **options,
    )
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
