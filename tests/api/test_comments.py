"""The public HTTP contract: codes, JSON shape, exact messages, headers."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from service.models import Comment
from tests.helpers import JULIE, URL, approve_all, post

# --- posting --------------------------------------------------------------------------

def test_a_valid_comment_is_pending_with_a_french_message(client: FlaskClient) -> None:
    response = post(client, {**JULIE, "email": "julie@example.org",
                             "website": "https://example.org"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["message"] == "Merci ! Votre commentaire est en attente de modération."
    assert body["html"] == "<p>Merci !</p>"
    assert body["name"] == "Julie" and body["website"] == "https://example.org"
    assert body["created_at"].endswith("Z")
    assert "email" not in body and "ip" not in body and "user_agent" not in body
    assert response.headers["Location"].endswith(f"/api/v1/comments/{body['id']}")
    assert response.headers["Content-Language"] == "fr"


def test_no_answer_sets_a_cookie(client: FlaskClient) -> None:
    answers = [post(client), client.get(URL), client.get("/healthz"),
               client.get("/api/v1/comments/1"), post(client, {"name": ""})]
    assert [answer.status_code for answer in answers] == [201, 200, 200, 404, 422]
    assert not any("Set-Cookie" in answer.headers for answer in answers)


def test_post_moderation_publishes_at_once(make_app: Any) -> None:
    client = make_app(MODERATION="post").test_client()
    body = post(client, headers={"Accept-Language": "en"}).get_json()
    assert body["status"] == "approved"
    assert body["message"] == "Thank you! Your comment is published."
    assert client.get(URL).get_json()["total"] == 1


@pytest.mark.parametrize(("body", "field", "fr", "en"), [
    ({"name": "Julie"}, "text", "S'il vous plaît entrez votre commentaire!",
     "Please enter your comment!"),
    ({"name": "Julie", "text": "  \n\t "}, "text", "S'il vous plaît entrez votre commentaire!",
     "Please enter your comment!"),
    ({"text": "Bonjour"}, "name", "S'il vous plaît entrez votre nom ici",
     "Please enter your name here"),
    ({"text": "Bonjour", "name": "   "}, "name", "S'il vous plaît entrez votre nom ici",
     "Please enter your name here"),
    ({"text": "Bonjour", "name": "<b></b>"}, "name", "S'il vous plaît entrez votre nom ici",
     "Please enter your name here"),
    ({**JULIE, "email": "pas-une-adresse"}, "email",
     "Vous avez entré une adresse e-mail incorrecte!",
     "You have entered an incorrect email address!"),
])
def test_missing_and_invalid_fields_answer_the_forms_own_sentences(
        client: FlaskClient, body: dict[str, str], field: str, fr: str, en: str) -> None:
    french = post(client, body)
    assert french.status_code == 422
    assert french.get_json()["errors"] == {field: [fr]}
    assert french.get_json()["message"] == fr
    english = post(client, body, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.get_json()["errors"] == {field: [en]}
    assert english.headers["Content-Language"] == "en"
    assert post(client, body, url=URL + "?lang=en").get_json()["errors"] == {field: [en]}


def test_both_missing_lists_both_messages(client: FlaskClient) -> None:
    body = post(client, {}).get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    assert body["errors"] == {"name": ["S'il vous plaît entrez votre nom ici"],
                              "text": ["S'il vous plaît entrez votre commentaire!"]}
    assert body["message"] == "Certains champs demandent votre attention."


def test_lang_parameter_beats_accept_language(client: FlaskClient) -> None:
    response = post(client, {}, url=URL + "?lang=fr", headers={"Accept-Language": "en"})
    assert response.headers["Content-Language"] == "fr"
    unknown = post(client, {}, url=URL + "?lang=de", headers={"Accept-Language": "en"})
    assert unknown.headers["Content-Language"] == "en"


def test_email_can_be_required(make_app: Any) -> None:
    client = make_app(REQUIRE_EMAIL=True).test_client()
    response = post(client)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"email": ["S'il vous plaît entrez votre adresse email ici"]}
    assert post(client, {**JULIE, "email": "julie@example.org"}).status_code == 201


def test_a_plain_html_form_is_accepted(client: FlaskClient) -> None:
    response = client.post(URL, data={"name": "Julie", "text": "Bonjour\r\n\r\nà tous",
                                      "email": "", "website": "", "parent_id": ""})
    assert response.status_code == 201
    assert response.get_json()["html"] == "<p>Bonjour</p><p>à tous</p>"


def test_a_multipart_form_is_accepted(client: FlaskClient) -> None:
    response = client.post(URL, data=JULIE, content_type="multipart/form-data")
    assert response.status_code == 201


@pytest.mark.parametrize(("redirect", "origins", "origin", "expected"), [
    ("https://blog.example/article#comments", ["https://blog.example"], None, 303),
    ("https://evil.example/", ["https://blog.example"], None, 201),
    ("https://blog.example/a", ["*"], "https://blog.example", 303),
    ("https://evil.example/a", ["*"], "https://blog.example", 201),
    ("javascript:alert(1)", ["*"], "javascript:", 201),
])
def test_form_redirect_only_to_allowed_origins(make_app: Any, redirect: str, origins: list[str],
                                               origin: str | None, expected: int) -> None:
    client = make_app(ALLOWED_ORIGINS=origins).test_client()
    headers = {"Origin": origin} if origin else {}
    response = client.post(URL, data={**JULIE, "redirect": redirect}, headers=headers)
    assert response.status_code == expected
    if expected == 303:
        assert response.headers["Location"] == redirect


def test_website_must_be_http(client: FlaskClient) -> None:
    for website in ("javascript:alert(1)", "ftp://example.org", "example", "http://"):
        response = post(client, {**JULIE, "website": website})
        assert response.status_code == 422, website
        assert response.get_json()["errors"] == {
            "website": ["Veuillez entrer une adresse web qui commence par http:// ou https://."]}


@pytest.mark.parametrize(("field", "size", "message"), [
    ("name", 246, "Votre nom est trop long : 245 caractères au maximum."),
    ("text", 65526, "Votre commentaire est trop long : 65525 caractères au maximum."),
    ("text", 70000, "Votre commentaire est trop long : 65525 caractères au maximum."),
    ("email", 101, "Votre adresse e-mail est trop longue : 100 caractères au maximum."),
])
def test_too_long_fields(client: FlaskClient, field: str, size: int, message: str) -> None:
    value = "a" * size if field != "email" else "a" * (size - 12) + "@example.org"
    response = post(client, {**JULIE, field: value})
    assert response.status_code == 422
    assert message in response.get_json()["errors"][field]


def test_limits_are_inclusive(client: FlaskClient) -> None:
    assert post(client, {"name": "n" * 245, "text": "t" * 65525}).status_code == 201


@pytest.mark.parametrize(("body", "field"), [
    ({"name": 123, "text": "x"}, "name"),
    ({"name": "Julie", "text": ["a", "b"]}, "text"),
    ({"name": {"a": 1}, "text": "x"}, "name"),
    ({"name": "Julie", "text": True}, "text"),
])
def test_wrong_types_are_refused_clearly(client: FlaskClient, body: dict[str, Any],
                                         field: str) -> None:
    response = post(client, body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {field: ["Ce champ doit être du texte."]}


@pytest.mark.parametrize("parent_id", ["abc", 1.5, True, [1]])
def test_parent_id_of_the_wrong_type(client: FlaskClient, parent_id: Any) -> None:
    response = post(client, {**JULIE, "parent_id": parent_id})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["parent_id"]


def test_unknown_fields_are_ignored(client: FlaskClient) -> None:
    response = post(client, {**JULIE, "status": "approved", "id": 999, "html": "<script>"})
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending" and response.get_json()["id"] != 999


# --- replies --------------------------------------------------------------------------

def test_replies_only_to_approved_comments_of_the_same_article(app: Flask,
                                                               client: FlaskClient) -> None:
    parent = post(client).get_json()["id"]
    pending = post(client, {**JULIE, "parent_id": parent})
    assert pending.status_code == 422
    assert pending.get_json()["errors"] == {"parent_id": [
        "Le commentaire auquel vous répondez n'existe pas ou n'est pas publié."]}
    other = post(client, url="/api/v1/articles/other/comments").get_json()["id"]
    approve_all(app)
    assert post(client, {**JULIE, "parent_id": parent}).status_code == 201
    assert post(client, {**JULIE, "parent_id": other}).status_code == 422
    for unknown in (999999, 2**31, 2**63, 0, -1):
        assert post(client, {**JULIE, "parent_id": unknown}).status_code == 422


# --- hostile bodies -------------------------------------------------------------------

def test_empty_body_lists_the_missing_fields(client: FlaskClient) -> None:
    for response in (client.post(URL), client.post(URL, data=b"", content_type="application/json")):
        assert response.status_code == 422
        assert set(response.get_json()["errors"]) == {"name", "text"}


@pytest.mark.parametrize(("data", "message"), [
    (b"{not json", "Le corps de la requête n'est pas un JSON valide."),
    (b'{"name": "Julie", "text": "Merci"', "Le corps de la requête n'est pas un JSON valide."),
    (b'{"name": "Jul\xffie", "text": "x"}', "Le corps de la requête n'est pas un texte UTF-8 valide."),
])
def test_unreadable_json_is_a_400(client: FlaskClient, data: bytes, message: str) -> None:
    response = client.post(URL, data=data, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"] == message


@pytest.mark.parametrize("data", [b"[1, 2]", b'"text"', b"42", b"true"])
def test_json_that_is_not_an_object(client: FlaskClient, data: bytes) -> None:
    response = client.post(URL, data=data, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["message"] == "Le corps de la requête doit être un objet JSON."


def test_invalid_utf8_in_a_form_is_a_400(client: FlaskClient) -> None:
    for data in (b"name=Jul%FFie&text=x", b"name=Jul\xffie&text=x"):
        response = client.post(URL, data=data, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400
        assert response.get_json()["message"] == "Le corps de la requête n'est pas un texte UTF-8 valide."


def test_body_over_the_limit_is_a_413(make_app: Any) -> None:
    client = make_app(MAX_CONTENT_LENGTH=4096).test_client()
    response = post(client, {"name": "Julie", "text": "x" * 5000})
    assert response.status_code == 413
    assert response.get_json()["message"] == "La requête est trop volumineuse."


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "image/png"])
def test_unsupported_content_type_is_a_415(client: FlaskClient, content_type: str) -> None:
    response = client.post(URL, data=b"name=Julie&text=x", content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["code"] == 415
    assert "application/json" in response.get_json()["message"]


@pytest.mark.parametrize("path", [
    "/api/v1/articles/a%2Fb/comments", "/api/v1/articles/a/b/comments",
    "/api/v1/articles/" + "a" * 201 + "/comments", "/api/v1/articles/" + "a" * 300 + "/comments",
    "/api/v1/articles/caf%C3%A9/comments", "/api/v1/articles/a%20b/comments", "/nowhere",
])
def test_bad_article_keys_are_json_404s(client: FlaskClient, path: str) -> None:
    for response in (client.get(path), client.post(path, json=JULIE)):
        assert response.status_code == 404
        assert response.get_json() == {"code": 404, "status": "Not Found",
                                       "message": "Rien n'a été trouvé à cette adresse."}


def test_the_longest_article_key_works(client: FlaskClient) -> None:
    assert post(client, url="/api/v1/articles/" + "a" * 200 + "/comments").status_code == 201


def test_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    response = client.delete(URL, headers={"Accept-Language": "en"})
    assert response.status_code == 405
    assert response.get_json()["message"] == "This method is not allowed at this address."
    assert "GET" in response.headers["Allow"]


def test_a_crash_is_a_json_500_that_says_nothing_inside(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.get_json() == {"code": 500, "status": "Internal Server Error", "message":
                                   "Something went wrong on our side; please try again later."}


INJECTIONS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>',
              "<a href=\"javascript:alert(1)\">clic</a>", "<svg/onload=alert(1)>",
              "'; DROP TABLE comment; --", "<iframe src=//evil.example></iframe>"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_in_every_field_is_stored_harmless(app: Flask, client: FlaskClient,
                                                     payload: str) -> None:
    response = post(client, {"name": payload + "Julie", "text": payload,
                             "website": "https://example.org/?q=" + payload[:20].replace(" ", ""),
                             "email": "julie@example.org"})
    assert response.status_code == 201, response.get_json()
    approve_all(app)
    items = client.get(URL).get_json()["items"]
    assert len(items) == 1
    for item in items:
        assert item["name"].endswith("Julie")
        assert "<script" not in item["html"] and "<img" not in item["html"]
        assert "<iframe" not in item["html"] and "<svg" not in item["html"]
        assert "javascript:" not in item["html"]
        assert "<" not in item["name"]


def test_nul_and_control_characters_never_reach_the_database(app: Flask,
                                                             client: FlaskClient) -> None:
    response = post(client, {"name": "Ju\x00lie\x07", "text": "Mer\x00ci\x1b !\u0085"})
    assert response.status_code == 201
    assert response.get_json()["name"] == "Julie"
    with app.app_context():
        comment = db.session.get(Comment, response.get_json()["id"])
        assert comment.text == "Merci !" and comment.name == "Julie"


def test_unicode_is_normalized_to_nfc(client: FlaskClient) -> None:
    body = post(client, {"name": "Zoe\u0301", "text": "Cafe\u0301"}).get_json()
    assert body["name"] == "Zoé" and body["html"] == "<p>Café</p>"


def test_text_that_renders_to_nothing_is_missing(client: FlaskClient) -> None:
    response = post(client, {"name": "Julie", "text": "<!-- rien -->"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"text": ["S'il vous plaît entrez votre commentaire!"]}


# --- listing --------------------------------------------------------------------------

def test_listing_shows_approved_comments_only_without_personal_data(app: Flask,
                                                                    client: FlaskClient) -> None:
    post(client, {**JULIE, "email": "julie@example.org"})
    before = client.get(URL).get_json()
    assert before == {"article": "comment-devenir-chef-de-projet-ia", "total": 0, "items": [],
                      "next_cursor": None}
    approve_all(app)
    post(client, {"name": "Marc", "text": "Encore en attente"})
    page = client.get(URL).get_json()
    assert page["total"] == 1
    (item,) = page["items"]
    assert set(item) == {"id", "parent_id", "name", "website", "html", "created_at"}
    assert item["name"] == "Julie"


def test_unknown_article_lists_empty(client: FlaskClient) -> None:
    response = client.get("/api/v1/articles/never-commented/comments")
    assert response.status_code == 200
    assert response.get_json()["total"] == 0


def test_keyset_pagination_walks_every_comment_once(app: Flask, client: FlaskClient) -> None:
    for number in range(7):
        post(client, {"name": f"n{number}", "text": f"t{number}"})
    approve_all(app)
    for order, expected in (("oldest", [f"n{i}" for i in range(7)]),
                            ("newest", [f"n{i}" for i in reversed(range(7))])):
        names, cursor = [], None
        while True:
            query = {"limit": 3, "order": order, **({"cursor": cursor} if cursor else {})}
            page = client.get(URL, query_string=query).get_json()
            assert page["total"] == 7
            names += [item["name"] for item in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert names == expected


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"limit": "ten"},
                                   {"order": "random"}, {"cursor": "garbage!"},
                                   {"cursor": "MjAyNi0xMS0yNHxub3QtYW4taWQ"}])
def test_bad_listing_parameters_are_422(client: FlaskClient, query: dict[str, Any]) -> None:
    response = client.get(URL, query_string=query, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_etag_gives_304_until_the_article_changes(app: Flask, client: FlaskClient) -> None:
    post(client)
    approve_all(app)
    first = client.get(URL)
    etag = first.headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    # A pending comment changes nothing the public sees: still 304.
    post(client, {"name": "Marc", "text": "Bonjour"})
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    approve_all(app)
    fresh = client.get(URL, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.get_json()["total"] == 2
    assert fresh.headers["ETag"] != etag
    other_page = client.get(URL, query_string={"limit": 1}, headers={"If-None-Match": etag})
    assert other_page.status_code == 200


def test_counts_for_many_articles(app: Flask, client: FlaskClient) -> None:
    post(client)
    post(client, {"name": "Marc", "text": "Deux"})
    post(client, url="/api/v1/articles/b/comments")
    approve_all(app)
    post(client, {"name": "Zoé", "text": "pending"})
    response = client.get("/api/v1/counts?article=comment-devenir-chef-de-projet-ia"
                          "&article=b&article=nothing")
    assert response.get_json() == {"counts": {"comment-devenir-chef-de-projet-ia": 2, "b": 1,
                                              "nothing": 0}}


@pytest.mark.parametrize("query", ["", "?article=" + "&article=".join(f"a{i}" for i in range(101)),
                                   "?article=a/b", "?article=" + "x" * 201])
def test_counts_refuse_bad_requests(client: FlaskClient, query: str) -> None:
    response = client.get("/api/v1/counts" + query)
    assert response.status_code == 422
    assert response.get_json()["message"]


def test_a_public_comment_is_readable_alone_once_approved(app: Flask, client: FlaskClient) -> None:
    location = post(client).headers["Location"]
    assert client.get(location).status_code == 404
    approve_all(app)
    assert client.get(location).get_json()["name"] == "Julie"


def test_cors_lets_a_blog_on_another_origin_read_and_post(client: FlaskClient) -> None:
    response = client.options(URL, headers={"Origin": "https://blog.example",
                                            "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "Content-Type"})
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://blog.example")
