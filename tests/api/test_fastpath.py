"""The read replay (service/fastpath.py): a listing answer replayed without Flask is the one
Flask gives, byte for byte; any change an article's readers could see ends it; nothing
else is ever replayed; it keeps to its byte bound; a failing database gets Flask's 503.
Every test counts the requests that reach Flask, so none passes without the replay."""

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from service.extensions import db
from service.fastpath import Replay
from tests.helpers import URL, approve_all, bearer, patch, post

ORIGINS = ["https://blog.example", "https://other.example"]
ENDPOINT = "comments.ArticleComments"


def replay_of(app: Flask) -> Replay:
    """The Replay in the app's WSGI chain (inside the guards)."""
    layer: Any = app.wsgi_app
    while not isinstance(layer, Replay):
        layer = layer.wsgi_app
    return layer


def counted(app: Flask) -> tuple[Flask, list[str]]:
    """The app, and the requests ("GET /path") that reach Flask (what the replay passes on)."""
    calls: list[str] = []
    try:
        outer: Any = replay_of(app)
    except AttributeError:  # no replay: every request reaches Flask
        outer = app
    inner = outer.wsgi_app

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        calls.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        return inner(environ, start_response)

    outer.wsgi_app = counting
    return app, calls


def answer(response: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    return response.status, list(response.headers), response.get_data()


@pytest.fixture
def apps(make_app: Callable[..., Flask]) -> tuple[tuple[Flask, list[str]], Flask]:
    """Two apps on one database: one replays (and counts what reaches Flask), the other
    is Flask alone."""
    return (counted(make_app(ALLOWED_ORIGINS=ORIGINS, MODERATION="post")),
            make_app(ALLOWED_ORIGINS=ORIGINS, MODERATION="post", READ_REPLAY=False))


def test_a_replayed_answer_is_the_one_flask_gives_byte_for_byte(
        apps: tuple[tuple[Flask, list[str]], Flask]) -> None:
    (replaying, calls), plain = apps
    fast, slow = replaying.test_client(), plain.test_client()
    for n in range(3):
        assert post(fast, {"name": "Julie", "text": f"Merci {n} !"}).status_code == 201
    cursor = slow.get(f"{URL}?limit=1").get_json()["next_cursor"]
    etag = slow.get(URL).headers["ETag"]
    cases: list[tuple[str, str, dict[str, str]]] = [
        ("GET", "", {}), ("GET", "?order=newest", {}), ("GET", f"?limit=1&cursor={cursor}", {}),
        ("GET", "?lang=en", {}), ("GET", "", {"Accept-Language": "en"}),
        ("GET", "", {"Origin": ORIGINS[1]}), ("GET", "", {"Origin": "https://evil.example"}),
        ("GET", "", {"If-None-Match": etag}), ("GET", "", {"If-None-Match": '"stale"'}),
        ("HEAD", "", {}), ("HEAD", "", {"Origin": ORIGINS[0], "Accept-Language": "en"}),
    ]
    for method, query, headers in cases:
        expected = answer(slow.open(URL + query, method=method, headers=headers))
        before = len(calls)
        first = answer(fast.open(URL + query, method=method, headers=headers))
        assert len(calls) == before + 1  # Flask answered it, and the replay kept it
        replayed = answer(fast.open(URL + query, method=method, headers=headers))
        assert len(calls) == before + 1, (method, query, headers)  # replayed: Flask never saw it
        assert first == replayed == expected, (method, query, headers)
    statuses = {query + str(headers): answer(slow.get(URL + query, headers=headers))[0]
                for _, query, headers in cases}
    assert "304 NOT MODIFIED" in statuses.values()
    cors = fast.get(URL, headers={"Origin": ORIGINS[1]}).headers
    assert cors["Access-Control-Allow-Origin"] == ORIGINS[1]
    assert {"Origin", "Accept-Language"} <= set(", ".join(cors.getlist("Vary")).split(", "))
    assert "Access-Control-Allow-Origin" not in fast.get(
        URL, headers={"Origin": "https://evil.example"}).headers


def test_a_change_readers_can_see_ends_the_replay(make_app: Callable[..., Flask],
                                                  marc: dict[str, str]) -> None:
    app, calls = counted(make_app())
    client = app.test_client()

    def read() -> tuple[Any, int]:
        before = len(calls)
        response = client.get(URL)
        return response, len(calls) - before

    post(client, {"name": "Ana", "text": "Bonjour"})  # pending: the article exists now
    first, _ = read()
    assert read()[1] == 0  # replayed
    held = post(client).get_json()["id"]  # pending: readers see nothing new
    assert read()[1] == 0
    approve_all(app)  # both published
    published, reached = read()
    assert reached == 1 and published.get_json()["total"] == 2
    assert published.headers["ETag"] != first.headers["ETag"]
    assert read()[1] == 0
    assert patch(client, marc, held, status="trash").status_code == 200  # one unpublished
    trashed, reached = read()
    assert reached == 1 and trashed.get_json()["total"] == 1
    assert trashed.headers["ETag"] not in (first.headers["ETag"], published.headers["ETag"])
    assert read()[1] == 0


def test_a_comment_posted_approved_or_deleted_by_its_author_ends_the_replay(
        make_app: Callable[..., Flask]) -> None:
    app, calls = counted(make_app(MODERATION="post"))
    client = app.test_client()
    empty = client.get(URL)
    client.get(URL)
    assert calls == [f"GET {URL}"]
    mine = post(client).get_json()
    listed = client.get(URL)
    assert listed.get_json()["total"] == 1 and listed.headers["ETag"] != empty.headers["ETag"]
    client.get(URL)
    assert calls.count(f"GET {URL}") == 2
    token = {"X-Causerie-Token": mine["edit_token"]}
    assert client.delete(f"/api/v1/comments/{mine['id']}", headers=token).status_code == 204
    after = client.get(URL)
    assert after.get_data() != listed.get_data() and after.headers["ETag"] != listed.headers["ETag"]
    assert calls.count(f"GET {URL}") == 3


def test_what_is_not_eligible_always_reaches_flask(make_app: Callable[..., Flask],
                                                   ada: dict[str, str]) -> None:
    app, calls = counted(make_app(MODERATION="post"))
    client = app.test_client()
    post(client)
    del calls[:]
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", URL, {"headers": bearer("not-a-token")}),
        ("GET", URL, {"headers": ada}),
        ("GET", URL, {"cookie": True}),
        ("GET", URL, {"data": b"x", "content_type": "text/plain"}),
        ("GET", URL + "?limit=0", {}),  # 422
        ("GET", URL + "?order=sideways", {}),  # 422
        ("GET", URL + "/", {}),  # not the route
        ("GET", "/api/v1/articles/bad key/comments", {}),  # 404: not an article key
        ("GET", f"/api/v1/articles/{'a' * 201}/comments", {}),
        ("GET", "/api/v1/counts?article=comment-devenir-chef-de-projet-ia", {}),
        ("GET", "/healthz", {}),
        ("OPTIONS", URL, {"headers": {"Origin": "https://blog.example",
                                      "Access-Control-Request-Method": "GET"}}),
    ]
    with_cookie = app.test_client()
    with_cookie.set_cookie("session", "1")
    for method, url, kwargs in requests:
        before = len(calls)
        sender = with_cookie if kwargs.pop("cookie", False) else client
        first = sender.open(url, method=method, **kwargs)
        second = sender.open(url, method=method, **kwargs)
        assert answer(first) == answer(second)
        assert len(calls) == before + 2, (method, url, kwargs)
    assert replay_of(app).cache.size == 0  # none was kept
    for n in range(2):
        assert post(client, {"name": "Julie", "text": f"Encore {n}"}).status_code == 201
    assert len(calls) == 2 * len(requests) + 2
    client.get(URL), client.get(URL)  # the control: an eligible request is replayed
    assert len(calls) == 2 * len(requests) + 3


def test_the_replay_keeps_to_its_byte_bound(make_app: Callable[..., Flask]) -> None:
    bound = 40_000
    app, calls = counted(make_app(MODERATION="post", LISTING_CACHE_BYTES=bound))
    client = app.test_client()
    for n in range(5):
        post(client, {"name": "Julie", "text": f"Un commentaire assez long, n° {n}. " * 20})
    cache = replay_of(app).cache
    for n in range(150):
        client.get(f"{URL}?x={n}")
        client.get(URL, headers={"Accept-Language": f"x-{n}" + ";q=0.5,en" * 100})
        assert cache.size <= bound
    assert cache.size > bound // 2  # it does keep answers
    del calls[:]
    last = {"Accept-Language": "x-149" + ";q=0.5,en" * 100}
    client.get(URL, headers=last)
    assert calls == []  # the newest is still there


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_database_failing_during_the_validation_gets_flasks_json_503(
        make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app, calls = counted(make_app())
    client = app.test_client()
    kept = client.get(URL, headers={"Accept-Language": "en"})
    del calls[:]
    assert client.get(URL, headers={"Accept-Language": "en"}).get_data() == kept.get_data()
    assert calls == []

    def unreachable(dialect: Any, record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        """The database is gone: a SQLite file in no folder, a PostgreSQL port closed."""
        if dialect.name == "sqlite":
            cargs[0] = str(tmp_path / "no-such-folder" / "causerie.db")
        else:
            cparams.update(host="127.0.0.1", port=_closed_port(), connect_timeout=2)

    with app.app_context():
        engine = db.engine
    engine.dispose()
    sa.event.listen(engine, "do_connect", unreachable)
    try:
        for _ in range(2):
            down = client.get(URL, headers={"Accept-Language": "en"})
            assert down.status_code == 503 and down.headers["Retry-After"]
            assert down.get_json()["message"] == (
                "The service is temporarily unavailable; please try again later.")
        assert calls == [f"GET {URL}"] * 2  # Flask answered, and its 503 was not kept
    finally:
        sa.event.remove(engine, "do_connect", unreachable)
        engine.dispose()
    back = client.get(URL, headers={"Accept-Language": "en"})
    assert back.status_code == 200 and back.get_data() == kept.get_data()
    assert calls == [f"GET {URL}"] * 2  # the database is back: the kept answer was still valid


def test_replayed_answers_are_counted_in_the_metrics(make_app: Callable[..., Flask]) -> None:
    app, calls = counted(make_app())
    client = app.test_client()

    def metered() -> tuple[float, float]:
        labels = {"method": "GET", "endpoint": ENDPOINT, "status": "200"}
        requests = REGISTRY.get_sample_value("causerie_http_requests_total", labels) or 0
        timed = REGISTRY.get_sample_value("causerie_http_request_seconds_count",
                                          {"endpoint": ENDPOINT}) or 0
        return requests, timed

    client.get(URL)
    del calls[:]
    before = metered()
    for _ in range(3):
        assert client.get(URL).status_code == 200
    assert calls == []
    after = metered()
    assert (after[0] - before[0], after[1] - before[1]) == (3, 3)
    assert f'endpoint="{ENDPOINT}"' in client.get("/metrics").get_data(as_text=True)


def test_the_replay_can_be_switched_off(make_app: Callable[..., Flask]) -> None:
    app, calls = counted(make_app(READ_REPLAY=False))
    client = app.test_client()
    for _ in range(3):
        assert client.get(URL).status_code == 200
    assert calls == [f"GET {URL}"] * 3
    with pytest.raises(AttributeError):
        replay_of(app)
