"""The read replay: a listing answer Flask already gave, sent again without Flask while
the article's version has not changed (READ_REPLAY).

Flask's request machinery (routing, hooks, contexts) costs more than answering a cached
listing itself. So each worker keeps the last 200 and 304 answers of
`GET /api/v1/articles/<key>/comments`, byte for byte, keyed by everything such an answer
depends on: the method, the path, the query string, and every request header that Flask
or an extension reads for it (KEYED). Flask marks an answer replayable with the article's
(id, version) it rendered from (`mark`); before replaying, one indexed look-up reads them
again, and anything else (another version, a database error) goes to Flask as before.
Requests with credentials, a cookie or a body are never replayed, nor kept. The store is
bounded by bytes, keys included (LISTING_CACHE_BYTES).
"""

import re
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, request

from .extensions import db
from .guards import TOO_LARGE, WSGIApp
from .limits import ARTICLE_KEY
from .listing import BoundedCache, engine_article_version
from .metrics import LATENCY, REQUESTS

#: The environ key where a view puts (endpoint, validator) to let its answer be kept.
MARK = "causerie.replay"
#: The listing's route, its key matched as the route's converter matches it.
LISTING = re.compile(rf"/api/v1/articles/({ARTICLE_KEY})/comments")
#: Every request header a listing answer depends on: CORS (Origin, and the private network
#: request), the language (Accept-Language), the 304 (If-None-Match); Accept for safety.
KEYED = ("HTTP_ORIGIN", "HTTP_ACCEPT_LANGUAGE", "HTTP_IF_NONE_MATCH", "HTTP_ACCEPT",
         "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK")
#: Requests carrying these are Flask's alone.
REFUSED = ("HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_TRANSFER_ENCODING", TOO_LARGE)
KEPT_STATUSES = ("200", "304")


def mark(validator: Hashable) -> None:
    """Let this request's answer be replayed while its validator reads the same."""
    request.environ[MARK] = (request.endpoint, validator)


@dataclass(frozen=True, slots=True)
class Entry:
    validator: Hashable
    endpoint: str
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    size: int  # bytes counted against the bound: body, headers and key


class Replay:
    """The WSGI middleware: replays kept answers, keeps new ones (see the module)."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp, max_bytes: int) -> None:
        self.app, self.wsgi_app = app, wsgi_app
        self.cache: BoundedCache[Entry] = BoundedCache(max_bytes, lambda entry: entry.size)
        self._engine: sa.Engine | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (method not in ("GET", "HEAD")
                or not (match := LISTING.fullmatch(environ.get("PATH_INFO", "")))
                or environ.get("CONTENT_LENGTH") not in (None, "", "0")
                or any(name in environ for name in REFUSED)):
            return self.wsgi_app(environ, start_response)
        start = time.perf_counter()
        key = (method, environ.get("SCRIPT_NAME", ""), environ["PATH_INFO"],
               environ.get("QUERY_STRING", ""), *(environ.get(name) for name in KEYED))
        entry = self.cache.get(key)
        if entry is not None and self._validator(match.group(1)) == entry.validator:
            start_response(entry.status, list(entry.headers))
            REQUESTS.labels(method, entry.endpoint, entry.status[:3]).inc()
            LATENCY.labels(entry.endpoint).observe(time.perf_counter() - start)
            return [entry.body]
        return self._answer_and_keep(key, environ, start_response)

    def _validator(self, article: str) -> Hashable:
        """The article's (id, version) now; None if the database cannot say (then Flask
        answers, with its 503 if the database is down)."""
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        try:
            return engine_article_version(self._engine, article)
        except Exception:  # noqa: BLE001 - not replaying is always safe
            return None

    def _answer_and_keep(self, key: tuple[Any, ...], environ: dict[str, Any],
                         start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, list(headers), exc_info]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        marked = environ.get(MARK)
        if (marked is None or not answer or answer[2] is not None
                or answer[0][:3] not in KEPT_STATUSES):
            return body
        try:
            data = b"".join(body)
        finally:
            if (close := getattr(body, "close", None)) is not None:
                close()
        status, headers = answer[0], tuple(answer[1])
        endpoint, validator = marked
        size = (len(data) + sum(len(name) + len(value) for name, value in headers)
                + sum(len(part) for part in key if isinstance(part, str)))
        self.cache.put(key, Entry(validator, endpoint, status, headers, data, size))
        return [data]


def register(app: Flask) -> None:
    """Put the replay in front of the app (the guards, installed after, wrap it)."""
    if app.config["READ_REPLAY"]:
        app.wsgi_app = Replay(app, app.wsgi_app,  # type: ignore[method-assign]
                              app.config["LISTING_CACHE_BYTES"])
