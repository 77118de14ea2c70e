"""Mails through a real SMTP server: moderators' (each comment, digest) and readers' (replies),
and the one-click links followed through their confirmation pages."""

import re
import time
from typing import Any

import itsdangerous
import pytest
import sqlalchemy as sa
from flask import Flask

from service.extensions import db
from service.models import AuditEntry, Comment, Delivery, Outbox, Role, Status

from .conftest import PUBLIC, PUBLIC_URL, Inbox, NotifyMode, deliver, moderator, post

LINK = re.compile(re.escape(PUBLIC_URL) + r"(/moderate/[A-Za-z0-9._-]+)\?lang=(\w\w)")


def parts(message: Any) -> tuple[str, str]:
    """The plain-text and HTML parts of a mail."""
    kinds = [part.get_content_type() for part in message.walk()]
    assert "multipart/alternative" in kinds  # Flask-Mail puts it in a multipart/mixed
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def links(text: str) -> dict[str, str]:
    """The three one-click links of the first comment of a mail, by action."""
    found = LINK.findall(text)
    assert len(found) >= 3
    return dict(zip(("approve", "spam", "trash"), (f"{path}?lang={lang}" for path, lang in found[:3])))


def status_of(app: Flask, comment_id: int) -> Status:
    with app.app_context():
        status = db.session.get(Comment, comment_id).status
        db.session.remove()
        return status


def test_a_moderator_is_mailed_each_pending_comment_and_approves_it_in_two_steps(
        notify_app: Flask, inbox: Inbox) -> None:
    app, client = notify_app, notify_app.test_client()
    moderator(app, "ada", Role.ADMIN, email="ada@example.org", notify=NotifyMode.EACH,
              language="en")
    moderator(app, "marc", email="marc@example.org", notify=NotifyMode.EACH, language="fr")
    moderator(app, "quiet", email="quiet@example.org", notify=NotifyMode.NONE)
    response = post(client, "See https://a.com and https://b.org <script>x</script>",
                    email="julie@example.net")
    assert response.status_code == 201 and response.get_json()["status"] == "pending"
    comment_id = response.get_json()["id"]
    assert inbox.messages == []  # nothing is sent from the request itself

    assert deliver(app) == 2
    by_recipient = {message["To"]: message for message in inbox.messages}
    assert set(by_recipient) == {"ada@example.org", "marc@example.org"}
    english, french = by_recipient["ada@example.org"], by_recipient["marc@example.org"]
    assert english["Subject"] == f"A comment awaits moderation: {ARTICLE_KEY}"
    assert french["Subject"] == f"Un commentaire attend la modération: {ARTICLE_KEY}"
    assert english["From"] == "causerie@comments.test"
    assert english["Auto-Submitted"] == "auto-generated"
    text, html = parts(english)
    for expected in (ARTICLE_KEY, "Julie", "julie@example.net", "See https://a.com",
                     "It contains too many links.", "Spam score"):
        assert expected in text
    assert "&lt;script&gt;" in html and "<script>" not in html  # sanitized HTML only
    assert "Il contient trop de liens." in parts(french)[0]
    assert "Approuver" in parts(french)[0]

    approve, spam = links(text)["approve"], links(text)["spam"]
    # A mail scanner following the link changes nothing: the page asks first.
    page = client.get(approve)
    assert page.status_code == 200 and page.mimetype == "text/html"
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp
    assert page.headers["Referrer-Policy"] == "no-referrer"
    body = page.get_data(as_text=True)
    assert '<form method="post">' in body and ">Approve</button>" in body and 'lang="en"' in body
    assert status_of(app, comment_id) == Status.PENDING

    done = client.post(approve)
    assert done.status_code == 200 and "the comment is published" in done.get_data(as_text=True)
    assert status_of(app, comment_id) == Status.APPROVED
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEntry.actor).where(
            AuditEntry.comment_id == comment_id, AuditEntry.action == "comment.status")) == "ada"
    # Replayed, or its sibling link from the same mail: used, nothing changes.
    for replay in (client.post(approve), client.get(approve), client.post(spam)):
        assert replay.status_code == 410
        assert "already been used" in replay.get_data(as_text=True)
    assert status_of(app, comment_id) == Status.APPROVED

    # Marc's French link for the same comment: another moderator decided meanwhile.
    late = client.post(links(parts(french)[0])["trash"])
    assert late.status_code == 409 and "Un autre modérateur" in late.get_data(as_text=True)
    assert status_of(app, comment_id) == Status.APPROVED


ARTICLE_KEY = PUBLIC.split("/")[4]


def test_links_that_are_forged_expired_or_revoked_act_on_nothing(
        notify_app: Flask, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    app, client = notify_app, notify_app.test_client()
    moderator(app, "ada", Role.ADMIN, email="ada@example.org", notify=NotifyMode.EACH, language="en")
    comment_id = post(client, "Bonjour").get_json()["id"]
    real = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 73 * 3600)
    deliver(app)
    monkeypatch.setattr(itsdangerous.timed.time, "time", real)
    old = links(parts(inbox.messages[0])[0])["approve"]
    expired = client.post(old)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    token = old.split("/")[2].split("?")[0]
    for forged in (f"/moderate/{token[:-2]}xx?lang=en", "/moderate/nope?lang=en",
                   "/moderate/" + "a" * 400 + "?lang=en"):
        answer = client.post(forged)
        assert answer.status_code == 404 and "not valid" in answer.get_data(as_text=True)
    assert client.get("/moderate/" + "a" * 401).status_code == 404
    assert status_of(app, comment_id) == Status.PENDING


def test_a_digest_lists_what_waits_once_per_interval(notify_app: Flask, inbox: Inbox) -> None:
    app, client = notify_app, notify_app.test_client()
    moderator(app, "dora", email="dora@example.org", notify=NotifyMode.DIGEST, language="en")
    first = post(client, "First comment").get_json()["id"]
    second = post(client, "Second comment", name="Paul").get_json()["id"]
    deliver(app)
    assert len(inbox.messages) == 1
    digest = inbox.messages[0]
    assert digest["Subject"] == "Comments await moderation: 2"
    text = parts(digest)[0]
    assert "First comment" in text and "Second comment" in text
    assert len(LINK.findall(text)) == 6
    deliver(app)  # the interval has not passed: no second digest
    assert len(inbox.messages) == 1
    assert status_of(app, first) == status_of(app, second) == Status.PENDING


def test_a_reader_is_mailed_a_published_reply_and_can_unsubscribe_in_one_click(
        notify_app: Flask, inbox: Inbox) -> None:
    app, client = notify_app, notify_app.test_client()
    admin = moderator(app, "ada", Role.ADMIN)
    french = {"Accept-Language": "fr"}
    parent = client.post(PUBLIC, headers=french, json={
        "name": "Julie", "text": "Question ?", "email": "julie@example.net",
        "notify_replies": True}).get_json()["id"]
    assert client.patch(f"/api/v1/moderation/comments/{parent}", json={"status": "approved"},
                        headers=admin).status_code == 200
    reply = post(client, "Answer <em>here</em>", name="Paul", email="paul@example.net",
                 parent_id=parent).get_json()["id"]
    own = post(client, "Me again", email="julie@example.net", parent_id=parent).get_json()["id"]
    deliver(app)
    assert inbox.messages == []  # replies still pending: nobody is told
    for comment_id in (reply, own):
        assert client.patch(f"/api/v1/moderation/comments/{comment_id}",
                            json={"status": "approved"}, headers=admin).status_code == 200
    deliver(app)
    assert len(inbox.messages) == 1  # none for Julie's own reply
    message = inbox.messages[0]
    assert message["To"] == "julie@example.net"
    assert message["Subject"] == "Quelqu'un a répondu à votre commentaire"
    unsubscribe = re.fullmatch(r"<(http://comments\.test(/unsubscribe/\S+))>",
                               message["List-Unsubscribe"].strip())
    assert unsubscribe and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    assert "Answer here" not in text and "Answer <em>here</em>" in text
    assert "<em>here</em>" in html and "Paul" in text
    assert f"https://blog.test/{ARTICLE_KEY}#comment-{reply}" in text
    assert unsubscribe.group(1) in text and "Ne plus recevoir" in text

    path = unsubscribe.group(2)
    asked = client.get(path)
    assert asked.status_code == 200 and "Me désabonner" in asked.get_data(as_text=True)
    # RFC 8058: the mail client POSTs this body, no cookie, no confirmation.
    done = client.post(path, data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "C&#39;est fait" in done.get_data(as_text=True)
    assert client.post(path).status_code == 200  # twice is harmless
    later = post(client, "Another answer", name="Zoé", parent_id=parent).get_json()["id"]
    client.patch(f"/api/v1/moderation/comments/{later}", json={"status": "approved"},
                 headers=admin)
    deliver(app)
    assert len(inbox.messages) == 1
    assert client.post("/unsubscribe/forged-token").status_code == 404


def test_asking_for_replies_needs_an_email(notify_app: Flask) -> None:
    client = notify_app.test_client()
    for lang, sentence in (("en", "To be told of replies, please enter your email address."),
                           ("fr", "Pour être prévenu des réponses, merci d'indiquer votre adresse e-mail.")):
        response = client.post(PUBLIC, json={"name": "Julie", "text": "Hi", "notify_replies": True},
                               headers={"Accept-Language": lang})
        assert response.status_code == 422
        assert response.get_json()["errors"] == {"email": [sentence]}
    form = client.post(PUBLIC, data={"name": "Julie", "text": "Hello", "notify_replies": "on",
                                     "email": "julie@example.net"})
    assert form.status_code == 201
    assert client.post(PUBLIC, json={"name": "Julie", "text": "Hi", "email": "j@example.net",
                                     "notify_replies": "maybe"}).status_code == 422
    with notify_app.app_context():
        assert db.session.scalars(sa.select(Comment.notify_replies)).all() == [True]


def test_a_comment_rolled_back_writes_no_outbox_row(notify_app: Flask) -> None:
    from service.notify.outbox import announce
    app, client = notify_app, notify_app.test_client()
    moderator(app, "ada", Role.ADMIN, email="ada@example.org", notify=NotifyMode.EACH)
    assert post(client, "Once").status_code == 201
    assert post(client, "Once").status_code == 409  # a duplicate: refused, rolled back
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment)).one()
        announce(db.session, "comment.created", comment=comment)
        db.session.rollback()
        db.session.commit()
        rows = db.session.scalars(sa.select(Outbox)).all()
        assert [(row.channel, row.state) for row in rows] == [("moderator", Delivery.PENDING)]
