"""SQLite's write lock, taken when a transaction starts writing, without stopping a worker.

SQLite lets one connection write at a time; the others wait in its busy handler, which
sleeps inside the C library. In a gevent worker that sleep stops every greenlet of the
process, not only the waiting request: with two workers posting, one of them stood still
for part of every second (bench/README.md). `begin_write` takes the lock with BEGIN
IMMEDIATE, and under gevent it waits by polling with a busy timeout of zero and a
cooperative sleep between tries, so the worker serves its other requests meanwhile. Past
DATABASE_TIMEOUT it raises the error SQLite's own wait would have raised (a 503).
On PostgreSQL, and once the driver's transaction is open, it does nothing.
"""

import sqlite3
import time
from typing import Any

import sqlalchemy as sa

from .guards import cooperative

#: Seconds between two tries, growing to at most the last value.
DELAYS = (0.0005, 0.001, 0.002)


def begin_write(connection: sa.Connection, timeout: float) -> None:
    """Start the SQLite transaction of `connection` holding the write lock (see module)."""
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.dbapi_connection
    if not isinstance(driver, sqlite3.Connection) or driver.in_transaction:
        return  # a write opened the driver's transaction: it holds the lock already
    if cooperative():
        from gevent.lock import Semaphore  # type: ignore[import-untyped]  # gevent only
        global _polling
        if _polling is None:
            _polling = Semaphore()
        # One greenlet of this worker polls at a time, the others queue in their order
        # of arrival: without it, a request could lose the race to later ones again and
        # again (posting's p99 reached 12 times its median in the bench).
        with _polling:
            _poll(driver, timeout)
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE")


_polling: Any = None


def _poll(driver: sqlite3.Connection, timeout: float) -> None:
    """BEGIN IMMEDIATE, tried until it succeeds or `timeout` passes, gevent sleeps between."""
    import gevent  # type: ignore[import-untyped]
    previous = driver.execute("PRAGMA busy_timeout").fetchone()[0]
    driver.execute("PRAGMA busy_timeout = 0")
    deadline, tries = time.monotonic() + timeout, 0
    try:
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if (driver.in_transaction or "locked" not in str(error)
                        or time.monotonic() >= deadline):  # as SQLAlchemy says it: a 503
                    raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, error) from error
            gevent.sleep(DELAYS[min(tries, len(DELAYS) - 1)])
            tries += 1
    finally:
        driver.execute(f"PRAGMA busy_timeout = {int(previous)}")
