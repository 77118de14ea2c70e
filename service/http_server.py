"""gunicorn workers whose own refusals (a request line or headers too large, a malformed
request) leave in the service's JSON error shape, like every answer of the app.

gunicorn answers those before the app sees the request, with a small HTML page; these
workers render the same error through the app's `render_error` instead, in the
default language (the request's headers were not read, or not trusted, at that point).
"""

import json
from typing import Any

from gunicorn.http.errors import (  # type: ignore[import-untyped]
                                  ChunkMissingTerminator, InvalidChunkExtension, InvalidChunkSize,
                                  InvalidHeader, InvalidHeaderName, InvalidHTTPVersion,
                                  InvalidRequestLine, InvalidRequestMethod, InvalidResponseHeader,
                                  InvalidResponseHeaderName, LimitRequestHeaders,
                                  LimitRequestLine, ObsoleteFolding)
from gunicorn.workers.ggevent import GeventWorker  # type: ignore[import-untyped]
from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]

#: The client's mistakes gunicorn finds, and the status each gets (in this order).
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (LimitRequestLine, 414), (LimitRequestHeaders, 431),
    *((kind, 400) for kind in (InvalidRequestLine, InvalidRequestMethod, InvalidHTTPVersion,
                               InvalidHeader, InvalidHeaderName, ObsoleteFolding,
                               InvalidChunkSize, ChunkMissingTerminator, InvalidChunkExtension)))
APP_FAULTS = (InvalidResponseHeader, InvalidResponseHeaderName)


class JsonErrors:
    """Mixed into a gunicorn worker: its handle_error speaks JSON."""

    wsgi: Any
    log: Any
    _bodies: dict[int, bytes]

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        code = next((status for kind, status in STATUSES if isinstance(exc, kind)), None)
        if code is None or isinstance(exc, APP_FAULTS):
            super().handle_error(req, client, addr, exc)  # type: ignore[misc]
            return
        self.log.info("refused a malformed request: %s", type(exc).__name__)
        body = self._body(code)
        reason = {400: "Bad Request", 414: "URI Too Long",
                  431: "Request Header Fields Too Large"}[code]
        head = (f"HTTP/1.1 {code} {reason}\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        try:
            client.sendall(head.encode("latin-1") + body)
        except OSError:
            self.log.debug("could not send the error to the client")

    def _body(self, code: int) -> bytes:
        bodies = self.__dict__.setdefault("_bodies", {})
        if code not in bodies:
            from .errors import render_error
            app = self.wsgi
            with app.test_request_context():
                shape, _ = render_error(code, f"http.{code}")
                bodies[code] = json.dumps(shape, ensure_ascii=False).encode()
        body: bytes = bodies[code]
        return body


class JsonGeventWorker(JsonErrors, GeventWorker):  # type: ignore[misc]
    """gevent: one greenlet per connection, so slow clients cost a greenlet, not a worker.

    After each answer on a kept-alive connection the greenlet waits until the worker's
    loop is idle before reading that connection's next request. Without it, a client
    that sends its next request at once is served again and again while the worker's
    other connections wait: under `wrk -c32` on 2 workers the median listing took 1 ms
    and the 99th percentile 1 s (bench/README.md, "Serving"); with it, each ready
    connection gets one request in turn, and p99 stays within a few times p50.
    """

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> None:
        super().handle_request(listener_name, req, sock, addr)
        import gevent  # type: ignore[import-untyped]  # only in a gevent worker
        try:
            gevent.idle()
        except gevent.GreenletExit:  # the worker is stopping: as gunicorn's own handler
            pass


class JsonThreadWorker(JsonErrors, ThreadWorker):  # type: ignore[misc]
    """gthread: a thread pool per worker (kept for the measurements in bench/README.md)."""
