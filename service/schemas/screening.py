"""What admins send and read about screening: the settings in force and the stats."""


import marshmallow as ma
from limits import parse_many
from marshmallow import fields, validate

from .base import Schema, Timestamp, WindowArgsSchema


def _valid_rate(value: str) -> None:
    try:
        parse_many(value)
    except ValueError:
        raise ma.ValidationError("settings.rate") from None


def _words(key: str) -> fields.List[str]:
    return fields.List(fields.String(validate=[
        validate.Length(min=1, max=100, error="settings.words"),
        validate.Regexp(r"^[^\x00]*$", error="field.invalid")],  # PostgreSQL's text refuses NUL
        error_messages={"invalid": "field.not_text"}),
                       data_key=key, validate=validate.Length(max=1000, error="settings.words"),
                       error_messages={"invalid": "settings.words"})


def _fraction(key: str) -> fields.Float:
    return fields.Float(data_key=key, validate=validate.Range(
        min=0, max=1, error="settings.threshold"), error_messages={"invalid": "settings.threshold"})


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
    SPAM_THRESHOLD = _fraction("spam_threshold")
    HOLD_THRESHOLD = _fraction("hold_threshold")
    MIN_TRAINING = fields.Integer(data_key="min_training", strict=True, validate=validate.Range(
        min=0, max=1_000_000, error="settings.number"), error_messages={"invalid": "settings.number"})
    SPAM_THRESHOLD_PINNED = fields.Boolean(
        data_key="spam_threshold_pinned", error_messages={"invalid": "field.not_boolean"},
        metadata={"description": "true: spam_threshold stands whatever the site's decisions "
                                 "say; false (default): it is the starting value, adapted "
                                 "once enough decisions exist"})
    HOLD_THRESHOLD_PINNED = fields.Boolean(
        data_key="hold_threshold_pinned", error_messages={"invalid": "field.not_boolean"},
        metadata={"description": "the same for hold_threshold"})
    thresholds = fields.Nested(lambda: ThresholdsSchema(), dump_only=True, metadata={
        "description": "the thresholds in force now and the decisions they rest on"})


class ThresholdChoiceSchema(Schema):
    value = fields.Float(metadata={"description": "the threshold in force: a score above it "
                                                  "marks spam (spam) or holds (hold)"})
    source = fields.String(metadata={
        "description": "adapted (chosen from the site's decisions), default (the setting, "
                       "until enough decisions exist) or pinned (the setting, by an admin)"})
    approved_above = fields.Integer(metadata={
        "description": "decided approved comments whose score was above this value"})
    spam_above = fields.Integer(metadata={
        "description": "decided spam comments whose score was above this value"})


class ThresholdsSchema(Schema):
    spam = fields.Nested(ThresholdChoiceSchema)
    hold = fields.Nested(ThresholdChoiceSchema)
    approved = fields.Integer(metadata={"description": "approved decisions with a score the "
                                                       "thresholds rest on"})
    spam_decided = fields.Integer(metadata={"description": "spam decisions with a score"})
    needed = fields.Integer(metadata={
        "description": "approved decisions needed, at the least, before a threshold adapts"})


class StatsArgsSchema(WindowArgsSchema):
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
    thresholds = fields.Nested(ThresholdsSchema, metadata={
        "description": "the thresholds in force now and the decisions they rest on"})


class StatsSchema(Schema):
    since = Timestamp()
    until = Timestamp()
    comments = fields.Dict(keys=fields.String(), values=fields.Integer())
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer())
    model = fields.Nested(ModelStatsSchema)


class DaySchema(Schema):
    day = fields.Date(metadata={"description": "A UTC day, 2026-11-24."})
    comments = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "comments created that day, by status now (every status named)"})
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "comments created that day, by screening reason"})


class TimelineSchema(Schema):
    since = Timestamp()
    until = Timestamp()
    days = fields.List(fields.Nested(DaySchema), metadata={
        "description": "Every UTC day the period touches, oldest first, empty days included."})
