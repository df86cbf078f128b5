"""The checks every request's input passes at the edge, before any view sees it: path ids, JSON bodies, text a
database can store. Their refusals are `errors.ValidationError`."""
from __future__ import annotations

from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from .errors import ValidationError

ROW_ID_MAX = 2**31 - 1  # PostgreSQL's integer: a larger id made the driver raise (SQLite: past 2^63) instead of miss
JSON_DEPTH_MAX = 32     # the API's deepest real body is 3 levels; the parser's own stack ends near 1,000


def storable(text: str) -> bool:
    """Text a database can keep: PostgreSQL refuses NUL bytes, and a lone surrogate (JSON lets a client write
    "\\ud800") is no character at all, so it cannot be encoded for any database."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_message() -> str:
    return _("This text contains characters that cannot be stored.")


def check_json_input(value) -> None:
    """Refuse, naming the field, a JSON body nested deeper than any real one or holding unstorable text anywhere;
    walked without recursion, so no body can exhaust the stack later either."""
    pending = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        if depth > JSON_DEPTH_MAX:
            raise ValidationError({"body": _("The JSON is nested too deeply.")})
        if isinstance(item, str):
            if not storable(item):
                raise ValidationError({path or "body": unstorable_message()})
        elif isinstance(item, dict):
            for key, child in item.items():
                if not storable(key):
                    raise ValidationError({"body": unstorable_message()})
                pending.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, f"{path}.{index}" if path else str(index), depth + 1)
                           for index, child in enumerate(item))


class RequestJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with every parsed request body checked at the edge, before any view or service sees it."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:  # deeper than the C parser's stack: 100,000 "[" is 100 KB
            raise ValidationError({"body": _("The JSON is nested too deeply.")}) from None
        check_json_input(value)
        return value


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: an id no row can have (0, past the integer column, a 5,000-digit number) is
    simply not found, before any view asks the database."""

    def to_python(self, value: str) -> int:
        # NotFound, not the converter's ValidationError: that one makes werkzeug answer 405 for a path whose other
        # methods are separate rules (GET, PUT and DELETE of one request). int() of 4,300+ digits is a ValueError.
        if len(value) > len(str(ROW_ID_MAX)) or not 0 < int(value) <= ROW_ID_MAX:
            raise NotFound()
        return int(value)
