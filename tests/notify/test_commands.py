"""The command line and API of notifications: moderators' addresses and preferences,
webhooks, the outbox's dead letters."""

from typing import Any

import sqlalchemy as sa
from flask import Flask

from service.extensions import db
from service.models import Delivery, Moderator, NotifyMode, Outbox, Role

from .conftest import moderator, post


def test_moderators_get_an_address_and_a_preference_from_the_command_line(
        notify_app: Flask) -> None:
    runner = notify_app.test_cli_runner()
    made = runner.invoke(args=["moderators", "create", "julie", "--email", " Julie@Example.org ",
                               "--language", "en"])
    assert made.exit_code == 0, made.output
    digest = runner.invoke(args=["moderators", "create", "paul", "--email", "paul@example.org",
                                 "--notify", "digest"])
    assert digest.exit_code == 0
    for bad in (["--email", "not-an-address"], ["--notify", "each"], ["--email", "a@b.c" + "c" * 100]):
        refused = runner.invoke(args=["moderators", "create", "nobody", *bad])
        assert refused.exit_code != 0 and "Error" in refused.output
    with notify_app.app_context():
        found = {m.name: (m.email, m.notify, m.language)
                 for m in db.session.scalars(sa.select(Moderator))}
    assert found == {"julie": ("julie@example.org", NotifyMode.EACH, "en"),
                     "paul": ("paul@example.org", NotifyMode.DIGEST, None)}


def test_a_moderator_reads_and_changes_their_own_preferences(notify_app: Flask) -> None:
    client, marc = notify_app.test_client(), moderator(notify_app, "marc")
    assert client.get("/api/v1/moderation/me", headers=marc).get_json() == {
        "name": "marc", "role": "moderator", "email": None, "notify": "none",
        "digest_minutes": 60, "language": None}
    changed = client.patch("/api/v1/moderation/me", headers=marc, json={
        "email": "Marc@Example.org", "notify": "digest", "digest_minutes": 15, "language": "fr"})
    assert changed.status_code == 200
    assert changed.get_json()["email"] == "marc@example.org"
    for bad, field in (({"notify": "hourly"}, "notify"), ({"digest_minutes": 2}, "digest_minutes"),
                       ({"digest_minutes": "15"}, "digest_minutes"), ({"email": "nope"}, "email"),
                       ({"language": "de"}, "language")):
        refused = client.patch("/api/v1/moderation/me", headers={**marc, "Accept-Language": "en"},
                               json=bad)
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == [field]
    assert client.get("/api/v1/moderation/me").status_code == 401
    assert client.get("/api/v1/moderation/me", headers=marc).get_json()["digest_minutes"] == 15


def test_webhooks_and_dead_letters_from_the_command_line(notify_app: Flask) -> None:
    runner = notify_app.test_cli_runner()
    added = runner.invoke(args=["webhooks", "add", "https://hooks.example.org/causerie",
                                "--event", "comment.created", "--event", "article.closed",
                                "--secret", "0123456789abcdef"])
    assert added.exit_code == 0 and "Webhook 1 registered" in added.output
    assert runner.invoke(args=["webhooks", "add", "gopher://x", "--event", "comment.created",
                               "--secret", "0123456789abcdef"]).exit_code != 0
    assert runner.invoke(args=["webhooks", "add", "https://x.org", "--event", "comment.created",
                               "--secret", "short"]).exit_code != 0
    listed = runner.invoke(args=["webhooks", "list"]).output
    assert "https://hooks.example.org/causerie\tarticle.closed,comment.created\tno personal" in listed
    post(notify_app.test_client(), "Hello")
    with notify_app.app_context():
        row = db.session.scalars(sa.select(Outbox)).one()
        row.state, row.attempts, row.last_error = Delivery.DEAD, 8, "OSError: HTTP 500"
        db.session.commit()
        row_id = row.id
    dead = runner.invoke(args=["outbox", "list"]).output
    assert f"{row_id}\tcomment.created\twebhook:1\t8 tries\tOSError: HTTP 500" in dead
    assert "Queued again: 1." in runner.invoke(args=["outbox", "retry", "--all-dead"]).output
    again = runner.invoke(args=["outbox", "retry", str(row_id)]).output
    assert "left as they are" in again and "Queued again: 0." in again
    with notify_app.app_context():
        assert db.session.get(Outbox, row_id).state == Delivery.PENDING
    assert runner.invoke(args=["webhooks", "remove", "1"]).exit_code == 0
    assert runner.invoke(args=["webhooks", "remove", "1"]).exit_code != 0
    assert runner.invoke(args=["webhooks", "list"]).output == ""
