"""What moderators read: the queue, one comment in full, and the audit trail."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from .. import pagination
from ..errors import NotFound
from ..models import Article, AuditEntry, Comment, Moderator, Status

EXCERPT = 200  # characters of the parent comment shown with a reply


@dataclass(frozen=True)
class History:
    """The author's earlier comments (created before this one), by status: those sharing
    its e-mail address and those sharing its IP address (None when it has neither)."""

    email: dict[str, int] | None
    ip: dict[str, int] | None


@dataclass(frozen=True)
class Reviewed:
    """A comment as a moderator reviews it, with the start of the comment it answers."""

    comment: Comment
    parent_text: str | None
    history: History | None = None

    @property
    def parent_excerpt(self) -> str | None:
        """The first EXCERPT characters of the parent's text, an ellipsis if cut."""
        text = self.parent_text
        return text if text is None or len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"


@dataclass(frozen=True)
class QueuePage:
    status: Status
    article: str | None
    q: str | None
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
    """One comment in full, whatever its status, its author's history included;
    NotFound if there is none."""
    row = session.execute(_REVIEWED.where(Comment.id == comment_id)).first()
    if row is None:
        raise NotFound()
    return _with_history(session, [Reviewed(*row)])[0]


def _like(words: str) -> str:
    """A LIKE pattern matching `words` anywhere, its own % and _ taken literally."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(article: str | None, q: str | None) -> list[sa.ColumnElement[bool]]:
    """The queue's filters besides the status: one article, and words found in the text,
    the name, the e-mail address or the IP address (case-insensitive)."""
    where: list[sa.ColumnElement[bool]] = []
    if article is not None:
        where.append(Comment.article_id == sa.select(Article.id).where(Article.key == article)
                     .scalar_subquery())
    if q:
        pattern = _like(q)
        where.append(sa.or_(*(column.ilike(pattern, escape="\\") for column in (
            Comment.text, Comment.name, Comment.email, Comment.ip))))
    return where


def status_counts(session: Session, *, article: str | None = None,
                  q: str | None = None) -> dict[str, int]:
    """How many comments each status holds (every status named, zeros included), under
    the same filters as the queue."""
    counts = dict.fromkeys((status.value for status in Status), 0)
    query = (sa.select(Comment.status, sa.func.count()).where(*_filters(article, q))
             .group_by(Comment.status))
    for status, count in session.execute(query):
        counts[status.value] = count
    return counts


def _earlier_by(session: Session, column: InstrumentedAttribute[str | None],
                ids: list[int]) -> dict[int, dict[str, int]]:
    """For each comment of `ids` whose `column` is set: its earlier comments sharing that
    value, counted by status (an empty dict when there are none)."""
    other = aliased(Comment)
    query = (sa.select(Comment.id, other.status, sa.func.count(other.id))
             .select_from(Comment)
             .outerjoin(other, sa.and_(getattr(other, column.key) == column,
                                       sa.tuple_(other.created_at, other.id)
                                       < sa.tuple_(Comment.created_at, Comment.id)))
             .where(Comment.id.in_(ids), column.isnot(None))
             .group_by(Comment.id, other.status))
    found: dict[int, dict[str, int]] = {}
    for comment_id, status, count in session.execute(query):
        by_status = found.setdefault(comment_id, {})
        if status is not None:
            by_status[Status(status).value] = count
    return found


def _with_history(session: Session, reviewed: list[Reviewed]) -> list[Reviewed]:
    """The same comments, each with its author's history: two grouped queries per page."""
    ids = [item.comment.id for item in reviewed]
    if not ids:
        return reviewed
    by_email, by_ip = _earlier_by(session, Comment.email, ids), _earlier_by(session, Comment.ip, ids)
    return [Reviewed(item.comment, item.parent_text, History(by_email.get(item.comment.id),
                                                             by_ip.get(item.comment.id)))
            for item in reviewed]


def review_queue(session: Session, *, status: Status, article: str | None, limit: int,
                 cursor: str | None, q: str | None = None) -> QueuePage:
    """Comments of one status (and article, and search words), oldest first, a keyset
    page at a time, each with its author's history."""
    position = pagination.decode(cursor) if cursor else None
    where = [Comment.status == status, *_filters(article, q)]
    query = _REVIEWED.where(*where).order_by(Comment.created_at, Comment.id).limit(limit + 1)
    if position:
        query = query.where(sa.tuple_(Comment.created_at, Comment.id) > sa.tuple_(*position))
    rows = session.execute(query).all()
    total = session.scalar(sa.select(sa.func.count()).select_from(Comment).where(*where)) or 0
    items, next_cursor = pagination.keyset_page(
        [Reviewed(*row) for row in rows], limit,
        lambda item: (item.comment.created_at, item.comment.id))
    return QueuePage(status, article, q, total, _with_history(session, items), next_cursor)


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
