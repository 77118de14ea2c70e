"""The moderation HTTP contract: tokens and roles, the queue, decisions, the audit trail."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter

from service.auth import revoke_moderator
from service.extensions import db
from service.models import Article, AuditEntry, Comment
from tests.helpers import API, ARTICLE, bearer, comment, patch, published

PUBLIC = f"/api/v1/articles/{ARTICLE}/comments"
EN = {"Accept-Language": "en"}


def snapshot(app: Flask) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    with app.app_context():
        comments = db.session.execute(sa.select(
            Comment.id, Comment.status, Comment.text, Comment.html, Comment.parent_id,
            Comment.updated_at).order_by(Comment.id)).all()
        articles = db.session.execute(sa.select(Article.key, Article.closed, Article.version)
                                      .order_by(Article.key)).all()
        audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        return [tuple(row) for row in comments], [tuple(row) for row in articles], audit


def audit_rows(app: Flask, **where: Any) -> list[tuple[Any, ...]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.comment_id,
                      AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value)
            .filter_by(**where).order_by(AuditEntry.id))]


# --- tokens and roles -----------------------------------------------------------------

def moderation_requests(app: Flask) -> Iterator[tuple[str, str]]:
    """(method, url) for every route under /api/v1/moderation, whoever registered it."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        values = {name: 1 if isinstance(converter, IntegerConverter) else "a"
                  for name, converter in rule._converters.items()}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, adapter.build(rule.endpoint, values, method=method)


def test_the_walk_covers_the_moderation_routes(app: Flask) -> None:
    walked = set(moderation_requests(app))
    assert {("GET", f"{API}/comments"), ("GET", f"{API}/comments/1"),
            ("PATCH", f"{API}/comments/1"), ("DELETE", f"{API}/comments/1"),
            ("POST", f"{API}/comments/bulk"), ("GET", f"{API}/audit"),
            ("PATCH", f"{API}/articles/a")} <= walked


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Basic YWRhOnNlY3JldA==", "Bearer not-a-token",
    "Bearer two words", "Bearer  doubled-space", "Bearer " + "x" * 10_000, "bearer\tx",
    "Bearer caf\u00e9", "Token abc"])
def test_every_route_refuses_a_missing_or_wrong_token(app: Flask, client: FlaskClient,
                                                      tokens: dict[str, str],
                                                      authorization: str | None) -> None:
    before = snapshot(app)
    headers = {**EN, **({"Authorization": authorization} if authorization is not None else {})}
    for method, url in moderation_requests(app):
        response = client.open(url, method=method, headers=headers, json={"status": "approved"})
        assert response.status_code == 401, (method, url, response.get_json())
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["message"] == "A valid moderator token is required."
    assert snapshot(app) == before


def test_a_revoked_token_is_refused_everywhere(app: Flask, client: FlaskClient,
                                               tokens: dict[str, str]) -> None:
    comment_id = comment(client, "Bonjour")
    before = snapshot(app)
    for method, url in moderation_requests(app):
        response = client.open(url.replace("/1", f"/{comment_id}"), method=method,
                               headers=bearer(tokens["rex"]), json={"status": "approved"})
        assert response.status_code == 401, (method, url)
        assert response.get_json()["message"] == "Un jeton de modérateur valide est requis."
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert snapshot(app) == before


def test_revoking_takes_effect_at_once(app: Flask, client: FlaskClient,
                                                   marc: dict[str, str]) -> None:
    assert client.get(f"{API}/comments", headers=marc).status_code == 200
    with app.app_context():
        revoke_moderator(db.session, "marc", "cli:test")
    assert client.get(f"{API}/comments", headers=marc).status_code == 401


def test_a_token_in_the_query_string_is_refused(client: FlaskClient,
                                                tokens: dict[str, str]) -> None:
    for query in (f"access_token={tokens['ada']}", f"token={tokens['ada']}"):
        for headers in ({}, bearer(tokens["ada"])):
            response = client.get(f"{API}/comments?{query}", headers={**headers, **EN})
            assert response.status_code == 401
            assert response.get_json()["message"] == (
                "Send the moderator token in the Authorization header, never in the address.")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_moderator_cannot_do_an_admins_job(app: Flask, client: FlaskClient,
                                             marc: dict[str, str]) -> None:
    comment_id = comment(client, "Bonjour")
    before = snapshot(app)
    closing = client.patch(f"{API}/articles/{ARTICLE}", json={"closed": True}, headers=marc)
    purging = client.delete(f"{API}/comments/{comment_id}?purge=true", headers=marc)
    for response in (closing, purging):
        assert response.status_code == 403
        assert response.get_json()["message"] == "Seul un administrateur peut faire ceci."
    assert snapshot(app) == before
    assert patch(client, marc, comment_id, status="approved").status_code == 200


def test_answers_are_never_stored_by_caches(client: FlaskClient, ada: dict[str, str]) -> None:
    for response in (client.get(f"{API}/comments", headers=ada), client.get(f"{API}/comments"),
                     client.get(f"{API}/comments/99", headers=ada),
                     client.get(f"{API}/audit", headers=ada)):
        assert response.headers["Cache-Control"] == "no-store"


# --- the queue ------------------------------------------------------------------------

def test_the_queue_is_pending_oldest_first_with_everything_a_moderator_needs(
        app: Flask, client: FlaskClient, ada: dict[str, str]) -> None:
    parent = published(client, ada, "P" * 300, email="julie@example.org", website="https://example.org")
    reply = comment(client, "Une <b>réponse</b>", parent_id=parent)
    other = comment(client, "Ailleurs", article="other")
    page = client.get(f"{API}/comments", headers=ada).get_json()
    assert page["status"] == "pending" and page["total"] == 2 and page["next_cursor"] is None
    assert [item["id"] for item in page["items"]] == [reply, other]
    item = page["items"][0]
    assert set(item) == {"id", "article", "parent_id", "parent_excerpt", "name", "email",
                         "website", "text", "html", "status", "ip", "user_agent", "score",
                         "reasons", "history", "created_at", "updated_at"}
    assert item["article"] == ARTICLE and item["parent_id"] == parent
    assert item["parent_excerpt"] == "P" * 200 + "…"
    assert item["text"] == "Une <b>réponse</b>" and item["html"] == "<p>Une <b>réponse</b></p>"
    assert item["ip"] == "127.0.0.1" and item["created_at"].endswith("Z")
    assert all(set(reason) == {"code", "message"} for reason in item["reasons"])
    approved = client.get(f"{API}/comments?status=approved", headers=ada).get_json()
    assert [item["id"] for item in approved["items"]] == [parent]
    assert approved["items"][0]["email"] == "julie@example.org"
    assert approved["items"][0]["parent_excerpt"] is None
    by_article = client.get(f"{API}/comments?article=other", headers=ada).get_json()
    assert by_article["total"] == 1 and by_article["items"][0]["id"] == other
    assert client.get(f"{API}/comments?article=nothing", headers=ada).get_json()["total"] == 0


def test_the_queue_pages_by_keyset(client: FlaskClient, marc: dict[str, str]) -> None:
    ids = [comment(client, f"Commentaire {number}") for number in range(7)]
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/comments", query_string=query, headers=marc).get_json()
        assert page["total"] == 7
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ids


@pytest.mark.parametrize("query", [{"status": "deleted"}, {"status": ""}, {"limit": 0},
                                   {"limit": 101}, {"limit": "x"}, {"cursor": "garbage!"},
                                   {"article": "a/b"}, {"article": "é"}])
def test_bad_queue_parameters_are_422(client: FlaskClient, marc: dict[str, str],
                                      query: dict[str, Any]) -> None:
    response = client.get(f"{API}/comments", query_string=query, headers={**marc, **EN})
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_one_comment_whatever_its_status(client: FlaskClient, marc: dict[str, str]) -> None:
    comment_id = comment(client, "Bonjour")
    patch(client, marc, comment_id, status="spam")
    body = client.get(f"{API}/comments/{comment_id}", headers=marc).get_json()
    assert body["status"] == "spam" and body["text"] == "Bonjour"


@pytest.mark.parametrize("path", ["999999", "0", "-1", "abc", "1.5", "99999999999999999999",
                                  str(2**31), "%20", "1/x"])
def test_unknown_and_malformed_ids_are_404(app: Flask, client: FlaskClient,
                                           ada: dict[str, str], path: str) -> None:
    comment(client, "Bonjour")
    before = snapshot(app)
    for method in ("GET", "PATCH", "DELETE"):
        response = client.open(f"{API}/comments/{path}", method=method, headers=ada,
                               json={"status": "approved"})
        assert response.status_code == 404, (method, path)
        assert response.get_json()["code"] == 404
    assert client.delete(f"{API}/comments/{path}?purge=true", headers=ada).status_code == 404
    assert snapshot(app) == before


# --- decisions, as the public sees them -----------------------------------------------

def test_decisions_show_at_once_in_the_listing_counts_and_etag(
        app: Flask, client: FlaskClient, marc: dict[str, str]) -> None:
    first, second = comment(client, "Premier"), comment(client, "Second")
    etag = client.get(PUBLIC).headers["ETag"]
    counts = f"/api/v1/counts?article={ARTICLE}"
    response = patch(client, marc, first, status="approved")
    assert response.status_code == 200 and response.get_json()["status"] == "approved"
    listed = client.get(PUBLIC, headers={"If-None-Match": etag})
    assert listed.status_code == 200 and [i["id"] for i in listed.get_json()["items"]] == [first]
    assert client.get(counts).get_json()["counts"][ARTICLE] == 1
    etag = listed.headers["ETag"]
    patch(client, marc, second, status="rejected")  # invisible to the public: same ETag
    assert client.get(PUBLIC, headers={"If-None-Match": etag}).status_code == 304
    patch(client, marc, first, status="spam")
    gone = client.get(PUBLIC, headers={"If-None-Match": etag})
    assert gone.status_code == 200 and gone.get_json()["total"] == 0
    assert client.get(counts).get_json()["counts"][ARTICLE] == 0
    assert audit_rows(app, comment_id=first) == [
        ("marc", "comment.status", first, "status", "pending", "approved"),
        ("marc", "comment.status", first, "status", "approved", "spam")]


def test_any_status_moves_to_any_other(client: FlaskClient, marc: dict[str, str]) -> None:
    comment_id = comment(client, "Bonjour")
    for status in ("approved", "rejected", "spam", "trash", "pending", "trash", "approved",
                   "pending"):
        response = patch(client, marc, comment_id, status=status)
        assert response.status_code == 200 and response.get_json()["status"] == status


def test_correcting_the_text_resanitizes_and_keeps_the_original(
        app: Flask, client: FlaskClient, marc: dict[str, str]) -> None:
    comment_id = published(client, marc, "Bonjour http://example.org")
    etag = client.get(PUBLIC).headers["ETag"]
    response = patch(client, marc, comment_id, text="  Bonjour <script>x</script> <em>à tous</em> ")
    body = response.get_json()
    assert body["text"] == "Bonjour <script>x</script> <em>à tous</em>"
    assert body["html"] == "<p>Bonjour &lt;script&gt;x&lt;/script&gt; <em>à tous</em></p>"
    listed = client.get(PUBLIC, headers={"If-None-Match": etag})
    assert listed.status_code == 200 and listed.get_json()["items"][0]["html"] == body["html"]
    assert audit_rows(app, action="comment.text") == [
        ("marc", "comment.text", comment_id, "text", "Bonjour http://example.org",
         "Bonjour <script>x</script> <em>à tous</em>")]


def test_status_and_text_together_are_one_change(app: Flask, client: FlaskClient,
                                                 marc: dict[str, str]) -> None:
    comment_id = comment(client, "Bonjour")
    body = patch(client, marc, comment_id, status="approved", text="Bonsoir").get_json()
    assert (body["status"], body["text"]) == ("approved", "Bonsoir")
    assert client.get(PUBLIC).get_json()["items"][0]["html"] == "<p>Bonsoir</p>"
    assert [row[1] for row in audit_rows(app, comment_id=comment_id)] == [
        "comment.text", "comment.status"]


@pytest.mark.parametrize(("body", "field", "message"), [
    ({}, "status", "Give a new status, a corrected text, or both."),
    ({"status": None}, "status", "Give a new status, a corrected text, or both."),
    ({"status": "published"}, "status",
     "The status must be pending, approved, rejected, spam or trash."),
    ({"status": 3}, "status", "The status must be pending, approved, rejected, spam or trash."),
    ({"text": "   "}, "text", "Please enter your comment!"),
    ({"text": "<!-- rien -->"}, "text", "Please enter your comment!"),
    ({"text": 42}, "text", "This field must be text."),
    ({"text": "x" * 65526}, "text", "Your comment is too long: 65525 characters at most."),
    ({"status": "approved", "expected_status": "gone"}, "expected_status",
     "The status must be pending, approved, rejected, spam or trash."),
])
def test_bad_decisions_are_422_and_change_nothing(app: Flask, client: FlaskClient,
                                                  marc: dict[str, str], body: dict[str, Any],
                                                  field: str, message: str) -> None:
    comment_id = comment(client, "Bonjour")
    before = snapshot(app)
    response = patch(client, {**marc, **EN}, comment_id, **body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {field: [message]}
    assert snapshot(app) == before


@pytest.mark.parametrize(("data", "code"), [(b"[1]", 422), (b'"approved"', 422),
                                            (b"{not json", 400)])
def test_a_body_that_is_not_an_object_changes_nothing(app: Flask, client: FlaskClient,
                                                      marc: dict[str, str], data: bytes,
                                                      code: int) -> None:
    comment_id = comment(client, "Bonjour")
    before = snapshot(app)
    response = client.patch(f"{API}/comments/{comment_id}", data=data,
                            content_type="application/json", headers=marc)
    assert response.status_code == code
    assert snapshot(app) == before


# --- trash and purge ------------------------------------------------------------------

def test_delete_moves_to_the_trash_and_patch_restores(app: Flask, client: FlaskClient,
                                                      marc: dict[str, str]) -> None:
    comment_id = published(client, marc, "Bonjour")
    trashed = client.delete(f"{API}/comments/{comment_id}", headers=marc)
    assert trashed.status_code == 200 and trashed.get_json()["status"] == "trash"
    assert client.get(PUBLIC).get_json()["total"] == 0
    trash = client.get(f"{API}/comments?status=trash", headers=marc).get_json()
    assert [item["id"] for item in trash["items"]] == [comment_id]
    assert patch(client, marc, comment_id, status="approved").status_code == 200
    assert client.get(PUBLIC).get_json()["total"] == 1
    assert [row[4:] for row in audit_rows(app, comment_id=comment_id)] == [
        ("pending", "approved"), ("approved", "trash"), ("trash", "approved")]


def test_an_admin_purges_and_replies_move_up(app: Flask, client: FlaskClient,
                                             ada: dict[str, str]) -> None:
    root = published(client, ada, "Racine")
    middle = published(client, ada, "Milieu", parent_id=root)
    leaves = [comment(client, f"Feuille {n}", parent_id=middle) for n in range(2)]
    patch(client, ada, leaves[0], status="approved")
    etag = client.get(PUBLIC).headers["ETag"]
    response = client.delete(f"{API}/comments/{middle}?purge=true", headers=ada)
    assert response.status_code == 204 and response.data == b""
    assert client.get(f"{API}/comments/{middle}", headers=ada).status_code == 404
    for leaf in leaves:
        assert client.get(f"{API}/comments/{leaf}", headers=ada).get_json()["parent_id"] == root
    listed = client.get(PUBLIC, headers={"If-None-Match": etag})
    assert listed.status_code == 200
    assert [(i["id"], i["parent_id"]) for i in listed.get_json()["items"]] == [
        (root, None), (leaves[0], root)]
    assert audit_rows(app, action="comment.purge") == [
        ("ada", "comment.purge", middle, "status", "approved", None)]
    # A purged top-level comment leaves top-level replies.
    client.delete(f"{API}/comments/{root}?purge=true", headers=ada)
    assert client.get(f"{API}/comments/{leaves[1]}", headers=ada).get_json()["parent_id"] is None


def test_purge_must_say_true_or_false(app: Flask, client: FlaskClient,
                                      ada: dict[str, str]) -> None:
    comment_id = comment(client, "Bonjour")
    before = snapshot(app)
    response = client.delete(f"{API}/comments/{comment_id}?purge=maybe", headers={**ada, **EN})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"purge": ["This field must be true or false."]}
    assert snapshot(app) == before


# --- bulk -----------------------------------------------------------------------------

def bulk(client: FlaskClient, headers: dict[str, str], body: Any) -> Any:
    return client.post(f"{API}/comments/bulk", json=body, headers={**headers, **EN})


def test_bulk_applies_one_status_to_many(app: Flask, client: FlaskClient,
                                         marc: dict[str, str]) -> None:
    ids = [comment(client, f"Commentaire {n}") for n in range(3)]
    patch(client, marc, ids[0], status="approved")
    response = bulk(client, marc, {"ids": [ids[2], *ids, ids[1]], "status": "approved"})
    assert response.status_code == 200
    assert response.get_json() == {"status": "approved", "ids": ids, "changed": ids[1:]}
    assert client.get(PUBLIC).get_json()["total"] == 3
    assert len(audit_rows(app, action="comment.status")) == 3


@pytest.mark.parametrize(("body", "field"), [
    ({"ids": [], "status": "approved"}, "ids"),
    ({"ids": list(range(1, 502)), "status": "approved"}, "ids"),
    ({"status": "approved"}, "ids"),
    ({"ids": None, "status": "approved"}, "ids"),
    ({"ids": "1,2", "status": "approved"}, "ids"),
    ({"ids": [1, "2"], "status": "approved"}, "ids.1"),
    ({"ids": [1, 2.5], "status": "approved"}, "ids.1"),
    ({"ids": [True], "status": "approved"}, "ids.0"),
    ({"ids": [0], "status": "approved"}, "ids.0"),
    ({"ids": [2**40], "status": "approved"}, "ids.0"),
    ({"ids": [1]}, "status"),
    ({"ids": [1], "status": "published"}, "status"),
])
def test_bad_bulks_are_422_and_change_nothing(app: Flask, client: FlaskClient,
                                              marc: dict[str, str], body: dict[str, Any],
                                              field: str) -> None:
    comment(client, "Bonjour")
    before = snapshot(app)
    response = bulk(client, marc, body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]
    assert snapshot(app) == before


def test_a_bulk_of_500_is_one_transaction(app: Flask, client: FlaskClient,
                                         marc: dict[str, str]) -> None:
    with app.app_context():
        article = Article(key=ARTICLE)
        db.session.add_all(Comment(article=article, name="n", text=f"t{n}", html=f"<p>t{n}</p>")
                           for n in range(500))
        db.session.commit()
        ids = list(db.session.scalars(sa.select(Comment.id)))
    response = bulk(client, marc, {"ids": ids, "status": "approved"})
    assert response.status_code == 200 and len(response.get_json()["changed"]) == 500
    assert client.get(f"/api/v1/counts?article={ARTICLE}").get_json()["counts"][ARTICLE] == 500
    assert len(audit_rows(app, action="comment.status")) == 500


def test_unknown_ids_are_listed_and_nothing_changes(app: Flask, client: FlaskClient,
                                                    marc: dict[str, str]) -> None:
    known = comment(client, "Bonjour")
    before = snapshot(app)
    response = bulk(client, marc, {"ids": [known, 424242, 31337], "status": "approved"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["unknown_ids"] == [31337, 424242]
    assert body["message"] == "Some of these comments do not exist; nothing was changed."
    assert snapshot(app) == before


# --- replies and concurrent decisions -------------------------------------------------

def test_a_reply_is_approved_only_after_its_parent(app: Flask, client: FlaskClient,
                                                   marc: dict[str, str]) -> None:
    parent = published(client, marc, "Parent")
    reply = comment(client, "Réponse", parent_id=parent)
    patch(client, marc, parent, status="rejected")
    before = snapshot(app)
    refused = patch(client, {**marc, **EN}, reply, status="approved")
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "This reply answers a comment that is not published; approve that one first.")
    assert refused.get_json()["ids"] == [reply]
    in_bulk = bulk(client, marc, {"ids": [reply], "status": "approved"})
    assert in_bulk.status_code == 409 and in_bulk.get_json()["ids"] == [reply]
    assert snapshot(app) == before
    both = bulk(client, marc, {"ids": [reply, parent], "status": "approved"})
    assert both.status_code == 200
    assert client.get(PUBLIC).get_json()["total"] == 2


def test_expected_status_turns_a_late_decision_into_a_409(app: Flask, client: FlaskClient,
                                                          ada: dict[str, str],
                                                          marc: dict[str, str]) -> None:
    comment_id = comment(client, "Bonjour")
    assert patch(client, ada, comment_id, status="approved",
                 expected_status="pending").status_code == 200
    before = snapshot(app)
    late = patch(client, {**marc, **EN}, comment_id, status="spam", expected_status="pending")
    assert late.status_code == 409
    assert late.get_json()["current_status"] == "approved"
    assert late.get_json()["message"] == (
        "Another moderator changed this comment meanwhile; nothing was changed.")
    late_bulk = bulk(client, marc, {"ids": [comment_id], "status": "spam",
                                    "expected_status": "pending"})
    assert late_bulk.status_code == 409
    assert late_bulk.get_json()["current"] == {str(comment_id): "approved"}
    assert snapshot(app) == before
    # Without expected_status the last decision wins, and both are in the audit trail.
    assert patch(client, marc, comment_id, status="spam").status_code == 200
    assert [row[0] for row in audit_rows(app, comment_id=comment_id)] == ["ada", "marc"]


# --- articles -------------------------------------------------------------------------

def test_an_admin_closes_and_reopens_an_article_never_commented(
        app: Flask, client: FlaskClient, ada: dict[str, str]) -> None:
    url = f"{API}/articles/brand-new"
    response = client.patch(url, json={"closed": True}, headers=ada)
    assert response.status_code == 200 and response.get_json() == {"article": "brand-new",
                                                                   "closed": True}
    refused = client.post("/api/v1/articles/brand-new/comments",
                          json={"name": "Julie", "text": "Bonjour"})
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "Les commentaires sont fermés sur cet article."
    assert client.patch(url, json={"closed": True}, headers=ada).status_code == 200  # no-op
    assert client.patch(url, json={"closed": False}, headers=ada).get_json()["closed"] is False
    assert comment(client, "Bonjour", article="brand-new")
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEntry.actor, AuditEntry.article_key,
                                            AuditEntry.old_value, AuditEntry.new_value)
                                  .where(AuditEntry.action == "article.closed")
                                  .order_by(AuditEntry.id)).all()
    assert [tuple(row) for row in rows] == [("ada", "brand-new", "false", "true"),
                                            ("ada", "brand-new", "true", "false")]


@pytest.mark.parametrize("body", [{}, {"closed": None}, {"closed": "perhaps"}, {"closed": [1]}])
def test_closing_needs_true_or_false(app: Flask, client: FlaskClient, ada: dict[str, str],
                                     body: dict[str, Any]) -> None:
    before = snapshot(app)
    response = client.patch(f"{API}/articles/a", json=body, headers={**ada, **EN})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"closed": ["This field must be true or false."]}
    assert snapshot(app) == before
    assert client.patch(f"{API}/articles/a%2Fb", json={"closed": True},
                        headers=ada).status_code == 404


# --- the audit trail ------------------------------------------------------------------

def test_the_audit_trail_is_newest_first_and_filterable(app: Flask, client: FlaskClient,
                                                        ada: dict[str, str],
                                                        marc: dict[str, str]) -> None:
    first, second = comment(client, "Premier"), comment(client, "Second")
    patch(client, ada, first, status="approved")
    patch(client, marc, second, status="spam")
    patch(client, marc, first, text="Premier, corrigé")
    trail = client.get(f"{API}/audit", headers=marc).get_json()
    actions = [(e["actor"], e["action"], e["comment_id"]) for e in trail["items"]]
    assert actions[:3] == [("marc", "comment.text", first), ("marc", "comment.status", second),
                           ("ada", "comment.status", first)]
    entry = trail["items"][2]
    assert (entry["field"], entry["old_value"], entry["new_value"]) == ("status", "pending",
                                                                        "approved")
    assert entry["article"] == ARTICLE and entry["created_at"].endswith("Z")
    by_comment = client.get(f"{API}/audit?comment={first}", headers=marc).get_json()
    assert [e["action"] for e in by_comment["items"]] == ["comment.text", "comment.status"]
    by_ada = client.get(f"{API}/audit?moderator=ada", headers=marc).get_json()
    assert {e["actor"] for e in by_ada["items"]} <= {"ada", "cli:test"}
    assert ("ada", "comment.status") in {(e["actor"], e["action"]) for e in by_ada["items"]}
    assert client.get(f"{API}/audit?moderator=nobody", headers=marc).get_json()["items"] == []
    pages, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/audit", query_string=query, headers=marc).get_json()
        pages += [e["id"] for e in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert pages == [e["id"] for e in trail["items"]]


def test_the_audit_trail_by_time(app: Flask, client: FlaskClient, marc: dict[str, str]) -> None:
    comment_id = published(client, marc, "Bonjour")
    with app.app_context():
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.comment_id == comment_id)
                           .values(created_at=datetime(2026, 1, 15, 12)))
        db.session.commit()

    def found(**query: str) -> list[int | None]:
        page = client.get(f"{API}/audit", query_string=query, headers=marc).get_json()
        return [entry["comment_id"] for entry in page["items"] if entry["comment_id"]]

    assert found(since="2026-01-15T12:00:00Z", until="2026-01-15T12:00:01Z") == [comment_id]
    assert found(since="2026-01-15T13:00:00+01:00", until="2026-01-16") == [comment_id]
    assert found(until="2026-01-15T12:00:00Z") == []
    assert found(since="2026-01-15T12:00:01Z", until="2026-02-01T00:00:00Z") == []


@pytest.mark.parametrize(("query", "field"), [
    ({"since": "yesterday"}, "since"), ({"until": "2026-13-01"}, "until"),
    ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
    ({"comment": "abc"}, "comment"), ({"comment": 0}, "comment"),
    ({"limit": 1000}, "limit"), ({"cursor": "???"}, "cursor"),
    ({"moderator": "x" * 101}, "moderator")])
def test_bad_audit_queries_are_422(client: FlaskClient, marc: dict[str, str],
                                   query: dict[str, Any], field: str) -> None:
    response = client.get(f"{API}/audit", query_string=query, headers=marc)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


def test_nothing_in_the_api_edits_or_deletes_the_audit(app: Flask, client: FlaskClient,
                                                       ada: dict[str, str]) -> None:
    published(client, ada, "Bonjour")
    before = snapshot(app)
    entry = client.get(f"{API}/audit", headers=ada).get_json()["items"][0]["id"]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open(f"{API}/audit", method=method, headers=ada,
                           json={}).status_code == 405
        assert client.open(f"{API}/audit/{entry}", method=method, headers=ada,
                           json={}).status_code == 404  # no such resource at all
    assert snapshot(app) == before


# --- the spec -------------------------------------------------------------------------

def test_the_spec_documents_the_moderation_api(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "A moderator token from `flask --app wsgi moderators create NAME`."}
    paths = {path: operations for path, operations in spec["paths"].items()
             if path.startswith(API)}
    assert {f"{API}/comments", f"{API}/comments/{{comment_id}}", f"{API}/comments/bulk",
            f"{API}/audit", f"{API}/articles/{{article}}"} <= set(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation["security"] == [{"bearerAuth": []}], (path, method)
            assert operation["summary"] and "401" in operation["responses"], (path, method)
    update = paths[f"{API}/comments/{{comment_id}}"]["patch"]
    assert update["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ModerationUpdate")
    assert "ModerationComment" in spec["components"]["schemas"]
    assert "403" in paths[f"{API}/articles/{{article}}"]["patch"]["responses"]
