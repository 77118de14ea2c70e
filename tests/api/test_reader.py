"""The reader's side beyond listing and posting: the widget's configuration, the author's
edit window (tokens, edit, delete), pages answering plain forms, the demo page and the
scripts. Every test runs on SQLite and PostgreSQL."""

import re
import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from service.extensions import db
from service.models import AuditEntry, Comment
from tests.helpers import URL, approve_all

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOKEN = "X-Causerie-Token"


def posted(client: FlaskClient, text: str = "Merci !", **fields: Any) -> dict[str, Any]:
    response = client.post(URL, json={"name": "Julie", "text": text, **fields})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def edit(client: FlaskClient, comment_id: int, token: str | None, text: str = "Corrigé",
         **kwargs: Any) -> Any:
    headers = {TOKEN: token} if token is not None else {}
    return client.patch(f"/api/v1/comments/{comment_id}", json={"text": text},
                        headers=headers, **kwargs)


def delete(client: FlaskClient, comment_id: int, token: str) -> Any:
    return client.delete(f"/api/v1/comments/{comment_id}", headers={TOKEN: token})


def listing(client: FlaskClient) -> dict[str, Any]:
    return dict(client.get(URL).get_json())


# --- the widget's configuration ----------------------------------------------------------

def test_the_config_gives_the_form_what_it_needs_in_each_language(client: FlaskClient) -> None:
    french = client.get("/api/v1/config?lang=fr")
    english = client.get("/api/v1/config?lang=en").get_json()
    body = french.get_json()
    assert body["lang"] == "fr" and english["lang"] == "en"
    assert body["honeypot"] == "contact_me_by_fax_only"
    assert body["edit_window"] == 900 and body["require_email"] is False
    assert body["limits"] == {"name": 245, "text": 65525, "email": 100, "website": 200}
    assert body["messages"]["text.missing"] == "S'il vous plaît entrez votre commentaire!"
    assert english["messages"]["text.missing"] == "Please enter your comment!"
    assert english["messages"]["ui.retry"] == "You can post again in {seconds} seconds."
    assert french.headers["Cache-Control"] == "public, max-age=300"
    assert french.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/v1/config?lang=fr", headers={"If-None-Match": french.headers["ETag"]})
    assert again.status_code == 304


def test_the_config_follows_the_saved_settings(make_app: Any) -> None:
    client = make_app(HONEYPOT_FIELD="fax_number", REQUIRE_EMAIL=True, EDIT_WINDOW=60).test_client()
    body = client.get("/api/v1/config").get_json()
    assert (body["honeypot"], body["require_email"], body["edit_window"]) == ("fax_number", True, 60)


# --- the author's edit window ------------------------------------------------------------

def test_the_creation_answer_carries_a_token_good_for_the_window(client: FlaskClient) -> None:
    body = posted(client)
    assert isinstance(body["edit_token"], str) and len(body["edit_token"]) > 40
    created = time.strptime(body["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    until = time.strptime(body["edit_until"], "%Y-%m-%dT%H:%M:%SZ")
    assert time.mktime(until) - time.mktime(created) == 900
    # The token never appears in a public read.
    approve_all(client.application)
    assert "edit_token" not in listing(client)["items"][0]
    assert "edit_token" not in client.get(f"/api/v1/comments/{body['id']}").get_json()


def test_an_edit_is_sanitized_again(make_app: Any) -> None:
    client = make_app(MODERATION="post").test_client()
    body = posted(client)
    assert body["status"] == "approved"
    response = edit(client, body["id"], body["edit_token"], "Voici <b>mieux</b> <script>alert(1)</script>")
    assert response.status_code == 200
    assert response.get_json()["html"] == \
        "<p>Voici <b>mieux</b> &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert response.get_json()["status"] == "approved"
    assert listing(client)["items"][0]["html"] == response.get_json()["html"]


def test_an_edit_is_screened_again_and_never_gains_trust(make_app: Any) -> None:
    client = make_app(MODERATION="post", BLOCKED_WORDS=["casino"]).test_client()
    body = posted(client)
    response = edit(client, body["id"], body["edit_token"], "Venez au casino")
    assert response.status_code == 200
    assert response.get_json()["status"] == "pending"
    assert listing(client)["total"] == 0  # held: no longer public
    with client.application.app_context():
        trail = db.session.execute(sa.select(AuditEntry.field, AuditEntry.old_value,
                                             AuditEntry.new_value)
                                   .where(AuditEntry.action == "author.edit")).all()
    assert ("text", "Merci !", "Venez au casino") in trail
    assert ("status", "approved", "spam") in trail
    # Taking the word out does not publish it again: a moderator decides now.
    assert edit(client, body["id"], body["edit_token"], "Venez").get_json()["status"] == "pending"


def test_an_edit_keeps_the_contract_of_the_text(client: FlaskClient) -> None:
    body = posted(client)
    for text in ("", "   ", "<!-- -->"):
        response = edit(client, body["id"], body["edit_token"], text, query_string={"lang": "en"})
        assert response.status_code == 422, text
        assert response.get_json()["errors"] == {"text": ["Please enter your comment!"]}
    assert edit(client, body["id"], body["edit_token"], "x" * 65526).status_code == 422


def _expired(app: Flask, comment_id: int) -> str:
    """A token as the service would have issued it an hour ago."""
    class AnHourAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 3600

    with app.app_context():
        created = db.session.get(Comment, comment_id).created_at.isoformat()
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="causerie.author",
                                        signer=AnHourAgo)
    return str(serializer.dumps([comment_id, created]))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_hostile_tokens_are_refused(client: FlaskClient, lang: str) -> None:
    mine, other = posted(client), posted(client, "Autre chose")
    forged = URLSafeTimedSerializer("another-secret", salt="causerie.author").dumps(
        [mine["id"], "2026-01-01T00:00:00"])
    invalid = {"fr": "Ce commentaire ne peut être modifié que depuis le navigateur qui l'a "
                     "publié, pendant le délai de modification.",
               "en": "This comment can only be changed from the browser that posted it, "
                     "during the edit window."}[lang]
    for token in (None, "", "garbage", mine["edit_token"] + "x", forged, other["edit_token"],
                  "é" * 5000):
        for response in (edit(client, mine["id"], token, query_string={"lang": lang}),
                         client.delete(f"/api/v1/comments/{mine['id']}?lang={lang}",
                                       headers={TOKEN: token} if token is not None else {})):
            assert response.status_code == 403, token
            assert response.get_json()["message"] == invalid
    closed = {"fr": "Le délai pour modifier ou supprimer ce commentaire est passé.",
              "en": "The time to edit or delete this comment is over."}[lang]
    expired = _expired(client.application, mine["id"])
    response = edit(client, mine["id"], expired, query_string={"lang": lang})
    assert (response.status_code, response.get_json()["message"]) == (403, closed)
    assert client.delete(f"/api/v1/comments/{mine['id']}?lang={lang}",
                         headers={TOKEN: expired}).status_code == 403
    for unknown in (mine["id"] + 1000, 2**31 - 1):
        assert edit(client, unknown, mine["edit_token"]).status_code == 404
    # Nothing was changed by any of it.
    assert edit(client, mine["id"], mine["edit_token"], "Enfin").status_code == 200


def test_the_window_closes_even_for_a_good_token(make_app: Any) -> None:
    client = make_app(EDIT_WINDOW=1).test_client()
    body = posted(client)
    time.sleep(2.1)
    response = edit(client, body["id"], body["edit_token"], query_string={"lang": "en"})
    assert response.status_code == 403
    assert response.get_json()["message"] == "The time to edit or delete this comment is over."


def test_a_delete_without_replies_removes_the_comment(client: FlaskClient) -> None:
    body = posted(client)
    approve_all(client.application)
    assert listing(client)["total"] == 1
    assert delete(client, body["id"], body["edit_token"]).status_code == 204
    assert listing(client)["total"] == 0
    assert client.get(f"/api/v1/comments/{body['id']}").status_code == 404
    assert delete(client, body["id"], body["edit_token"]).status_code == 404
    assert edit(client, body["id"], body["edit_token"]).status_code == 404


def test_a_delete_with_replies_leaves_a_placeholder(client: FlaskClient) -> None:
    parent = posted(client, "Le début", website="https://julie.example")
    approve_all(client.application)
    reply = posted(client, "Une réponse", parent_id=parent["id"])
    approve_all(client.application)
    etag = client.get(URL).headers["ETag"]
    assert delete(client, parent["id"], parent["edit_token"]).status_code == 204
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 200  # changed
    items = {item["id"]: item for item in listing(client)["items"]}
    assert items[parent["id"]] == {**items[parent["id"]], "deleted": True, "name": "",
                                   "html": "", "website": None}
    assert items[reply["id"]]["parent_id"] == parent["id"] and "deleted" not in items[reply["id"]]
    with client.application.app_context():
        erased = db.session.get(Comment, parent["id"])
        assert (erased.text, erased.email, erased.deleted_at is not None) == ("", None, True)
        trail = db.session.execute(sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.new_value)
                                   .where(AuditEntry.comment_id == parent["id"])).all()
        assert ("author", "author.delete", "deleted") in trail
    assert edit(client, parent["id"], parent["edit_token"]).status_code == 404


# --- a form without JavaScript -----------------------------------------------------------

def test_a_browser_form_with_errors_gets_a_page_keeping_what_was_typed(client: FlaskClient) -> None:
    response = client.post(URL + "?lang=en", data={"name": " ", "text": "Mon <b>texte</b>",
                                                   "email": "julie@", "website": ""},
                           headers={**BROWSER, "Referer": "https://blog.example/article"})
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert "Please enter your name here" in page
    assert "You have entered an incorrect email address!" in page
    assert "Mon &lt;b&gt;texte&lt;/b&gt;</textarea>" in page  # kept, and inert
    assert 'href="https://blog.example/article">Back to the article</a>' in page
    assert re.search(r'id="causerie-name"[^>]*aria-invalid="true"[^>]*autofocus', page)
    assert "<script" not in page and "style=" not in page


def test_a_browser_form_asking_for_replies_without_an_email_keeps_the_box_ticked(
        client: FlaskClient) -> None:
    response = client.post(URL + "?lang=fr", headers=BROWSER, data={
        "name": "Julie", "text": "Merci", "notify_replies": "true"})
    assert response.status_code == 422 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Pour être prévenu des réponses, merci d&#39;indiquer votre adresse e-mail." in page
    assert re.search(r'id="causerie-notify"[^>]*checked', page)
    answered = client.post(URL, headers=BROWSER, data={
        "name": "Julie", "text": "Merci", "notify_replies": "true", "email": "j@example.org"})
    assert answered.status_code == 201


@pytest.mark.parametrize(("settings", "form", "code", "sentence"), [
    ({}, {"name": "Julie", "text": "Merci !"}, 201,
     "Merci ! Votre commentaire est en attente de modération."),
    ({"MAX_CONTENT_LENGTH": 1024}, {"name": "Julie", "text": "x" * 2000}, 413,
     "La requête est trop volumineuse."),
])
def test_every_browser_form_answer_is_a_page(make_app: Any, settings: dict[str, Any],
                                             form: dict[str, str], code: int,
                                             sentence: str) -> None:
    client = make_app(**settings).test_client()
    response = client.post(URL + "?lang=fr", data=form, headers=BROWSER)
    assert (response.status_code, response.mimetype) == (code, "text/html")
    assert sentence in response.get_data(as_text=True)


def test_a_duplicate_and_a_flood_are_pages_too(make_app: Any) -> None:
    client = make_app(RATELIMIT_ENABLED=True, POST_RATE_LIMIT="2 per hour").test_client()
    form = {"name": "Julie", "text": "Merci !"}
    assert client.post(URL, data=form, headers=BROWSER).status_code == 201
    duplicate = client.post(URL + "?lang=en", data=form, headers=BROWSER)
    assert duplicate.status_code == 409 and duplicate.mimetype == "text/html"
    assert "it looks as though you’ve already said that!" in duplicate.get_data(as_text=True)
    assert "Merci !</textarea>" in duplicate.get_data(as_text=True)
    client.post(URL, data={**form, "text": "Encore"}, headers=BROWSER)
    flood = client.post(URL + "?lang=en", data={**form, "text": "Et encore"}, headers=BROWSER)
    assert flood.status_code == 429 and flood.mimetype == "text/html"
    assert flood.headers["Retry-After"].isdigit()
    assert re.search(r"You can post again in \d+ seconds\.", flood.get_data(as_text=True))


def test_a_browser_redirect_carries_the_marker_and_json_clients_see_no_change(
        make_app: Any) -> None:
    client = make_app(ALLOWED_ORIGINS=["https://blog.example"]).test_client()
    form = {"name": "Julie", "text": "Merci !", "redirect": "https://blog.example/a#comments"}
    response = client.post(URL, data=form, headers=BROWSER)
    assert response.status_code == 303
    assert response.headers["Location"] == "https://blog.example/a#causerie-pending"
    plain = client.post(URL, data={**form, "text": "Autre"})  # no Accept: as before
    assert plain.headers["Location"] == "https://blog.example/a#comments"
    json = client.post(URL, json={"name": "Julie", "text": "En JSON"}, headers=BROWSER)
    assert json.status_code == 201 and json.is_json


# --- the demo page and the scripts -------------------------------------------------------

def test_the_demo_page_is_the_french_seed_article_with_a_strict_policy(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="fr">' in page
    assert "Comment devenir chef de projet IA ?" in page
    assert 'data-article="comment-devenir-chef-de-projet-ia"' in page
    assert '<script src="/embed.js" async></script>' in page
    assert "Laisser un commentaire" in page and 'name="contact_me_by_fax_only"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and "style=" not in page
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "unsafe" not in policy


def test_the_scripts_have_fixed_paths_and_hashed_copies(client: FlaskClient) -> None:
    for path in ("/embed.js", "/count.js"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert client.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    script = client.get("/embed.js").get_data(as_text=True)
    stylesheet = re.search(r"widget/(embed\.[0-9a-f]{12}\.css)", script)
    assert stylesheet and "__CAUSERIE_CSS__" not in script
    css = client.get(f"/widget/{stylesheet.group(1)}")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "immutable" in css.headers["Cache-Control"]
    assert client.get("/widget/embed.000000000000.css").status_code == 404
    assert client.get("/widget/..%2fconfig.py").status_code == 404


@pytest.mark.parametrize(("body", "content_type", "code"), [
    (b'{"text": 12}', "application/json", 422),
    (b'{"text": ["a"]}', "application/json", 422),
    (b'{"text": null}', "application/json", 422),
    (b"[1, 2]", "application/json", 422),
    (b'{"text": "', "application/json", 400),
    (b'{"text": "\xff\xfe"}', "application/json", 400),
    (b'{"text": "\\ud800"}', "application/json", 400),
    (b"text=Bonjour", "application/x-www-form-urlencoded", 422),
])
def test_a_hostile_edit_body_is_a_clear_refusal(client: FlaskClient, body: bytes,
                                                content_type: str, code: int) -> None:
    mine = posted(client)
    response = client.patch(f"/api/v1/comments/{mine['id']}", data=body,
                            content_type=content_type, headers={TOKEN: mine["edit_token"]})
    assert response.status_code == code, response.get_json()
    assert response.is_json and response.get_json()["message"]
    assert listing(client)["total"] == 0  # nothing changed, nothing published
