"""The documented flood limit (1 accepted comment per 15 s, 30 per hour, per client
address) holds with two workers, on both databases, for posts on new connections and for
a burst, with and without a shared Redis; a bad form `redirect` neither fails a stored
comment nor skips the count."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import Server, assert_json_error, at_once, call, post_json, serve


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Behind one trusted proxy, as in production: each test speaks as its own client.
    with serve(database_url, tmp_path_factory.mktemp("flood"), TRUSTED_PROXIES="1",
               MODERATION="post", ALLOWED_ORIGINS="https://blog.example") as running:
        yield running


def address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}"


def assert_flooded(answer: object) -> None:
    from .conftest import Answer
    assert isinstance(answer, Answer), answer
    assert_json_error(answer, 429)
    assert 1 <= int(answer.headers["retry-after"]) <= 60


def test_ten_posts_on_new_connections_get_one_201(server: Server) -> None:
    client, start = address(), time.monotonic()
    answers = [post_json(server.port, "flood-ten", {"name": "Flo", "text": f"Message {n}"},
                         client) for n in range(10)]
    assert time.monotonic() - start < 15  # all inside the first window
    assert answers[0].status == 201, answers[0].body
    for answer in answers[1:]:
        assert_flooded(answer)
        assert int(answer.headers["retry-after"]) <= 15
    assert server.stored("ip = :ip", ip=client) == 1


def test_a_burst_of_forty_gets_one_201(server: Server) -> None:
    client = address()
    answers = at_once(40, lambda n: post_json(server.port, "flood-burst",
                                              {"name": "Flo", "text": f"Rafale {n}"}, client))
    created = [answer for answer in answers if getattr(answer, "status", None) == 201]
    assert len(created) == 1, [getattr(a, "status", a) for a in answers]
    for answer in answers:
        if answer is not created[0]:
            assert_flooded(answer)
    assert server.stored("ip = :ip", ip=client) == 1


def test_one_email_from_two_addresses_is_one_client(server: Server) -> None:
    body = {"name": "Flo", "email": f"{uuid.uuid4().hex[:8]}@example.org", "text": "Un"}
    assert post_json(server.port, "flood-email", body, address()).status == 201
    assert_flooded(post_json(server.port, "flood-email", {**body, "text": "Deux"}, address()))


def test_refused_posts_do_not_count(server: Server) -> None:
    client = address()
    assert_json_error(post_json(server.port, "flood-refused", {"name": "Flo"}, client), 422)
    assert post_json(server.port, "flood-refused", {"name": "Flo", "text": "Enfin"},
                     client).status == 201


@pytest.mark.parametrize("redirect", ["https://blog.example/\nx", "https://blog.example/a b",
                                      "https://blog.example/\r\nSet-Cookie: a=b"])
def test_a_bad_redirect_never_fails_a_stored_comment_nor_skips_the_count(
        server: Server, redirect: str) -> None:
    client = address()
    form = {"Content-Type": "application/x-www-form-urlencoded",
            "Origin": "https://blog.example", "X-Forwarded-For": client}
    first = call(server.port, "POST", "/api/v1/articles/flood-redirect/comments",
                 f"name=F&text=x{client}&redirect={quote(redirect)}", form)
    assert first.status == 201, first.body  # answered as JSON, as without `redirect`
    assert first.json()["status"] == "approved"
    assert first.headers["location"] == f"/api/v1/comments/{first.json()['id']}"
    second = call(server.port, "POST", "/api/v1/articles/flood-redirect/comments",
                  f"name=F&text=y{client}&redirect={quote(redirect)}", form)
    assert_flooded(second)
    assert server.stored("ip = :ip", ip=client) == 1


def test_a_good_redirect_still_redirects(server: Server) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded",
            "Origin": "https://blog.example", "X-Forwarded-For": address()}
    answer = call(server.port, "POST", "/api/v1/articles/flood-redirect/comments",
                  "name=F&text=ok&redirect=https%3A%2F%2Fblog.example%2Fpost%23comments", form)
    assert answer.status == 303
    assert answer.headers["location"] == "https://blog.example/post#comments"


def test_with_a_shared_redis_a_burst_still_gets_one(tmp_path: Path) -> None:
    """Flask-Limiter's ceiling in Redis; the flood limit in the database, atomic either way."""
    with serve(f"sqlite:///{tmp_path / 'redis.db'}", tmp_path, TRUSTED_PROXIES="1",
               RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
               RATELIMIT_KEY_PREFIX=f"causerie-test-{uuid.uuid4().hex}") as running:
        client = address()
        answers = at_once(40, lambda n: post_json(running.port, "redis-burst",
                                                  {"name": "Flo", "text": f"Rafale {n}"}, client))
        statuses = sorted(getattr(answer, "status", 0) for answer in answers)
        assert statuses == [201] + [429] * 39, statuses
        for answer in answers:
            if answer.status == 429:
                assert_json_error(answer, 429)
        assert running.stored("ip = :ip", ip=client) == 1
