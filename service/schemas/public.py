"""What blog pages send and read: a new comment, a page of approved comments, counts.

Public output lists every field it shows: no e-mail, IP, user agent or score.
"""

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from .. import i18n
from ..limits import ARTICLE_KEY, COUNTS_MAX, EMAIL_MAX, ID_MAX, NAME_MAX, TEXT_MAX, WEBSITE_MAX
from ..screening.sanitize import normalize, to_plain
from .base import PageArgsSchema, Schema, Timestamp, WholeNumber, text_field


class CommentCreateSchema(Schema):
    name = text_field("name.missing", required=True,
                 validate=validate.Length(max=NAME_MAX, error="name.too_long"))
    text = text_field("text.missing", required=True,
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
    notify_replies = fields.Boolean(load_default=False, load_only=True, error_messages={
        "invalid": "field.not_boolean", "null": "field.not_boolean"}, metadata={
        "description": "Mail the author when a reply to this comment is published; needs email."})
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

    @ma.validates_schema
    def _reply_mails_need_an_address(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("notify_replies") and not data.get("email"):
            raise ma.ValidationError("notify.email_missing", field_name="email")


class PublicCommentSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    name = fields.String(metadata={"description": "Plain text: escape it before display."})
    website = fields.String(allow_none=True)
    html = fields.String(metadata={"description": "Sanitized HTML, safe to insert as is."})
    created_at = Timestamp()
    deleted = fields.Function(lambda comment: getattr(comment, "deleted_at", None) is not None,
                              metadata={"type": "boolean", "description":
                                        "Deleted by its author but kept, empty, because it "
                                        "has replies: show a placeholder. Present only "
                                        "when true."})

    @ma.post_dump
    def _deleted_only_when_true(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # Readers of the listing see the shape they always saw, unless a placeholder is due.
        if not data.get("deleted"):
            data.pop("deleted", None)
        return data


class EditedCommentSchema(PublicCommentSchema):
    status = fields.String(attribute="public_status", metadata={
        "description": "approved, or pending while it awaits moderation"})
    message = fields.Function(lambda comment: i18n.message(f"comment.{comment.public_status}"))


def _edit_token(comment: Any) -> str:
    from flask import current_app

    from ..moderation.authoring import issue_token
    return issue_token(current_app.config["SECRET_KEY"], comment)


def _edit_until(comment: Any) -> str:
    from flask import current_app

    from ..moderation.authoring import edit_deadline
    return Timestamp()._serialize(edit_deadline(comment, current_app.config["EDIT_WINDOW"]),
                                  "edit_until", comment) or ""


class SubmittedCommentSchema(EditedCommentSchema):
    edit_token = fields.Function(_edit_token, metadata={
        "type": "string", "description": "A secret for the author alone: send it as the "
        "X-Causerie-Token header to edit or delete this comment until edit_until."})
    edit_until = fields.Function(_edit_until, metadata={
        "type": "string", "format": "date-time",
        "description": "The end of the edit window (EDIT_WINDOW after creation)."})


class CommentEditSchema(Schema):
    text = text_field("text.missing", required=True,
                      validate=validate.Length(max=TEXT_MAX, error="text.too_long"))

    @ma.pre_load
    def _trim(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("text"), str):
            text = normalize(data["text"]).strip()
            return {"text": text} if text else {}
        return data


class WidgetConfigSchema(Schema):
    lang = fields.String(metadata={"description": "The language of the messages: fr or en."})
    honeypot = fields.String(metadata={"description": "The hidden field's name: send it empty."})
    require_email = fields.Boolean()
    edit_window = fields.Integer(metadata={"description": "Seconds an author may edit."})
    limits = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Most characters per field: name, text, email, website."})
    messages = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Every sentence the widget may show, by message key."})


class CommentPageSchema(Schema):
    article = fields.String()
    total = fields.Integer()
    items = fields.List(fields.Nested(PublicCommentSchema))
    next_cursor = fields.String(allow_none=True)


class ListingArgsSchema(PageArgsSchema):
    order = fields.String(load_default="oldest", validate=validate.OneOf(
        ["oldest", "newest"], error="query.order"))


class CountsArgsSchema(Schema):
    article = fields.List(fields.String(validate=validate.Regexp(
        f"^{ARTICLE_KEY}$", error="query.article")), required=True, validate=validate.Length(
        min=1, max=COUNTS_MAX, error="query.articles"),
        error_messages={"required": "query.articles"})


class CountsSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
