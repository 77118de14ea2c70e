"""Imports, erasures and retention notify nobody: with a webhook that wants every event and
a moderator mailed for each pending comment, they write no outbox row; a decision does."""

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from service.extensions import db
from service.models import Comment, Outbox, Status, utcnow
from service.notify.outbox import EVENTS
from tests.helpers import comment, patch

DATA = Path(__file__).resolve().parents[1] / "data"


def outbox(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(Outbox)) or 0)


def test_imports_erasure_and_retention_write_no_notification(
        app: Flask, runner: FlaskCliRunner, ada: dict[str, str]) -> None:
    client = app.test_client()
    hook = client.post("/api/v1/moderation/webhooks", headers=ada, json={
        "url": "http://127.0.0.1:9/hook", "events": list(EVENTS), "secret": "s" * 20})
    assert hook.status_code == 201, hook.get_json()
    for source, path in (("wordpress", DATA / "wordpress-wxr" / "themeunittestdata.wordpress.xml"),
                         ("disqus", DATA / "disqus" / "isso-tests-disqus.xml"),
                         ("isso", DATA / "isso" / "isso-0.14.0.db")):
        assert runner.invoke(args=["import", source, str(path)]).exit_code == 0
    assert outbox(app) == 0
    stale = comment(client, "En attente depuis longtemps", email="old@example.org")
    written = outbox(app)
    assert written > 0  # a reader's comment is announced: the webhook works
    with app.app_context():
        then = utcnow() - timedelta(days=400)
        db.session.execute(sa.update(Comment).where(Comment.id == stale).values(
            created_at=then, updated_at=then, status=Status.PENDING))
        db.session.commit()
    maintenance = app.test_cli_runner().invoke(args=["maintenance"])
    assert maintenance.exit_code == 0
    assert runner.invoke(args=["personal-data", "erase", "lea@example.org", "--yes"]).exit_code == 0
    assert outbox(app) == written
    # A moderator's decision still notifies.
    assert patch(client, ada, stale, status="approved").status_code == 200
    assert outbox(app) > written


def test_pending_trashed_by_retention_notifies_nobody(make_app: object) -> None:
    app = make_app(KEEP_PENDING_DAYS=1)  # type: ignore[operator]
    from service.auth import create_moderator
    from service.models import Role
    with app.app_context():
        token = create_moderator(db.session, "ada", Role.ADMIN, "cli:test")[1]
    client = app.test_client()
    ada = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/moderation/webhooks", headers=ada, json={
        "url": "http://127.0.0.1:9/hook", "events": list(EVENTS), "secret": "s" * 20}).status_code == 201
    stale = comment(client, "Oublié")
    before = outbox(app)
    with app.app_context():
        then = utcnow() - timedelta(days=3)
        db.session.execute(sa.update(Comment).where(Comment.id == stale).values(updated_at=then))
        db.session.commit()
    result = client.post("/api/v1/admin/maintenance", headers=ada)
    assert result.get_json()["pending_trashed"] == 1
    assert outbox(app) == before
