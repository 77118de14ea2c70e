"""The worker as it runs in production, `flask --app wsgi worker`, killed mid-batch and
restarted, and two of them sharing the outbox on PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask
import pytest

from service.extensions import db
from service.models import Delivery, Outbox, Role
from tests.serving import PROJECT, service_environment

from .conftest import Receiver, moderator, post


def worker_environment(database: dict[str, Any]) -> dict[str, str]:
    """The environment a worker process needs to reach this test's database."""
    url = database["SQLALCHEMY_DATABASE_URI"]
    options = database.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:  # this test's PostgreSQL schema
        url += ("&" if "?" in url else "?") + "options=" + quote(options)
    return service_environment(url, WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_TIMEOUT="5",
                               NOTIFY_RETRY_SECONDS="0.01")


def worker(env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker",
                             "--poll", "0.1", *extra], cwd=PROJECT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def queue(app: Flask, receiver: Receiver, count: int) -> set[str]:
    """Register the receiver and post `count` comments; their event ids."""
    client = app.test_client()
    admin = moderator(app, "ada", Role.ADMIN)
    assert client.post("/api/v1/moderation/webhooks", headers=admin, json={
        "url": receiver.url, "events": ["comment.created"],
        "secret": "0123456789abcdef"}).status_code == 201
    for number in range(count):
        assert post(client, f"Comment number {number}").status_code == 201
    with app.app_context():
        ids = set(db.session.scalars(sa.select(Outbox.event_id)))
        db.session.remove()
    assert len(ids) == count
    return ids


def states(app: Flask) -> list[Delivery]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Outbox.state)))
        db.session.remove()
        return found


def wait_for(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_at_most_one(
        notify_app: Flask, database: dict[str, Any], receiver: Receiver) -> None:
    expected = queue(notify_app, receiver, 12)
    receiver.delay = 0.2  # each delivery is in flight for a while
    env = worker_environment(database)
    first = worker(env)
    try:
        wait_for(lambda: len(receiver.requests) >= 4, 60)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # no chance to finish anything
        first.wait(10)
    assert len(receiver.requests) < 12
    receiver.delay = 0.0
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--drain"],
                   cwd=PROJECT, env=env, timeout=120, check=True, capture_output=True)
    received = [event["id"] for event in receiver.events()]
    assert set(received) == expected  # nothing lost
    # At-least-once: only the delivery in flight at the kill may arrive twice.
    assert len(received) - len(expected) <= 1
    assert states(notify_app) == [Delivery.SENT] * 12


# PostgreSQL only: SQLite has no row locks, so it takes one worker (as documented).
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_workers_share_the_outbox_without_sending_twice(
        notify_app: Flask, database: dict[str, Any], receiver: Receiver,
        request: pytest.FixtureRequest) -> None:
    expected = queue(notify_app, receiver, 30)
    receiver.delay = 0.02
    env = worker_environment(database)
    workers = [worker(env, "--drain") for _ in range(2)]
    try:
        for process in workers:
            assert process.wait(120) == 0
    finally:
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    received = [event["id"] for event in receiver.events()]
    assert sorted(received) == sorted(expected)  # each exactly once
    assert states(notify_app) == [Delivery.SENT] * 30
