"""What clients send, written once: one schema per form, API body and event, validating all of them and generating
the API's OpenAPI document (`api/openapi.py`).

pydantic (v2) because it is the most used and best kept schema library for Python, validates a plain dict from any
source (a form post, a JSON body, a socket event, a script) and writes JSON Schema 2020-12, which is what OpenAPI 3.1
takes as it is; Flask needs no integration layer for that. Each field type below pairs one check from
`services/fields.py` (so every message stays the one the person has always read, in their language) with the JSON
Schema that says exactly what the check accepts. `parse` turns every refusal into one `ValidationError` naming each
bad field, all fields at once.

Two readings of the same schema:
- **strict** (the JSON API): types are JSON's own, as the document says: a number where a number is asked for, true
  or false for a flag. What the document forbids is refused.
- **lenient** (forms, the CLI, the demo, imports): a form can only send text, so "5" is a number and "on" is true.
Rules that need the database (a grade the school teaches, a school that already exists) get it through `parse`'s
keyword arguments and still report with the other fields.
"""
from __future__ import annotations

from .base import REQUIRED, Empty, Schema, parse, refuse
from .bodies import *  # noqa: F401,F403  (the bodies and field types, as `schemas.RequestBody`)
from .bodies import BROWSER_KEY_CHARS, DATE_SCHEMA, INTERVAL_SCHEMA, JOIN_CODE_MAX, NAME_MAX  # noqa: F401
