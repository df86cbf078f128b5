"""Reading HTML form posts into the plain dicts the services validate (the same shape the API takes)."""
from __future__ import annotations

from collections.abc import Callable

from flask import request

from .extensions import db
from .errors import ValidationError

LIST_FIELDS = {"subjects", "grades"}


def form_data() -> dict:
    data: dict = {}
    for key in request.form:
        if key == "csrf_token":
            continue
        values = request.form.getlist(key)
        data[key] = values if key in LIST_FIELDS else values[-1]
    for key in LIST_FIELDS:
        data.setdefault(key, [])
    return data


def intervals_from_form(prefix: str) -> list[dict]:
    """Rows `prefix-N-day`, `prefix-N-start`, `prefix-N-end`; rows left wholly empty are skipped."""
    rows = []
    index = 0
    while f"{prefix}-{index}-day" in request.form:
        row = {part: request.form.get(f"{prefix}-{index}-{part}", "").strip() for part in ("day", "start", "end")}
        if row["start"] or row["end"]:
            rows.append(row)
        index += 1
    return rows


def save(action: Callable[[], object]) -> dict[str, str]:
    """Run a form's service call and commit it; on bad input roll back and return each field's message."""
    try:
        action()
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return exc.fields
    return {}
