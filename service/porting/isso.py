"""Isso's own SQLite database (tables `threads` and `comments`), read-only, in id order.

Isso's modes: 1 accepted (approved), 2 waiting for moderation (pending), 4 deleted but
kept because it has replies (its text is gone: not imported, its replies answer its
parent instead). Isso stores the text as its author wrote it (Markdown), which our
sanitizer reads as text; IP addresses come anonymized by Isso already.
"""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ..models import Status
from .records import Event, ImportedArticle, ImportedComment, ImportFailed, KeyRule, Skipped

MODES = {1: Status.APPROVED, 2: Status.PENDING}
DELETED = 4


def count(path: Path) -> int:
    """How many comments the database holds (for a progress bar)."""
    with _open(path) as connection:
        return int(connection.execute("SELECT count(*) FROM comments").fetchone()[0])


def _open(path: Path) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise ImportFailed(f"This is not an Isso database: {error}. Nothing was imported.") from None
    if not {"threads", "comments"} <= tables:
        connection.close()
        raise ImportFailed("This is not an Isso database: it has no threads and comments "
                           "tables. Nothing was imported.")
    return connection


def read(path: Path, rule: KeyRule) -> Iterator[Event]:
    """The threads (as articles) and comments of an Isso database."""
    connection = _open(path)
    try:
        keys: dict[int, str] = {}
        for tid, uri in connection.execute("SELECT id, uri FROM threads ORDER BY id"):
            key = rule.key(uri) or f"isso-{tid}"
            keys[tid] = key
            yield ImportedArticle(key)
        deleted = dict(connection.execute(
            "SELECT id, parent FROM comments WHERE mode = ?", (DELETED,)).fetchall())
        rows = connection.execute(
            "SELECT id, tid, parent, created, mode, remote_addr, text, author, email, website "
            "FROM comments ORDER BY id")
        for id, tid, parent, created, mode, ip, text, author, email, website in rows:
            if mode == DELETED:
                yield Skipped("deleted in Isso")
                continue
            if tid not in keys:
                yield Skipped("orphan (thread not in the file)")
                continue
            seen = set()
            while parent in deleted and parent not in seen:  # answer the nearest kept one
                seen.add(parent)
                parent = deleted[parent]
            yield ImportedComment(
                source_id=str(id), article=keys[tid],
                parent_id=str(parent) if parent is not None else None,
                name=author or "", email=email, website=website, ip=ip, text=text or "",
                status=MODES.get(mode, Status.PENDING),
                created_at=datetime.fromtimestamp(float(created), UTC).replace(tzinfo=None))
    except sqlite3.DatabaseError as error:
        raise ImportFailed(f"The Isso database cannot be read: {error}. Nothing was imported.") from None
    finally:
        connection.close()
