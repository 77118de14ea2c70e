"""Flood control: per client address, localized 429s, proxies trusted only when told,
and limits shared across instances through Redis."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import JULIE, URL, post

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/15"


def limited(make_app: Any, **settings: Any) -> Any:
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=uuid.uuid4().hex, **settings)


def test_one_comment_per_15_seconds_by_default(make_app: Any) -> None:
    client = limited(make_app).test_client()
    assert post(client).status_code == 201
    second = post(client, {"name": "Julie", "text": "Encore"}, headers={"Accept-Language": "en"})
    assert second.status_code == 429
    assert 1 <= int(second.headers["Retry-After"]) <= 15
    body = second.get_json()
    assert body == {"code": 429, "status": "Too Many Requests", "message":
                    "You are posting too fast; please wait a moment and try again."}
    assert "127.0.0.1" not in second.get_data(as_text=True)


def test_a_refused_comment_does_not_count(make_app: Any) -> None:
    client = limited(make_app).test_client()
    assert post(client, {"name": "Julie"}).status_code == 422
    assert post(client).status_code == 201


def test_reading_is_never_limited(make_app: Any) -> None:
    client = limited(make_app).test_client()
    post(client)
    assert all(client.get(URL).status_code == 200 for _ in range(20))


def test_forged_forwarded_for_moves_nothing_by_default(make_app: Any) -> None:
    client = limited(make_app).test_client()
    assert post(client, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 201
    assert post(client, {"name": "Julie", "text": "Deux"},
                headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 429


def test_trusted_proxy_hops_give_each_reader_their_own_limit(make_app: Any) -> None:
    client = limited(make_app, TRUSTED_PROXIES=1).test_client()
    assert post(client, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 201
    assert post(client, {"name": "Julie", "text": "Deux"},
                headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 201
    assert post(client, {"name": "Julie", "text": "Trois"},
                headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429


def test_limits_can_be_turned_off(make_app: Any) -> None:
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    assert all(post(client, {"name": "Julie", "text": f"n°{n}"}).status_code == 201
               for n in range(5))


# --- two instances, one Redis ---------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"server on {port} did not start")


@pytest.fixture
def two_instances(tmp_path: Path) -> Iterator[list[int]]:
    """Two gunicorn servers on two ports, one SQLite file, limits in the local Redis."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
           "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
           "SECRET_KEY": "two-instances", "LOG_LEVEL": "WARNING"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=60)
    ports, servers = [_free_port(), _free_port()], []
    try:
        for port in ports:
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "wsgi:app"], cwd=ROOT, env=env, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port, server in zip(ports, servers):
            _wait(port, server)
        yield ports
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)


def _post(port: int, body: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{URL}", method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_limits_hold_across_instances_sharing_redis(two_instances: list[int]) -> None:
    first, second = two_instances
    assert _post(first, JULIE)[0] == 201
    status, headers = _post(second, {"name": "Julie", "text": "Depuis l'autre instance"})
    assert status == 429
    assert "Retry-After" in headers
