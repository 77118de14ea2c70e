"""Webhooks against a real HTTP receiver: registration, signatures, privacy, retries,
timeouts, redirects, private addresses and the dead-letter state."""

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from service.extensions import db
from service.models import Delivery, Outbox, Role, Webhook

from .conftest import Receiver, deliver, moderator, post

API = "/api/v1/moderation/webhooks"
SECRET = "s3cret-of-sixteen+"


def verify(secret: str, header: str, body: bytes, now: float) -> bool:
    """The receiver's check documented in docs/notifications.md, as written there."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp, given = int(fields["t"]), fields["v1"]
    if abs(now - timestamp) > 300:  # older than 5 minutes: a replay
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def register(client: Any, headers: dict[str, str], url: str, **extra: Any) -> Any:
    return client.post(API, headers=headers, json={
        "url": url, "events": ["comment.created", "comment.published", "article.closed",
                               "comment.status_changed"], "secret": SECRET, **extra})


def rows(app: Flask) -> list[Outbox]:
    with app.app_context():
        found = db.session.scalars(sa.select(Outbox).order_by(Outbox.id)).all()
        db.session.expunge_all()
        db.session.remove()
        return list(found)


def test_signed_deliveries_of_every_event_without_personal_data(
        notify_app: Flask, receiver: Receiver) -> None:
    app, client = notify_app, notify_app.test_client()
    admin, marc = moderator(app, "ada", Role.ADMIN), moderator(app, "marc")
    assert register(client, marc, receiver.url).status_code == 403
    created = register(client, admin, receiver.url)
    assert created.status_code == 201
    hook = created.get_json()
    assert "secret" not in hook and hook["include_personal_data"] is False
    personal = register(client, admin, receiver.url + "?personal=1", include_personal_data=True,
                        events=["comment.created"]).get_json()
    assert [h["id"] for h in client.get(API, headers=admin).get_json()["items"]] == [
        hook["id"], personal["id"]]

    comment_id = post(client, "Hello", email="julie@example.net").get_json()["id"]
    assert client.patch(f"/api/v1/moderation/comments/{comment_id}", headers=admin,
                        json={"status": "approved"}).status_code == 200
    assert client.patch("/api/v1/moderation/articles/closing", headers=admin,
                        json={"closed": True}).status_code == 200
    deliver(app)
    assert len(receiver.requests) == 5
    now = time.time()
    for request in receiver.requests:
        assert request.headers["Content-Type"] == "application/json"
        assert verify(SECRET, request.headers["Causerie-Signature"], request.body, now)
        assert not verify(SECRET, request.headers["Causerie-Signature"], request.body, now + 301)
        assert not verify("another-secret-16chars", request.headers["Causerie-Signature"],
                          request.body, now)
        assert not verify(SECRET, request.headers["Causerie-Signature"], request.body + b" ", now)
    events = receiver.events()
    by_target = {}
    for request, event in zip(receiver.requests, events):
        by_target.setdefault("personal" if b"julie@" in request.body else "plain", []).append(event)
    assert [e["event"] for e in by_target["personal"]] == ["comment.created"]
    assert by_target["personal"][0]["data"]["comment"]["email"] == "julie@example.net"
    plain = {e["event"]: e for e in by_target["plain"]}
    assert set(plain) == {"comment.created", "comment.status_changed", "comment.published",
                          "article.closed"}
    for event in plain.values():
        assert set(event) == {"id", "event", "time", "data"}
        assert "127.0.0.1" not in json.dumps(event) and "julie@" not in json.dumps(event)
    assert plain["comment.created"]["data"]["comment"]["status"] == "pending"
    assert plain["comment.status_changed"]["data"]["from"] == "pending"
    assert plain["comment.status_changed"]["data"]["by"] == "ada"
    assert plain["article.closed"]["data"]["article"] == "closing"
    # The event id is the same for every endpoint told of one event: receivers dedupe on it.
    assert by_target["personal"][0]["id"] == plain["comment.created"]["id"]

    # Change and delete; a deleted endpoint's waiting rows are dropped, not sent.
    changed = client.patch(f"{API}/{hook['id']}", headers=admin, json={"events": ["article.closed"]})
    assert changed.status_code == 200 and changed.get_json()["events"] == ["article.closed"]
    post(client, "Another")
    assert client.delete(f"{API}/{personal['id']}", headers=admin).status_code == 204
    deliver(app)
    assert len(receiver.requests) == 5
    assert rows(app)[-1].state == Delivery.DROPPED
    assert client.get(f"{API}/{personal['id']}", headers=admin).status_code == 404


@pytest.mark.parametrize("body", [
    {}, {"url": "ftp://example.org", "events": ["comment.created"], "secret": SECRET},
    {"url": "https://example.org", "events": [], "secret": SECRET},
    {"url": "https://example.org", "events": ["comment.deleted"], "secret": SECRET},
    {"url": "https://example.org", "events": "comment.created", "secret": SECRET},
    {"url": "https://example.org", "events": ["comment.created"], "secret": "short"},
    {"url": "https://example.org/" + "a" * 2000, "events": ["comment.created"], "secret": SECRET},
    {"url": "https://example.org", "events": ["comment.created"], "secret": SECRET,
     "include_personal_data": "perhaps"},
    {"url": 12, "events": [None], "secret": ["x"]},
])
def test_bad_webhooks_are_refused_in_the_readers_language(notify_app: Flask, body: Any) -> None:
    client, admin = notify_app.test_client(), moderator(notify_app, "ada", Role.ADMIN)
    response = client.post(API, headers={**admin, "Accept-Language": "fr"}, json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"]
    assert response.headers["Content-Language"] == "fr"
    assert client.get(API, headers=admin).get_json()["items"] == []


def test_retries_back_off_then_a_row_is_dead_and_an_admin_retries_it(
        notify_app: Flask, receiver: Receiver) -> None:
    app, client = notify_app, notify_app.test_client()
    admin = moderator(app, "ada", Role.ADMIN)
    register(client, admin, receiver.url, events=["comment.created"])
    receiver.plan = [500, ("sleep", 1.0)]  # a failure, a timeout (0.5 s), then success
    post(client, "First")
    deliver(app)
    first = rows(app)[0]
    assert first.state == Delivery.SENT and first.attempts == 3 and first.last_error is None
    assert len(receiver.requests) == 3
    assert len({request.headers["Causerie-Event-Id"] for request in receiver.requests}) == 1

    receiver.plan = [503, 500, 502]  # NOTIFY_MAX_ATTEMPTS is 3 here
    post(client, "Second")
    deliver(app)
    dead = rows(app)[1]
    assert dead.state == Delivery.DEAD and dead.attempts == 3 and dead.last_error == "OSError: HTTP 502"
    listed = client.get("/api/v1/moderation/outbox", headers=admin).get_json()["items"]
    assert [(row["id"], row["state"], row["last_error"]) for row in listed] == [
        (dead.id, "dead", "OSError: HTTP 502")]
    assert client.get("/api/v1/moderation/outbox", headers=moderator(app, "marc")).status_code == 403
    assert client.post(f"/api/v1/moderation/outbox/{first.id}/retry", headers=admin).status_code == 409
    assert client.post("/api/v1/moderation/outbox/999999/retry", headers=admin).status_code == 404
    retried = client.post(f"/api/v1/moderation/outbox/{dead.id}/retry", headers=admin)
    assert retried.status_code == 200 and retried.get_json()["state"] == "pending"
    deliver(app)
    assert rows(app)[1].state == Delivery.SENT and len(receiver.requests) == 7


def test_no_redirect_is_followed_and_private_addresses_are_refused(
        make_app: Any, smtp: Any, receiver: Receiver) -> None:
    app = make_app(WEBHOOK_ALLOW_PRIVATE=False, NOTIFY_RETRY_SECONDS=0.01, NOTIFY_MAX_ATTEMPTS=2)
    client, admin = app.test_client(), moderator(app, "ada", Role.ADMIN)
    for url in (receiver.url, "http://localhost:9/x", "http://[::1]:9/x", "http://10.1.2.3/x",
                "http://169.254.169.254/latest/meta-data"):
        register(client, admin, url, events=["comment.created"])
    post(client, "Hello")
    deliver(app)
    assert receiver.requests == []
    found = rows(app)
    assert {row.state for row in found} == {Delivery.DEAD}
    assert all("not public" in (row.last_error or "") and row.attempts == 1 for row in found)

    allowed = make_app(WEBHOOK_ALLOW_PRIVATE=True, NOTIFY_RETRY_SECONDS=0.01, NOTIFY_MAX_ATTEMPTS=2)
    receiver.plan = [302, 302]
    with allowed.app_context():  # only ever send to loopback from tests
        db.session.execute(sa.delete(Outbox))
        db.session.execute(sa.delete(Webhook).where(Webhook.url != receiver.url))
        db.session.commit()
    post(allowed.test_client(), "Again")
    deliver(allowed)
    assert len(receiver.requests) == 2  # two tries, each answered 302, never followed
    assert {r.headers.get("Host") for r in receiver.requests} == {f"127.0.0.1:{receiver.port}"}
    (row,) = rows(allowed)
    assert row.state == Delivery.DEAD and row.last_error == "OSError: HTTP 302: redirects are not followed"
