"""The public read side: approved comments per article, and counts for many articles.

A page is rendered to JSON once per article version and kept in a per-process cache:
the article's `version` changes with every change the public can see, so one indexed
lookup of (id, version) validates a cached page, answers If-None-Match, and keeps a
read's cost independent of the size of the comment table.
"""

import functools
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from cachetools import LRUCache
from sqlalchemy.orm import Session

from . import pagination
from .models import Article, Comment, Status
from .schemas import PublicCommentSchema

_public = PublicCommentSchema(many=True)
# Part of every ETag: changing how a page is rendered must invalidate what clients hold.
RENDERING = 2
V = TypeVar("V")


@dataclass(frozen=True)
class PageRequest:
    article: str
    order: str
    limit: int
    cursor: str | None

    def etag_data(self, article_id: int | None, version: int, secret: str) -> str:
        """An opaque digest of what a page's content depends on, for its ETag: keyed with
        the secret, so nobody can tell from it an article's id or version (an article
        listing `total` 0 with hidden comments has a version above 0)."""
        return opaque_etag([RENDERING, self.article, article_id, version, self.order,
                            self.limit, self.cursor], secret)


def opaque_etag(data: list[Any], secret: str) -> str:
    """An ETag for `data` keyed with the secret: equal data give equal tags, and nothing
    about the data (ids, versions) can be read or guessed back from the tag."""
    return hmac.new(secret.encode(), json.dumps(data).encode(), hashlib.sha256).hexdigest()


class BoundedCache(Generic[V]):
    """A thread-safe LRU map bounded by bytes: what a worker keeps stays under `max_bytes`
    (plus a small allowance per entry for its key), whatever keys clients make up."""

    #: Bytes counted for an entry's key and bookkeeping, on top of what `sizeof` says.
    ENTRY_OVERHEAD = 512

    def __init__(self, max_bytes: int, sizeof: Callable[[V], int]) -> None:
        self._entries: LRUCache[tuple[Any, ...], V] = LRUCache(
            maxsize=max(max_bytes, 1), getsizeof=lambda value: sizeof(value) + self.ENTRY_OVERHEAD)
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: tuple[Any, ...], value: V) -> None:
        with self._lock:
            try:
                self._entries[key] = value
            except ValueError:  # larger than the whole cache: served, not kept
                pass

    @property
    def size(self) -> int:
        """Bytes the cache counts right now."""
        return int(self._entries.currsize)


class PageCache(BoundedCache[bytes]):
    """Rendered JSON by (page position, article version), bounded by bytes, whatever
    cursors clients send."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, len)


_VERSION = sa.select(Article.id, Article.version).where(Article.key == sa.bindparam("key"))


@functools.cache
def _version_sql(dialect: sa.Dialect) -> tuple[str, bool]:
    """The version look-up in this dialect's SQL, and whether it takes positional params."""
    compiled = _VERSION.compile(dialect=dialect)
    return compiled.string, bool(compiled.positiontup)


def article_version(session: Session, key: str) -> tuple[int | None, int]:
    """(id, version) of an article, or (None, 0) for one that has no comment yet."""
    # The app binds sessions to its engine.
    return engine_article_version(cast(sa.Engine, session.get_bind()), key)


def engine_article_version(engine: sa.Engine, key: str) -> tuple[int | None, int]:
    """article_version on the engine itself, for callers outside a request (the replay).

    Every read starts here, so it runs on a pooled DB-API connection directly: the
    ORM session's transaction bookkeeping would cost more than the query itself.
    """
    sql, positional = _version_sql(engine.dialect)
    errors = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(sql, (key,) if positional else {"key": key})
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()  # back to the pool, rolled back
    except errors as error:  # as SQLAlchemy would say it, so the 503 handler knows it
        raise sa.exc.DBAPIError.instance(sql, None, error, errors) from error
    return (row[0], row[1]) if row else (None, 0)


def render_page(session: Session, request: PageRequest, article_id: int | None) -> bytes:
    """The JSON body of one page of approved comments, oldest or newest first."""
    position = pagination.decode(request.cursor) if request.cursor else None
    if article_id is None:
        return _dump(request.article, 0, [], None)
    approved = (Comment.article_id == article_id, Comment.status == Status.APPROVED)
    key = sa.tuple_(Comment.created_at, Comment.id)
    newest = request.order == "newest"
    query = (sa.select(Comment.id, Comment.parent_id, Comment.name, Comment.website,
                       Comment.html, Comment.created_at, Comment.deleted_at)
             .where(*approved)
             .order_by(*(column.desc() if newest else column.asc()
                         for column in (Comment.created_at, Comment.id)))
             .limit(request.limit + 1))
    if position:
        query = query.where(key < sa.tuple_(*position) if newest else key > sa.tuple_(*position))
    rows = session.execute(query).all()
    total = session.scalar(sa.select(sa.func.count()).select_from(Comment).where(*approved))
    items, cursor = pagination.keyset_page(rows, request.limit, _position)
    return _dump(request.article, total or 0, items, cursor)


def _position(row: Any) -> tuple[datetime, int]:
    return row.created_at, row.id


def _dump(article: str, total: int, rows: Sequence[Any], cursor: str | None) -> bytes:
    body = {"article": article, "total": total, "items": _public.dump(rows), "next_cursor": cursor}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def cached_page(session: Session, cache: PageCache, request: PageRequest,
                article_id: int | None, version: int) -> bytes:
    """The page's body from the cache, rendering and keeping it on a miss."""
    # Keyed by the decoded position, not the cursor's text: two spellings of one
    # position are one entry (an invalid cursor never gets here: 422 first).
    position = pagination.decode(request.cursor) if request.cursor else None
    key = (request.article, request.order, request.limit, position, article_id, version)
    if (body := cache.get(key)) is None:
        body = render_page(session, request, article_id)
        cache.put(key, body)
    return body


_COUNTS = sa.select(Article.key, Article.comment_count).where(
    Article.key.in_(sa.bindparam("keys", expanding=True)))


def counts(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """Approved comments per article key, read from the articles (one look-up of the
    unique key index each, whatever the size of the comment table); unknown ones count 0."""
    found = {key: count for key, count in session.execute(_COUNTS, {"keys": sorted(set(keys))})}
    return {key: found.get(key, 0) for key in keys}
