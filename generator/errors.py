"""The digest's exceptions: the CLI turns each into one line on stderr and exit code 1.

DigestError
 ├── SettingsError   a setting is missing or invalid (the message names it)
 ├── SourceError     a paper source failed: HTTP error after retries, unreachable, malformed reply
 ├── StoreError      the store on disk is unreadable or inconsistent
 ├── SummaryError    the LLM failed for a paper (caught per paper: the paper falls back)
 ├── BuildError      Pelican failed to build the site
 ├── MailError       the mail server refused the email edition or could not be reached
 └── DeadlineError   the run passed DIGEST['run_minutes'] (what was finished is kept)

Every message passes through `redact.redact` when the error is made: a URL in it loses its user
info and secret parameters, whatever module raised it (the key itself is masked where it is known:
the CLI's error line, the log, the LLM's notes).
"""

from .redact import redact


class DigestError(Exception):
    """Base class: an error the user can act on, with a one-line message."""

    def __init__(self, message: str = ""):
        super().__init__(redact(str(message)))


class SettingsError(DigestError):
    """One or more settings are invalid; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = [redact(problem) for problem in problems]
        super().__init__("; ".join(self.problems))


class SourceError(DigestError):
    """A source could not deliver the day's papers; `status` is the HTTP status of the answer
    when a server answered with one that is not a success (404: the server does not know it)."""

    def __init__(self, message: str = "", status: int | None = None):
        super().__init__(message)
        self.status = status


class StoreError(DigestError):
    """The digest's store could not be read or written."""


class SummaryError(DigestError):
    """The LLM could not summarize a paper."""


class BuildError(DigestError):
    """The site could not be built."""


class MailError(DigestError):
    """The email edition could not be sent; the message never holds the server's password."""


class DeadlineError(DigestError):
    """The whole run took longer than its deadline (generator.guards)."""
