"""Retention: personal data and unwanted comments are not kept forever.

`run_maintenance` is the one entry point, for `flask --app wsgi maintenance` (cron) and
for any worker that wants to call it: it clears IPs and user agents older than
KEEP_CLIENT_DATA_DAYS, deletes spam untouched for KEEP_SPAM_DAYS, and moves pending
comments untouched for KEEP_PENDING_DAYS to the trash. 0 turns a rule off. Every comment
changed gets an audit row (never the data cleared); nobody is notified.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Comment, Status, utcnow
from .actions import quiet_transaction
from .decisions import Actor, change_status, record
from .personal_data import delete_comments

CHUNK = 500


def run_maintenance(session: Session, config: Mapping[str, Any], actor: Actor,
                    now: datetime | None = None) -> dict[str, int]:
    """Apply the three retention rules, one transaction; how many comments each touched."""
    now = now or utcnow()
    done = {"client_data_cleared": 0, "spam_deleted": 0, "pending_trashed": 0}
    with quiet_transaction(session):
        if days := config["KEEP_CLIENT_DATA_DAYS"]:
            done["client_data_cleared"] = _clear_client_data(session, now - timedelta(days=days), actor)
        if days := config["KEEP_SPAM_DAYS"]:
            done["spam_deleted"] = _delete_spam(session, now - timedelta(days=days), actor)
        if days := config["KEEP_PENDING_DAYS"]:
            done["pending_trashed"] = _trash_pending(session, now - timedelta(days=days), actor)
    return done


def _clear_client_data(session: Session, before: datetime, actor: Actor) -> int:
    ids = list(session.scalars(sa.select(Comment.id).where(
        Comment.created_at < before,
        sa.or_(Comment.ip.is_not(None), Comment.user_agent.is_not(None))).order_by(Comment.id)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        # updated_at kept as it was: clearing is not a moderator's touch.
        session.execute(sa.update(Comment).where(Comment.id.in_(chunk))
                        .values(ip=None, user_agent=None, updated_at=Comment.updated_at)
                        .execution_options(synchronize_session=False))
        for comment in session.scalars(sa.select(Comment).where(Comment.id.in_(chunk))):
            record(session, actor, "retention.client_data", comment=comment, field="ip",
                   old=None, new=None)
    return len(ids)


def _delete_spam(session: Session, before: datetime, actor: Actor) -> int:
    comments = list(session.scalars(sa.select(Comment).where(
        Comment.status == Status.SPAM, Comment.updated_at < before).order_by(Comment.id)
        .with_for_update(of=Comment)))
    delete_comments(session, comments, actor, "retention.delete")
    return len(comments)


def _trash_pending(session: Session, before: datetime, actor: Actor) -> int:
    comments = list(session.scalars(sa.select(Comment).where(
        Comment.status == Status.PENDING, Comment.updated_at < before).order_by(Comment.id)
        .with_for_update(of=Comment)))
    for comment in comments:
        change_status(session, comment, Status.TRASH, actor)
    return len(comments)
