"""The one exception hierarchy of advisor.

Every error a user can cause is an :class:`AdvisorError` whose message names the
file, line or value at fault and says what to do. The CLI maps each class to an
exit code in one place (:func:`advisor.cli.main`); nothing else prints tracebacks.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """Root of every error advisor reports to a user.

    Args:
        message: What went wrong, naming the file, line or value.
        hint: What the user should do about it.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if not self.hint:
            return self.message
        # The message is a sentence; end it before the hint when the raiser did not.
        stop = "" if self.message.rstrip().endswith((".", "!", "?", ":")) else "."
        return f"{self.message.rstrip()}{stop} {self.hint}"


class UsageError(AdvisorError):
    """An option or argument value is invalid (bad ``--since``, unknown ``--format``)."""

    exit_code = 2


class InputError(AdvisorError):
    """An input file cannot be read or holds something advisor cannot use."""

    exit_code = 3


class NotFoundError(AdvisorError):
    """A named thing does not exist: a file, a function in the workspace, a catalog entry."""

    exit_code = 4


class RemoteError(AdvisorError):
    """A remote service (AWS) failed or refused the request."""

    exit_code = 5


class TargetError(AdvisorError):
    """A tuning target (local handler, live function) failed to configure or invoke."""

    exit_code = 6
