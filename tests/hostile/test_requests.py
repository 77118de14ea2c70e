"""Requests that once took the service down or off its contract: long request lines,
slow clients, chunked bodies over the limit, methods made up to swell /metrics."""

import json
import random
import socket
import string
import threading
import time
from collections.abc import Iterator

import pytest

from .conftest import Server, assert_json_error, at_once, call, post_json, serve

TOKEN = "metrics-secret-token"
LIMIT = 32768  # MAX_CONTENT_LENGTH of this server (the counts body below takes 21 KB)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("requests")
    with serve(f"sqlite:///{folder / 'causerie.db'}", folder, MODERATION="post",
               RATELIMIT_ENABLED="false", METRICS_TOKEN=TOKEN,
               MAX_CONTENT_LENGTH=str(LIMIT)) as running:
        assert post_json(running.port, "listed", {"name": "Ana", "text": "Bonjour"}).status == 201
        yield running


def keys(count: int) -> list[str]:
    return [f"{n:03d}" + "k" * 197 for n in range(count)]


def test_a_long_request_line_is_a_json_414_at_once(server: Server) -> None:
    query = "&".join(f"article={key}" for key in keys(100))  # about 20 KB
    answer = call(server.port, "GET", f"/api/v1/counts?{query}")
    assert_json_error(answer, 414)
    # Two lines of 1 MB at once: each refused within a second, the service unharmed.
    huge = "/api/v1/counts?article=" + "a" * 1_000_000
    for refused in at_once(2, lambda n: call(server.port, "GET", huge, timeout=10)):
        assert_json_error(refused, 414)
        assert refused.seconds < 2
    assert call(server.port, "GET", "/healthz").status == 200


def test_headers_too_large_are_a_json_431(server: Server) -> None:
    answer = call(server.port, "GET", "/healthz", headers={"X-Big": "b" * 20_000})
    assert_json_error(answer, 431)


def test_a_hundred_long_keys_are_counted_by_post(server: Server) -> None:
    wanted = [*keys(99), "listed"]
    answer = call(server.port, "POST", "/api/v1/counts", json.dumps({"article": wanted}),
                  {"Content-Type": "application/json"})
    assert answer.status == 200, answer.body[:300]
    assert answer.json() == {"counts": {key: (1 if key == "listed" else 0) for key in wanted}}
    too_many = call(server.port, "POST", "/api/v1/counts", json.dumps({"article": keys(101)}),
                    {"Content-Type": "application/json"})
    assert list(assert_json_error(too_many, 422)["errors"]) == ["article"]


def test_fifty_slow_clients_leave_the_service_answering(server: Server) -> None:
    stop, sockets = threading.Event(), []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        sockets.append(sock)

    def drip() -> None:
        while not stop.wait(1):
            for sock in sockets:
                try:
                    sock.send(b"a")
                except OSError:
                    pass

    dripping = threading.Thread(target=drip)
    dripping.start()
    try:
        time.sleep(2)
        for _ in range(5):
            for path in ("/healthz", "/api/v1/articles/listed/comments"):
                answer = call(server.port, "GET", path, timeout=5)
                assert answer.status == 200 and answer.seconds < 1, (path, answer.seconds)
    finally:
        stop.set()
        dripping.join()
        for sock in sockets:
            sock.close()


def chunked(port: int, content_type: str, body: bytes) -> tuple[int, dict[str, object]]:
    """POST body in chunks of 1 KB, without Content-Length; the status and JSON answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/articles/chunked/comments HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: " + content_type.encode() + b"\r\n"
                     b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        for start in range(0, len(body), 1024):
            part = body[start:start + 1024]
            sock.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        reply = b""
        while data := sock.recv(65536):
            reply += data
    head, _, content = reply.partition(b"\r\n\r\n")
    assert b"application/json" in head, head
    return int(head.split()[1]), json.loads(content)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "application/json"])
def test_a_chunked_body_over_the_limit_is_413_and_nothing_is_stored(
        server: Server, content_type: str) -> None:
    text = "mot " * (LIMIT // 2)
    body = (f"name=Big&text={text}".encode() if content_type.endswith("urlencoded")
            else json.dumps({"name": "Big", "text": text}).encode())
    status, answer = chunked(server.port, content_type, body)
    assert status == 413 and answer["code"] == 413, answer
    assert server.stored("name = 'Big'") == 0
    # Under the limit, chunked is read whole: the text stored is the text sent.
    small = "petit " * 200
    body = (f"name=Small&text={small}".encode() if content_type.endswith("urlencoded")
            else json.dumps({"name": "Small", "text": small + content_type}).encode())
    status, answer = chunked(server.port, content_type, body)
    assert status == 201, answer
    assert server.stored("name = 'Small' AND length(text) >= :n", n=len(small.strip())) >= 1


def test_metrics_need_the_token_and_keep_to_known_labels(server: Server) -> None:
    assert_json_error(call(server.port, "GET", "/metrics"), 401)
    assert_json_error(call(server.port, "GET", "/metrics",
                           headers={"Authorization": "Bearer wrong"}), 401)
    for _ in range(40):
        method = "".join(random.choices(string.ascii_uppercase, k=12))
        answer = call(server.port, method, f"/x{random.randrange(10**9)}")
        assert answer.status in (400, 404, 405), answer.status
    exposition = call(server.port, "GET", "/metrics",
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert exposition.status == 200
    methods = {line.split('method="')[1].split('"')[0]
               for line in exposition.body.decode().splitlines()
               if line.startswith("causerie_http_requests_total{")}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert "other" in methods
