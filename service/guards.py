"""What keeps one request from hurting the others: bodies read within MAX_CONTENT_LENGTH
however they are sent, a deadline on every request, and a clean-up that cannot fail.

Each guard answers in the JSON error shape, in the request's language, like the app.
"""

import io
import logging
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge

from . import errors
from .extensions import db

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
TOO_LARGE = "causerie.body_too_large"
DEADLINE = "causerie.deadline"
#: /readyz answers within this many seconds, whatever the database does.
READY_DEADLINE = 1.5


class BoundedBody:
    """A chunked body (no Content-Length) is read here, up to MAX_CONTENT_LENGTH, so that
    one byte more is a 413 and never a silently shortened comment."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("CONTENT_LENGTH") and "chunked" in environ.get(
                "HTTP_TRANSFER_ENCODING", "").lower():
            limit = self.app.config["MAX_CONTENT_LENGTH"]
            stream, parts, size = environ["wsgi.input"], [], 0
            while size <= limit and (part := stream.read(min(65536, limit + 1 - size))):
                parts.append(part)
                size += len(part)
            body = b"".join(parts)
            if size > limit:
                environ[TOO_LARGE], body = True, b""
                _drain(stream)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING")  # else Werkzeug ignores CONTENT_LENGTH
        return self.wsgi_app(environ, start_response)


#: What is still read (and thrown away) of a body over the limit, so that the client,
#: still sending, gets the 413 instead of a connection reset; past it, the reset.
DRAIN_MAX = 16 * 1024 * 1024


def _drain(stream: Any) -> None:
    drained = 0
    while drained < DRAIN_MAX and (part := stream.read(65536)):
        drained += len(part)


def _refuse_large_bodies() -> None:
    if request.environ.get(TOO_LARGE):
        raise RequestEntityTooLarge()


class DeadlinePassed(BaseException):
    """Raised into a request that ran past its deadline (a BaseException, so that
    SQLAlchemy drops the connection it was waiting on instead of pooling it)."""


def cooperative() -> bool:
    """True in a gevent worker: only there can a blocked wait be interrupted."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


class Deadline:
    """A request still waiting (on a silent database, a frozen Redis) after `seconds` is
    answered 503 with Retry-After; /readyz within READY_DEADLINE."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp, seconds: float) -> None:
        self.app, self.wsgi_app, self.seconds = app, wsgi_app, seconds

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not cooperative():
            return self.wsgi_app(environ, start_response)
        import gevent  # type: ignore[import-untyped]
        seconds = READY_DEADLINE if environ.get("PATH_INFO") == "/readyz" else self.seconds
        environ[DEADLINE] = time.monotonic() + seconds
        timer = gevent.Timeout(seconds, DeadlinePassed)
        timer.start()
        try:
            return self.wsgi_app(environ, start_response)
        except DeadlinePassed:
            log.error("request past its %s s deadline: %s", seconds, environ.get("PATH_INFO"))
            with self.app.request_context(environ):
                body, code = errors.render_error(503, "http.503")
                response = jsonify(body)
                response.status_code = code
                response.headers["Retry-After"] = "5"
                return response(environ, start_response)
        finally:
            timer.close()


def _past_deadline(error: InternalServerError) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A failure after the deadline passed (a library turned the deadline's interruption
    into an error of its own) is the 503 of a stuck dependency, not a 500."""
    if time.monotonic() >= request.environ.get(DEADLINE, float("inf")):
        body, code = errors.render_error(503, "http.503")
        return body, code, {"Retry-After": "5"}
    body, code = errors.render_error(500, "http.500")
    return body, code, {}


def _remove_session(exc: BaseException | None) -> None:
    """End the request's session; a connection the database dropped meanwhile (its
    rollback fails) is discarded, never turned into an error after the answer was made."""
    try:
        db.session.remove()
    except Exception as error:  # noqa: BLE001 - the answer is decided; keep serving
        log.warning("dropped a dead database connection: %s", type(error).__name__)
        try:
            db.session().invalidate()
        except Exception:  # noqa: BLE001
            pass
        db.session.registry.clear()


def register(app: Flask, seconds: float) -> None:
    """Wrap the app's WSGI callable in the guards and hook their request parts."""
    app.wsgi_app = BoundedBody(app, Deadline(app, app.wsgi_app, seconds))  # type: ignore[method-assign]
    app.before_request(_refuse_large_bodies)
    app.register_error_handler(InternalServerError, _past_deadline)
    app.teardown_appcontext(_remove_session)
