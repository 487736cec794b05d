"""The exceptions of the notebook API: every message names the field, as the REST API's do."""

from __future__ import annotations

from typing import Any


class DescentLabError(Exception):
    """A request DescentLab refused or a run that did not finish.

    `message` is one line that starts with the field it is about
    (`optimizers.0.params.lr: Input should be greater than or equal to 0.000001`), `status`
    the HTTP status (422 for a local validation error), `detail` the server's detail list.
    """

    def __init__(self, message: str, status: int | None = None, detail: Any = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail

    @property
    def field(self) -> str | None:
        """The field the message names (`optimizers.0.params.lr`), if it names one."""
        head, sep, _ = self.message.partition(": ")
        return head if sep and " " not in head else None

    def __str__(self) -> str:
        return self.message if self.status is None else f"{self.status}: {self.message}"


class InvalidRequest(DescentLabError, ValueError):
    """A run request that fails the service's own checks, found locally (status 422)."""

    def __init__(self, message: str, more: list[str] | None = None):
        super().__init__(message, 422)
        self.more = list(more or [])


class ApiError(DescentLabError):
    """The server answered with an error status; `message` is the server's message."""


class RunFailed(DescentLabError):
    """A run ended `failed`, `cancelled` or `interrupted` instead of `done`."""
