"""What admins send and read to move comments in and out, and about a person's data.
Personal data (the person's comments in full) appears in PersonalDataSchema only."""

from typing import Any

from marshmallow import fields, validate

from ..limits import EMAIL_MAX
from .base import Schema


class ImportArgsSchema(Schema):
    permalink_rule = fields.String(load_default=None, validate=validate.Length(max=500), metadata={
        "description": "A regular expression on the permalink whose group `key` (or first "
                       "group) is the article key. Default: the post's slug."})
    learn = fields.Boolean(load_default=False, error_messages={"invalid": "field.not_boolean"},
                           metadata={"description": "Teach the spam model from the statuses."})


class ImportSummarySchema(Schema):
    source = fields.String()
    imported = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    already_present = fields.Integer(metadata={"description": "Found by their source id: unchanged."})
    skipped = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "By reason: pingback, trackback, orphan…"})
    articles = fields.Integer()
    articles_closed = fields.Integer()
    replies = fields.Integer()
    parents_missing = fields.Integer()
    learned = fields.Integer()


class RestoreSummarySchema(Schema):
    moderators = fields.Integer()
    articles = fields.Integer()
    comments = fields.Integer()
    audits = fields.Integer()
    already_present = fields.Integer()


class WxrArgsSchema(Schema):
    base_url = fields.Url(load_default=None, schemes={"http", "https"},
                          error_messages={"invalid": "website.invalid"},
                          metadata={"description": "Items get <link>BASE/<key>/</link>."})


def _email(**kwargs: Any) -> fields.Email:
    return fields.Email(required=True, validate=validate.Length(max=EMAIL_MAX, error="email.too_long"),
                        error_messages={"required": "email.missing", "null": "email.missing",
                                        "invalid": "email.invalid"}, **kwargs)


class PersonalDataArgsSchema(Schema):
    email = _email()


class ErasureSchema(Schema):
    email = _email()
    mode = fields.String(load_default="anonymize", validate=validate.OneOf(
        ["anonymize", "delete"], error="erase.mode"))


class ErasureResultSchema(Schema):
    mode = fields.String()
    comments = fields.Integer()
    notifications = fields.Integer(metadata={"description": "reply mails to them removed"})


class PersonalCommentSchema(Schema):
    id = fields.Integer()
    article = fields.String()
    parent_id = fields.Integer(allow_none=True)
    name = fields.String()
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    text = fields.String()
    status = fields.String()
    notify_replies = fields.Boolean(metadata={"description": "whether they asked to be "
                                                             "e-mailed replies to it"})
    created_at = fields.String()
    updated_at = fields.String()


class PersonalNotificationSchema(Schema):
    id = fields.Integer()
    event = fields.String()
    comment_id = fields.Integer(metadata={"description": "their comment the reply answers"})
    state = fields.String()
    created_at = fields.String()
    sent_at = fields.String(allow_none=True)


class PersonalDataSchema(Schema):
    email = fields.String()
    comments = fields.List(fields.Nested(PersonalCommentSchema))
    notifications = fields.List(fields.Nested(PersonalNotificationSchema), metadata={
        "description": "The reply mails queued or sent to the person."})


class MaintenanceSchema(Schema):
    client_data_cleared = fields.Integer()
    spam_deleted = fields.Integer()
    pending_trashed = fields.Integer()
