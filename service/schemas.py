"""Request and response shapes. Public and moderation shapes are kept apart.

Error messages are message keys (`text.missing`); `i18n` turns them into sentences.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from limits import parse_many
from marshmallow import fields, validate

from . import i18n
from .limits import (ARTICLE_KEY, COUNTS_MAX, EMAIL_MAX, ID_MAX, NAME_MAX, PAGE_DEFAULT, PAGE_MAX,
                     TEXT_MAX, WEBSITE_MAX)
from .limits import BULK_MAX
from .models import Status
from .moderation.sanitize import normalize, to_plain

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


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


def _text(missing: str, **kwargs: Any) -> fields.String:
    return fields.String(error_messages={"required": missing, "null": missing,
                                         "invalid": "field.not_text"}, **kwargs)


class CommentCreateSchema(Schema):
    name = _text("name.missing", required=True,
                 validate=validate.Length(max=NAME_MAX, error="name.too_long"))
    text = _text("text.missing", required=True,
                 validate=validate.Length(max=TEXT_MAX, error="text.too_long"))
    email = fields.String(load_default=None, validate=[
        validate.Length(max=EMAIL_MAX, error="email.too_long"),
        validate.Email(error="email.invalid")], error_messages={"invalid": "email.invalid"})
    website = fields.String(load_default=None, validate=[
        validate.Length(max=WEBSITE_MAX, error="website.too_long"),
        validate.URL(schemes={"http", "https"}, error="website.invalid")],
        error_messages={"invalid": "website.invalid"})
    parent_id = WholeNumber(load_default=None, validate=validate.Range(
        min=1, max=ID_MAX, error="parent.unknown"),
        error_messages={"invalid": "parent.invalid", "null": "parent.invalid"})
    redirect = fields.String(load_default=None, load_only=True, metadata={
        "description": "For plain HTML forms: where to send the browser (303) after a "
                       "successful post; only URLs on ALLOWED_ORIGINS are followed."})

    @ma.pre_load
    def _trim(self, data: Any, **kwargs: Any) -> Any:
        """Trim and normalize text; a blank value counts as missing; names lose their tags."""
        if not isinstance(data, Mapping):
            return data
        cleaned = {}
        for key in self.fields:
            if key not in data:
                continue
            value = data[key]
            if isinstance(value, str):
                value = normalize(value).strip()
                if key == "name":
                    value = to_plain(value)
                elif key == "email":
                    value = value.lower()  # one author, however they type it
                if not value:
                    continue
            cleaned[key] = value
        return cleaned


class PublicCommentSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    name = fields.String(metadata={"description": "Plain text: escape it before display."})
    website = fields.String(allow_none=True)
    html = fields.String(metadata={"description": "Sanitized HTML, safe to insert as is."})
    created_at = fields.DateTime(format=TIMESTAMP)


class SubmittedCommentSchema(PublicCommentSchema):
    status = fields.String(attribute="public_status", metadata={
        "description": "approved, or pending while it awaits moderation"})
    message = fields.Function(lambda comment: i18n.message(f"comment.{comment.public_status}"))


class CommentPageSchema(Schema):
    article = fields.String()
    total = fields.Integer()
    items = fields.List(fields.Nested(PublicCommentSchema))
    next_cursor = fields.String(allow_none=True)


class _PageArgsSchema(Schema):
    limit = fields.Integer(load_default=PAGE_DEFAULT, validate=validate.Range(
        min=1, max=PAGE_MAX, error="query.limit"), error_messages={"invalid": "query.limit"})
    cursor = fields.String(load_default=None,
                           validate=validate.Length(max=200, error="query.cursor"))


class ListingArgsSchema(_PageArgsSchema):
    order = fields.String(load_default="oldest", validate=validate.OneOf(
        ["oldest", "newest"], error="query.order"))


class CountsArgsSchema(Schema):
    article = fields.List(fields.String(validate=validate.Regexp(
        f"^{ARTICLE_KEY}$", error="query.article")), required=True, validate=validate.Length(
        min=1, max=COUNTS_MAX, error="query.articles"),
        error_messages={"required": "query.articles"})


class CountsSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


# --- screening ---

def _valid_rate(value: str) -> None:
    try:
        parse_many(value)
    except ValueError:
        raise ma.ValidationError("settings.rate") from None


def _words(key: str) -> fields.List:
    return fields.List(fields.String(validate=[
        validate.Length(min=1, max=100, error="settings.words"),
        validate.Regexp(r"^[^\x00]*$", error="field.invalid")],  # PostgreSQL's text refuses NUL
        error_messages={"invalid": "field.not_text"}),
                       data_key=key, validate=validate.Length(max=1000, error="settings.words"),
                       error_messages={"invalid": "settings.words"})


_FRACTION = {"validate": validate.Range(min=0, max=1, error="settings.threshold"),
             "error_messages": {"invalid": "settings.threshold"}}


class ScreeningSettingsSchema(Schema):
    """The settings an admin may change; keys as the environment names them, lower-cased."""

    MODERATION = fields.String(data_key="moderation", validate=validate.OneOf(
        ["pre", "post"], error="settings.moderation"))
    REQUIRE_EMAIL = fields.Boolean(data_key="require_email",
                                   error_messages={"invalid": "field.not_boolean"})
    POST_RATE_LIMIT = fields.String(data_key="post_rate_limit", validate=[
        validate.Length(min=1, max=200, error="settings.rate"), _valid_rate])
    SCREENING_ENABLED = fields.Boolean(data_key="screening_enabled",
                                       error_messages={"invalid": "field.not_boolean"})
    MAX_LINKS = fields.Integer(data_key="max_links", strict=True, validate=validate.Range(
        min=0, max=1000, error="settings.number"), error_messages={"invalid": "settings.number"})
    HELD_WORDS = _words("held_words")
    BLOCKED_WORDS = _words("blocked_words")
    TRUST_RETURNING_AUTHORS = fields.Boolean(data_key="trust_returning_authors",
                                             error_messages={"invalid": "field.not_boolean"})
    HONEYPOT_FIELD = fields.String(data_key="honeypot_field", validate=validate.Regexp(
        r"^[A-Za-z0-9_-]{1,64}$", error="settings.field_name"))
    SPAM_THRESHOLD = fields.Float(data_key="spam_threshold", **_FRACTION)
    HOLD_THRESHOLD = fields.Float(data_key="hold_threshold", **_FRACTION)
    MIN_TRAINING = fields.Integer(data_key="min_training", strict=True, validate=validate.Range(
        min=0, max=1_000_000, error="settings.number"), error_messages={"invalid": "settings.number"})


def _utc(**kwargs: Any) -> fields.AwareDateTime:
    return fields.AwareDateTime(default_timezone=UTC, load_default=None,
                                error_messages={"invalid": "query.datetime"}, **kwargs)


class _WindowArgsSchema(Schema):
    """A period [since, until) in the query, as the database stores times: UTC, no zone."""

    since = _utc(metadata={"description": "Included; UTC unless the time says otherwise."})
    until = _utc(metadata={"description": "Excluded."})

    @ma.post_load
    def _naive_utc(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
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


class StatsArgsSchema(_WindowArgsSchema):
    pass


class AgreementSchema(Schema):
    true_positives = fields.Integer()
    false_positives = fields.Integer()
    false_negatives = fields.Integer()
    true_negatives = fields.Integer()
    precision = fields.Float(allow_none=True)
    recall = fields.Float(allow_none=True)
    mcc = fields.Float(allow_none=True, metadata={
        "description": "Matthews correlation; null while undefined: until the model has "
                       "said both spam and not spam, and moderators have decided both"})


class ModelStatsSchema(Schema):
    decided = fields.Integer(metadata={"description": "comments a moderator marked spam or "
                                                      "approved; the agreement figures count "
                                                      "those the model scored"})
    marked_spam = fields.Nested(AgreementSchema, metadata={
        "description": "the model marked the comment spam, against the moderators' spam"})
    held_or_marked = fields.Nested(AgreementSchema, metadata={
        "description": "the model marked the comment spam or held it, against the "
                       "moderators' spam"})
    decided_alone = fields.Nested(AgreementSchema, metadata={
        "description": "comments the model did not hold: marked spam against passed"})
    trained_on = fields.Dict(keys=fields.String(), values=fields.Integer())


class StatsSchema(Schema):
    since = fields.DateTime(format=TIMESTAMP)
    until = fields.DateTime(format=TIMESTAMP)
    comments = fields.Dict(keys=fields.String(), values=fields.Integer())
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer())
    model = fields.Nested(ModelStatsSchema)


# --- moderation ---

def _status(**kwargs: Any) -> fields.Enum[Status]:
    return fields.Enum(Status, by_value=True, error_messages={
        "unknown": "status.invalid", "null": "status.invalid", "required": "status.invalid"},
        **kwargs)


class QueueArgsSchema(_PageArgsSchema):
    status = _status(load_default=Status.PENDING)
    article = fields.String(load_default=None, validate=validate.Regexp(
        f"^{ARTICLE_KEY}$", error="query.article"))


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
    created_at = fields.DateTime(format=TIMESTAMP)
    updated_at = fields.DateTime(format=TIMESTAMP)

    @ma.pre_dump
    def _unwrap(self, reviewed: Any, **kwargs: Any) -> dict[str, Any]:
        """A Reviewed reads as its comment, plus the excerpt of the comment it answers."""
        comment = reviewed.comment
        values = {name: getattr(comment, name) for name in self.dump_fields
                  if name not in ("article", "parent_excerpt", "reasons")}
        return {**values, "article": comment.article.key, "reasons": comment.reasons or [],
                "parent_excerpt": reviewed.parent_excerpt}


class ModerationPageSchema(Schema):
    status = fields.Enum(Status, by_value=True)
    article = fields.String(allow_none=True)
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


class AuditArgsSchema(_PageArgsSchema, _WindowArgsSchema):
    comment = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=ID_MAX, error="moderation.id"), error_messages={"invalid": "moderation.id"})
    moderator = fields.String(load_default=None, validate=validate.Regexp(
        r"^[\w.-]{1,100}$", error="field.invalid"))  # as auth.NAME: no other name exists


class AuditEntrySchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime(format=TIMESTAMP)
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
