"""Personal data by e-mail: access, erasure (anonymized or deleted), the spam model
unlearning the name, the audit keeping the fact and not the data; retention."""

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from service.extensions import db
from service.models import AuditEntry, Comment, SpamToken, Status, utcnow
from tests.helpers import comment, patch

ADMIN = "/api/v1/admin"
EMAIL = "Julie.Martin@example.org"


def tokens(app: Flask, prefix: str) -> dict[str, tuple[int, int]]:
    with app.app_context():
        return {row.token: (row.spam, row.ham) for row in db.session.scalars(
            sa.select(SpamToken).where(SpamToken.token.like(f"{prefix}%")))}


def people(app: Flask, ada: dict[str, str]) -> dict[str, int]:
    """Julie's three comments (two approved, one a reply to Paul), Paul's one, spam-trained."""
    client = app.test_client()
    ids = {"julie": comment(client, "Très bon article", name="Julie Martin", email=EMAIL,
                            website="https://julie.example")}
    for id in [ids["julie"]]:
        assert patch(client, ada, id, status="approved").status_code == 200
    ids["paul"] = comment(client, "Je ne suis pas d'accord", name="Paul", email="paul@example.org",
                          parent_id=ids["julie"])
    assert patch(client, ada, ids["paul"], status="approved").status_code == 200
    ids["julie2"] = comment(client, "Je maintiens", name="Julie Martin", email=EMAIL.lower(),
                            parent_id=ids["paul"])
    assert patch(client, ada, ids["julie2"], text="Je maintiens, corrigé").status_code == 200
    assert patch(client, ada, ids["julie2"], status="approved").status_code == 200
    posted = client.post("/api/v1/articles/comment-devenir-chef-de-projet-ia/comments",
                         json={"name": "Julie Martin", "email": EMAIL,
                               "text": "Achetez ici http://spam.example"},
                         headers={"User-Agent": "Firefox"})
    ids["julie3"] = posted.get_json()["id"]
    assert patch(client, ada, ids["julie3"], status="spam").status_code == 200
    return ids


def test_export_by_email_through_the_api_and_the_cli(app: Flask, runner: FlaskCliRunner,
                                                     ada: dict[str, str], marc: dict[str, str]) -> None:
    ids = people(app, ada)
    client = app.test_client()
    assert client.post(f"{ADMIN}/personal-data/export", json={"email": EMAIL},
                       headers=marc).status_code == 403
    response = client.post(f"{ADMIN}/personal-data/export", json={"email": EMAIL}, headers=ada)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    found = response.get_json()
    assert [c["id"] for c in found["comments"]] == [ids["julie"], ids["julie2"], ids["julie3"]]
    assert found["comments"][2]["user_agent"] == "Firefox" and found["comments"][0]["ip"]
    assert found["notifications"] == []
    printed = json.loads(runner.invoke(args=["personal-data", "export", EMAIL.upper()]).output)
    assert len(printed["comments"]) == 3
    bad = client.post(f"{ADMIN}/personal-data/export", json={"email": "nope"},
                      headers={**ada, "Accept-Language": "fr"})
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["email"] == ["Vous avez entré une adresse e-mail incorrecte!"]
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "personal_data.export")).all()
        assert len(rows) == 2 and all(EMAIL.lower() not in (r.new_value or "").lower() for r in rows)


@pytest.mark.parametrize("locale, anonymous", [("fr", "Anonyme"), ("en", "Anonymous")])
def test_erase_anonymizes_and_the_model_forgets_the_name(
        make_app: Any, locale: str, anonymous: str) -> None:
    app = make_app(DEFAULT_LOCALE=locale)
    from service.auth import create_moderator
    from service.models import Role
    with app.app_context():
        token = create_moderator(db.session, "ada", Role.ADMIN, "cli:test")[1]
    ada = {"Authorization": f"Bearer {token}"}
    ids = people(app, ada)
    assert tokens(app, "name:julie") == {"name:julie": (1, 2)}
    assert tokens(app, "domain:julie.example") == {"domain:julie.example": (0, 1)}
    client = app.test_client()
    response = client.post(f"{ADMIN}/personal-data/erase", json={"email": EMAIL}, headers=ada)
    assert response.status_code == 200 and response.get_json() == {"mode": "anonymize", "comments": 3,
                                                                      "notifications": 0}
    with app.app_context():
        for key in ("julie", "julie2", "julie3"):
            c = db.session.get_one(Comment, ids[key])
            assert (c.name, c.email, c.website, c.ip, c.user_agent) == (anonymous, None, None, None, None)
        assert db.session.get_one(Comment, ids["paul"]).email == "paul@example.org"
        assert db.session.get_one(Comment, ids["julie"]).text == "Très bon article"
    # Julie's name and website are gone from the model; what the texts taught stays.
    assert tokens(app, "name:julie") == {"name:julie": (0, 0)}
    assert tokens(app, "domain:julie.example") == {"domain:julie.example": (0, 0)}
    anonymous_token = f"name:{anonymous.lower()}"
    assert tokens(app, anonymous_token)[anonymous_token] == (1, 2)
    # The public listing shows the new name.
    listing = client.get("/api/v1/articles/comment-devenir-chef-de-projet-ia/comments").get_json()
    assert {item["name"] for item in listing["items"]} == {anonymous, "Paul"}
    with app.app_context():
        erasures = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "personal_data.erase")).all()
        assert len(erasures) == 4  # one per comment, one for the request
        everything = json.dumps([[r.old_value, r.new_value, r.actor] for r in
                                 db.session.scalars(sa.select(AuditEntry))])
        assert "julie" not in everything.lower()


def test_erase_deletes_and_replies_move_up(app: Flask, runner: FlaskCliRunner,
                                           ada: dict[str, str]) -> None:
    ids = people(app, ada)
    result = runner.invoke(args=["personal-data", "erase", EMAIL, "--delete", "--yes"])
    assert result.exit_code == 0 and "3 comments deleted" in result.output
    with app.app_context():
        left = db.session.scalars(sa.select(Comment)).all()
        assert [c.id for c in left] == [ids["paul"]] and left[0].parent_id is None
        texts = db.session.scalars(sa.select(AuditEntry.old_value).where(
            AuditEntry.comment_id == ids["julie2"], AuditEntry.field == "text")).all()
        assert texts == [None]  # the corrected text the trail held is gone with the comment
        actions = db.session.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.action == "personal_data.erase")).all()
        assert len(actions) == 4
    assert tokens(app, "name:julie") == {"name:julie": (0, 0)}
    # Nothing held any more: a second erasure finds nothing and still says so.
    again = runner.invoke(args=["personal-data", "erase", EMAIL, "--yes"])
    assert again.exit_code == 0 and "0 comments anonymized" in again.output
    refused = app.test_client().post(f"{ADMIN}/personal-data/erase", headers=ada,
                                     json={"email": EMAIL, "mode": "shred"})
    assert refused.status_code == 422


def test_retention_clears_client_data_deletes_old_spam_and_trashes_stale_pending(
        make_app: Any) -> None:
    app = make_app(KEEP_PENDING_DAYS=30)
    client = app.test_client()
    ids = [comment(client, f"Commentaire {n}") for n in range(5)]
    now = utcnow()
    with app.app_context():
        ages = {ids[0]: (100, Status.APPROVED), ids[1]: (20, Status.SPAM),
                ids[2]: (10, Status.SPAM), ids[3]: (40, Status.PENDING), ids[4]: (5, Status.PENDING)}
        for id, (days, status) in ages.items():
            then = now - timedelta(days=days)
            db.session.execute(sa.update(Comment).where(Comment.id == id).values(
                created_at=then, updated_at=then, status=status))
        db.session.execute(sa.update(Comment).where(Comment.id == ids[3]).values(
            parent_id=ids[1], updated_at=Comment.updated_at))
        db.session.commit()
        stamp = db.session.get_one(Comment, ids[0]).updated_at
    result = app.test_cli_runner().invoke(args=["maintenance"])
    assert result.exit_code == 0, (result.output, result.exc_info)
    assert "IP addresses and user agents cleared: 1" in result.output
    assert "spam deleted: 1" in result.output and "pending moved to the trash: 1" in result.output
    with app.app_context():
        old = db.session.get_one(Comment, ids[0])
        assert (old.ip, old.user_agent, old.updated_at) == (None, None, stamp)
        assert db.session.get(Comment, ids[1]) is None
        assert db.session.get_one(Comment, ids[2]).status == Status.SPAM
        stale = db.session.get_one(Comment, ids[3])
        assert stale.status == Status.TRASH and stale.parent_id is None
        assert db.session.get_one(Comment, ids[4]).status == Status.PENDING
        assert db.session.get_one(Comment, ids[4]).ip is not None
        actions = sorted(db.session.scalars(sa.select(AuditEntry.action)))
        assert actions == ["comment.status", "retention.client_data", "retention.delete"]
    again = app.test_cli_runner().invoke(args=["maintenance"])
    assert "spam deleted: 0" in again.output and "cleared: 0" in again.output


def test_retention_off_and_through_the_api(make_app: Any) -> None:
    app = make_app(KEEP_CLIENT_DATA_DAYS=0, KEEP_SPAM_DAYS=0)
    client = app.test_client()
    id = comment(client, "Vieux")
    with app.app_context():
        then = utcnow() - timedelta(days=1000)
        db.session.execute(sa.update(Comment).values(created_at=then, updated_at=then,
                                                     status=Status.SPAM))
        db.session.commit()
        from service.auth import create_moderator
        from service.models import Role
        token = create_moderator(db.session, "ada", Role.ADMIN, "cli:test")[1]
    response = client.post(f"{ADMIN}/maintenance", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json() == {"client_data_cleared": 0, "spam_deleted": 0, "pending_trashed": 0}
    with app.app_context():
        assert db.session.get_one(Comment, id).ip is not None


def test_reply_mails_asked_for_are_exported_and_erased_with_the_person(
        app: Flask, ada: dict[str, str]) -> None:
    from service.models import Outbox
    client = app.test_client()
    julie = comment(client, "Prévenez-moi", name="Julie", email=EMAIL, notify_replies=True)
    assert patch(client, ada, julie, status="approved").status_code == 200
    reply = comment(client, "Voici une réponse", name="Paul", email="paul@example.org",
                    parent_id=julie)
    assert patch(client, ada, reply, status="approved").status_code == 200  # a mail to Julie
    found = client.post(f"{ADMIN}/personal-data/export", json={"email": EMAIL},
                        headers=ada).get_json()
    assert found["comments"][0]["notify_replies"] is True
    assert [(n["comment_id"], n["state"]) for n in found["notifications"]] == [(julie, "pending")]
    erased = client.post(f"{ADMIN}/personal-data/erase", json={"email": EMAIL},
                         headers=ada).get_json()
    assert erased["notifications"] == 1
    with app.app_context():
        assert db.session.scalars(sa.select(Outbox).where(Outbox.channel == "reply")).all() == []
        assert db.session.get(Comment, julie).notify_replies is False
