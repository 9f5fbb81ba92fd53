"""Domain errors raised by services; views turn them into messages and status codes."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action. ``message`` is shown to the user."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class InvalidTransition(DomainError):
    status_code = 409


class CapacityReached(DomainError):
    status_code = 409


class Conflict(DomainError):
    status_code = 409


class ValidationFailed(DomainError):
    status_code = 422
