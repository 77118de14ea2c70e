"""What moderators send and read. The fields that hold personal data (e-mail, IP, user
agent) appear in these shapes only, never in `public`."""

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from .. import i18n
from ..limits import ARTICLE_KEY, BULK_MAX, ID_MAX, TEXT_MAX
from ..models import Status
from ..screening.sanitize import normalize
from .base import PageArgsSchema, Schema, Timestamp, WindowArgsSchema


def _status(**kwargs: Any) -> fields.Enum[Status]:
    return fields.Enum(Status, by_value=True, error_messages={
        "unknown": "status.invalid", "null": "status.invalid", "required": "status.invalid"},
        **kwargs)


class FilterArgsSchema(Schema):
    """The queue's filters: one article, and words to find (blank means no search)."""

    article = fields.String(load_default=None, validate=validate.Regexp(
        f"^{ARTICLE_KEY}$", error="query.article"))
    q = fields.String(load_default=None, validate=[
        validate.Length(max=200, error="query.search"),
        validate.Regexp(r"^[^\x00]*$", error="field.invalid")],  # no database compares NUL
                      error_messages={"invalid": "field.not_text"}, metadata={
        "description": "Words found, case-insensitively, in the text, the name, the e-mail "
                       "address or the IP address."})

    @ma.post_load
    def _blank_is_none(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if isinstance(data.get("q"), str):
            data["q"] = data["q"].strip() or None
        return data


class QueueArgsSchema(PageArgsSchema, FilterArgsSchema):
    status = _status(load_default=Status.PENDING)


class StatusCountsSchema(Schema):
    """How many comments each status holds, under the queue's filters (for its tabs)."""

    pending = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    spam = fields.Integer()
    trash = fields.Integer()


class HistorySchema(Schema):
    email = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True, metadata={
        "description": "Earlier comments with the same e-mail address, by status; null "
                       "without an address."})
    ip = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True, metadata={
        "description": "Earlier comments from the same IP address, by status; null without one."})


class ReasonSchema(Schema):
    code = fields.String()
    message = fields.Function(lambda reason: i18n.message(f"reason.{reason.get('code')}"))


class ModerationCommentSchema(Schema):
    """A comment as moderators see it: personal data, screening and raw text included."""

    id = fields.Integer()
    article = fields.String()
    parent_id = fields.Integer(allow_none=True)
    parent_excerpt = fields.String(allow_none=True, metadata={
        "description": "The first 200 characters of the parent's text (plain text)."})
    name = fields.String()
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    text = fields.String(metadata={"description": "As written: plain text, escape it."})
    html = fields.String(metadata={"description": "Sanitized HTML, safe to insert as is."})
    status = fields.Enum(Status, by_value=True)
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    score = fields.Float(allow_none=True, metadata={"description": "Spam model, 0 to 1."})
    reasons = fields.List(fields.Nested(ReasonSchema))
    history = fields.Nested(HistorySchema, allow_none=True, metadata={
        "description": "The author's earlier comments (created before this one) by status."})
    created_at = Timestamp()
    updated_at = Timestamp()

    @ma.pre_dump
    def _unwrap(self, reviewed: Any, **kwargs: Any) -> dict[str, Any]:
        """A Reviewed reads as its comment, plus the excerpt of the comment it answers."""
        comment = reviewed.comment
        values = {name: getattr(comment, name) for name in self.dump_fields
                  if name not in ("article", "parent_excerpt", "reasons", "history")}
        return {**values, "article": comment.article.key, "reasons": comment.reasons or [],
                "parent_excerpt": reviewed.parent_excerpt, "history": reviewed.history}


class ModerationPageSchema(Schema):
    status = fields.Enum(Status, by_value=True)
    article = fields.String(allow_none=True)
    q = fields.String(allow_none=True)
    total = fields.Integer()
    items = fields.List(fields.Nested(ModerationCommentSchema))
    next_cursor = fields.String(allow_none=True)


class ModerationUpdateSchema(Schema):
    status = _status(load_default=None)
    text = fields.String(load_default=None, validate=[
        validate.Length(min=1, error="text.missing"),
        validate.Length(max=TEXT_MAX, error="text.too_long")],
        error_messages={"invalid": "field.not_text"},
        metadata={"description": "A corrected text, sanitized again; the audit keeps the old one."})
    expected_status = _status(load_default=None, metadata={
        "description": "The status the moderator saw; if it changed meanwhile: 409, nothing done."})

    @ma.pre_load
    def _normalize(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("text"), str):
            return {**data, "text": normalize(data["text"]).strip()}
        return data

    @ma.validates_schema
    def _something_to_do(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("status") is None and data.get("text") is None:
            raise ma.ValidationError("moderation.nothing", field_name="status")


class BulkDecisionSchema(Schema):
    ids = fields.List(fields.Integer(strict=True, validate=validate.Range(
        min=1, max=ID_MAX, error="moderation.id"), error_messages={
        "invalid": "moderation.id", "null": "moderation.id"}), required=True,
        validate=validate.Length(min=1, max=BULK_MAX, error="moderation.ids"), error_messages={
        "required": "moderation.ids", "null": "moderation.ids", "invalid": "moderation.ids"})
    status = _status(required=True)
    expected_status = _status(load_default=None, metadata={
        "description": "Every comment must still have this status, or 409 and nothing done."})


class BulkResultSchema(Schema):
    status = fields.Enum(Status, by_value=True)
    ids = fields.List(fields.Integer())
    changed = fields.List(fields.Integer(), metadata={"description": "ids whose status changed"})


class RefusalSchema(Schema):
    """A moderation refusal: the usual error shape, plus the data it is about."""

    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    unknown_ids = fields.List(fields.Integer(), metadata={
        "description": "422: the ids that do not exist"})
    current = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "409: the status each comment has now, by id"})
    current_status = fields.String(metadata={"description": "409, one comment: its status now"})
    ids = fields.List(fields.Integer(), metadata={
        "description": "409: the replies whose parent would not be approved"})


class DeleteArgsSchema(Schema):
    purge = fields.Boolean(load_default=False, error_messages={"invalid": "field.not_boolean"},
                           metadata={"description": "Admins only: delete for good, not trash."})


class ArticleSettingsSchema(Schema):
    article = fields.String(attribute="key", dump_only=True)
    closed = fields.Boolean(required=True, error_messages=dict.fromkeys(
        ("required", "null", "invalid"), "field.not_boolean"))


class AuditArgsSchema(PageArgsSchema, WindowArgsSchema):
    comment = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=ID_MAX, error="moderation.id"), error_messages={"invalid": "moderation.id"})
    moderator = fields.String(load_default=None, validate=validate.Regexp(
        r"^[\w.-]{1,100}$", error="field.invalid"))  # as auth.NAME: no other name exists


class AuditEntrySchema(Schema):
    id = fields.Integer()
    created_at = Timestamp()
    actor = fields.String(metadata={"description": "A moderator's name, or cli:<user>."})
    moderator_id = fields.Integer(allow_none=True, metadata={
        "description": "The moderator who decided, or whose token changed."})
    action = fields.String()
    comment_id = fields.Integer(allow_none=True)
    article = fields.String(attribute="article_key", allow_none=True)
    field = fields.String(allow_none=True)
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.String(allow_none=True)
