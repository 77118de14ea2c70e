"""Screening for moderators: settings (admins), statistics, and the model learning from
the moderators' decisions through the moderation endpoints."""

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from service.models import AuditEntry, Comment
from service.moderation import learning
from tests.helpers import API, bearer, comment, patch

SETTINGS = f"{API}/settings"


def test_settings_show_what_is_in_force(client: FlaskClient, marc: dict[str, str]) -> None:
    body = client.get(SETTINGS, headers=marc).get_json()
    assert body["moderation"] == "pre" and body["max_links"] == 2
    assert body["honeypot_field"] == "contact_me_by_fax_only"
    assert body["held_words"] == [] and body["trust_returning_authors"] is True


def test_only_admins_change_settings(client: FlaskClient, marc: dict[str, str]) -> None:
    response = client.put(SETTINGS, json={"max_links": 5}, headers=marc)
    assert response.status_code == 403
    assert client.get(SETTINGS, headers=marc).get_json()["max_links"] == 2


def test_an_admin_change_applies_at_once_and_is_audited(app: Flask, client: FlaskClient,
                                                        ada: dict[str, str]) -> None:
    response = client.put(SETTINGS, json={"held_words": ["casino"], "moderation": "post"},
                          headers=ada)
    assert response.status_code == 200
    assert response.get_json()["held_words"] == ["casino"]
    assert response.headers["Cache-Control"] == "no-store"
    published = client.post("/api/v1/articles/a/comments", json={"name": "Jo", "text": "Salut"})
    held = client.post("/api/v1/articles/a/comments", json={"name": "Jo", "text": "CASINO!"})
    assert published.get_json()["status"] == "approved"
    assert held.get_json()["status"] == "pending"
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "setting")
                                  .order_by(AuditEntry.field)).all()
        assert [(r.actor, r.field, r.old_value, r.new_value) for r in rows] == [
            ("ada", "held_words", "", "casino"), ("ada", "moderation", "pre", "post")]


def test_the_rate_limit_setting_applies_to_posting(make_app: Any) -> None:
    import uuid
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    client = app.test_client()
    from service.auth import create_moderator
    from service.models import Role
    with app.app_context():
        token = create_moderator(db.session, "ada", Role.ADMIN, "cli:test")[1]
    assert client.put(SETTINGS, json={"post_rate_limit": "3 per minute"},
                      headers=bearer(token)).status_code == 200
    codes = [client.post("/api/v1/articles/a/comments",
                         json={"name": "Jo", "text": f"n°{n}"}).status_code for n in range(4)]
    assert codes == [201, 201, 201, 429]


@pytest.mark.parametrize(("body", "field"), [
    ({"spam_threshold": 1.5}, "spam_threshold"), ({"hold_threshold": -0.1}, "hold_threshold"),
    ({"hold_threshold": 0.95, "spam_threshold": 0.9}, "hold_threshold"),
    ({"max_links": "two"}, "max_links"), ({"max_links": 2.5}, "max_links"),
    ({"held_words": "casino"}, "held_words"), ({"held_words": ["x" * 101]}, "held_words.0"),
    ({"blocked_words": ["w"] * 1001}, "blocked_words"), ({"post_rate_limit": "often"}, "post_rate_limit"),
    ({"honeypot_field": "<script>"}, "honeypot_field"), ({"moderation": "never"}, "moderation"),
    ({"trust_returning_authors": "maybe"}, "trust_returning_authors"),
    ({"min_training": -1}, "min_training"),
])
def test_bad_settings_are_clear_422s_and_change_nothing(client: FlaskClient, ada: dict[str, str],
                                                        body: dict[str, Any], field: str) -> None:
    before = client.get(SETTINGS, headers=ada).get_json()
    response = client.put(SETTINGS, json=body, headers={**ada, "Accept-Language": "en"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]
    assert client.get(SETTINGS, headers=ada).get_json() == before


def test_settings_need_a_token(client: FlaskClient) -> None:
    assert client.get(SETTINGS).status_code == 401
    assert client.put(SETTINGS, json={"max_links": 1}).status_code == 401
    assert client.get(f"{API}/stats").status_code == 401


def test_decisions_teach_the_model(app: Flask, client: FlaskClient, marc: dict[str, str]) -> None:
    spammy = comment(client, "Subscribe to my channel http://spam.com/free")
    fine = comment(client, "Très bon article, merci")
    assert patch(client, marc, spammy, status="spam").status_code == 200
    assert patch(client, marc, fine, status="approved").status_code == 200
    with app.app_context():
        assert learning.totals(db.session) == (1, 1)
    # A moderator changing their mind takes the lesson back.
    patch(client, marc, spammy, status="approved")
    patch(client, marc, fine, status="rejected")
    with app.app_context():
        assert learning.totals(db.session) == (0, 1)
        assert db.session.get(Comment, spammy).trained_as is False
        assert db.session.get(Comment, fine).trained_as is None


def test_a_bulk_decision_teaches_in_one_go(app: Flask, client: FlaskClient,
                                           marc: dict[str, str]) -> None:
    ids = [comment(client, f"Win money now number {n} http://spam.com") for n in range(30)]
    response = client.post(f"{API}/comments/bulk", json={"ids": ids, "status": "spam"},
                           headers=marc)
    assert response.status_code == 200
    with app.app_context():
        assert learning.totals(db.session) == (30, 0)


def test_a_refused_decision_teaches_nothing(app: Flask, client: FlaskClient,
                                            marc: dict[str, str]) -> None:
    ids = [comment(client, "Buy followers http://spam.com")]
    response = client.post(f"{API}/comments/bulk", json={"ids": [*ids, 999999], "status": "spam"},
                           headers=marc)
    assert response.status_code == 422
    with app.app_context():
        assert learning.totals(db.session) == (0, 0)


def test_stats_show_statuses_reasons_and_agreement(make_app: Any) -> None:
    app = make_app(MIN_TRAINING=1, SPAM_THRESHOLD=0.9, HOLD_THRESHOLD=0.6, MAX_LINKS=3)
    client = app.test_client()
    from service.auth import create_moderator
    from service.models import Role
    with app.app_context():
        headers = bearer(create_moderator(db.session, "marc", Role.MODERATOR, "cli:test")[1])
    lessons = {"Subscribe to my channel for free money http://spam.com": "spam",
               "Check out my channel, free money, subscribe http://spam.com": "spam",
               "Merci pour cet article très clair sur le métier": "approved",
               "Article très clair, merci pour le partage": "approved"}
    for text, status in lessons.items():
        patch(client, headers, comment(client, text), status=status)
    probe = comment(client, "Free money on my channel, subscribe http://spam.com")
    patch(client, headers, probe, status="spam")
    body = client.get(f"{API}/stats", headers=headers).get_json()
    assert body["comments"]["spam"] == 3 and body["comments"]["approved"] == 2
    assert body["comments"]["pending"] == 0
    assert body["reasons"].get("model_spam", 0) >= 1
    assert body["model"]["decided"] == 5
    assert body["model"]["marked_spam"]["true_positives"] >= 1
    assert body["model"]["marked_spam"]["false_positives"] == 0
    assert body["model"]["trained_on"] == {"spam": 3, "ham": 2}
    for block in ("marked_spam", "held_or_marked", "decided_alone"):
        counts = body["model"][block]
        tp, fp, fn, tn = (counts[key] for key in ("true_positives", "false_positives",
                                                   "false_negatives", "true_negatives"))
        assert tp + fp + fn + tn <= body["model"]["decided"]
        margins = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
        expected = round((tp * tn - fp * fn) / margins ** 0.5, 4) if margins else None
        assert counts["mcc"] == expected
    alone = body["model"]["decided_alone"]
    held = body["reasons"].get("model_suspect", 0)
    assert sum(alone[key] for key in ("true_positives", "false_positives", "false_negatives",
                                      "true_negatives")) == 5 - held
    empty = client.get(f"{API}/stats?since=2000-01-01T00:00:00Z&until=2000-02-01T00:00:00Z",
                       headers=headers).get_json()
    assert empty["comments"]["spam"] == 0 and empty["model"]["marked_spam"]["precision"] is None
    assert empty["model"]["decided_alone"]["mcc"] is None
    backwards = client.get(f"{API}/stats?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
                           headers=headers)
    assert backwards.status_code == 422
    assert client.get(f"{API}/stats?since=yesterday", headers=headers).status_code == 422


def test_stats_leave_out_what_the_model_never_judged(make_app: Any) -> None:
    app = make_app(SCREENING_ENABLED=False)
    client = app.test_client()
    from service.auth import create_moderator
    from service.models import Role
    with app.app_context():
        headers = bearer(create_moderator(db.session, "marc", Role.MODERATOR, "cli:test")[1])
    for text in ("Subscribe to my channel http://spam.example", "Free money, subscribe now"):
        patch(client, headers, comment(client, text), status="spam")
    with app.app_context():
        assert all(score is None for score in db.session.scalars(sa.select(Comment.score)))
    model = client.get(f"{API}/stats", headers=headers).get_json()["model"]
    assert model["decided"] == 2
    for block in ("marked_spam", "held_or_marked", "decided_alone"):
        assert model[block]["false_negatives"] == 0 and model[block]["mcc"] is None
