"""Use cases of a comment's author: edit or delete it while the edit window is open.

The author holds a secret: a token signed with the instance's SECRET_KEY, naming one
comment, issued when it was posted and good for EDIT_WINDOW seconds. Nothing else
identifies them; no account, no cookie.
"""

import functools
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from ..errors import DomainError, FieldErrors, NotFound
from ..models import Comment, Status, utcnow
from ..screening.pipeline import screen, unscreened
from ..screening.rules import Draft
from ..screening.sanitize import to_html
from .actions import _facts, touch_article
from .decisions import record

AUTHOR = "author"  # the audit trail's actor for what authors do to their own comments

_SALT = "causerie.author"
# Whatever the screening says, an edit never makes a comment more trusted than it was.
_TRUST = {Status.APPROVED: 0, Status.PENDING: 1, Status.SPAM: 2}


class EditWindowClosed(DomainError):
    status_code, message_key = 403, "edit.closed"


class BadEditToken(DomainError):
    status_code, message_key = 403, "edit.token"


@functools.lru_cache(maxsize=8)
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def _stamp(comment: Comment) -> str:
    # The creation time binds a token to this row: an id reused after a purge is another comment.
    return comment.created_at.isoformat()


def issue_token(secret: str, comment: Comment) -> str:
    """The secret that lets the author of `comment` change it while the window is open."""
    return str(_serializer(secret).dumps([comment.id, _stamp(comment)]))


def edit_deadline(comment: Comment, window: int) -> datetime:
    """Until when the author may edit or delete `comment` (naive UTC, as stored)."""
    return comment.created_at + timedelta(seconds=window)


def authored_comment(session: Session, comment_id: int, token: str | None, *, secret: str,
                     window: int) -> Comment:
    """The comment `token` opens, if it still may be changed; otherwise the refusal."""
    comment = session.get(Comment, comment_id)
    if (comment is None or comment.deleted_at is not None
            or comment.status not in _TRUST):  # trash, rejected: gone for the public
        raise NotFound()
    try:
        named, stamp = _serializer(secret).loads(token or "", max_age=window)
    except SignatureExpired:
        raise EditWindowClosed() from None
    except (BadData, TypeError, ValueError):
        raise BadEditToken() from None
    if named != comment.id or stamp != _stamp(comment):
        raise BadEditToken()
    if utcnow() > edit_deadline(comment, window):
        raise EditWindowClosed()
    return comment


def edit_comment(session: Session, comment: Comment, text: str, *,
                 settings: Mapping[str, Any]) -> Comment:
    """Replace the text, sanitized and screened again as a new comment is; one commit.

    The new status is the stricter of the old one and the screening's: an approved comment
    whose edit a rule would hold goes back to the queue, a held one stays held.
    """
    html = to_html(text)
    if not html:
        raise FieldErrors({"text": ["text.missing"]})
    draft = Draft(name=comment.name, text=text, html=html, email=comment.email,
                  website=comment.website, ip=comment.ip, user_agent=comment.user_agent)
    if settings["SCREENING_ENABLED"]:
        facts = _facts(session, comment.article_id, {
            "text": text, "name": comment.name, "email": comment.email,
            "website": comment.website, "parent_id": comment.parent_id}, comment.ip, settings)
        # Saying the same thing again is no duplicate of oneself.
        draft = replace(draft, **{**facts, "duplicate": False})
        screening = screen(draft, settings)
    else:
        screening = unscreened(settings)
    status = max(comment.status, screening.status, key=_TRUST.__getitem__)
    if comment.status == Status.APPROVED or status == Status.APPROVED:
        touch_article(session, comment.article_id)
    # Moderators see what the author changed, as they see their own corrections.
    record(session, AUTHOR, "author.edit", comment=comment, field="text", old=comment.text,
           new=text)
    if status != comment.status:
        record(session, AUTHOR, "author.edit", comment=comment, field="status",
               old=comment.status.value, new=status.value)
    comment.text, comment.html, comment.status = text, html, status
    comment.reasons = screening.reasons
    comment.score = draft.spam_score
    session.commit()
    return comment


def delete_comment(session: Session, comment: Comment) -> None:
    """Delete a comment for its author; one with replies leaves a placeholder in the thread.

    Without replies it goes to the trash (moderators may still restore or purge it); with
    replies its words and name are erased and the public sees that it was deleted.
    """
    replies = session.scalar(sa.select(sa.exists().where(
        Comment.parent_id == comment.id, Comment.status != Status.TRASH)))
    if comment.status == Status.APPROVED:
        touch_article(session, comment.article_id)
    record(session, AUTHOR, "author.delete", comment=comment, field="status",
           old=comment.status.value, new="deleted" if replies else Status.TRASH.value)
    if replies:
        comment.deleted_at = utcnow()
        comment.name, comment.text, comment.html = "", "", ""
        comment.email = comment.website = None
    else:
        comment.status = Status.TRASH
    session.commit()
