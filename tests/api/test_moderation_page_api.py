"""What the moderation page asks of the API: who am I, counts per status, search, the
author's history, the stats timeline; and the page itself: its headers and its strings."""

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.auth import create_moderator
from service.extensions import db
from service.models import Comment, Role, utcnow

API = "/api/v1/moderation"
EN = {"Accept-Language": "en"}


@pytest.fixture
def staff(app: Flask) -> dict[str, dict[str, str]]:
    """Authorization headers by name: lea is an admin, tom a moderator."""
    with app.app_context():
        return {name: {"Authorization": f"Bearer {create_moderator(db.session, name, role, 'cli:test')[1]}",
                       **EN}
                for name, role in (("lea", Role.ADMIN), ("tom", Role.MODERATOR))}


def post(client: FlaskClient, text: str, article: str = "un-article", ip: str = "192.0.2.1",
         **fields: Any) -> int:
    response = client.post(f"/api/v1/articles/{article}/comments", environ_base={"REMOTE_ADDR": ip},
                           json={"name": "Julie", "text": text, **fields})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def decide(client: FlaskClient, headers: dict[str, str], comment_id: int, status: str) -> None:
    response = client.patch(f"{API}/comments/{comment_id}", json={"status": status}, headers=headers)
    assert response.status_code == 200, response.get_json()


def test_me_names_the_moderator_and_role(client: FlaskClient, staff: dict[str, dict[str, str]]) -> None:
    lea = client.get(f"{API}/me", headers=staff["lea"]).get_json()
    assert (lea["name"], lea["role"]) == ("lea", "admin")
    me = client.get(f"{API}/me", headers=staff["tom"])
    assert (me.get_json()["name"], me.get_json()["role"]) == ("tom", "moderator")
    assert me.headers["Cache-Control"] == "no-store"
    assert client.get(f"{API}/me", headers=EN).status_code == 401
    assert client.get(f"{API}/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_counts_name_every_status_under_the_queues_filters(
        client: FlaskClient, staff: dict[str, dict[str, str]]) -> None:
    lea = staff["lea"]
    empty = client.get(f"{API}/counts", headers=lea).get_json()
    assert empty == {"pending": 0, "approved": 0, "rejected": 0, "spam": 0, "trash": 0}
    first, second = post(client, "Bonjour à tous"), post(client, "Autre chose", article="ailleurs")
    post(client, "Encore bonjour")
    decide(client, lea, first, "spam")
    decide(client, lea, second, "approved")
    assert client.get(f"{API}/counts", headers=lea).get_json() == {
        "pending": 1, "approved": 1, "rejected": 0, "spam": 1, "trash": 0}
    assert client.get(f"{API}/counts?article=un-article", headers=lea).get_json()["approved"] == 0
    assert client.get(f"{API}/counts?q=BONJOUR", headers=lea).get_json() == {
        "pending": 1, "approved": 0, "rejected": 0, "spam": 1, "trash": 0}
    bad = client.get(f"{API}/counts?article=pas une clé", headers=lea)
    assert bad.status_code == 422 and bad.get_json()["errors"]["article"] == [
        "An article key is 1 to 200 letters, digits, dots, underscores, tildes or hyphens."]
    assert client.get(f"{API}/counts").status_code == 401


def test_search_finds_text_name_email_and_ip_literally(
        client: FlaskClient, staff: dict[str, dict[str, str]]) -> None:
    lea = staff["lea"]
    by_text = post(client, "Une remise de 50% ce soir")
    by_name = post(client, "Rien à voir", name="Zoé_Martin")
    by_email = post(client, "Un autre avis", email="Lecteur@Example.org")
    by_ip = post(client, "Depuis ailleurs", ip="203.0.113.77")

    def found(q: str) -> list[int]:
        response = client.get(f"{API}/comments", query_string={"q": q}, headers=lea)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["total"] == len(body["items"]) and body["q"] == (q.strip() or None)
        return [item["id"] for item in body["items"]]

    assert found("50%") == [by_text]          # % is a character, not a wildcard
    assert found("0%") == [by_text]
    assert found("%") == [by_text]
    assert found("_") == [by_name]            # so is _
    assert found("zoé_") == [by_name]
    assert found("lecteur@example") == [by_email]
    assert found("203.0.113") == [by_ip]
    assert found("introuvable") == []
    assert len(found("   ")) == 4             # blank: no search
    too_long = client.get(f"{API}/comments", query_string={"q": "x" * 201}, headers=lea)
    assert too_long.status_code == 422
    assert too_long.get_json()["errors"]["q"] == ["Search for at most 200 characters."]
    for hostile in ("a\x00b", "\x00"):
        refused = client.get(f"{API}/comments", query_string={"q": hostile}, headers=lea)
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["q"]
        assert client.get(f"{API}/counts", query_string={"q": hostile}, headers=lea).status_code == 422
    assert found("<script>") == [] and found("' OR 1=1 --") == []
    french = client.get(f"{API}/comments", query_string={"q": "x" * 201},
                        headers={**lea, "Accept-Language": "fr"})
    assert french.get_json()["errors"]["q"] == ["Cherchez au plus 200 caractères."]


def test_each_queued_comment_carries_its_authors_earlier_comments(
        client: FlaskClient, staff: dict[str, dict[str, str]]) -> None:
    lea = staff["lea"]
    older = [post(client, f"Avis numéro {n}", email="julie@example.org", ip="198.51.100.9")
             for n in range(4)]
    decide(client, lea, older[0], "approved")
    decide(client, lea, older[1], "approved")
    decide(client, lea, older[2], "spam")
    newest = post(client, "Le dernier", email="julie@example.org", ip="198.51.100.10")
    other = post(client, "Sans adresse", ip="198.51.100.9")
    queue = {item["id"]: item for item in
             client.get(f"{API}/comments", headers=lea).get_json()["items"]}
    one = client.get(f"{API}/comments/{newest}", headers=lea).get_json()
    assert one["history"] == {"email": {"approved": 2, "spam": 1, "pending": 1}, "ip": {}}
    assert queue[older[3]]["history"] == {"email": {"approved": 2, "spam": 1},
                                          "ip": {"approved": 2, "spam": 1}}
    # No e-mail: nothing to compare with, said as null, not as "no earlier comment".
    assert queue[other]["history"] == {"email": None, "ip": {"approved": 2, "spam": 1, "pending": 1}}
    assert client.get(f"{API}/comments/{other}", headers=lea).get_json()["history"] == \
        queue[other]["history"]
    # Later comments are not "earlier": the first one has none.
    first = client.get(f"{API}/comments/{older[0]}", headers=lea).get_json()
    assert first["history"] == {"email": {}, "ip": {}}


def test_the_timeline_lists_every_day_of_the_period(
        app: Flask, client: FlaskClient, staff: dict[str, dict[str, str]]) -> None:
    lea = staff["lea"]
    post(client, "Aujourd'hui")
    held = post(client, "Deux jours plus tôt")
    with app.app_context():
        db.session.execute(sa.update(Comment).where(Comment.id == held).values(
            created_at=utcnow() - timedelta(days=2),
            reasons=[{"code": "links"}, {"code": "held_word"}]))
        db.session.commit()
    body = client.get(f"{API}/stats/timeline", headers=lea).get_json()
    days = body["days"]
    assert 30 <= len(days) <= 31
    assert [day["day"] for day in days] == sorted(day["day"] for day in days)
    assert days[-1]["comments"]["pending"] == 1
    two_days_ago = next(day for day in days if day["day"] == (utcnow() - timedelta(days=2)).date().isoformat())
    assert two_days_ago["comments"] == {"pending": 1, "approved": 0, "rejected": 0, "spam": 0, "trash": 0}
    assert two_days_ago["reasons"] == {"links": 1, "held_word": 1}
    assert sum(sum(day["comments"].values()) for day in days) == 2
    week = client.get(f"{API}/stats/timeline?since=2026-01-01T00:00:00Z&until=2026-01-08T00:00:00Z",
                      headers=lea).get_json()
    assert [day["day"] for day in week["days"]][::6] == ["2026-01-01", "2026-01-07"]
    assert len(week["days"]) == 7
    too_long = client.get(f"{API}/stats/timeline?since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
                          headers=lea)
    assert too_long.status_code == 422
    assert too_long.get_json()["message"] == "A timeline covers at most 366 days."
    backwards = client.get(f"{API}/stats/timeline?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
                           headers=lea)
    assert backwards.status_code == 422
    assert client.get(f"{API}/stats/timeline?since=hier", headers=lea).status_code == 422
    # The last days a date can have, and the first: no day past them is counted.
    edge = client.get(f"{API}/stats/timeline?since=9999-12-30T00:00:00Z&until=9999-12-31T23:59:59Z",
                      headers=lea)
    assert edge.status_code == 200 and [day["day"] for day in edge.get_json()["days"]] == [
        "9999-12-30", "9999-12-31"]
    start = client.get(f"{API}/stats/timeline?until=0001-01-02T00:00:00Z", headers=lea)
    assert start.status_code == 200 and [day["day"] for day in start.get_json()["days"]] == [
        "0001-01-01"]
    assert client.get(f"{API}/stats/timeline", headers=staff["tom"]).status_code == 200
    assert client.get(f"{API}/stats/timeline").status_code == 401


def test_the_page_is_served_with_a_strict_policy_in_the_readers_language(client: FlaskClient) -> None:
    french = client.get("/moderation/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert french.status_code == 200 and french.mimetype == "text/html"
    policy = french.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe" not in policy
    assert french.headers["X-Frame-Options"] == "DENY"
    assert french.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in french.headers
    page = french.get_data(as_text=True)
    assert '<html lang="fr">' in page
    # No inline script: every <script> either loads a file of ours or is inert JSON.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all(('src="/moderation/static/' in attrs and not body.strip())
               or 'type="application/json"' in attrs for attrs, body in scripts)
    block = next(body for attrs, body in scripts if "application/json" in attrs)
    messages = json.loads(block)
    assert messages["login.title"] == "Se connecter" and messages["reason.links"] != ""
    assert "<" not in block  # tojson escapes it: nothing can close the block early
    english = client.get("/moderation/?lang=en", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert json.loads(re.search(r'id="messages">(.*?)</script>', english.get_data(as_text=True),
                                re.S).group(1))["login.title"] == "Sign in"
    script = client.get("/moderation/static/queue.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert script.headers["Content-Security-Policy"] == policy
    assert client.get("/moderation/static/../app.py").status_code == 404


def test_moderation_routes_open_no_cors(make_app: Any) -> None:
    app = make_app(ALLOWED_ORIGINS=["https://blog.example"])
    client = app.test_client()
    preflight = {"Origin": "https://blog.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}
    assert "Access-Control-Allow-Origin" not in client.options(f"{API}/comments", headers=preflight).headers
    assert "Access-Control-Allow-Origin" not in client.get("/moderation/", headers=preflight).headers
    # The public routes do answer the allowed origin: the check above could have failed.
    public = client.options("/api/v1/articles/a/comments", headers=preflight)
    assert public.headers.get("Access-Control-Allow-Origin") == "https://blog.example"
