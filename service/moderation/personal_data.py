"""Personal data of people without accounts, found by their e-mail address: what is
held about them (access), and forgetting it (erasure), for the GDPR's articles 15 and 17.

Erasure anonymizes the comments (the name becomes "Anonyme"/"Anonymous" in the site's
language; e-mail, website, IP and user agent are cleared) or deletes them, as the admin
chooses. What the spam model learned from them is unlearned, then relearned without the
name and website (anonymized) or not at all (deleted). The audit trail keeps that an
erasure happened, to which comments, never the address; corrected texts the trail held
for deleted comments are cleared too.

Other stores of personal data (a notification outbox, subscriptions) register with
`register(exporter, eraser)`: the export and the erasure then cover them as well.
"""

from collections.abc import Callable
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import AuditEntry, Comment, Outbox, Status
from ..spamfilter.model import Sample
from . import learning
from .actions import quiet_transaction, touch_article
from .decisions import Actor, record

ANONYMOUS = {"fr": "Anonyme", "en": "Anonymous"}
Mode = Literal["anonymize", "delete"]
Exporter = Callable[[Session, str], dict[str, Any]]
Eraser = Callable[[Session, str], dict[str, int]]
_OTHERS: list[tuple[Exporter, Eraser]] = []


def register(exporter: Exporter, eraser: Eraser) -> None:
    """Add another store of personal data to the export and the erasure (same transaction)."""
    _OTHERS.append((exporter, eraser))


def _theirs(email: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(Comment.email) == email.strip().lower()


def export(session: Session, email: str, actor: Actor) -> dict[str, Any]:
    """Everything held about the person with this address; the access is audited."""
    comments = session.scalars(sa.select(Comment).where(_theirs(email)).order_by(Comment.id)).all()
    found: dict[str, Any] = {"email": email.strip(), "comments": [{
        "id": c.id, "article": c.article.key, "parent_id": c.parent_id, "name": c.name,
        "email": c.email, "website": c.website, "ip": c.ip, "user_agent": c.user_agent,
        "text": c.text, "status": c.status.value, "notify_replies": c.notify_replies,
        "created_at": c.created_at.isoformat() + "Z",
        "updated_at": c.updated_at.isoformat() + "Z"} for c in comments]}
    found["notifications"] = [{
        "id": row.id, "event": row.event, "comment_id": row.target_id, "state": row.state.value,
        "created_at": row.created_at.isoformat() + "Z",
        "sent_at": row.sent_at.isoformat() + "Z" if row.sent_at else None}
        for row in session.scalars(_reply_mails([c.id for c in comments]))]
    for exporter, _ in _OTHERS:
        found.update(exporter(session, email))
    record(session, actor, "personal_data.export", field="email", old=None,
           new=f"{len(comments)} comments")
    session.commit()
    return found


def erase(session: Session, email: str, mode: Mode, actor: Actor, locale: str) -> dict[str, Any]:
    """Anonymize or delete the person's comments, in one transaction, without notifying."""
    with quiet_transaction(session):
        comments = list(session.scalars(sa.select(Comment).where(_theirs(email))
                                        .order_by(Comment.id).with_for_update()))
        lessons: list[tuple[Sample, bool, int]] = []
        for comment in comments:
            if comment.trained_as is not None:
                lessons.append((learning.sample_of(comment), comment.trained_as, -1))
            if comment.status == Status.APPROVED:
                touch_article(session, comment.article_id)
        # The reply mails they asked for: no more, and none kept (queued or sent).
        ids = [c.id for c in comments]
        mails = len(session.scalars(_reply_mails(ids)).all())
        session.execute(sa.delete(Outbox).where(Outbox.channel == "reply",
                                                Outbox.target_id.in_(ids))
                        .execution_options(synchronize_session=False))
        for comment in comments:
            comment.notify_replies = False
        if mode == "anonymize":
            anonymous = ANONYMOUS.get(locale, ANONYMOUS["en"])
            for comment in comments:
                comment.name, comment.email, comment.website = anonymous, None, None
                comment.ip = comment.user_agent = None
                if comment.trained_as is not None:
                    lessons.append((learning.sample_of(comment), comment.trained_as, +1))
                record(session, actor, "personal_data.erase", comment=comment, field="comment",
                       old=None, new="anonymized")
        else:
            _delete(session, comments, actor)
        learning.learn(session, lessons)
        others = {}
        for _, eraser in _OTHERS:
            others.update(eraser(session, email))
        record(session, actor, "personal_data.erase", field="email", old=None,
               new=f"{len(comments)} comments {'anonymized' if mode == 'anonymize' else 'deleted'}")
    return {"mode": mode, "comments": len(comments), "notifications": mails, **others}


def _reply_mails(comment_ids: list[int]) -> sa.Select[Outbox]:
    """The reply-notification mails addressed to the authors of these comments."""
    return (sa.select(Outbox).where(Outbox.channel == "reply", Outbox.target_id.in_(comment_ids))
            .order_by(Outbox.id))


def delete_comments(session: Session, comments: list[Comment], actor: Actor, action: str) -> None:
    """Delete comments for good, audited; their replies answer the nearest kept ancestor,
    and texts the audit trail held for them are cleared."""
    gone = {comment.id: comment.parent_id for comment in comments}

    def kept(parent: int | None) -> int | None:
        seen = set()
        while parent in gone and parent not in seen:
            seen.add(parent)
            parent = gone[parent]
        return parent

    for comment in comments:
        session.execute(sa.update(Comment).where(Comment.parent_id == comment.id)
                        .values(parent_id=kept(comment.parent_id), updated_at=Comment.updated_at)
                        .execution_options(synchronize_session=False))
    ids = list(gone)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        session.execute(sa.update(AuditEntry).where(AuditEntry.comment_id.in_(chunk),
                                                    AuditEntry.field == "text")
                        .values(old_value=None, new_value=None)
                        .execution_options(synchronize_session=False))
    for comment in comments:
        record(session, actor, action, comment=comment, field="status",
               old=comment.status.value, new=None)
    session.flush()
    for start in range(0, len(ids), 500):
        session.execute(sa.delete(Comment).where(Comment.id.in_(ids[start:start + 500]))
                        .execution_options(synchronize_session=False))
    for comment in comments:
        session.expunge(comment)


def _delete(session: Session, comments: list[Comment], actor: Actor) -> None:
    delete_comments(session, comments, actor, "personal_data.erase")
