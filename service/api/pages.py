"""The pages the links in mails open: confirm a one-click moderation decision, and
unsubscribe from reply notifications (RFC 8058 one-click POST included).

A GET only shows a page; a POST acts. Pages are small, localized (`lang` in the link),
and carry a strict Content-Security-Policy: no script, no style, forms to this origin
only. The token sits in the address, so no Referer ever carries it away.
"""

from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, render_template
from flask.views import MethodView
from sqlalchemy.exc import IntegrityError

from .. import i18n
from ..errors import DecisionConflict, NotFound, ParentNotApproved
from ..extensions import db
from ..models import Comment, LinkUse, Moderator, Status
from ..moderation.decisions import decide
from ..notify.links import (ACTIONS, LinkExpired, LinkInvalid, ModerationLink,
                            read_moderation_token, read_unsubscribe_token)
from . import Blueprint

blp = Blueprint("pages", __name__, description="Pages opened from links in mails (HTML).")

CSP = ("default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; "
       "img-src 'none'")
TOKEN = "<string(maxlength=400):token>"
_HTML = {"description": "A small HTML page in the link's language.",
         "content": {"text/html": {"schema": {"type": "string"}}}}
PAGE_DOC = {"responses": {str(code): _HTML for code in (200, 403, 404, 409, 410)}}


def page(status: int, title: str, message: str, **context: Any) -> Response:
    """A localized page with the strict headers every one of them carries."""
    html = render_template("notify/page.html", title=i18n.message(title),
                           message=i18n.message(message) if message else "", lang=i18n.locale(),
                           **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update({"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer",
                             "Cache-Control": "no-store", "X-Robots-Tag": "noindex",
                             "X-Content-Type-Options": "nosniff"})
    return response


def _link(token: str) -> ModerationLink | Response:
    hours = current_app.config["LINK_MAX_AGE_HOURS"]
    title = "page.moderate.title"
    try:
        link = read_moderation_token(current_app.config["SECRET_KEY"], token, hours * 3600)
    except LinkExpired:
        return page(410, title, "page.link.expired")
    except LinkInvalid:
        return page(404, title, "page.link.invalid")
    moderator = db.session.get(Moderator, link.moderator_id)
    if moderator is None or moderator.revoked_at is not None:
        return page(403, title, "page.link.revoked")
    if db.session.get(LinkUse, link.nonce) is not None:
        return page(410, title, "page.link.used")
    return link


@blp.route(f"/moderate/{TOKEN}")
class Moderate(MethodView):
    @blp.doc(**PAGE_DOC)
    def get(self, token: str) -> Response:
        """Show the comment and a button confirming the link's decision; changes nothing."""
        link = _link(token)
        if isinstance(link, Response):
            return link
        comment = db.session.get(Comment, link.comment_id)
        if comment is None:
            return page(404, "page.moderate.title", "http.404")
        return page(200, "page.moderate.title", "page.moderate.ask", comment=comment,
                    button=i18n.message(f"mail.{link.action}"),
                    labels={key: i18n.message(key) for key in (
                        "mail.article", "mail.author", "mail.score")})

    @blp.doc(**PAGE_DOC)
    def post(self, token: str) -> Response:
        """Carry out the link's decision, once: the link never acts again."""
        link = _link(token)
        if isinstance(link, Response):
            return link
        db.session.add(LinkUse(nonce=link.nonce))
        try:
            db.session.flush()
        except IntegrityError:  # the same link, confirmed twice at once
            db.session.rollback()
            return page(410, "page.moderate.title", "page.link.used")
        status = ACTIONS[link.action]
        moderator = db.session.get(Moderator, link.moderator_id)
        assert moderator is not None  # checked by _link, in this transaction
        try:
            decide(db.session(), link.comment_id, moderator, status=status, expected=Status.PENDING)
        except DecisionConflict:
            return page(409, "page.moderate.title", "moderation.conflict")
        except ParentNotApproved:
            return page(409, "page.moderate.title", "moderation.parent_not_approved")
        except NotFound:
            return page(404, "page.moderate.title", "http.404")
        return page(200, "page.moderate.title", f"page.moderate.{status.value}")


def _subscribed(token: str) -> int | Response:
    try:
        return read_unsubscribe_token(current_app.config["SECRET_KEY"], token)
    except LinkInvalid:
        return page(404, "page.unsubscribe.title", "page.link.invalid")


@blp.route(f"/unsubscribe/{TOKEN}")
class Unsubscribe(MethodView):
    @blp.doc(**PAGE_DOC)
    def get(self, token: str) -> Response:
        """Ask whether to stop reply notifications; changes nothing."""
        subscribed = _subscribed(token)
        if isinstance(subscribed, Response):
            return subscribed
        return page(200, "page.unsubscribe.title", "page.unsubscribe.ask",
                    button=i18n.message("page.unsubscribe.button"))

    @blp.doc(**PAGE_DOC)
    def post(self, token: str) -> Response:
        """Stop every reply notification to this address (RFC 8058 one-click too)."""
        subscribed = _subscribed(token)
        if isinstance(subscribed, Response):
            return subscribed
        email = db.session.scalar(sa.select(Comment.email).where(Comment.id == subscribed))
        if email:
            db.session.execute(sa.update(Comment).where(Comment.email == email,
                                                        Comment.notify_replies.is_(True))
                               .values(notify_replies=False)
                               .execution_options(synchronize_session=False))
        db.session.commit()
        return page(200, "page.unsubscribe.title", "page.unsubscribe.done")
