"""The transactional outbox: events become rows in the transaction that caused them.

An action calls `announce()`; just before its session commits (`service.oncommit`), every announced event is
fanned out into one row per delivery (each webhook that wants it, each moderator mailed
for each comment, the author of the comment a published reply answers). The rows commit
with the comment or not at all: a rolled-back comment notifies nobody, and a committed
one is never forgotten, whatever happens to the process afterwards.
"""

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import oncommit
from ..direct import Direct
from ..models import Comment, Delivery, Moderator, NotifyMode, Outbox, Status, Webhook, utcnow

EVENTS = ("comment.created", "comment.status_changed", "comment.published", "article.closed")
PERSONAL = ("email", "ip", "user_agent")


@dataclass(frozen=True)
class Announced:
    """An event of the transaction, as the action saw it."""

    event: str
    comment: Comment | None = None
    article_key: str | None = None
    old_status: Status | None = None
    actor: str | None = None


def announce(session: Session, name: str, *, comment: Comment | None = None,
             article_key: str | None = None, old_status: Status | None = None,
             actor: str | None = None) -> None:
    """Notify whoever wants `name` when (and only if) the session commits; nobody while
    the session says NO_NOTIFICATIONS (imports, personal-data erasure, retention)."""
    if session.info.get(NO_NOTIFICATIONS):
        return
    oncommit.queue(session, ANNOUNCED, Announced(name, comment, article_key, old_status, actor))


ANNOUNCED = "notify.announced"
NO_NOTIFICATIONS = "causerie.no_notifications"  # in session.info: this write notifies nobody


@oncommit.before_commit(ANNOUNCED)
def _write_outbox(session: Session, announced: list[Announced]) -> None:
    session.flush()  # a new comment needs its id before it can be named
    write(session, announced, utcnow())


def write(session: Session, announced: Iterable[Announced], now: datetime) -> int:
    """Insert the outbox rows of these events: one INSERT ... SELECT per event, which
    finds its own recipients, so an event costs one round trip to the database."""
    connection = session.connection()
    written = 0
    for item in (expanded for each in announced for expanded in _expand(each)):
        event_id, data, comment = str(uuid.uuid4()), _data(item), item.comment
        body = {"id": event_id, "event": item.event, "time": _time(now)}
        params: dict[str, Any] = {
            "event_id": event_id, "event": item.event, "now": now,
            "needle": f'"{item.event}"',
            "personal": {**body, "data": data}, "plain": {**body, "data": _impersonal(data)}}
        moderators = (comment is not None and item.event == "comment.created"
                      and comment.status == Status.PENDING)
        reply = (comment is not None and item.event == "comment.published"
                 and comment.parent_id is not None)
        if comment is not None:
            params.update(reference={"comment_id": comment.id},
                          parent_id=comment.parent_id, author=comment.email)
        written += _insert(moderators, reply).rowcount(connection, params)
    return written


@functools.cache
def _insert(moderators: bool, reply: bool) -> Direct:
    """INSERT INTO outbox SELECT ... for each kind of recipient an event may have.

    Built once per shape. A webhook wants the event when its JSON list of events holds
    the name; it gets the payload with or without personal data as it was registered.
    """
    def payload(name: str) -> Any:
        # Typed JSON: serialized once by SQLAlchemy, sent as json to PostgreSQL.
        return sa.bindparam(name, type_=sa.JSON)

    def columns(channel: str, target: Any, body: Any) -> list[Any]:
        return [sa.bindparam("event_id", type_=sa.String), sa.bindparam("event", type_=sa.String),
                sa.literal(channel, sa.String), target, body,
                sa.literal(Delivery.PENDING.value, sa.String), sa.literal(0, sa.Integer),
                sa.bindparam("now", type_=sa.DateTime), sa.bindparam("now", type_=sa.DateTime)]

    selects: list[Any] = [sa.select(*columns("webhook", Webhook.id, sa.case(
        (Webhook.include_personal_data.is_(True), payload("personal")), else_=payload("plain"))))
        # LIKE '%' || ? || '%', not LIKE ?: SQLite prepares a statement again each time a
        # new value is bound to a bare LIKE pattern (the LIKE optimization), 15 µs a post.
        .where(sa.cast(Webhook.events, sa.Text).contains(sa.bindparam("needle", type_=sa.String)))]
    if moderators:
        selects.append(sa.select(*columns("moderator", Moderator.id, payload("reference"))).where(
            Moderator.notify == NotifyMode.EACH, Moderator.email.is_not(None),
            Moderator.revoked_at.is_(None)))
    if reply:
        author = sa.bindparam("author", type_=sa.String)
        selects.append(sa.select(*columns("reply", Comment.id, payload("reference"))).where(
            Comment.id == sa.bindparam("parent_id", type_=sa.Integer),
            Comment.notify_replies.is_(True), Comment.email.is_not(None),
            sa.or_(author.is_(None), Comment.email != author)))
    source: Any = sa.union_all(*selects) if len(selects) > 1 else selects[0]
    return Direct(sa.insert(Outbox).from_select(
        ["event_id", "event", "channel", "target_id", "payload", "state", "attempts", "due_at",
         "created_at"], source))


def _expand(item: Announced) -> list[Announced]:
    """A comment that becomes visible is also `comment.published`."""
    comment = item.comment
    published = (comment is not None and comment.status == Status.APPROVED
                 and item.event in ("comment.created", "comment.status_changed"))
    return [item, Announced("comment.published", comment, actor=item.actor)] if published else [item]


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def _data(item: Announced) -> dict[str, Any]:
    """What a webhook learns of the event; personal fields are removed per endpoint."""
    if item.comment is None:
        return {"article": item.article_key, "closed": True, "by": item.actor}
    comment = item.comment
    data: dict[str, Any] = {"comment": {
        "id": comment.id, "article": comment.article.key, "parent_id": comment.parent_id,
        "name": comment.name, "website": comment.website, "text": comment.text,
        "html": comment.html, "status": comment.status.value, "score": comment.score,
        "reasons": [reason.get("code") for reason in comment.reasons or []],
        "created_at": _time(comment.created_at or utcnow()),
        "email": comment.email, "ip": comment.ip, "user_agent": comment.user_agent}}
    if item.event == "comment.status_changed":
        data.update({"from": item.old_status.value if item.old_status else None,
                     "to": comment.status.value, "by": item.actor})
    return data


def _impersonal(data: dict[str, Any]) -> dict[str, Any]:
    if "comment" not in data:
        return data
    return {**data, "comment": {key: value for key, value in data["comment"].items()
                                if key not in PERSONAL}}
