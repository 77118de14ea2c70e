"""Exports: JSON Lines read back losslessly (round trip), WXR read back by our own
WordPress importer; both through the CLI and the admin API, streamed."""

import io
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from service.extensions import db
from service.models import Article, AuditEntry, Comment, Moderator, Status
from tests.helpers import API, comment, patch

DATA = Path(__file__).resolve().parents[1] / "data"
THEME = DATA / "wordpress-wxr" / "themeunittestdata.wordpress.xml"
ADMIN = "/api/v1/admin"


def lines(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.decode().splitlines()]


def empty(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()


def test_json_round_trip_is_lossless_and_restoring_twice_changes_nothing(
        app: Flask, runner: FlaskCliRunner, ada: dict[str, str], tmp_path: Path) -> None:
    client = app.test_client()
    assert runner.invoke(args=["import", "wordpress", str(THEME)]).exit_code == 0
    first = comment(client, "Un avis, avec un lien https://example.org", email="j@example.org")
    reply = comment(client, "Une réponse", parent_id=None)
    assert patch(client, ada, first, status="spam").status_code == 200
    assert patch(client, ada, reply, text="Une réponse corrigée").status_code == 200
    assert client.patch(f"{API}/articles/autre", json={"closed": True}, headers=ada).status_code == 200
    exported = client.get(f"{ADMIN}/export.jsonl", headers=ada)
    assert exported.status_code == 200 and exported.mimetype == "application/x-ndjson"
    assert exported.headers["Cache-Control"] == "no-store"
    before = lines(exported.data)
    kinds = [row.get("type") for row in before[1:]]
    assert kinds.count("comment") == 31 and kinds.count("moderator") == 3
    assert "token_hash" not in exported.data.decode()
    row = next(r for r in before if r.get("type") == "comment" and r["id"] == first)
    assert row["email"] == "j@example.org" and row["status"] == "spam" and row["trained_as"] is True
    assert set(row) >= {"ip", "user_agent", "score", "reasons", "screened_status", "text_digest",
                        "source", "source_id", "created_at", "updated_at", "parent_id", "html"}

    empty(app)
    path = tmp_path / "export.jsonl"
    path.write_bytes(exported.data)
    result = runner.invoke(args=["import", "json", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 31
    after = lines(runner.invoke(args=["export", "json"]).output.encode())
    restored_audit = [r for r in after if r.get("type") == "audit"]
    # The same rows, ids and every field included; then the restore's own audit row, and
    # this second export's.
    assert after[:len(before)] == before
    assert [row["action"] for row in restored_audit[-2:]] == ["import", "export"]
    again = runner.invoke(args=["import", "json", str(path)])
    assert again.exit_code == 0 and "already_present" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 31
    # New comments after a restore get new ids (PostgreSQL's sequences moved past them).
    assert comment(client, "Après la restauration") > max(r["id"] for r in before if r.get("type") == "comment")


def test_json_restore_refuses_a_conflict_and_a_broken_file(
        app: Flask, runner: FlaskCliRunner, ada: dict[str, str], tmp_path: Path) -> None:
    client = app.test_client()
    comment(client, "Premier")
    exported = client.get(f"{ADMIN}/export.jsonl", headers=ada).data
    with app.app_context():
        db.session.execute(sa.update(Comment).values(text="Autre chose", text_digest="0" * 40))
        db.session.commit()
    refused = client.post(f"{ADMIN}/imports/json", headers={**ada, "Accept-Language": "en"},
                          data={"file": (io.BytesIO(exported), "export.jsonl")})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["message"] == "This file cannot be imported; nothing was written."
    assert "already exists" in body["detail"] and body["line"] >= 2
    # Into an empty database, where the admin restoring is already there under another id.
    empty(app)
    with app.app_context():
        from service.auth import create_moderator
        from service.models import Role
        create_moderator(db.session, "zoe", Role.ADMIN, "cli:test")
        token = create_moderator(db.session, "ada", Role.ADMIN, "cli:test")[1]
    admin = {"Authorization": f"Bearer {token}"}
    broken = exported + b'{"type": "comment", "id": 99, "created_at": 5}\n'
    refused = client.post(f"{ADMIN}/imports/json", headers=admin,
                          data={"file": (io.BytesIO(broken), "export.jsonl")})
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["line"] == len(exported.splitlines()) + 1, refused.get_json()["detail"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
    restored = client.post(f"{ADMIN}/imports/json", headers=admin,
                           data={"file": (io.BytesIO(exported), "export.jsonl")})
    assert restored.status_code == 201, restored.get_json()
    assert restored.get_json()["comments"] == 1 and restored.get_json()["moderators"] == 2
    with app.app_context():
        names = {name: id for name, id in db.session.execute(sa.select(Moderator.name, Moderator.id))}
        assert set(names) == {"zoe", "ada", "marc", "rex"} and names["ada"] == 2
        # The audit rows of the file's ada (id 1 there) now name the ada who is here.
        assert set(db.session.scalars(sa.select(AuditEntry.moderator_id).where(
            AuditEntry.actor == "ada"))) <= {2}
    for garbage in (b"", b"\xff\xfe", b'{"format": "causerie-export"}\n[1, 2]\n', b"not json"):
        answer = client.post(f"{ADMIN}/imports/json", headers=admin,
                             data={"file": (io.BytesIO(garbage or b"\n"), "x.jsonl")})
        assert answer.status_code in (201, 422), garbage


def test_wxr_export_reads_back_through_the_wordpress_importer(
        app: Flask, runner: FlaskCliRunner, ada: dict[str, str], tmp_path: Path) -> None:
    assert runner.invoke(args=["import", "wordpress", str(THEME)]).exit_code == 0
    client = app.test_client()
    with app.app_context():
        before = sorted((a.key, a.closed, c.name, c.email, c.status.value, c.text, c.created_at)
                        for c, a in db.session.execute(sa.select(Comment, Article).join(Article)))
        replies = db.session.scalar(sa.select(sa.func.count()).where(Comment.parent_id.is_not(None)))
    response = client.get(f"{ADMIN}/export.wxr?base_url=https://blog.example", headers=ada)
    assert response.status_code == 200 and response.mimetype == "application/rss+xml"
    assert b"<link>https://blog.example/template-comments/</link>" in response.data
    path = tmp_path / "out.xml"
    path.write_bytes(response.data)
    empty(app)
    result = runner.invoke(args=["import", "wordpress", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        after = sorted((a.key, a.closed, c.name, c.email, c.status.value, c.text, c.created_at)
                       for c, a in db.session.execute(sa.select(Comment, Article).join(Article)))
        assert db.session.scalar(sa.select(sa.func.count()).where(Comment.parent_id.is_not(None))) == replies
    assert [row[:6] for row in after] == [row[:6] for row in before]
    # WXR keeps seconds, not microseconds.
    assert [row[6].replace(microsecond=0) for row in after] == [row[6].replace(microsecond=0) for row in before]
    assert Status.PENDING.value in {row[4] for row in after}


def test_exports_are_for_admins_only(app: Flask, ada: dict[str, str], marc: dict[str, str]) -> None:
    client = app.test_client()
    for path in ("/export.jsonl", "/export.wxr"):
        assert client.get(ADMIN + path).status_code == 401
        assert client.get(ADMIN + path, headers=marc).status_code == 403
    assert client.get(f"{ADMIN}/export.wxr?base_url=javascript:alert(1)", headers=ada).status_code == 422


def test_a_reader_who_stops_reading_an_export_holds_no_lock(app: Flask, ada: dict[str, str]) -> None:
    client = app.test_client()
    comment(client, "Un commentaire")
    comment(client, "Un autre")
    for path, mark in (("/export.jsonl", b'"type": "comment"'), ("/export.wxr", b"<wp:comment>")):
        response = client.get(ADMIN + path, headers=ada, buffered=False)
        chunks = iter(response.response)
        while mark not in next(chunks):  # the reader took a first comment, then went away
            pass
        with app.app_context(), db.engine.connect() as other:
            if other.dialect.name == "postgresql":
                other.execute(sa.text("SET lock_timeout = '3s'"))
                other.execute(sa.text("LOCK TABLE audit_entry, comment, article IN ACCESS EXCLUSIVE MODE"))
            else:
                other.exec_driver_sql("BEGIN EXCLUSIVE")
            other.rollback()
        response.close()
