"""Work queued during a transaction and done once, just before it commits.

A use case queues items (`queue(session, "articles.touched", article_id)`); each kind has
one flush function, registered with `@before_commit("kind")`, that receives every item of
the transaction at once, so a bulk decision on 500 comments costs one statement, not 500.
A rollback forgets what was queued, so nothing is done for a change that never happened.
Flushes run in the order they were registered; what they write commits with the rest.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

Flush = Callable[[Session, list[Any]], None]
F = TypeVar("F", bound=Flush)

_FLUSHES: dict[str, Flush] = {}
_PREFIX = "causerie.oncommit."


def before_commit(kind: str) -> Callable[[F], F]:
    """Register `flush(session, items)` to run before each commit that queued `kind` items."""
    def register(flush: F) -> F:
        if kind in _FLUSHES:
            raise ValueError(f"a flush for {kind!r} is already registered")
        _FLUSHES[kind] = flush
        return flush
    return register


def queue(session: Session, kind: str, item: Any) -> None:
    """Queue `item` for the `kind` flush of this session's next commit."""
    if kind not in _FLUSHES:
        raise KeyError(f"no flush registered for {kind!r}")
    if isinstance(session, scoped_session):  # tests and scripts may pass Flask-SQLAlchemy's
        session = session()
    if not session.in_transaction():  # so that a rollback before any statement forgets it too
        session.begin()
    session.info.setdefault(_PREFIX + kind, []).append(item)


@event.listens_for(Session, "before_commit")
def _flush_queued(session: Session) -> None:
    for kind, flush in _FLUSHES.items():
        if items := session.info.pop(_PREFIX + kind, None):
            flush(session, items)


@event.listens_for(Session, "after_soft_rollback")
def _forget_queued(session: Session, previous_transaction: Any) -> None:
    # Any rollback of the whole transaction, even one that had sent no statement yet;
    # a savepoint's rollback keeps the queue.
    if previous_transaction is not None and previous_transaction.nested:
        return
    for kind in _FLUSHES:
        session.info.pop(_PREFIX + kind, None)
