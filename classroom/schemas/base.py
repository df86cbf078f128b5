"""The machinery of the schemas: a field type pairs one check of `services/fields.py` with the JSON Schema of
what it accepts; `Schema` is a body; `parse` reads data against one, strictly (JSON) or leniently (a form's text),
and turns every refusal into one `ValidationError` naming each bad field."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, WithJsonSchema
from pydantic import ValidationError as PydanticError
from pydantic_core import PydanticCustomError

from ..errors import ValidationError
from ..services import fields

REQUIRED = "required"  # marks a field the document lists as required (its check refuses a missing value)
ROW_TEXT = r"\S"       # required text: something other than spaces


def refuse(found: dict[str, str]) -> PydanticCustomError:
    """A refusal of one field (or several, for nested ones: `windows.2.end`), carried through pydantic to `parse`."""
    return PydanticCustomError("refused", "{message}", {"message": next(iter(found.values())), "fields": found})


def _strict(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("strict"))


def _field(check: Callable, schema: dict, *, required: bool = False, default: Any = None,
           json_type: Callable[[Any], bool] | None = None, type_message: Callable[[], str] | None = None):
    """A field: `check(errors, name, value, info)` cleans the value or adds a message to `errors`; `schema` is its
    JSON Schema. An optional field left out (or null) takes `default` without a check. `json_type` says which JSON
    values the strict reading accepts at all; others get `type_message`."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        if value is None and not required:
            return default
        if _strict(info) and json_type is not None and not json_type(value):
            raise refuse({info.field_name: type_message()})
        errors = fields.FieldErrors()
        cleaned = check(errors, info.field_name, value, info)
        if errors.fields:
            raise refuse(errors.fields)
        return cleaned

    metadata = [Field(default=None), PlainValidator(validate), WithJsonSchema(schema)]
    if required:
        metadata.append(REQUIRED)
    return Annotated[Any, *metadata]


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_flag(value) -> bool:
    return isinstance(value, bool)


def _text_type() -> str:
    return _("Must be text.")


def _number_type() -> str:
    return _("Must be a whole number.")


def Text(max_length: int, *, required: bool = False):
    """One line of text, spaces around it dropped. Required text must hold something other than spaces."""
    described = {"type": "string", "maxLength": max_length, **({"pattern": ROW_TEXT} if required else {})}
    def check(errors, name, value, info):
        if _strict(info) and isinstance(value, str) and len(value) > max_length:  # as the document counts it
            errors.add(name, _("At most %(n)d characters.", n=max_length))
        return fields.text(errors, name, value, max_length=max_length, required=required)

    return _field(check,
                  described, required=required, default=None if required else "", json_type=_is_text,
                  type_message=_text_type)


def Integer(low: int, high: int, *, required: bool = False, default: int | None = None, multiple_of: int = 1,
            multiple_message: Callable[[], str] | None = None):
    def check(errors, name, value, info):
        number = fields.integer(errors, name, value, low=low, high=high)
        if name not in errors.fields and number % multiple_of:
            errors.add(name, multiple_message())
        return number

    schema = {"type": "integer", "minimum": low, "maximum": high}
    if multiple_of > 1:
        schema["multipleOf"] = multiple_of
    if default is not None:
        schema["default"] = default
    return _field(check, schema, required=required, default=default, json_type=_is_number,
                  type_message=_number_type)


FORM_TRUE = {"1", "on", "true", "yes", "y"}


def _flag(errors, name, value, info) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in FORM_TRUE


def FlagOf(default: bool | None):
    """true or false (a form's "on"); left out, `default` (None: the caller keeps what it had)."""
    schema = {"type": "boolean"} if default is None else {"type": "boolean", "default": default}
    return _field(_flag, schema, default=default, json_type=_is_flag, type_message=lambda: _("Send true or false."))


Flag = FlagOf(False)


class Schema(BaseModel):
    """A body: unknown keys are ignored (a newer client's field must not break an older server), every field is
    checked even when left out (its check knows whether it is required)."""

    model_config = ConfigDict(extra="ignore", validate_default=True, frozen=True)

    @classmethod
    def json_schema(cls) -> dict:
        """The JSON Schema of the body as the document shows it: required fields listed, an optional field may
        also be null (it then takes its default)."""
        properties, required = {}, []
        for name, info in cls.model_fields.items():
            schema = next(m.json_schema for m in info.metadata if isinstance(m, WithJsonSchema))
            if REQUIRED in info.metadata:
                required.append(name)
                properties[name] = schema
            else:
                properties[name] = {"anyOf": [schema, {"type": "null"}]}
        body = {"type": "object", "properties": properties}
        if required:
            body["required"] = required
        if cls.__doc__:
            body["description"] = " ".join(cls.__doc__.split())
        return body

    def values(self, *names: str) -> dict:
        return {name: getattr(self, name) for name in names}


S = TypeVar("S", bound="Schema")


def parse(schema: type[S], data: Any, *, strict: bool = False, **context: Any) -> S:
    """`data` checked against `schema`, or a ValidationError naming every bad field. `strict` for JSON bodies;
    `context` carries what a rule needs from the database (`school=`)."""
    if isinstance(data, schema):
        return data
    if data is None and not strict:  # a form or a script that sent nothing; JSON must send its object
        data = {}
    if not isinstance(data, dict):
        raise ValidationError({"body": _("The body must be a JSON object.")})
    try:
        return schema.model_validate(data, context={"strict": strict, **context})
    except PydanticError as exc:
        found: dict[str, str] = {}
        for error in exc.errors():
            ctx = error.get("ctx") or {}
            for name, message in (ctx.get("fields") or {".".join(map(str, error["loc"])) or "body":
                                                          ctx.get("message", error["msg"])}).items():
                found.setdefault(name, message)
        raise ValidationError(found) from None


class Empty(Schema):
    """No fields: the action is the path."""
