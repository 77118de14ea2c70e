"""What moderators read: the queue, one comment in full, and the audit trail."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from .. import pagination
from ..errors import NotFound
from ..models import Article, AuditEntry, Comment, Moderator, Status

EXCERPT = 200  # characters of the parent comment shown with a reply


@dataclass(frozen=True)
class Reviewed:
    """A comment as a moderator reviews it, with the start of the comment it answers."""

    comment: Comment
    parent_text: str | None

    @property
    def parent_excerpt(self) -> str | None:
        """The first EXCERPT characters of the parent's text, an ellipsis if cut."""
        text = self.parent_text
        return text if text is None or len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"


@dataclass(frozen=True)
class QueuePage:
    status: Status
    article: str | None
    total: int
    items: list[Reviewed]
    next_cursor: str | None


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEntry]
    next_cursor: str | None


_parent = aliased(Comment)
_REVIEWED = sa.select(Comment, _parent.text).outerjoin(_parent, _parent.id == Comment.parent_id)


def comment_for_review(session: Session, comment_id: int) -> Reviewed:
    """One comment in full, whatever its status; NotFound if there is none."""
    row = session.execute(_REVIEWED.where(Comment.id == comment_id)).first()
    if row is None:
        raise NotFound()
    return Reviewed(*row)


def review_queue(session: Session, *, status: Status, article: str | None, limit: int,
                 cursor: str | None) -> QueuePage:
    """Comments of one status (and article), oldest first, a keyset page at a time."""
    position = pagination.decode(cursor) if cursor else None
    where = [Comment.status == status]
    if article is not None:
        where.append(Comment.article_id == sa.select(Article.id).where(Article.key == article)
                     .scalar_subquery())
    query = _REVIEWED.where(*where).order_by(Comment.created_at, Comment.id).limit(limit + 1)
    if position:
        query = query.where(sa.tuple_(Comment.created_at, Comment.id) > sa.tuple_(*position))
    rows = session.execute(query).all()
    total = session.scalar(sa.select(sa.func.count()).select_from(Comment).where(*where)) or 0
    items, next_cursor = pagination.keyset_page(
        [Reviewed(*row) for row in rows], limit,
        lambda item: (item.comment.created_at, item.comment.id))
    return QueuePage(status, article, total, items, next_cursor)


def audit_trail(session: Session, *, comment: int | None, moderator: str | None,
                since: datetime | None, until: datetime | None, limit: int,
                cursor: str | None) -> AuditPage:
    """Audit rows, newest first, by comment, moderator and time (since <= t < until)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if comment is not None:
        query = query.where(AuditEntry.comment_id == comment)
    if moderator is not None:
        query = query.where(AuditEntry.moderator_id == sa.select(Moderator.id).where(
            Moderator.name == moderator).scalar_subquery())
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if cursor:
        query = query.where(sa.tuple_(AuditEntry.created_at, AuditEntry.id)
                            < sa.tuple_(*pagination.decode(cursor)))
    entries, next_cursor = pagination.keyset_page(
        list(session.scalars(query.limit(limit + 1))), limit,
        lambda entry: (entry.created_at, entry.id))
    return AuditPage(entries, next_cursor)
