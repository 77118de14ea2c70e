"""Use cases of the public side: submitting a comment."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..errors import CommentsClosed, FieldErrors, InvalidParent
from ..models import Article, Comment, Status, utcnow
from .sanitize import to_html

_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


@dataclass(frozen=True)
class Client:
    """Who sent a request, kept for moderators only."""

    ip: str | None = None
    user_agent: str | None = None


def article_for_comment(session: Session, key: str) -> Article:
    """The article with this key, created if new; safe when many requests create it at once."""
    now = utcnow()
    insert = _INSERTS[session.get_bind().dialect.name]
    session.execute(insert(Article).values(key=key, closed=False, version=0, created_at=now,
                                           updated_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    return session.scalars(sa.select(Article).where(Article.key == key)).one()


def touch_article(session: Session, article_id: int) -> None:
    """Record that what the public sees of an article changed (new ETag, new cached pages)."""
    session.execute(sa.update(Article).where(Article.id == article_id)
                    .values(version=Article.version + 1))


def submit_comment(session: Session, article_key: str, data: Mapping[str, Any], *,
                   client: Client, settings: Mapping[str, Any]) -> Comment:
    """Store a valid comment as pending (or approved in post-moderation); one commit."""
    if settings["REQUIRE_EMAIL"] and not data.get("email"):
        raise FieldErrors({"email": ["email.missing"]})
    html = to_html(data["text"])
    if not html:  # e.g. only an HTML comment: nothing a reader would see
        raise FieldErrors({"text": ["text.missing"]})
    article = article_for_comment(session, article_key)
    if article.closed:
        session.rollback()
        raise CommentsClosed()
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.article_id != article.id or parent.status != Status.APPROVED:
            session.rollback()
            raise InvalidParent()
    status = Status.APPROVED if settings["MODERATION"] == "post" else Status.PENDING
    comment = Comment(article=article, parent_id=parent_id, name=data["name"],
                      email=data.get("email"), website=data.get("website"), text=data["text"],
                      html=html, status=status, screened_status=status, reasons=[],
                      ip=client.ip, user_agent=client.user_agent)
    session.add(comment)
    if status == Status.APPROVED:
        touch_article(session, article.id)
    session.commit()
    return comment
