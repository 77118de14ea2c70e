"""The flood limit: comments accepted per client address (and per e-mail address), counted
in the comments table itself, as WordPress does.

The comments are already the record of what was accepted, so every worker and every
instance sees the same count, with no Redis and no per-process memory. Checking and
inserting must be one step, or forty simultaneous posts would all see "none yet": the
check takes a lock that the inserting transaction holds until it commits (SQLite's write
lock, taken with BEGIN IMMEDIATE; on PostgreSQL a transaction advisory lock per address).
"""

import functools
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from limits import parse_many
from sqlalchemy.orm import Session

from ..errors import DomainError
from ..models import Comment
from ..writelock import begin_write


class Flooding(DomainError):
    """Posting too fast: 429, and Retry-After says when the next comment is welcome."""

    status_code, message_key = 429, "http.429"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})


@dataclass(frozen=True)
class Window:
    """At most `amount` accepted comments in any `seconds`."""

    amount: int
    seconds: int


@functools.cache
def windows(rate: str) -> tuple[Window, ...]:
    """The windows of a rate in the limits notation ("1 per 15 seconds;30 per hour")."""
    return tuple(Window(item.amount, item.get_expiry()) for item in parse_many(rate))


def hold(session: Session, ip: str | None, email: str | None, rate: str,
         now: datetime, *, timeout: float) -> None:
    """Lock this client's turn until the session commits or rolls back, then refuse
    (Flooding) if its accepted comments already fill a window of `rate`. `timeout`:
    how long to wait for SQLite's write lock (DATABASE_TIMEOUT)."""
    who = [(column, value) for column, value in ((Comment.ip, ip), (Comment.email, email))
           if value]
    if not who:
        return
    _lock(session, [f"{column.key}:{value}" for column, value in who], timeout)
    waits = [_wait(session, column, value, window, now)
             for column, value in who for window in windows(rate)]
    if longest := max((wait for wait in waits if wait is not None), default=None):
        raise Flooding(longest)


def _lock(session: Session, names: Sequence[str], timeout: float) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Sorted, so two requests wanting the same two locks never wait on each other.
        for key in sorted(_lock_key(name) for name in names):
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
        return
    # SQLite has one writer at a time: taking the write lock now, before the check,
    # serializes every check-then-insert (nothing if the caller took it already). Its
    # COMMIT at the end releases the lock.
    begin_write(connection, timeout)


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for a name (a hash: any two names rarely share one)."""
    digest = hashlib.sha256(f"causerie.flood:{name}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _wait(session: Session, column: sa.orm.InstrumentedAttribute[str | None], value: str,
          window: Window, now: datetime) -> int | None:
    """Seconds until `window` has room again for this client, or None if it has room."""
    since = now - timedelta(seconds=window.seconds)
    oldest_counted = session.scalar(
        sa.select(Comment.created_at).where(column == value, Comment.created_at > since)
        .order_by(Comment.created_at.desc()).limit(1).offset(window.amount - 1))
    if oldest_counted is None:
        return None
    left = (oldest_counted + timedelta(seconds=window.seconds) - now).total_seconds()
    return max(1, math.ceil(left))
