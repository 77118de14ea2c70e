"""A database or a Redis that stops answering costs bounded time, every answer stays JSON,
and the service recovers alone once it answers again."""

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from .conftest import (Proxy, Server, assert_json_error, at_once, call, post_json, serve,
                       served_database)


@pytest.fixture
def frozen_postgresql(tmp_path_factory: pytest.TempPathFactory,
                      worker_id: str) -> Iterator[tuple[str, Proxy]]:
    """A PostgreSQL schema reached through a proxy that the test can freeze."""
    with served_database("postgresql", tmp_path_factory, worker_id) as url:
        parsed = sa.make_url(url)
        proxy = Proxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        try:
            yield parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(
                hide_password=False), proxy
        finally:
            proxy.close()


def test_a_silent_postgresql_gives_json_503s_in_time_then_recovers(
        frozen_postgresql: tuple[str, Proxy], tmp_path: Path) -> None:
    url, proxy = frozen_postgresql
    with serve(url, tmp_path, MODERATION="post", RATELIMIT_ENABLED="false") as server:
        assert post_json(server.port, "frozen", {"name": "Ana", "text": "Avant"}).status == 201
        proxy.frozen.set()
        ready = call(server.port, "GET", "/readyz", timeout=10)
        assert_json_error(ready, 503)
        assert ready.seconds < 2 and ready.headers["retry-after"]
        answers = at_once(6, lambda n: (
            post_json(server.port, "frozen", {"name": "Ana", "text": f"Pendant {n}"}) if n % 2
            else call(server.port, "GET", "/api/v1/articles/frozen/comments", timeout=10)))
        for answer in answers:
            assert_json_error(answer, 503)
            assert answer.seconds < 5
        assert call(server.port, "GET", "/healthz").status == 200  # alive all along
        proxy.frozen.clear()
        deadline = time.monotonic() + 15
        while call(server.port, "GET", "/readyz").status != 200:
            assert time.monotonic() < deadline, "no recovery"
            time.sleep(0.2)
        after = post_json(server.port, "frozen", {"name": "Ana", "text": "Après"})
        assert after.status == 201, after.body
        listing = call(server.port, "GET", "/api/v1/articles/frozen/comments")
        assert listing.status == 200 and listing.json()["total"] >= 2


def test_terminated_postgresql_connections_never_give_html_nor_lose_a_201(
        tmp_path_factory: pytest.TempPathFactory, worker_id: str, tmp_path: Path) -> None:
    name = f"causerie-hostile-{uuid.uuid4().hex[:8]}"  # only this server's backends are cut
    with served_database("postgresql", tmp_path_factory, worker_id) as base:
        url = sa.make_url(base).update_query_dict({"application_name": name})
        admin = sa.create_engine(url.set(query={}), isolation_level="AUTOCOMMIT")
        created: list[int] = []
        with serve(url.render_as_string(hide_password=False), tmp_path, MODERATION="post",
                   RATELIMIT_ENABLED="false") as server:
            try:
                for round in range(6):
                    answers = at_once(8, lambda n: post_json(
                        server.port, "dropped", {"name": "Ana", "text": f"Tour {round} n°{n}"}))
                    with admin.connect() as connection:
                        connection.execute(sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = :name"), {"name": name})
                    for answer in answers:
                        assert answer.headers["content-type"].startswith("application/json")
                        if answer.status == 201:
                            created.append(answer.json()["id"])
                        else:
                            assert_json_error(answer, 503)
            finally:
                admin.dispose()
            assert created
            assert server.stored(f"id IN ({', '.join(map(str, created))})") == len(created)


def test_a_locked_sqlite_gives_json_503s_in_time_then_recovers(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    with serve(f"sqlite:///{path}", tmp_path, MODERATION="post",
               RATELIMIT_ENABLED="false") as server:
        assert post_json(server.port, "locked", {"name": "Ana", "text": "Avant"}).status == 201
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
        try:
            answers = at_once(3, lambda n: post_json(server.port, "locked",
                                                     {"name": "Ana", "text": f"Pendant {n}"}))
            for answer in answers:
                assert_json_error(answer, 503)
                assert answer.seconds < 5 * 3  # each waits its 3 s; a worker runs them in turn
            listing = call(server.port, "GET", "/api/v1/articles/locked/comments")
            assert listing.status == 200 and listing.json()["total"] == 1  # readers go on
        finally:
            holder.rollback()
            holder.close()
        assert post_json(server.port, "locked", {"name": "Ana", "text": "Après"}).status == 201


def test_a_silent_redis_costs_little_and_is_logged_once_each_way(tmp_path: Path) -> None:
    proxy = Proxy("127.0.0.1", 6379)
    try:
        with serve(f"sqlite:///{tmp_path / 'redis.db'}", tmp_path, workers=1,
                   TRUSTED_PROXIES="1", MODERATION="post",
                   RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{proxy.port}/15",
                   RATELIMIT_KEY_PREFIX=f"causerie-test-{uuid.uuid4().hex}") as server:
            def post(n: int) -> float:
                answer = post_json(server.port, "redis", {"name": "Ana", "text": f"n°{n}"},
                                   f"2001:db8::{n:x}")
                assert answer.status == 201, answer.body
                return answer.seconds

            post(1)
            proxy.frozen.set()
            slowest = max(post(n) for n in range(2, 8))
            assert slowest < 0.5 + 0.3  # the Redis timeout, and the post itself
            proxy.frozen.clear()
            time.sleep(2.5)  # the limiter checks its storage again after 1, 2, 4 s ...
            for n in range(8, 14):
                post(n)
                time.sleep(0.5)
        log = server.log.read_text(errors="replace")
    finally:
        proxy.close()
    assert log.count("falling back to in-memory storage") == 1, log[-2000:]
    assert log.count("Rate limit storage recovered") == 1, log[-2000:]
    for line in log.splitlines():
        if "storage" in line and line.startswith("{"):
            assert json.loads(line)["logger"] == "flask-limiter"
    assert os.path.exists(tmp_path / "redis.db")
