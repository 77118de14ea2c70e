"""Moderation endpoints: the queue, decisions, the audit trail, closing articles.

Every view is guarded by `require` (a bearer token; admins only where it says so), and
every answer is `Cache-Control: no-store`: it holds personal data.
"""

from typing import Any

from flask import Response, request
from flask.views import MethodView
from werkzeug.exceptions import UnsupportedMediaType

from ..auth import current_moderator, require
from ..extensions import db
from ..limits import ID_MAX
from ..models import Article, Role, Status
from ..moderation.decisions import close_article, decide, decide_many, purge
from ..moderation.review import (AuditPage, QueuePage, Reviewed, audit_trail, comment_for_review,
                                 review_queue, status_counts)
from ..schemas import (ArticleSettingsSchema, AuditArgsSchema, AuditPageSchema, BulkDecisionSchema,
                       BulkResultSchema, DeleteArgsSchema, FilterArgsSchema,
                       ModerationCommentSchema, ModerationPageSchema, ModerationUpdateSchema,
                       QueueArgsSchema, RefusalSchema, StatusCountsSchema)
from . import Blueprint

blp = Blueprint("moderation", __name__, url_prefix="/api/v1/moderation",
                description="For moderators (bearer token): the queue, decisions, the audit trail.")

COMMENT = f"/comments/<int(max={ID_MAX}):comment_id>"


def no_store(response: Response) -> Response:
    """Keep moderation answers out of every cache: they hold personal data."""
    response.headers["Cache-Control"] = "no-store"
    return response


blp.after_request(no_store)


def json_only() -> None:
    """A body that is not JSON is a 415, not a silent 422 for fields it seemed to lack."""
    if request.method in ("POST", "PUT", "PATCH") and (request.content_length or request.mimetype):
        if not request.is_json:
            raise UnsupportedMediaType()


blp.before_request(json_only)


@blp.route("/comments")
class Queue(MethodView):
    @require()
    @blp.arguments(QueueArgsSchema(), location="query")
    @blp.response(200, ModerationPageSchema)
    def get(self, args: dict[str, Any]) -> QueuePage:
        """The queue: comments of one status (pending by default), oldest first, with total;
        by article and search words; each with its author's history."""
        return review_queue(db.session(), **args)


@blp.route("/counts")
class Counts(MethodView):
    @require()
    @blp.arguments(FilterArgsSchema(), location="query")
    @blp.response(200, StatusCountsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, int]:
        """How many comments each status holds, under the queue's filters."""
        return status_counts(db.session(), **args)


@blp.route(COMMENT)
class ReviewedComment(MethodView):
    @require()
    @blp.response(200, ModerationCommentSchema)
    def get(self, comment_id: int) -> Reviewed:
        """One comment in full, whatever its status."""
        return comment_for_review(db.session(), comment_id)

    @require()
    @blp.arguments(ModerationUpdateSchema())
    @blp.response(200, ModerationCommentSchema)
    @blp.alt_response(409, schema=RefusalSchema,
                      description="expected_status no longer holds, or the reply's parent "
                                  "is not approved; `current_status` / `ids` say which.")
    def patch(self, data: dict[str, Any], comment_id: int) -> Reviewed:
        """Change a comment's status (trash included, and back) and/or correct its text."""
        return decide(db.session(), comment_id, current_moderator(), status=data["status"],
                      text=data["text"], expected=data["expected_status"])

    @require()
    @blp.arguments(DeleteArgsSchema(), location="query")
    @blp.response(200, ModerationCommentSchema)
    @blp.alt_response(204, description="Purged (admins, `purge=true`): the row is gone and its "
                                       "replies answer its parent instead.")
    def delete(self, args: dict[str, Any], comment_id: int) -> Reviewed | Response:
        """Move a comment to the trash (PATCH restores it); admins may purge it for good."""
        if args["purge"]:
            purge(db.session(), comment_id, current_moderator())
            return Response(status=204)
        return decide(db.session(), comment_id, current_moderator(), status=Status.TRASH)


@blp.route("/comments/bulk")
class Bulk(MethodView):
    @require()
    @blp.arguments(BulkDecisionSchema())
    @blp.response(200, BulkResultSchema)
    @blp.alt_response(422, schema=RefusalSchema,
                      description="Invalid fields, or ids that do not exist (`unknown_ids`).")
    @blp.alt_response(409, schema=RefusalSchema,
                      description="expected_status no longer holds for `current`, or "
                                  "replies (`ids`) whose parent would not be approved.")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Give up to 500 comments one status, all or nothing (422 lists unknown ids)."""
        changed = decide_many(db.session(), data["ids"], data["status"], current_moderator(),
                              expected=data["expected_status"])
        return {"status": data["status"], "ids": sorted(set(data["ids"])), "changed": changed}


@blp.route("/audit")
class Audit(MethodView):
    @require()
    @blp.arguments(AuditArgsSchema(), location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args: dict[str, Any]) -> AuditPage:
        """Who changed what and when, newest first; by comment, moderator, since and until."""
        return audit_trail(db.session(), **args)


@blp.route("/articles/<article:article>")
class ArticleSettings(MethodView):
    @require(Role.ADMIN)
    @blp.arguments(ArticleSettingsSchema())
    @blp.response(200, ArticleSettingsSchema)
    def patch(self, data: dict[str, Any], article: str) -> Article:
        """Close an article to new comments, or reopen it (admins)."""
        return close_article(db.session(), article, data["closed"], current_moderator())
