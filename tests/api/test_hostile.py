"""Hostile inputs: each was a 500 or a broken document once; each must stay a JSON answer.

Found by fuzzing the live service (schemathesis) and by hand; every test names its input.
"""

import base64
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.auth import create_moderator
from service.extensions import db
from service.models import Comment, Role, Status

ARTICLE = "hostile"
PUBLIC = f"/api/v1/articles/{ARTICLE}/comments"
API = "/api/v1/moderation"
EN, FR = {"Accept-Language": "en"}, {"Accept-Language": "fr"}


@pytest.fixture
def admin(app: Flask) -> dict[str, str]:
    with app.app_context():
        token = create_moderator(db.session, "ada", Role.ADMIN, "cli:test")[1]
    return {"Authorization": f"Bearer {token}"}


def approved_comment(app: Flask, client: FlaskClient) -> int:
    response = client.post(PUBLIC, json={"name": "Julie", "text": "Bonjour"})
    assert response.status_code == 201
    with app.app_context():
        comment = db.session.get(Comment, response.get_json()["id"])
        assert comment is not None
        comment.status = Status.APPROVED
        db.session.commit()
        return comment.id


def assert_error(client: FlaskClient, method: str, url: str, status: int,
                 headers: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    """The answer is the contract's JSON error, in English and in French."""
    bodies = {}
    for lang in (EN, FR):
        response = client.open(url, method=method, headers={**(headers or {}), **lang}, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)[:300]
        assert response.mimetype == "application/json"
        body = response.get_json()
        assert {"code", "status", "message"} <= set(body) and body["code"] == status
        bodies[lang["Accept-Language"]] = body
    assert bodies["en"]["message"] != bodies["fr"]["message"]
    return bodies["en"]


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- ids past what the database stores ------------------------------------------------

@pytest.mark.parametrize("comment_id", [2**63, 2**64, 3112053889587190079543662608384])
def test_a_public_comment_id_past_64_bits_is_not_found(client: FlaskClient,
                                                       comment_id: int) -> None:
    assert_error(client, "GET", f"/api/v1/comments/{comment_id}", 404)


@pytest.mark.parametrize("position", ["2026-01-01T00:00:00|9223372036854775808",
                                      "2026-01-01T00:00:00|99999999999999999999999"])
def test_a_cursor_with_an_id_out_of_range_is_invalid(app: Flask, client: FlaskClient,
                                                     admin: dict[str, str], position: str) -> None:
    approved_comment(app, client)
    token = cursor(position)
    for url, headers in ((f"{PUBLIC}?cursor={token}", {}),
                         (f"{PUBLIC}?order=newest&cursor={token}", {}),
                         (f"{API}/comments?status=approved&cursor={token}", admin),
                         (f"{API}/audit?cursor={token}", admin)):
        body = assert_error(client, "GET", url, 422, headers)
        assert list(body["errors"]) == ["cursor"]


# --- JSON bodies Python can parse but not keep -----------------------------------------

@pytest.mark.parametrize("raw", ['{"name": "Sur", "text": "a\\ud800b"}',
                                 '{"name": "S\\udfffur", "text": "lone low surrogate"}',
                                 '{"name": "Sur", "text": "web",'
                                 ' "website": "https://a.org/\\ud800"}'])
def test_a_lone_surrogate_in_a_posted_comment_is_refused(client: FlaskClient, raw: str) -> None:
    body = assert_error(client, "POST", PUBLIC, 400, data=raw, content_type="application/json")
    assert body["message"] == "The request body is not valid UTF-8 text."


def test_a_surrogate_pair_is_a_character_like_any_other(client: FlaskClient) -> None:
    response = client.post(PUBLIC, data='{"name": "Pair", "text": "a\\ud83d\\ude00b"}',
                           content_type="application/json")
    assert response.status_code == 201
    assert response.get_json()["html"] == "<p>a\U0001F600b</p>"


def test_a_lone_surrogate_sent_by_a_moderator_is_refused(app: Flask, client: FlaskClient,
                                                         admin: dict[str, str]) -> None:
    comment_id = approved_comment(app, client)
    assert_error(client, "PATCH", f"{API}/comments/{comment_id}", 400, admin,
                 data='{"text": "a\\ud800b"}', content_type="application/json")
    assert_error(client, "PUT", f"{API}/settings", 400, admin,
                 data='{"blocked_words": ["\\ud800"]}', content_type="application/json")
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None and comment.text == "Bonjour"


@pytest.mark.parametrize("raw", ["[" * 10_000 + "]" * 10_000,
                                 '{"name": "D", "text": "deep", "x": ' + '{"a": ' * 10_000 + "1"
                                 + "}" * 10_000 + "}"])
def test_deeply_nested_json_is_invalid_json(client: FlaskClient, raw: str) -> None:
    body = assert_error(client, "POST", PUBLIC, 400, data=raw, content_type="application/json")
    assert body["message"] == "The request body is not valid JSON."


def test_deeply_nested_json_to_moderation_is_invalid_json(client: FlaskClient,
                                                          admin: dict[str, str]) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    assert_error(client, "POST", f"{API}/comments/bulk", 400, admin,
                 data='{"status": "spam", "ids": ' + deep + "}", content_type="application/json")
    assert_error(client, "PUT", f"{API}/settings", 400, admin,
                 data='{"held_words": ' + deep + "}", content_type="application/json")


def test_a_number_of_5000_digits_is_invalid_json(client: FlaskClient,
                                                 admin: dict[str, str]) -> None:
    huge = "1" + "0" * 5000
    assert_error(client, "POST", PUBLIC, 400, content_type="application/json",
                 data='{"name": "N", "text": "big", "parent_id": ' + huge + "}")
    assert_error(client, "PUT", f"{API}/settings", 400, admin, content_type="application/json",
                 data='{"max_links": ' + huge + "}")


# --- NUL: SQLite keeps it, PostgreSQL's text refuses it (a 500 there) -------------------

def test_a_screening_word_with_nul_is_invalid(client: FlaskClient, admin: dict[str, str]) -> None:
    body = assert_error(client, "PUT", f"{API}/settings", 422, admin,
                        json={"held_words": ["ok", "a\u0000"]})
    assert list(body["errors"]) == ["held_words.1"]
    assert client.get(f"{API}/settings", headers=admin).get_json()["held_words"] == []


def test_an_audit_filter_on_a_name_no_moderator_can_have_is_invalid(
        client: FlaskClient, admin: dict[str, str]) -> None:
    body = assert_error(client, "GET", f"{API}/audit?moderator=a%00b", 422, admin)
    assert list(body["errors"]) == ["moderator"]


# --- times with a zone, and times at the ends of the calendar --------------------------

@pytest.mark.parametrize("query", ["since=2000-01-01T00:00:00Z",
                                   "since=2000-01-01T00:00:00Z&until=2030-01-01T00:00:00",
                                   "since=2000-01-01T00:00:00&until=2030-01-01T00:00:00%2B14:00",
                                   "until=0001-01-02T00:00:00",
                                   "since=0001-01-01T00:00:00"])
def test_stats_take_any_period(client: FlaskClient, admin: dict[str, str], query: str) -> None:
    response = client.get(f"{API}/stats?{query}", headers=admin)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("query", ["since=0001-01-01T00:00:00%2B14:00",
                                   "until=9999-12-31T23:59:59-14:00"])
def test_a_time_that_leaves_the_calendar_in_utc_is_invalid(client: FlaskClient,
                                                           admin: dict[str, str],
                                                           query: str) -> None:
    for path in ("audit", "stats"):
        body = assert_error(client, "GET", f"{API}/{path}?{query}", 422, admin)
        assert list(body["errors"]) == [query.split("=")[0]]


# --- the OpenAPI document ---------------------------------------------------------------

def test_the_openapi_document_has_no_null_format_or_pattern(client: FlaskClient) -> None:
    """apispec writes `format: null` for a strftime format: not a valid Schema Object."""
    spec = client.get("/openapi.json").get_json()
    found = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("format", "pattern") and inner is None:
                    found.append(f"{path}/{key}")
                walk(inner, f"{path}/{key}")
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{path}/{index}")

    walk(spec, "")
    assert found == []
    created = spec["components"]["schemas"]["PublicComment"]["properties"]["created_at"]
    assert created["format"] == "date-time"


def test_the_bulk_refusal_documents_its_unknown_ids(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    response = spec["paths"]["/api/v1/moderation/comments/bulk"]["post"]["responses"]["422"]
    schema = response["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert "unknown_ids" in schema["properties"]


def test_a_fractional_parent_id_is_refused_not_truncated(app: Flask, client: FlaskClient) -> None:
    parent = client.post(URL_FOR_FRACTION, json={"name": "Julie", "text": "Parent"}).get_json()["id"]
    from tests.api.test_comments import approve_all
    approve_all(app)
    response = client.post(URL_FOR_FRACTION, json={"name": "Marc", "text": "Réponse",
                                                   "parent_id": parent + 0.5})
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["parent_id"]
    assert client.post(URL_FOR_FRACTION, json={"name": "Marc", "text": "Réponse",
                                               "parent_id": float(parent)}).status_code == 201


URL_FOR_FRACTION = "/api/v1/articles/fractions/comments"


@pytest.mark.parametrize(("method", "path"), [
    ("patch", "/api/v1/moderation/comments/1"), ("post", "/api/v1/moderation/comments/bulk"),
    ("put", "/api/v1/moderation/settings"), ("patch", "/api/v1/moderation/articles/a"),
])
def test_moderation_bodies_must_be_json(client: FlaskClient, method: str, path: str) -> None:
    for kwargs in ({"data": "status=approved", "content_type": "application/x-www-form-urlencoded"},
                   {"data": b"x" * 2000, "content_type": ""}):
        response = getattr(client, method)(path, **kwargs)
        assert response.status_code == 415
        assert response.get_json()["code"] == 415
