"""The hostile suite: the real service served as `make run` serves it (gunicorn with the
project's gunicorn.conf.py: gevent workers, 8 KB request line), on a free port, on a
SQLite file and on PostgreSQL. Every request is sent from this process, bounded in count
and in time, and every answer's status and JSON shape is checked."""

import http.client
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from service.config import database_url as sqlalchemy_url
from tests import serving
from tests.serving import MASTERS, free_port, gunicorn, migrate, service_environment


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 worker_id: str) -> Iterator[str]:
    """A database the served service can migrate: a SQLite file or a PostgreSQL schema."""
    with served_database(request.param, tmp_path_factory, worker_id) as url:
        yield url


@contextmanager
def served_database(kind: str, tmp_path_factory: pytest.TempPathFactory,
                    worker_id: str) -> Iterator[str]:
    with serving.served_database(kind, tmp_path_factory.mktemp("db"),
                                 f"causerie_hostile_{worker_id}") as url:
        yield url


@dataclass
class Server:
    port: int
    url: str
    log: Path

    def workers(self) -> list[int]:
        """The pids of the gunicorn workers."""
        master = MASTERS[self.port]
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
        return [int(pid) for pid in text.split()]

    def rss(self) -> dict[int, int]:
        """Resident memory of each worker, in bytes."""
        sizes = {}
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) * 1024
        return sizes

    def stored(self, where: str, **params: Any) -> int:
        """How many comments the database holds that match `where`."""
        engine = sa.create_engine(sqlalchemy_url(self.url))
        try:
            with engine.connect() as connection:
                return int(connection.execute(sa.text(f"SELECT count(*) FROM comment WHERE {where}"),
                                              params).scalar_one())
        finally:
            engine.dispose()


@contextmanager
def serve(url: str, folder: Path, *, workers: int = 2, **settings: str) -> Iterator[Server]:
    """Migrate and serve the service as `make run` does, with these settings."""
    env = service_environment(url, LOG_LEVEL="INFO", **settings)
    migrate(env)
    log = folder / f"gunicorn-{uuid.uuid4().hex[:6]}.log"
    # make run's settings, but a short graceful stop, so that the suite ends quickly.
    with gunicorn("wsgi:app", env, workers=workers, log=log, worker_class=None,
                  extra=("--graceful-timeout", "1")) as port:
        yield Server(port, url, log)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    data: Any = field(default=None)

    def json(self) -> Any:
        return json.loads(self.body)


def call(port: int, method: str, path: str, body: bytes | str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 15) -> Answer:
    """One request on a new connection."""
    start = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      content, time.monotonic() - start)
    finally:
        connection.close()


def post_json(port: int, article: str, body: dict[str, Any], address: str | None = None,
              **headers: str) -> Answer:
    sent = {"Content-Type": "application/json", **headers}
    if address:
        sent["X-Forwarded-For"] = address
    return call(port, "POST", f"/api/v1/articles/{article}/comments",
                json.dumps(body).encode(), sent)


def assert_json_error(answer: Answer, code: int) -> dict[str, Any]:
    """The answer is the service's JSON error shape with this code."""
    assert answer.status == code, (answer.status, answer.body[:300])
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    body = answer.json()
    assert body["code"] == code and body["message"] and body["status"], body
    return dict(body)


def at_once(count: int, work: Any) -> list[Any]:
    """Run work(n) for n in range(count) in threads released together; their results."""
    start, results = threading.Barrier(count), [None] * count

    def run(n: int) -> None:
        try:
            start.wait(timeout=20)
            results[n] = work(n)
        except Exception as error:  # noqa: BLE001 - shown by the caller's assertion
            results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class Proxy:
    """A TCP proxy on loopback in front of a server, which can be frozen: connections stay
    open, but not a byte passes either way (a database or Redis that went silent)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.frozen = threading.Event()
        self.closed = threading.Event()
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(0.2)
        while not self.closed.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            while self.frozen.is_set() and not self.closed.is_set():
                time.sleep(0.02)
            try:
                sink.sendall(data)
            except OSError:
                break
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        for sock in self.sockets:
            sock.close()
