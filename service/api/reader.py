"""What the reader's widget needs besides listing and posting: its public configuration,
and the author's edit and delete during the edit window."""

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView

from .. import i18n
from ..extensions import db
from ..limits import EMAIL_MAX, ID_MAX, NAME_MAX, TEXT_MAX, WEBSITE_MAX
from ..models import Comment
from ..moderation.authoring import authored_comment, delete_comment, edit_comment
from ..schemas import CommentEditSchema, EditedCommentSchema, WidgetConfigSchema
from . import Blueprint
from .comments import screening_settings

blp = Blueprint("reader", __name__, url_prefix="/api/v1",
                description="The reader's widget: its configuration, and an author's own "
                            "comment during the edit window.")

TOKEN_HEADER = "X-Causerie-Token"

#: The sentences the widget may show: the form's errors and answers, and its own words.
WIDGET_MESSAGES = (
    "text.missing", "name.missing", "email.invalid", "email.missing", "text.too_long",
    "name.too_long", "email.too_long", "website.invalid", "website.too_long", "parent.unknown",
    "notify.email_missing",
    "validation.failed", "comment.pending", "comment.approved", "comment.duplicate",
    "article.closed", "edit.closed", "edit.token", "http.404", "http.413", "http.429",
    "http.500", "http.503", "http.default",
    *sorted(key for key in i18n.MESSAGES if key.startswith("ui.")),
)

_AUTHOR = {"parameters": [{"in": "header", "name": TOKEN_HEADER, "required": True,
                           "schema": {"type": "string"},
                           "description": "The edit_token of the comment's creation answer."}]}


@blp.route("/config")
class WidgetConfig(MethodView):
    @blp.etag
    @blp.response(200, WidgetConfigSchema)
    @blp.doc(parameters=[{"in": "query", "name": "lang", "schema": {"type": "string",
                                                                     "enum": ["fr", "en"]}}])
    def get(self) -> Any:
        """What a page needs to show the form: the honeypot's name, limits and sentences."""
        settings = screening_settings()
        return {
            "lang": i18n.locale(), "honeypot": settings["HONEYPOT_FIELD"],
            "require_email": bool(settings["REQUIRE_EMAIL"]),
            "edit_window": current_app.config["EDIT_WINDOW"],
            "limits": {"name": NAME_MAX, "text": TEXT_MAX, "email": EMAIL_MAX,
                       "website": WEBSITE_MAX},
            "messages": {key: i18n.message(key) for key in WIDGET_MESSAGES},
        }


@blp.after_request
def _cache_config(response: Response) -> Response:
    if request.endpoint == "reader.WidgetConfig" and response.status_code in (200, 304):
        response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _authored(comment_id: int) -> Comment:
    return authored_comment(db.session(), comment_id, request.headers.get(TOKEN_HEADER),
                            secret=current_app.config["SECRET_KEY"],
                            window=current_app.config["EDIT_WINDOW"])


@blp.route(f"/comments/<int(max={ID_MAX}):comment_id>", endpoint="authored")
class AuthoredComment(MethodView):
    @blp.arguments(CommentEditSchema(), location="json")
    @blp.response(200, EditedCommentSchema)
    @blp.doc(**_AUTHOR)
    @blp.alt_response(403, description="The token is missing, wrong, or the window closed.")
    @blp.alt_response(404, description="No such comment (or deleted, rejected).")
    def patch(self, data: dict[str, Any], comment_id: int) -> Comment:
        """The author corrects their comment's text; sanitized and screened again."""
        comment = _authored(comment_id)
        return edit_comment(db.session(), comment, data["text"], settings=screening_settings())

    @blp.response(204)
    @blp.doc(**_AUTHOR)
    @blp.alt_response(403, description="The token is missing, wrong, or the window closed.")
    @blp.alt_response(404, description="No such comment (or deleted, rejected).")
    def delete(self, comment_id: int) -> None:
        """The author deletes their comment; with replies, a placeholder keeps the thread."""
        delete_comment(db.session(), _authored(comment_id))
