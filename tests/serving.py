"""Run the real service (or any WSGI app) under gunicorn on loopback, for tests and the bench.

Each server is its own process group, started with bounded waits and always killed, so
a failing test or an interrupted bench leaves no worker behind.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
#: The gunicorn master's pid, by the port it serves (for tests that look at its workers).
MASTERS: dict[int, int] = {}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment the service reads, with nothing inherited that could change a result."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "TEST_DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR")}
    env.update({"DATABASE_URL": database_url, "SECRET_KEY": "serving-secret",
                "LOG_LEVEL": "WARNING", "PYTHONDONTWRITEBYTECODE": "1", **extra})
    return env


def migrate(env: Mapping[str, str], timeout: float = 60) -> None:
    """`flask --app wsgi db upgrade` on env's DATABASE_URL, as the Dockerfile does at start."""
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                            cwd=PROJECT, env=dict(env), capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"db upgrade failed:\n{result.stdout}\n{result.stderr}")


def get(port: int, path: str, timeout: float = 2) -> tuple[int, bytes]:
    """Status and body of one GET to the server on this port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def gunicorn(app: str, env: Mapping[str, str], *, workers: int = 2, ready: str = "/healthz",
             log: Path | None = None, startup: float = 30, cwd: Path = PROJECT,
             extra: tuple[str, ...] = (), worker_class: str | None = "sync") -> Iterator[int]:
    """Serve `app` ("module:variable") on a free loopback port; yield the port.

    `worker_class=None` serves it as `make run` does: with the settings of the project's
    gunicorn.conf.py (read from `cwd`), the port aside.

    Waits until every worker could have booted and `ready` answers 200; the whole process
    group is terminated (then killed) on exit, whatever happened inside.
    """
    port = free_port()
    output = open(log, "wb") if log else subprocess.DEVNULL
    own = () if worker_class is None else (
        "--worker-class", worker_class, "--timeout", "60", "--graceful-timeout", "2")
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), *own,
               "--no-control-socket",  # else every server shares ~/.gunicorn/gunicorn.ctl
               *extra, app]
    process = subprocess.Popen(command, cwd=cwd, env=dict(env), stdout=output,
                               stderr=subprocess.STDOUT, start_new_session=True)
    MASTERS[port] = process.pid
    try:
        deadline = time.monotonic() + startup
        answers = 0
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}"
                                   + (f"; see {log}" if log else ""))
            try:
                status, _ = get(port, ready)
                answers = answers + 1 if status == 200 else 0
            except OSError:
                answers = 0
            if answers >= workers * 2:  # several answers in a row: the workers are up
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{app} did not answer {ready} within {startup} s")
            time.sleep(0.1)
        yield port
    finally:
        MASTERS.pop(port, None)
        _stop(process)
        if log:
            output.close()  # type: ignore[union-attr]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL after a few seconds; never raises."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # The arbiter gone, make sure no orphaned worker of its group is left.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def served_database(kind: str, folder: Path, name: str) -> Iterator[str]:
    """A database URL a served service can migrate: a SQLite file in `folder`, or a
    PostgreSQL schema of its own on TEST_DATABASE_URL (dropped afterwards), named after
    `name` and made unique so that overlapping runs never share tables."""
    import pytest
    import sqlalchemy as sa

    from service.config import database_url

    if kind == "sqlite":
        yield f"sqlite:///{folder / 'causerie.db'}"
        return
    if not (raw := os.environ.get("TEST_DATABASE_URL")):
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"{name}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url(raw))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        # Every connection of the service (and of its migration) works inside that schema.
        url = sa.make_url(database_url(raw)).update_query_dict(
            {"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
