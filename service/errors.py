"""Failures of the domain, and the one JSON shape every error leaves in."""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask

from . import i18n

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A use case refused: its status code and message key say why."""

    status_code = 400
    message_key = "http.400"

    def __init__(self, errors: Mapping[str, list[str]] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(self.message_key)
        self.errors = errors
        self.headers = dict(headers or {})


class CommentsClosed(DomainError):
    status_code, message_key = 403, "article.closed"


class DuplicateComment(DomainError):
    status_code, message_key = 409, "comment.duplicate"


class InvalidParent(DomainError):
    status_code, message_key = 422, "parent.unknown"

    def __init__(self) -> None:
        super().__init__({"parent_id": ["parent.unknown"]})


class FieldErrors(DomainError):
    """Fields the schema could not judge alone (it needs settings or the database)."""

    status_code, message_key = 422, "validation.failed"


class NotFound(DomainError):
    status_code, message_key = 404, "http.404"


class Unauthenticated(DomainError):
    """No valid moderator token: 401, with the Bearer challenge of RFC 6750."""

    status_code, message_key = 401, "http.401"

    def __init__(self, message_key: str = "http.401", error: str | None = None) -> None:
        self.message_key = message_key
        challenge = 'Bearer realm="causerie"' + (f', error="{error}"' if error else "")
        super().__init__(headers={"WWW-Authenticate": challenge})


class AdminOnly(DomainError):
    status_code, message_key = 403, "auth.admin_only"


class DetailedError(DomainError):
    """A refusal whose body also carries data, e.g. the ids it is about (`details`),
    added to the usual JSON error shape."""

    def __init__(self, errors: Mapping[str, list[str]], details: Mapping[str, Any]) -> None:
        super().__init__(errors)
        self.details = dict(details)


class UnknownComments(DetailedError):
    status_code, message_key = 422, "moderation.unknown_ids"

    def __init__(self, ids: list[int]) -> None:
        super().__init__({"ids": ["moderation.unknown_ids"]}, {"unknown_ids": ids})


class DecisionConflict(DetailedError):
    """Another moderator changed the comment since this one looked (`expected_status`)."""

    status_code, message_key = 409, "moderation.conflict"

    def __init__(self, current: Mapping[int, str]) -> None:
        details: dict[str, Any] = {"current": {str(id): status for id, status in current.items()}}
        if len(current) == 1:
            details["current_status"] = next(iter(current.values()))
        super().__init__({"status": ["moderation.conflict"]}, details)


class ParentNotApproved(DetailedError):
    status_code, message_key = 409, "moderation.parent_not_approved"

    def __init__(self, ids: list[int]) -> None:
        super().__init__({"status": ["moderation.parent_not_approved"]}, {"ids": ids})


def render_error(code: int, key: str,
                 errors: Mapping[str, list[str]] | None = None) -> tuple[dict[str, Any], int]:
    """The body and status of an error, every sentence in the request's language.

    A single field error is also the headline, so a form can show it as it is.
    """
    if errors and len(errors) == 1 and len(keys := next(iter(errors.values()))) == 1:
        key = keys[0]
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase,
                            "message": i18n.message(key)}
    if errors:
        body["errors"] = {field: [i18n.message(k) for k in keys] for field, keys in errors.items()}
    return body, code


def _domain_error(error: DomainError) -> tuple[dict[str, Any], int, dict[str, str]]:
    body, code = render_error(error.status_code, error.message_key, error.errors)
    return {**body, **getattr(error, "details", {})}, code, error.headers


def register(app: Flask) -> None:
    """Send every DomainError out as the JSON error shape."""
    app.register_error_handler(DomainError, _domain_error)
