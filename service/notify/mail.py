"""The mails: to moderators (one pending comment, or a digest) and to readers (a reply).

Each has a plain-text and an HTML part in its reader's language, built when the worker
delivers it, from what the database holds then: a comment decided meanwhile is not
announced to moderators any more (`Dropped`). Links start from PUBLIC_URL.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy.orm import Session

from .. import i18n
from ..extensions import mail
from ..models import Comment, Moderator, NotifyMode, Outbox, Status, utcnow
from .links import ACTIONS, ModerationLink, moderation_token, new_nonce, unsubscribe_token

DIGEST_MAX = 50  # comments listed in one digest; the queue has the rest


class Dropped(Exception):
    """Nothing to send any more; the sentence says why."""


def send(session: Session, row: Outbox, settings: Mapping[str, Any]) -> None:
    """Build and send the mail of an outbox row (raises Dropped, or SMTP/OS errors)."""
    builders = {"moderator": _moderator_mail, "digest": _digest_mail, "reply": _reply_mail}
    message = builders[row.channel](session, row, settings)
    message.msgId = f"<{row.event_id}.{row.id}@causerie>"  # the same at every retry
    message.extra_headers = {**(message.extra_headers or {}), "Auto-Submitted": "auto-generated"}
    mail.send(message)


def _recipient(session: Session, row: Outbox, mode: NotifyMode) -> Moderator:
    moderator = session.get(Moderator, row.target_id)
    if moderator is None or moderator.revoked_at is not None or not moderator.email:
        raise Dropped("the moderator is gone, revoked or has no address")
    if moderator.notify != mode:
        raise Dropped(f"the moderator's preference is now {moderator.notify.value}")
    return moderator


def _moderator_mail(session: Session, row: Outbox, settings: Mapping[str, Any]) -> Message:
    moderator = _recipient(session, row, NotifyMode.EACH)
    comment = session.get(Comment, row.payload["comment_id"])
    if comment is None or comment.status != Status.PENDING:
        raise Dropped("the comment is no longer pending")
    return _moderation_message(moderator, [comment], "mail.moderator.subject", settings,
                               subject_tail=comment.article.key)


def _digest_mail(session: Session, row: Outbox, settings: Mapping[str, Any]) -> Message:
    moderator = _recipient(session, row, NotifyMode.DIGEST)
    query = (sa.select(Comment).where(Comment.status == Status.PENDING)
             .order_by(Comment.created_at, Comment.id).limit(DIGEST_MAX))
    if since := row.payload.get("since"):
        query = query.where(Comment.created_at > datetime.fromisoformat(since))
    comments = list(session.scalars(query))
    if not comments:
        raise Dropped("no comment is waiting any more")
    return _moderation_message(moderator, comments, "mail.digest.subject", settings,
                               subject_tail=str(len(comments)))


def _language(chosen: str | None, settings: Mapping[str, Any]) -> str:
    return chosen if chosen and chosen in settings["SUPPORTED_LOCALES"] else str(settings["DEFAULT_LOCALE"])


def _moderation_message(moderator: Moderator, comments: Sequence[Comment], subject: str,
                        settings: Mapping[str, Any], subject_tail: str) -> Message:
    language = _language(moderator.language, settings)
    secret, base = settings["SECRET_KEY"], settings["PUBLIC_URL"]
    until = utcnow() + timedelta(hours=settings["LINK_MAX_AGE_HOURS"])
    items = []
    for comment in comments:
        nonce = new_nonce()
        links = {action: f"{base}/moderate/{moderation_token(secret, ModerationLink(moderator.id, comment.id, action, nonce))}?lang={language}"
                 for action in ACTIONS}
        items.append({"comment": comment, "links": links, "score": comment.score,
                      "reasons": [reason.get("code") for reason in comment.reasons or []]})
    with force_locale(language):
        text = {key: i18n.message(key) for key in i18n.MESSAGES if key.startswith(("mail.", "reason."))}
        context = {"t": text, "items": items, "until": until.strftime("%Y-%m-%d %H:%M UTC"),
                   "lang": language}
        return Message(subject=f"{text[subject]}: {subject_tail}",
                       recipients=[moderator.email or ""],
                       body=render_template("notify/moderation.txt", **context),
                       html=render_template("notify/moderation.html", **context))


def article_url(settings: Mapping[str, Any], key: str) -> str:
    """Where readers read an article: ARTICLE_URL with the key in it."""
    template = settings.get("ARTICLE_URL") or settings["PUBLIC_URL"] + "/{article}"
    return str(template).replace("{article}", key)


def _reply_mail(session: Session, row: Outbox, settings: Mapping[str, Any]) -> Message:
    subscribed = session.get(Comment, row.target_id)
    reply = session.get(Comment, row.payload["comment_id"])
    if subscribed is None or not subscribed.notify_replies or not subscribed.email:
        raise Dropped("the reader unsubscribed, or the comment is gone")
    if reply is None or reply.status != Status.APPROVED:
        raise Dropped("the reply is no longer published")
    language = _language(subscribed.language, settings)
    unsubscribe = (f"{settings['PUBLIC_URL']}/unsubscribe/"
                   f"{unsubscribe_token(settings['SECRET_KEY'], subscribed.id)}?lang={language}")
    with force_locale(language):
        text = {key: i18n.message(key) for key in i18n.MESSAGES if key.startswith("mail.")}
        context = {"t": text, "reply": reply, "subscribed": subscribed, "lang": language,
                   "article": article_url(settings, reply.article.key) + f"#comment-{reply.id}",
                   "unsubscribe": unsubscribe}
        return Message(subject=text["mail.reply.subject"], recipients=[subscribed.email],
                       body=render_template("notify/reply.txt", **context),
                       html=render_template("notify/reply.html", **context),
                       extra_headers={"List-Unsubscribe": f"<{unsubscribe}>",
                                      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})

