"""Thresholds that adapt to the site's decisions, seen and pinned by admins; the site's
spam history; histograms learnt and unlearnt with each decision."""

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from service.models import Comment, SpamScoreBin
from service.moderation import learning
from service.spamfilter import thresholds
from tests.helpers import API, bearer, comment, patch

SETTINGS = f"{API}/settings"


def bins(app: Flask) -> dict[int, tuple[int, int]]:
    with app.app_context():
        return {row.bin: (row.spam, row.ham) for row in db.session.scalars(sa.select(SpamScoreBin))
                if row.spam or row.ham}


def test_a_decision_and_a_change_of_mind_move_the_score_exactly(app: Flask, client: FlaskClient,
                                                                 marc: dict[str, str]) -> None:
    first, second = comment(client, "Premier avis"), comment(client, "Second avis")
    with app.app_context():
        scores = [db.session.get(Comment, id).score for id in (first, second)]
    assert patch(client, marc, first, status="approved").status_code == 200
    assert patch(client, marc, second, status="spam").status_code == 200
    expected: dict[int, list[int]] = {}
    for score, (spam, ham) in zip(scores, ((0, 1), (1, 0))):
        cell = expected.setdefault(thresholds.bin_of(score), [0, 0])
        cell[0] += spam
        cell[1] += ham
    assert bins(app) == {bin: tuple(cell) for bin, cell in expected.items()}
    # A change of mind: the approved one was spam after all; then both back to pending.
    patch(client, marc, first, status="spam")
    assert sum(spam for spam, _ in bins(app).values()) == 2
    assert sum(ham for _, ham in bins(app).values()) == 0
    patch(client, marc, first, status="pending")
    patch(client, marc, second, status="pending")
    assert bins(app) == {}


def test_admins_see_the_thresholds_in_force_and_can_pin_them(app: Flask, client: FlaskClient,
                                                            ada: dict[str, str],
                                                            marc: dict[str, str]) -> None:
    shown = client.get(SETTINGS, headers=marc).get_json()
    assert shown["spam_threshold_pinned"] is False and shown["hold_threshold_pinned"] is False
    assert shown["thresholds"]["spam"] == {"value": 0.995, "source": "default",
                                           "approved_above": 0, "spam_above": 0}
    assert shown["thresholds"]["needed"] == thresholds.NEEDED
    # The site's decisions: 400 approved comments that scored low, 50 spam that scored 0.9.
    with app.app_context():
        learning.learn_scores(db.session, [(0.1, False, +1)] * 400 + [(0.9, True, +1)] * 50)
        db.session.commit()
    adapted = client.get(SETTINGS, headers=marc).get_json()["thresholds"]
    assert adapted["spam"]["source"] == adapted["hold"]["source"] == "adapted"
    assert adapted["spam"]["value"] == 0.5 and adapted["spam"]["spam_above"] == 50
    assert (adapted["approved"], adapted["spam_decided"]) == (400, 50)
    stats = client.get(f"{API}/stats", headers=marc).get_json()
    assert stats["model"]["thresholds"] == adapted
    # A comment scoring between 0.5 and the default is now marked spam... unless pinned.
    pinned = client.put(SETTINGS, json={"spam_threshold_pinned": True, "spam_threshold": 0.97},
                        headers=ada)
    assert pinned.status_code == 200, pinned.get_json()
    body = pinned.get_json()
    assert body["thresholds"]["spam"]["value"] == 0.97
    assert body["thresholds"]["spam"]["source"] == "pinned"
    assert body["thresholds"]["hold"]["source"] == "adapted"
    refused = client.put(SETTINGS, json={"spam_threshold_pinned": "maybe"}, headers=ada)
    assert refused.status_code == 422
    ignored = client.put(SETTINGS, json={"thresholds": {"spam": 0.1}}, headers=ada)
    assert ignored.get_json()["thresholds"]["spam"]["value"] == 0.97


def test_screening_uses_the_adapted_thresholds(make_app: Any) -> None:
    app = make_app(MODERATION="post", MIN_TRAINING=1)
    with app.app_context():
        learning.learn(db.session, [(learning.Sample("free money casino win now"), True, +1),
                                    (learning.Sample("merci pour cet article"), False, +1)])
        db.session.commit()
    client = app.test_client()
    text = {"name": "Jo", "text": "free money, win now"}
    before = client.post("/api/v1/articles/a/comments", json=text).get_json()
    with app.app_context():
        score = db.session.get(Comment, before["id"]).score
        assert 0.5 < score <= 0.995  # held or passed at the defaults, not marked spam
        learning.learn_scores(db.session, [(0.1, False, +1)] * 400)
        db.session.commit()
    after = client.post("/api/v1/articles/b/comments", json=text).get_json()
    with app.app_context():
        marked = db.session.get(Comment, after["id"])
        assert marked.status.value == "spam", (score, marked.reasons)
        assert marked.reasons[0]["code"] == "model_spam"


def test_the_sites_spam_history_marks_and_holds(make_app: Any) -> None:
    app = make_app(MODERATION="post")
    client = app.test_client()
    with app.app_context():
        from service.auth import create_moderator
        from service.models import Role
        token = create_moderator(db.session, "mo", Role.MODERATOR, "cli:test")[1]

    def post(text: str, email: str, ip: str) -> dict[str, Any]:
        response = client.post("/api/v1/articles/a/comments", environ_base={"REMOTE_ADDR": ip},
                               json={"name": "X", "text": text, "email": email})
        assert response.status_code == 201, response.get_json()
        with app.app_context():
            stored = db.session.get(Comment, response.get_json()["id"])
            return {"id": stored.id, "status": stored.status.value,
                    "codes": [(r["code"], r["detail"]) for r in stored.reasons]}

    first = post("Bonjour", "spammer@example.org", "203.0.113.9")
    assert first["status"] == "approved" and first["codes"] == []
    assert patch(client, bearer(token), first["id"], status="spam").status_code == 200
    same_email = post("Re-bonjour", "spammer@example.org", "198.51.100.1")
    assert (same_email["status"], same_email["codes"]) == ("spam", [("spam_history", "email")])
    same_ip = post("Salut", "other@example.org", "203.0.113.9")
    assert (same_ip["status"], same_ip["codes"]) == ("pending", [("spam_history", "ip")])
    stranger = post("Coucou", "reader@example.org", "192.0.2.1")
    assert stranger["status"] == "approved"
    # An approved comment from the address clears it: readers may share one.
    assert patch(client, bearer(token), same_ip["id"], status="approved").status_code == 200
    again = post("Encore", "third@example.org", "203.0.113.9")
    assert again["status"] == "approved" and again["codes"] == []
