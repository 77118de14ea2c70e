"""Use cases of the public side: submitting a comment."""

import functools
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .. import oncommit
from ..errors import CommentsClosed, DuplicateComment, FieldErrors, InvalidParent
from ..models import Article, Comment, Status, dialect_insert, text_digest, utcnow
from ..notify import outbox
from ..notify.outbox import announce
from ..screening.pipeline import screen, unscreened
from ..screening.rules import Draft
from ..spamfilter.model import Sample
from ..screening.sanitize import to_html
from ..direct import Direct
from ..writelock import begin_write
from . import flood, learning

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Client:
    """Who sent a request, kept for moderators only."""

    ip: str | None = None
    user_agent: str | None = None


def article_for_comment(session: Session, key: str) -> Article:
    """The article with this key, created if new; safe when many requests create it at once."""
    return _article_ref(session, _article_id(session, key), key)


def _article_id(session: Session, key: str) -> int:
    """The id of the article with this key, created if new (one statement when new)."""
    now = utcnow()
    # On the session's connection: a Core statement, not the ORM's bulk-insert path.
    connection = session.connection()
    created = _NEW_ARTICLE.first(connection, {
        "key": key, "closed": False, "version": 0, "comment_count": 0, "created_at": now,
        "updated_at": now})
    # Nothing returned: another request created it first (the conflict did nothing).
    if created is None:
        created = _ARTICLE_STATE.first(connection, {"key": key})
    return int(created[0])


def _article_ref(session: Session, article_id: int, key: str) -> Article:
    """The session's Article for a row known by id and key, without reading it again: the
    instance the session already holds, or one attached as loaded (its other columns load
    on first use)."""
    return session.merge(_known_article(article_id, key), load=False)


def _known_article(article_id: int, key: str) -> Article:
    """An Article known by id and key alone, outside any session, as if loaded."""
    article = Article(id=article_id, key=key)
    make_transient_to_detached(article)
    return article


#: What posting needs to know of an article before screening: read as columns, not as
#: an entity (the ORM's identity bookkeeping cost more than the query).
_ARTICLE_STATE = Direct(sa.select(Article.id, Article.closed)
                        .where(Article.key == sa.bindparam("key")))


#: INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id: a new article costs one statement.
_NEW_ARTICLE = Direct(per_dialect=lambda dialect: (
    dialect_insert(dialect)(Article).values({name: sa.bindparam(name) for name in (
        "key", "closed", "version", "comment_count", "created_at", "updated_at")})
    .on_conflict_do_nothing(index_elements=["key"]).returning(Article.id)))


def touch_article(session: Session, article_id: int) -> None:
    """Record that what the public sees of an article changed (new ETag, new cached pages,
    a new approved-comment count).

    Every path that publishes, unpublishes, deletes or edits an approved comment calls
    this. Just before the transaction commits, each touched article's version is bumped
    and its `comment_count` recounted, once per article: a bulk decision on 500
    comments of one article costs two UPDATEs.
    """
    oncommit.queue(session, TOUCHED, article_id)


TOUCHED = "articles.touched"


@oncommit.before_commit(TOUCHED)
def _bump_versions(session: Session, article_ids: list[int]) -> None:
    ids = sorted(set(article_ids))
    session.execute(sa.update(Article).where(Article.id.in_(ids))
                    .values(version=Article.version + 1)
                    .execution_options(synchronize_session=False))
    recount_articles(session, ids)


def recount_articles(session: Session, ids: list[int]) -> None:
    """Set `comment_count` of these articles to their approved comments, counted afresh.

    A separate statement after the version bump on purpose: that UPDATE holds the
    articles' row locks (and waited for any other writer of them to commit), so on
    PostgreSQL this statement's snapshot sees every committed comment, and two
    concurrent commits cannot both write a count that misses the other's comment.
    On SQLite the one write lock serializes writers anyway. It is one range of
    ix_comment_listing per article, however large the comment table.
    """
    session.flush()  # the comments of this transaction count too
    approved = (sa.select(sa.func.count()).select_from(Comment)
                .where(Comment.article_id == Article.id, Comment.status == Status.APPROVED)
                .scalar_subquery())
    session.execute(sa.update(Article).where(Article.id.in_(ids))
                    .values(comment_count=approved)
                    .execution_options(synchronize_session=False))


def submit_comment(session: Session, article_key: str, data: Mapping[str, Any], *,
                   client: Client, settings: Mapping[str, Any]) -> Comment:
    """Screen and store a valid comment (approved, pending or spam); one commit.

    Everything screening needs is read before the first write, so a model that cannot
    score holds the comment instead of failing the request.
    """
    if settings["REQUIRE_EMAIL"] and not data.get("email"):
        raise FieldErrors({"email": ["email.missing"]})
    html = to_html(data["text"])
    if not html:  # e.g. only an HTML comment: nothing a reader would see
        raise FieldErrors({"text": ["text.missing"]})
    connection = session.connection()
    existing = _ARTICLE_STATE.first(connection, {"key": article_key})
    if existing is not None and existing[1]:  # closed
        raise CommentsClosed()
    article_id: int | None = existing[0] if existing is not None else None
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if (article_id is None or parent is None or parent.article_id != article_id
                or parent.status != Status.APPROVED):
            raise InvalidParent()
    draft = Draft(name=data["name"], text=data["text"], html=html, email=data.get("email"),
                  website=data.get("website"), ip=client.ip, user_agent=client.user_agent,
                  honeypot=data.get("honeypot"))
    if settings["SCREENING_ENABLED"]:
        draft = replace(draft, **_facts(session, article_id, data, client.ip, settings))
        screening = screen(draft, settings)
    else:
        draft, screening = replace(draft, spam_score=None), unscreened(settings)
    if screening.refused:
        session.rollback()
        raise DuplicateComment()
    # The writes start here: on SQLite, take the write lock (without stopping a gevent
    # worker while another process holds it); the flood check must run under it.
    timeout = settings["DATABASE_TIMEOUT"]
    begin_write(session.connection(), timeout)
    if settings.get("RATELIMIT_ENABLED"):
        try:
            flood.hold(session, client.ip, draft.email, settings["POST_RATE_LIMIT"], utcnow(),
                       timeout=timeout)
        except flood.Flooding:
            session.rollback()
            raise
    if article_id is None:
        article_id = _article_id(session, article_key)
    now = utcnow()
    comment = Comment(article_id=article_id, parent_id=parent_id, name=draft.name,
                      email=draft.email, website=draft.website, text=draft.text, html=html,
                      status=screening.status, screened_status=screening.status,
                      reasons=screening.reasons, score=draft.spam_score, ip=client.ip,
                      user_agent=client.user_agent, trained_as=None, created_at=now,
                      updated_at=now, deleted_at=None,
                      notify_replies=bool(data.get("notify_replies")),
                      language=data.get("language") if data.get("notify_replies") else None,
                      source=None, source_id=None)
    # One Core INSERT on the session's connection, not the ORM's unit of work (which cost
    # more than the statement): the comment never enters the session, so no ORM flush
    # event fires for it, and once committed the answer is built from what was written,
    # without the database (a connection dropped then would report a stored comment as
    # failed).
    comment.id = _INSERT_COMMENT.first(session.connection(), {
        column: getattr(comment, column) for column in _COMMENT_COLUMNS})[0]
    make_transient_to_detached(comment)
    set_committed_value(comment, "article", _known_article(article_id, article_key))
    announce(session, "comment.created", comment=comment)
    if screening.status == Status.APPROVED:
        touch_article(session, article_id)
    session.commit()
    return comment


_COMMENT_TABLE = cast(sa.Table, Comment.__table__)
_COMMENT_COLUMNS = tuple(column.key for column in _COMMENT_TABLE.columns if column.key != "id")
_INSERT_COMMENT = Direct(sa.insert(_COMMENT_TABLE).returning(_COMMENT_TABLE.c.id),
                         column_keys=_COMMENT_COLUMNS)


def _facts(session: Session, article_id: int | None, data: Mapping[str, Any],
           ip: str | None, settings: Mapping[str, Any]) -> dict[str, Any]:
    """What storage knows about a draft: duplicate, returning author, spam history (one
    query), and the model's opinion."""
    email, parent = data.get("email"), data.get("parent_id")
    duplicate, returning, by_email, by_ip = _facts_query(
        email is not None, parent is not None, ip is not None).first(session.connection(), {
            "article_id": article_id or 0, "digest": text_digest(data["text"]),
            "text": data["text"], "name": data["name"], "email": email, "parent_id": parent,
            "ip": ip})
    return {"duplicate": bool(duplicate), "returning_author": bool(returning),
            "spam_history": "email" if by_email else "ip" if by_ip else None,
            **_model_opinion(session, data, settings)}


@functools.cache
def _facts_query(by_email: bool, reply: bool, by_ip: bool = False) -> Direct:
    """Built once per shape: it runs on every new comment.

    Duplicate, as WordPress: same article, same parent, same author (email, else name),
    same text; trash forgotten. Returning: an earlier approved comment by the same name
    and email. Spam history, as Antispam Bee's local spam check, once for the email and
    once for the IP: on a comment the moderators decided was spam, and on none they approved.
    """
    param = sa.bindparam
    same_author = Comment.email == param("email") if by_email else Comment.name == param("name")
    same_parent = Comment.parent_id == param("parent_id") if reply else Comment.parent_id.is_(None)
    duplicate = sa.exists().where(Comment.article_id == param("article_id"),
                                  Comment.text_digest == param("digest"),
                                  Comment.text == param("text"), Comment.status != Status.TRASH,
                                  same_parent, same_author)
    returning = sa.exists().where(Comment.email == param("email"), Comment.name == param("name"),
                                  Comment.status == Status.APPROVED) if by_email else sa.false()
    def history(source: Any) -> Any:
        """Decided spam (learned as spam) from this source, and nothing decided good."""
        return sa.and_(
            sa.exists().where(source, Comment.status == Status.SPAM, Comment.trained_as.is_(True)),
            ~sa.exists().where(source, Comment.status == Status.APPROVED))
    return Direct(sa.select(
        duplicate, returning, history(Comment.email == param("email")) if by_email else sa.false(),
        history(Comment.ip == param("ip")) if by_ip else sa.false()))


def _model_opinion(session: Session, data: Mapping[str, Any],
                   settings: Mapping[str, Any]) -> dict[str, Any]:
    sample = Sample(text=data["text"], name=data["name"], website=data.get("website"))
    try:
        opinion = learning.score(session, sample, settings)
    except (SQLAlchemyError, ValueError, ArithmeticError):
        # Never lose a comment to the model: it goes to the queue with a reason.
        log.exception("spam model could not score a comment")
        session.rollback()
        return {"spam_score": None, "model_trained": False}
    return {"spam_score": opinion.score, "model_trained": opinion.trained,
            "spam_threshold": opinion.thresholds.spam.value,
            "hold_threshold": opinion.thresholds.hold.value}


# Writes that must never notify anyone (imports, personal-data erasure, retention) run
# with this flag in session.info; whatever reacts to comment events (the notification
# outbox, webhooks) checks `notifications_allowed(session)` and stays silent when False.
NO_NOTIFICATIONS = outbox.NO_NOTIFICATIONS


def notifications_allowed(session: Session) -> bool:
    """False while a write that must not notify (an import, an erasure) is in progress."""
    return not session.info.get(NO_NOTIFICATIONS, False)


@contextmanager
def quiet_transaction(session: Session) -> Iterator[Session]:
    """One transaction that notifies nobody: committed when the block ends, rolled back
    (and the error raised again) if it fails."""
    session.info[NO_NOTIFICATIONS] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(NO_NOTIFICATIONS, None)
