"""Moderators' decisions on comments and articles, each written to the audit trail.

Every status change goes through `change_status`, and every text correction through
`correct_text`: they write the audit row and bump the article's version whenever the
public can see the difference (its listing's ETag and cache follow the version).

Each use case locks the rows it decides on before reading them (FOR UPDATE on
PostgreSQL, SQLite's single write lock), so two moderators deciding at once are
serialized: the second reads the first's decision, and the audit's "from" is exact.
One commit per use case; a refusal rolls back and releases the locks.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import (
    AdminOnly,
    DecisionConflict,
    FieldErrors,
    NotFound,
    ParentNotApproved,
    UnknownComments,
)
from ..models import Article, AuditEntry, Comment, Moderator, Role, Status
from ..screening.sanitize import to_html
from .actions import article_for_comment, touch_article
from .learning import learn_from_decision
from ..notify.outbox import announce
from .review import Reviewed, comment_for_review

Actor = Moderator | str  # a moderator, or the command line ("cli:<user>")


def record(session: Session, actor: Actor, action: str, *, field: str, old: str | None,
           new: str | None, comment: Comment | None = None, article_key: str | None = None,
           moderator_id: int | None = None) -> None:
    """Add an audit row to the caller's transaction, so it commits with the change or not at all."""
    if isinstance(actor, Moderator):
        name, moderator_id = actor.name, actor.id
    else:
        name = actor
    session.add(AuditEntry(
        moderator_id=moderator_id, actor=name, action=action, field=field, old_value=old,
        new_value=new, comment_id=comment.id if comment else None,
        article_key=comment.article.key if comment else article_key))


def change_status(session: Session, comment: Comment, status: Status, actor: Actor) -> None:
    """Move a comment to `status`, audited; the one place where a status changes."""
    # The moderators are the spam model's teachers, confirming a verdict included.
    learn_from_decision(session, [comment], status)
    old = comment.status
    if status == old:
        return
    comment.status = status
    record(session, actor, "comment.status", comment=comment, field="status", old=old.value,
           new=status.value)
    announce(session, "comment.status_changed", comment=comment, old_status=old,
             actor=actor.name if isinstance(actor, Moderator) else actor)
    if Status.APPROVED in (old, status):
        touch_article(session, comment.article_id)


def correct_text(session: Session, comment: Comment, text: str, actor: Actor) -> None:
    """Replace a comment's text and HTML, the original kept in the audit trail."""
    html = to_html(text)
    if not html:
        raise FieldErrors({"text": ["text.missing"]})
    if text == comment.text:
        return
    record(session, actor, "comment.text", comment=comment, field="text", old=comment.text,
           new=text)
    comment.text, comment.html = text, html
    if comment.status == Status.APPROVED:
        touch_article(session, comment.article_id)


@contextmanager
def _use_case(session: Session) -> Iterator[None]:
    """Commit once if the block succeeds; roll back, releasing row locks, if it raises."""
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    session.commit()


def _locked(session: Session, ids: Iterable[int]) -> dict[int, Comment]:
    """The comments with these ids, locked until the commit; missing ids are absent."""
    ids = sorted(set(ids))  # always in the same order, so two bulk decisions cannot deadlock
    if session.get_bind().dialect.name == "sqlite":
        # No row locks: a first write takes the database's one write lock instead.
        session.execute(sa.update(Comment).where(Comment.id.in_(ids))
                        .values(status=Comment.status, updated_at=Comment.updated_at)
                        .execution_options(synchronize_session=False))
    query = (sa.select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id)
             .with_for_update(of=Comment).execution_options(populate_existing=True))
    return {comment.id: comment for comment in session.scalars(query)}


def _check_replies(session: Session, comments: Iterable[Comment], status: Status) -> None:
    """Refuse to publish a reply whose parent is not (or not also being) published."""
    if status != Status.APPROVED:
        return
    deciding = {comment.id for comment in comments}
    parents = {comment.id: comment.parent_id for comment in comments
               if comment.status != status and comment.parent_id is not None
               and comment.parent_id not in deciding}
    if not parents:
        return
    approved = set(session.scalars(
        sa.select(Comment.id).where(Comment.id.in_(set(parents.values())),
                                    Comment.status == Status.APPROVED).with_for_update(read=True)))
    if refused := sorted(id for id, parent in parents.items() if parent not in approved):
        raise ParentNotApproved(refused)


def decide(session: Session, comment_id: int, actor: Actor, *, status: Status | None = None,
           text: str | None = None, expected: Status | None = None) -> Reviewed:
    """Change one comment's status and/or text; with `expected`, only if it still has it."""
    with _use_case(session):
        if (comment := _locked(session, [comment_id]).get(comment_id)) is None:
            raise NotFound()
        if expected is not None and comment.status != expected:
            raise DecisionConflict({comment.id: comment.status.value})
        if status is not None:
            _check_replies(session, [comment], status)
        if text is not None:
            correct_text(session, comment, text, actor)
        if status is not None:
            change_status(session, comment, status, actor)
    return comment_for_review(session, comment_id)


def decide_many(session: Session, ids: Iterable[int], status: Status, actor: Actor, *,
                expected: Status | None = None) -> list[int]:
    """Give many comments one status, all or none; the ids whose status changed."""
    ids = set(ids)
    with _use_case(session):
        comments = _locked(session, ids)
        if unknown := sorted(ids - comments.keys()):
            raise UnknownComments(unknown)
        if expected is not None and (moved := {id: comment.status.value for id, comment
                                                in comments.items() if comment.status != expected}):
            raise DecisionConflict(moved)
        _check_replies(session, comments.values(), status)
        changed = [id for id, comment in comments.items() if comment.status != status]
        for comment in comments.values():
            change_status(session, comment, status, actor)
    return changed


def purge(session: Session, comment_id: int, actor: Moderator) -> None:
    """Delete a comment for good (admins only); its replies move up to its parent."""
    if actor.role != Role.ADMIN:
        raise AdminOnly()
    with _use_case(session):
        if (comment := _locked(session, [comment_id]).get(comment_id)) is None:
            raise NotFound()
        replies = sa.select(Comment.id).where(Comment.parent_id == comment.id)
        public = session.scalar(sa.select(sa.exists(replies.where(
            Comment.status == Status.APPROVED)))) or comment.status == Status.APPROVED
        session.execute(sa.update(Comment).where(Comment.parent_id == comment.id)
                        .values(parent_id=comment.parent_id)
                        .execution_options(synchronize_session=False))
        record(session, actor, "comment.purge", comment=comment, field="status",
               old=comment.status.value, new=None)
        if public:
            touch_article(session, comment.article_id)
        session.delete(comment)


def close_article(session: Session, key: str, closed: bool, actor: Actor) -> Article:
    """Close an article to new comments, or reopen it; it is created if it has no row yet."""
    with _use_case(session):
        article_for_comment(session, key)
        article = session.scalars(sa.select(Article).where(Article.key == key).with_for_update()
                                  .execution_options(populate_existing=True)).one()
        if article.closed != closed:
            record(session, actor, "article.closed", article_key=key, field="closed",
                   old=str(article.closed).lower(), new=str(closed).lower())
            article.closed = closed
            if closed:
                announce(session, "article.closed", article_key=key,
                         actor=actor.name if isinstance(actor, Moderator) else actor)
    return article
