"""The worker: deliver due outbox rows, retry with backoff, give up after N tries.

A plain polling loop over our own table (docs/notifications.md says why). Each row is
claimed by `SELECT ... FOR UPDATE SKIP LOCKED` in its own short transaction, delivered,
and its outcome committed before the next: several workers on PostgreSQL never take the
same row, and a worker killed mid-batch loses nothing; only the row it was sending at
that instant may be sent again (at-least-once; receivers dedupe on the event id). SQLite
has no row locks: run one worker there.
"""

import logging
import random
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Delivery, Moderator, NotifyMode, Outbox, Webhook, utcnow
from . import mail, webhooks

log = logging.getLogger(__name__)

RETRY_CAP = timedelta(hours=6)


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """How long to wait after `attempts` failed tries: doubling, capped, with jitter
    (half fixed, half random) so that many failed rows do not all come back at once."""
    ceiling = min(base_seconds * 2 ** (attempts - 1), RETRY_CAP.total_seconds())
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


def due(session: Session, now: datetime, limit: int) -> list[int]:
    """Ids of the rows due now, oldest first (not locked: each is claimed on its own)."""
    ids = list(session.scalars(sa.select(Outbox.id).where(
        Outbox.state == Delivery.PENDING, Outbox.due_at <= now)
        .order_by(Outbox.due_at, Outbox.id).limit(limit)))
    session.commit()
    return ids


def deliver_one(session: Session, row_id: int, settings: Mapping[str, Any]) -> Delivery | None:
    """Claim, deliver and settle one row in one transaction; None if another worker has it
    or it is no longer pending."""
    row = session.scalars(sa.select(Outbox).where(Outbox.id == row_id,
                                                  Outbox.state == Delivery.PENDING)
                          .with_for_update(skip_locked=True)
                          .execution_options(populate_existing=True)).one_or_none()
    if row is None:
        session.rollback()
        return None
    row.attempts += 1
    try:
        _deliver(session, row, settings)
    except mail.Dropped as reason:
        row.state, row.last_error = Delivery.DROPPED, str(reason)
    except webhooks.Undeliverable as error:
        row.state, row.last_error = Delivery.DEAD, str(error)
    except Exception as error:  # noqa: BLE001 - any failure of a delivery is retried
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        if row.attempts >= settings["NOTIFY_MAX_ATTEMPTS"]:
            row.state = Delivery.DEAD
        else:
            row.due_at = utcnow() + backoff(row.attempts, settings["NOTIFY_RETRY_SECONDS"])
    else:
        row.state, row.sent_at, row.last_error = Delivery.SENT, utcnow(), None
    state = row.state
    if state == Delivery.DEAD:
        # An SMTP refusal may quote the address: logs get the error's kind only for mails.
        said = row.last_error if row.channel == "webhook" else (row.last_error or "").split(":")[0]
        log.warning("outbox row %s (%s to %s %s) is dead: %s", row.id, row.event, row.channel,
                    row.target_id, said)
    session.commit()
    return state


def _deliver(session: Session, row: Outbox, settings: Mapping[str, Any]) -> None:
    if row.channel == "webhook":
        hook = session.get(Webhook, row.target_id)
        if hook is None:
            raise mail.Dropped("the webhook was deleted")
        webhooks.deliver(hook.url, hook.secret, row.payload, timeout=settings["WEBHOOK_TIMEOUT"],
                         allow_private=settings["WEBHOOK_ALLOW_PRIVATE"])
    else:
        mail.send(session, row, settings)


def schedule_digests(session: Session, now: datetime) -> int:
    """Queue a digest for each moderator whose interval has passed; how many.

    The moderator row is claimed like an outbox row, so two workers never queue one
    digest twice; `last_digest_at` moves on in the same transaction as the row.
    """
    queued = 0
    candidates = list(session.execute(sa.select(Moderator.id, Moderator.digest_minutes,
                                                Moderator.last_digest_at).where(
        Moderator.notify == NotifyMode.DIGEST, Moderator.email.is_not(None),
        Moderator.revoked_at.is_(None))))
    session.commit()
    for moderator_id, minutes, last in candidates:
        if last is not None and last + timedelta(minutes=minutes) > now:
            continue
        moderator = session.scalars(sa.select(Moderator).where(Moderator.id == moderator_id)
                                    .with_for_update(skip_locked=True)
                                    .execution_options(populate_existing=True)).one_or_none()
        if moderator is None or moderator.last_digest_at != last:
            session.rollback()
            continue
        session.add(Outbox(event_id=f"digest-{moderator_id}-{int(now.timestamp())}",
                           event="moderation.digest", channel="digest", target_id=moderator_id,
                           payload={"since": last.isoformat() if last else None}, due_at=now,
                           created_at=now))
        moderator.last_digest_at = now
        session.commit()
        queued += 1
    return queued


def run_once(session: Session, settings: Mapping[str, Any], batch: int = 50) -> int:
    """One pass: queue due digests, deliver up to `batch` due rows; how many were tried."""
    now = utcnow()
    schedule_digests(session, now)
    tried = 0
    for row_id in due(session, now, batch):
        if deliver_one(session, row_id, settings) is not None:
            tried += 1
    return tried


def run(session: Session, settings: Mapping[str, Any], *, stop: threading.Event,
        batch: int = 50, poll: float = 1.0, drain: bool = False) -> int:
    """Deliver until `stop` is set (or, with `drain`, until nothing is due); rows tried."""
    total = 0
    while not stop.is_set():
        try:
            tried = run_once(session, settings, batch)
        except sa.exc.OperationalError:
            session.rollback()
            log.exception("database unavailable; the worker tries again shortly")
            tried = 0
        total += tried
        if tried == 0:
            if drain:
                break
            stop.wait(poll)
    return total


def retry(session: Session, row_id: int) -> Outbox | None:
    """Put a dead row back in the queue, due now, its tries counted afresh; None if it is
    not dead (one commit)."""
    row = session.scalars(sa.select(Outbox).where(Outbox.id == row_id).with_for_update()
                          .execution_options(populate_existing=True)).one_or_none()
    if row is None or row.state != Delivery.DEAD:
        session.rollback()
        return None
    row.state, row.attempts, row.due_at = Delivery.PENDING, 0, utcnow()
    session.commit()
    return row
