"""The approved-comment count kept on each article: right after any sequence of actions,
under concurrent decisions, and served by /counts with an ETag."""

import random
import threading

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from service.extensions import db
from service.models import Article, Comment, Moderator, Role, Status
from service.moderation.actions import Client, submit_comment
from service.moderation.decisions import correct_text, decide, decide_many, purge

KEYS = ("a", "b", "c")
SETTINGS = {"REQUIRE_EMAIL": False, "SCREENING_ENABLED": False, "MODERATION": "pre",
            "DATABASE_TIMEOUT": 3}


def recounted(session: Session) -> dict[str, int]:
    """Approved comments per article, counted from scratch."""
    found = {key: count for key, count in session.execute(
        sa.select(Article.key, sa.func.count(Comment.id))
        .join(Comment, sa.and_(Comment.article_id == Article.id,
                               Comment.status == Status.APPROVED), isouter=True)
        .group_by(Article.key))}
    return {key: found.get(key, 0) for key in KEYS}


def kept(session: Session) -> dict[str, int]:
    session.expire_all()
    found = {key: count for key, count in session.execute(
        sa.select(Article.key, Article.comment_count))}
    return {key: found.get(key, 0) for key in KEYS}


def test_the_count_survives_a_random_sequence_of_every_action(app: Flask) -> None:
    rng = random.Random(14)
    statuses = list(Status)
    client = app.test_client()
    with app.app_context():
        session = db.session
        admin = Moderator(name="ad", role=Role.ADMIN, token_hash="a" * 64)
        session.add(admin)
        session.commit()
        for step in range(120):
            ids = list(session.scalars(sa.select(Comment.id)))
            action = rng.choice(["post", "post", "decide", "bulk", "trash", "purge", "text"]
                                if ids else ["post"])
            if action == "post":  # pre- or post-moderation: pending or published at once
                settings = {**SETTINGS, "MODERATION": rng.choice(["pre", "post"])}
                submit_comment(session, rng.choice(KEYS), {"name": "Julie",
                               "text": f"Commentaire {step}"}, client=Client(), settings=settings)
            elif action == "decide":
                decide(session, rng.choice(ids), admin, status=rng.choice(statuses))
            elif action == "bulk":
                decide_many(session, rng.sample(ids, min(len(ids), rng.randint(1, 6))),
                            rng.choice([Status.APPROVED, Status.SPAM, Status.PENDING]), admin)
            elif action == "trash":
                decide(session, rng.choice(ids), admin, status=Status.TRASH)
            elif action == "purge":
                purge(session, rng.choice(ids), admin)
            else:
                comment = session.get(Comment, rng.choice(ids))
                assert comment is not None
                correct_text(session, comment, f"Corrigé {step}", admin)
                session.commit()
            if step % 10 == 9:
                assert kept(session) == recounted(session), f"after step {step} ({action})"
        assert kept(session) == recounted(session)
        assert sum(recounted(session).values()) > 0  # the sequence did publish some
        expected = recounted(session)
    answer = client.get("/api/v1/counts?article=a&article=b&article=c&article=none")
    assert answer.get_json() == {"counts": {**expected, "none": 0}}


def test_concurrent_approvals_on_one_article_are_all_counted(app: Flask) -> None:
    with app.app_context():
        session = db.session
        session.add(Moderator(name="ad", role=Role.ADMIN, token_hash="a" * 64))
        for number in range(40):
            submit_comment(session, "a", {"name": "Julie", "text": f"Texte {number}"},
                           client=Client(), settings=SETTINGS)
        ids = list(session.scalars(sa.select(Comment.id).order_by(Comment.id)))
        session.remove()  # type: ignore[attr-defined]
    failures: list[BaseException] = []

    def approve(chunk: list[int]) -> None:
        with app.app_context():
            actor = db.session.scalars(sa.select(Moderator)).one()
            try:
                for comment_id in chunk:
                    decide(db.session, comment_id, actor, status=Status.APPROVED)
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)

    threads = [threading.Thread(target=approve, args=(ids[start::2],)) for start in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    with app.app_context():
        assert kept(db.session)["a"] == recounted(db.session)["a"] == 40


def test_counts_answer_304_until_a_count_changes(app: Flask) -> None:
    client = app.test_client()
    url = "/api/v1/counts?article=a&article=b"
    with app.app_context():
        submit_comment(db.session, "a", {"name": "Julie", "text": "Un"}, client=Client(),
                       settings={**SETTINGS, "MODERATION": "post"})
    first = client.get(url)
    assert first.get_json() == {"counts": {"a": 1, "b": 0}}
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():  # a pending comment changes no count: still 304
        submit_comment(db.session, "b", {"name": "Marc", "text": "Deux"}, client=Client(),
                       settings=SETTINGS)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        submit_comment(db.session, "b", {"name": "Zoé", "text": "Trois"}, client=Client(),
                       settings={**SETTINGS, "MODERATION": "post"})
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.get_json() == {"counts": {"a": 1, "b": 1}}
    assert fresh.headers["ETag"] != etag
