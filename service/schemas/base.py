"""What every shape shares: unknown fields ignored, whole numbers, text fields whose
messages are keys, timestamps as the contract writes them, page and time-window arguments.

Error messages are message keys (`text.missing`); `i18n` turns them into sentences.
"""

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ..limits import PAGE_DEFAULT, PAGE_MAX


class Schema(ma.Schema):
    """Unknown fields are ignored; a body that is not an object says so."""

    class Meta:
        unknown = ma.EXCLUDE

    error_messages = {"type": "body.not_object"}


class WholeNumber(fields.Integer):
    """An integer, from JSON or from a form's text; 1.5 is refused, never cut down to 1."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


def text_field(missing: str, **kwargs: Any) -> fields.String:
    return fields.String(error_messages={"required": missing, "null": missing,
                                         "invalid": "field.not_text"}, **kwargs)


class Timestamp(fields.DateTime):
    """A UTC time as the contract writes it: `2026-11-24T10:00:00Z`, the year always in
    four digits (strftime's `%Y` writes year 8 as "8", which no ISO 8601 reader takes)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        moment: datetime = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return moment.isoformat(timespec="seconds") + "Z"


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=PAGE_DEFAULT, validate=validate.Range(
        min=1, max=PAGE_MAX, error="query.limit"), error_messages={"invalid": "query.limit"})
    cursor = fields.String(load_default=None,
                           validate=validate.Length(max=200, error="query.cursor"))


def utc_field(**kwargs: Any) -> fields.AwareDateTime:
    return fields.AwareDateTime(default_timezone=UTC, load_default=None,
                                error_messages={"invalid": "query.datetime"}, **kwargs)


class WindowArgsSchema(Schema):
    """A period [since, until) in the query, as the database stores times: UTC, no zone."""

    since = utc_field(metadata={"description": "Included; UTC unless the time says otherwise."})
    until = utc_field(metadata={"description": "Excluded."})

    @ma.post_load
    def _naiveutc_field(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for key in ("since", "until"):
            if (moment := data.get(key)) is not None:
                try:
                    data[key] = moment.astimezone(UTC).replace(tzinfo=None)
                except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
                    raise ma.ValidationError("query.datetime", field_name=key) from None
        return data

    @ma.validates_schema
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ma.ValidationError("query.window", field_name="until")
