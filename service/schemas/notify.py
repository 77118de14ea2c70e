"""What admins and moderators send and read about notifications: webhooks, the outbox,
a moderator's own mail preferences. A webhook's secret is written, never read back."""

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ..models import Delivery, NotifyMode
from ..notify.outbox import EVENTS
from .base import Schema, Timestamp

_URL = [validate.Length(max=2000, error="webhook.url"),
        validate.URL(schemes={"http", "https"}, require_tld=False, error="webhook.url")]
_EVENTS: dict[str, Any] = {"required": "webhook.events", "null": "webhook.events", "invalid": "webhook.events"}
_BOOLEAN: dict[str, Any] = dict.fromkeys(("required", "null", "invalid"), "field.not_boolean")


def _events(**kwargs: Any) -> fields.List[Any]:
    return fields.List(fields.String(validate=validate.OneOf(EVENTS, error="webhook.events"),
                                     error_messages={"invalid": "webhook.events"}),
                       validate=validate.Length(min=1, max=len(EVENTS) * 4,
                                                error="webhook.events"),
                       error_messages=_EVENTS, metadata={"description": ", ".join(EVENTS)},
                       **kwargs)


class WebhookSchema(Schema):
    """A webhook as admins register it, and as they read it (without its secret)."""

    id = fields.Integer(dump_only=True)
    url = fields.String(required=True, validate=_URL, error_messages={
        "required": "webhook.url", "null": "webhook.url", "invalid": "webhook.url"})
    events = _events(required=True)
    secret = fields.String(required=True, load_only=True, validate=validate.Length(
        min=16, max=200, error="webhook.secret"), error_messages={
        "required": "webhook.secret", "null": "webhook.secret", "invalid": "webhook.secret"},
        metadata={"description": "Keys the HMAC of Causerie-Signature; never shown again."})
    include_personal_data = fields.Boolean(load_default=False, error_messages=_BOOLEAN, metadata={
        "description": "Payloads then carry readers' email, IP and user agent."})
    created_at = Timestamp(dump_only=True)
    updated_at = Timestamp(dump_only=True)


class WebhookUpdateSchema(Schema):
    url = fields.String(load_default=None, validate=_URL,
                        error_messages={"invalid": "webhook.url", "null": "webhook.url"})
    events = _events(load_default=None)
    secret = fields.String(load_default=None, validate=validate.Length(
        min=16, max=200, error="webhook.secret"), error_messages={"invalid": "webhook.secret"})
    include_personal_data = fields.Boolean(load_default=None, error_messages=_BOOLEAN)


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema))


class OutboxArgsSchema(Schema):
    state = fields.Enum(Delivery, by_value=True, load_default=Delivery.DEAD, error_messages={
        "unknown": "field.invalid"})
    limit = fields.Integer(load_default=50, validate=validate.Range(
        min=1, max=100, error="query.limit"), error_messages={"invalid": "query.limit"})


class OutboxRowSchema(Schema):
    id = fields.Integer()
    event_id = fields.String()
    event = fields.String()
    channel = fields.String(metadata={"description": "webhook, moderator, digest or reply"})
    target_id = fields.Integer(metadata={
        "description": "The webhook, the moderator, or the subscribed comment"})
    state = fields.Enum(Delivery, by_value=True)
    attempts = fields.Integer()
    due_at = Timestamp()
    last_error = fields.String(allow_none=True)
    created_at = Timestamp()
    sent_at = Timestamp(allow_none=True)


class OutboxPageSchema(Schema):
    items = fields.List(fields.Nested(OutboxRowSchema))


class PreferencesSchema(Schema):
    """A moderator's own notification settings."""

    name = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=100, error="email.too_long"),
                         error_messages={"invalid": "email.invalid"})
    notify = fields.Enum(NotifyMode, by_value=True, error_messages={
        "unknown": "notify.mode", "null": "notify.mode", "invalid": "notify.mode"},
        metadata={"description": "each pending comment, a digest, or none"})
    digest_minutes = fields.Integer(strict=True, validate=validate.Range(
        min=5, max=1440, error="notify.digest_minutes"), error_messages={
        "invalid": "notify.digest_minutes", "null": "notify.digest_minutes"})
    language = fields.String(allow_none=True, validate=validate.OneOf(
        ("fr", "en"), error="notify.language"), error_messages={"invalid": "notify.language"})

    @ma.pre_load
    def _trim(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            email = data["email"].strip().lower()
            return {**data, "email": email or None}
        return data


class PreferencesUpdateSchema(PreferencesSchema):
    """The same fields, each optional: what a PATCH may change."""
