"""Validation errors raised by services and turned into 400 answers that name each field."""
from __future__ import annotations


class ValidationError(Exception):
    """Bad input. `fields` maps a field name to a message already in the user's language."""

    def __init__(self, fields: dict[str, str], message: str | None = None):
        self.fields = fields
        self.message = message or next(iter(fields.values()), "")
        super().__init__(self.message)


class Conflict(Exception):
    """The action collides with the current state (a duplicate, something changed meanwhile)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        self.message = message
        self.fields = fields or {}
        super().__init__(message)


class Forbidden(Exception):
    """The person may not do this; `message`, already in their language, says who may."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class Unavailable(Exception):
    """A service the action needs (the queue, the database) is down for now; nothing was changed."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)
