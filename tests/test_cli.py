"""`flask moderators ...`: tokens printed once, stored as hashes, revoked and rotated at once."""

import hashlib

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from service.extensions import db
from service.models import AuditEntry, Moderator, Role

QUEUE = "/api/v1/moderation/comments"


def create(runner: FlaskCliRunner, name: str, *options: str) -> str:
    """Create a moderator; the token, taken from the last line as a script would."""
    result = runner.invoke(args=["moderators", "create", name, *options])
    assert result.exit_code == 0, result.output
    return result.output.rstrip("\n").splitlines()[-1]


def works(app: Flask, token: str) -> bool:
    """Whether the token opens the queue; anything but 200 or a 401 fails the test."""
    response = app.test_client().get(QUEUE, headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 401:
        return False
    assert response.status_code == 200, response.get_json()
    return True


def test_create_prints_the_token_once_alone_on_the_last_line(app: Flask,
                                                              runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["moderators", "create", "ada", "--role", "admin"])
    assert result.exit_code == 0
    *before, token = result.output.rstrip("\n").splitlines()
    assert len(token) >= 43 and " " not in token and token not in "\n".join(before)
    assert works(app, token)
    with app.app_context():
        moderator = db.session.scalars(sa.select(Moderator)).one()
        assert moderator.role == Role.ADMIN
        assert moderator.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr(db.session.execute(sa.select(AuditEntry.__table__)).all())
    listing = runner.invoke(args=["moderators", "list"]).output
    assert "ada" in listing and "admin" in listing and "active" in listing
    assert token not in listing


def test_tokens_are_distinct_and_moderator_is_the_default_role(app: Flask,
                                                               runner: FlaskCliRunner) -> None:
    first, second = create(runner, "marc"), create(runner, "zoe")
    assert first != second
    with app.app_context():
        assert set(db.session.scalars(sa.select(Moderator.role))) == {Role.MODERATOR}


def test_revoke_stops_the_token_at_once(app: Flask, runner: FlaskCliRunner) -> None:
    token = create(runner, "marc")
    assert works(app, token)
    result = runner.invoke(args=["moderators", "revoke", "marc"])
    assert result.exit_code == 0 and "marc" in result.output
    assert not works(app, token)
    assert "revoked" in runner.invoke(args=["moderators", "list"]).output


def test_rotate_replaces_the_token(app: Flask, runner: FlaskCliRunner) -> None:
    old = create(runner, "marc")
    result = runner.invoke(args=["moderators", "rotate", "marc"])
    assert result.exit_code == 0
    new = result.output.rstrip("\n").splitlines()[-1]
    assert new != old and works(app, new) and not works(app, old)


def test_every_token_change_is_audited(app: Flask, runner: FlaskCliRunner) -> None:
    create(runner, "marc")
    runner.invoke(args=["moderators", "rotate", "marc"])
    runner.invoke(args=["moderators", "revoke", "marc"])
    with app.app_context():
        marc = db.session.scalars(sa.select(Moderator)).one()
        rows = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        assert [(row.action, row.field, row.moderator_id) for row in rows] == [
            ("moderator.create", "role", marc.id), ("moderator.rotate", "token", marc.id),
            ("moderator.revoke", "token", marc.id)]
        assert all(row.actor.startswith("cli:") for row in rows)
        assert rows[1].new_value == rows[2].old_value == marc.token_hash[:8]
        assert rows[1].old_value != rows[1].new_value


@pytest.mark.parametrize(("args", "message"), [
    (["create", "marc"], "already a moderator named marc"),
    (["create", "a b"], "A name is 1 to 100"),
    (["create", "cli:root"], "A name is 1 to 100"),
    (["create", "x" * 101], "A name is 1 to 100"),
    (["create", "zoe", "--role", "owner"], "owner"),
    (["revoke", "nobody"], "no moderator named nobody"),
    (["rotate", "nobody"], "no moderator named nobody"),
    (["revoke", "rex"], "rex is revoked"),
    (["rotate", "rex"], "rex is revoked"),
])
def test_impossible_requests_fail_clearly_and_change_nothing(
        app: Flask, runner: FlaskCliRunner, args: list[str], message: str) -> None:
    create(runner, "marc")
    create(runner, "rex")
    runner.invoke(args=["moderators", "revoke", "rex"])
    with app.app_context():
        before = db.session.execute(sa.select(Moderator.name, Moderator.token_hash,
                                              Moderator.revoked_at)).all()
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    result = runner.invoke(args=["moderators", *args])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.execute(sa.select(Moderator.name, Moderator.token_hash,
                                             Moderator.revoked_at)).all() == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
