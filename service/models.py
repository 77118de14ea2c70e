"""The stored things: articles, comments, moderators, the audit trail, screening state."""

import enum
import hashlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from .extensions import Model


def utcnow() -> datetime:
    """The current time in UTC, naive, as every column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def upsert(session: Session) -> Any:
    """The session's dialect's INSERT, the one with ON CONFLICT (SQLite and PostgreSQL)."""
    return dialect_insert(session.get_bind().dialect.name)


def dialect_insert(dialect: str) -> Any:
    """The INSERT with ON CONFLICT of the dialect named `dialect` (sqlite, postgresql)."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]


def text_digest(text: str) -> str:
    """A short fixed-size stand-in for a comment's text, to find equal texts by index."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


class Status(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"
    TRASH = "trash"


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


def _enum(kind: type[enum.Enum], name: str) -> sa.Enum:
    # VARCHAR plus a CHECK named `name`, not a native type: a new value needs no ALTER TYPE.
    return sa.Enum(kind, native_enum=False, length=16, create_constraint=True, name=name,
                   values_callable=lambda members: [member.value for member in members])


STATUS = _enum(Status, "status")
ROLE = _enum(Role, "role")


class NotifyMode(enum.StrEnum):
    """How a moderator hears of pending comments: each one, a digest, or not at all."""

    EACH = "each"
    DIGEST = "digest"
    NONE = "none"


class Delivery(enum.StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"   # waiting for its first try, or for its next one
    SENT = "sent"
    DEAD = "dead"         # out of tries, or refused for good: an admin may retry it
    DROPPED = "dropped"   # nothing left to say (e.g. the comment was decided meanwhile)


NOTIFY_MODE = _enum(NotifyMode, "notify_mode")
DELIVERY = _enum(Delivery, "delivery")


class Article(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    closed: Mapped[bool] = mapped_column(default=False)
    # Bumped whenever what the public sees of the article changes: the listing's
    # ETag and cache key, so a read never has to look at the comments to validate.
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Approved comments, recounted in the same transaction as every change of what is
    # approved (moderation.actions.touch_article), so counts are one indexed look-up.
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")


class Comment(Model):
    __table_args__ = (
        # The public listing and the counts: one index range per article.
        Index("ix_comment_listing", "article_id", "status", "created_at", "id"),
        # The moderation queue, per status, oldest first.
        Index("ix_comment_queue", "status", "created_at", "id"),
        # Returning authors are looked up by email; the site's spam history by email and IP.
        Index("ix_comment_email_status", "email", "status"),
        Index("ix_comment_ip_status", "ip", "status"),
        # Duplicate detection: one index probe, however many comments the article has.
        Index("ix_comment_duplicate", "article_id", "text_digest"),
        # The flood limit: a client's newest comments, by address and by e-mail.
        Index("ix_comment_ip_created", "ip", "created_at"),
        Index("ix_comment_email_created", "email", "created_at"),
        # An imported comment is found again by where it came from: importing twice is a no-op.
        sa.UniqueConstraint("source", "source_id", name="uq_comment_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    name: Mapped[str] = mapped_column(String(245))
    email: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)                   # as written, normalized
    html: Mapped[str] = mapped_column(Text)                   # sanitized once, on write
    status: Mapped[Status] = mapped_column(STATUS, default=Status.PENDING)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    score: Mapped[float | None] = mapped_column()             # spam model, 0..1
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    screened_status: Mapped[Status | None] = mapped_column(_enum(Status, "screened_status"))
    trained_as: Mapped[bool | None] = mapped_column()        # what the model learned: True=spam
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    text_digest: Mapped[str] = mapped_column(String(40))      # sha1 of text, set with it
    # Deleted by its author while it had replies: the public sees a placeholder.
    deleted_at: Mapped[datetime | None] = mapped_column()
    notify_replies: Mapped[bool] = mapped_column(default=False)  # mail its author replies
    language: Mapped[str | None] = mapped_column(String(2))   # of the request, for those mails
    # Imported comments only: "wordpress", "disqus", "isso", and the id they had there.
    source: Mapped[str | None] = mapped_column(String(16))
    source_id: Mapped[str | None] = mapped_column(String(200))

    article: Mapped[Article] = relationship(lazy="joined", innerjoin=True)

    @validates("text")
    def _digest_with_text(self, key: str, text: str) -> str:
        self.text_digest = text_digest(text)
        return text

    @property
    def public_status(self) -> str:
        """What the author is told: published, or awaiting moderation (spam included)."""
        return "approved" if self.status == Status.APPROVED else "pending"


class Moderator(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(ROLE, default=Role.MODERATOR)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256, hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    email: Mapped[str | None] = mapped_column(String(100))
    notify: Mapped[NotifyMode] = mapped_column(NOTIFY_MODE, default=NotifyMode.NONE)
    digest_minutes: Mapped[int] = mapped_column(default=60)
    language: Mapped[str | None] = mapped_column(String(2))  # None: DEFAULT_LOCALE
    last_digest_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Model):
    __table_args__ = (Index("ix_audit_entry_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Names are copied, not only linked, so the trail outlives a purge or a revocation.
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderator.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    comment_id: Mapped[int | None] = mapped_column(index=True)
    article_key: Mapped[str | None] = mapped_column(String(200))
    field: Mapped[str | None] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class Setting(Model):
    """A screening setting changed by an admin; it overrides the environment's value."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SpamToken(Model):
    """How many spam and ham training comments contained a feature."""

    token: Mapped[str] = mapped_column(String(100), primary_key=True)
    spam: Mapped[int] = mapped_column(default=0)
    ham: Mapped[int] = mapped_column(default=0)


class SpamCorpus(Model):
    """How many spam and ham comments the model has learned from (one row)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    spam_total: Mapped[int] = mapped_column(default=0)
    ham_total: Mapped[int] = mapped_column(default=0)


class Webhook(Model):
    """An endpoint an admin registered: signed JSON POSTs of the events it asked for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(sa.JSON)
    secret: Mapped[str] = mapped_column(String(200))
    include_personal_data: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Outbox(Model):
    """One notification to deliver, written in the transaction of the event that caused it."""

    __table_args__ = (
        # The worker's question: which rows are due, oldest first.
        Index("ix_outbox_due", "state", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)  # shared by an event's rows
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))     # webhook, moderator, digest, reply
    target_id: Mapped[int] = mapped_column()              # webhook, moderator or comment id
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    state: Mapped[Delivery] = mapped_column(DELIVERY, default=Delivery.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class LinkUse(Model):
    """A one-click moderation link that has acted: it never acts again."""

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpamScoreBin(Model):
    """Per score bin (`spamfilter.thresholds.EDGES`), how many comments the moderators
    decided were spam or approved: the histograms the adaptive thresholds come from."""

    bin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    spam: Mapped[int] = mapped_column(default=0)
    ham: Mapped[int] = mapped_column(default=0)
