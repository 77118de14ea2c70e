"""The transactional outbox: events become rows in the transaction that caused them.

An action calls `announce()`; just before its session commits (`service.oncommit`), every announced event is
fanned out into one row per delivery (each webhook that wants it, each moderator mailed
for each comment, the author of the comment a published reply answers). The rows commit
with the comment or not at all: a rolled-back comment notifies nobody, and a committed
one is never forgotten, whatever happens to the process afterwards.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import oncommit
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
    """Notify whoever wants `name` when (and only if) the session commits."""
    oncommit.queue(session, ANNOUNCED, Announced(name, comment, article_key, old_status, actor))


ANNOUNCED = "notify.announced"


@oncommit.before_commit(ANNOUNCED)
def _write_outbox(session: Session, announced: list[Announced]) -> None:
    session.flush()  # a new comment needs its id before it can be named
    write(session, announced, utcnow())


# Built once: they run in every transaction that announces something. One round trip
# says who listens (webhooks, and moderators mailed for each comment); rows go in with
# one executemany on the connection, below the ORM's unit of work.
_LISTENERS: sa.CompoundSelect[Any] = sa.union_all(
    sa.select(sa.literal("webhook").label("kind"), Webhook.id, Webhook.events,
              Webhook.include_personal_data),
    sa.select(sa.literal("moderator"), Moderator.id, sa.null(), sa.null()).where(
        Moderator.notify == NotifyMode.EACH, Moderator.email.is_not(None),
        Moderator.revoked_at.is_(None)))
_INSERT = sa.insert(Outbox)  # executed on the connection: a plain executemany
_SUBSCRIBED = sa.select(Comment.email).where(Comment.id == sa.bindparam("parent_id"),
                                             Comment.notify_replies.is_(True))


def write(session: Session, announced: Iterable[Announced], now: datetime) -> int:
    """Insert the outbox rows of these events (one INSERT); how many."""
    events = [expanded for item in announced for expanded in _expand(item)]
    connection = session.connection()
    listeners = connection.execute(_LISTENERS).all()
    hooks = [(row.id, row.events, row.include_personal_data) for row in listeners
             if row.kind == "webhook"]
    mailed = [row.id for row in listeners if row.kind == "moderator"]
    rows: list[dict[str, Any]] = []
    for item in events:
        event_id, data = str(uuid.uuid4()), _data(item)
        for hook_id, wanted, personal in hooks:
            if item.event in wanted:
                body = {"id": event_id, "event": item.event, "time": _time(now),
                        "data": data if personal else _impersonal(data)}
                rows.append(_row(event_id, item.event, "webhook", hook_id, body, now))
        comment = item.comment
        if comment is None:
            continue
        if item.event == "comment.created" and comment.status == Status.PENDING:
            rows.extend(_row(event_id, item.event, "moderator", moderator_id,
                             {"comment_id": comment.id}, now) for moderator_id in mailed)
        if item.event == "comment.published" and comment.parent_id is not None:
            address = connection.execute(_SUBSCRIBED, {"parent_id": comment.parent_id}).scalar()
            if address and address != comment.email:
                rows.append(_row(event_id, item.event, "reply", comment.parent_id,
                                 {"comment_id": comment.id}, now))
    if rows:
        connection.execute(_INSERT, rows)
    return len(rows)


def _expand(item: Announced) -> list[Announced]:
    """A comment that becomes visible is also `comment.published`."""
    comment = item.comment
    published = (comment is not None and comment.status == Status.APPROVED
                 and item.event in ("comment.created", "comment.status_changed"))
    return [item, Announced("comment.published", comment, actor=item.actor)] if published else [item]


def _row(event_id: str, name: str, channel: str, target: int, payload: dict[str, Any],
         now: datetime) -> dict[str, Any]:
    return {"event_id": event_id, "event": name, "channel": channel, "target_id": target,
            "payload": payload, "state": Delivery.PENDING, "attempts": 0, "due_at": now,
            "created_at": now, "last_error": None, "sent_at": None}


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
