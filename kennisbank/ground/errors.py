"""Domain errors with Dutch messages, mapped to form errors, 403 or a conflict page by kennisbank.web.error_pages."""
from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request. `field_errors` puts reasons next to the right form fields."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class NotAllowed(Exception):
    """The user may not do this (HTTP 403). Not a DomainError: a view that puts domain errors on its form
    must never swallow a refusal of access."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class GateRefused(DomainError):
    """The start or closure gate refused: `problems` lists what is missing, in Dutch."""

    def __init__(self, message: str, problems: list[str], field_errors: dict[str, str] | None = None):
        super().__init__(message, field_errors)
        self.problems = problems
