"""Screening through the public API: honeypot, duplicates, links, words, trust, the model."""

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from service.models import Comment, Status
from tests.helpers import JULIE, URL, approve_all, post


def stored(app: Flask, comment_id: int) -> Comment:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        db.session.expunge(comment)
        return comment


def test_a_filled_honeypot_is_spam_but_answers_like_any_comment(make_app: Any) -> None:
    app = make_app(HONEYPOT_FIELD="contact_me_by_fax_only")
    client = app.test_client()
    human = post(client, {"name": "Julie", "text": "Bonjour", "contact_me_by_fax_only": ""})
    bot = client.post(URL, data={"name": "Bot", "text": "Buy now", "contact_me_by_fax_only": "1"})
    assert human.status_code == bot.status_code == 201
    assert set(human.get_json()) == set(bot.get_json())
    assert bot.get_json()["status"] == "pending" and bot.get_json()["message"] == human.get_json()["message"]
    assert stored(app, bot.get_json()["id"]).status == Status.SPAM
    assert stored(app, bot.get_json()["id"]).reasons == [{"code": "honeypot", "detail": None}]
    assert stored(app, human.get_json()["id"]).status == Status.PENDING


def test_a_duplicate_is_refused_with_wordpress_sentence(client: FlaskClient) -> None:
    assert post(client, {**JULIE, "email": "julie@example.org"}).status_code == 201
    again = post(client, {**JULIE, "email": "JULIE@example.org", "text": "  Merci !  "})
    assert again.status_code == 409
    assert again.get_json()["message"] == ("Commentaire en double détecté ; il semble que vous "
                                           "ayez déjà dit cela !")
    english = post(client, {**JULIE, "email": "julie@example.org"}, headers={"Accept-Language": "en"})
    assert english.get_json()["message"] == ("Duplicate comment detected; it looks as though "
                                             "you’ve already said that!")
    # Someone else may say the same; so may the same author elsewhere.
    assert post(client, {"name": "Marc", "text": "Merci !"}).status_code == 201
    assert post(client, {**JULIE, "email": "julie@example.org"},
                url="/api/v1/articles/other/comments").status_code == 201


def test_links_hold_a_comment_even_in_post_moderation(make_app: Any) -> None:
    app = make_app(MODERATION="post")
    client = app.test_client()
    one = post(client, {"name": "Julie", "text": "Voir https://example.com"})
    two = post(client, {"name": "Marc", "text": "https://a.com et https://b.org"})
    assert one.get_json()["status"] == "approved"
    assert two.get_json()["status"] == "pending"
    assert stored(app, two.get_json()["id"]).reasons == [{"code": "links", "detail": "2"}]


def test_word_lists(make_app: Any) -> None:
    app = make_app(MODERATION="post", BLOCKED_WORDS=["viagra"], HELD_WORDS=["casino"])
    client = app.test_client()
    blocked = post(client, {"name": "Bob", "text": "Cheap VIAGRA"}).get_json()
    held = post(client, {"name": "Bob", "text": "Bonjour", "email": "bob@casino.com"}).get_json()
    clean = post(client, {"name": "Bob", "text": "Bonne journée"}).get_json()
    assert (blocked["status"], held["status"], clean["status"]) == ("pending", "pending", "approved")
    assert stored(app, blocked["id"]).status == Status.SPAM
    assert stored(app, held["id"]).status == Status.PENDING


def test_returning_authors_are_trusted_unless_turned_off(make_app: Any) -> None:
    app = make_app()
    client = app.test_client()
    post(client, {**JULIE, "email": "julie@example.org"})
    approve_all(app)
    back = post(client, {"name": "Julie", "text": "Encore moi", "email": "julie@example.org"})
    assert back.get_json()["status"] == "approved"
    stranger = post(client, {"name": "Mallory", "text": "Moi aussi", "email": "julie@example.org"})
    assert stranger.get_json()["status"] == "pending"  # same email, another name
    strict = make_app(TRUST_RETURNING_AUTHORS=False).test_client()
    assert post(strict, {"name": "Julie", "text": "Et encore",
                         "email": "julie@example.org"}).get_json()["status"] == "pending"


def test_a_model_that_cannot_score_holds_the_comment(make_app: Any) -> None:
    app = make_app(MODERATION="post")
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE spam_token"))
        db.session.execute(sa.text("DROP TABLE spam_corpus"))
        db.session.commit()
    response = post(app.test_client(), {"name": "Julie", "text": "Bonjour"})
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending"
    comment = stored(app, response.get_json()["id"])
    assert comment.reasons == [{"code": "model_unavailable", "detail": None}]
    assert comment.score is None


def test_the_score_is_stored_with_the_comment(app: Flask, client: FlaskClient) -> None:
    response = post(client)
    assert stored(app, response.get_json()["id"]).score == pytest.approx(0.5)


def test_screening_can_be_turned_off(make_app: Any) -> None:
    app = make_app(MODERATION="post", SCREENING_ENABLED=False, BLOCKED_WORDS=["viagra"])
    client = app.test_client()
    response = post(client, {"name": "Bob", "text": "viagra https://a.com https://b.org"})
    assert response.get_json()["status"] == "approved"
    comment = stored(app, response.get_json()["id"])
    assert comment.reasons == [] and comment.score is None
    assert post(client, {"name": "Bob", "text": "viagra https://a.com https://b.org"}).status_code == 201


def test_the_duplicate_check_probes_an_index_not_the_article(tmp_path: Any) -> None:
    """However many comments an article has, a duplicate is found by one index probe."""
    from service import create_app
    from service.config import TestConfig
    from service.moderation.actions import _facts_query
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'plan.db'}")
    values = {"article_id": 1, "digest": "0" * 40, "text": "Merci", "name": "Julie",
              "email": "julie@example.org", "parent_id": 1}
    with app.app_context():
        db.create_all()
        for by_email in (False, True):
            for reply in (False, True):
                query = _facts_query(by_email, reply).build("sqlite").compile(db.engine)
                params = query.construct_params({k: v for k, v in values.items()
                                                 if k in query.binds})
                plan = " ".join(row[-1] for row in db.session.connection().exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {query.string}",
                    tuple(params[key] for key in query.positiontup or ())))
                # The text's digest, or for a reply the parent's few replies: never the
                # article's whole listing, never the table.
                expected = ("ix_comment_duplicate", "ix_comment_parent_id") if reply else (
                    "ix_comment_duplicate",)
                assert any(index in plan for index in expected), plan
                assert "ix_comment_listing" not in plan and "SCAN comment" not in plan, plan
