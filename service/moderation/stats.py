"""What screening did over a period, and how often the model agreed with the moderators."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Comment, Status
from ..spamfilter.quality import Agreement
from . import learning


def _agreement(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    """Precision, recall and MCC of `said` against `truth`, each None while undefined."""
    return Agreement.of(pairs).figures()


def screening_stats(session: Session, since: datetime, until: datetime,
                    settings: Mapping[str, Any]) -> dict[str, Any]:
    """Comments per status and per screening reason created in [since, until), and the
    model's verdicts against the moderators' decisions on those comments."""
    window = (Comment.created_at >= since, Comment.created_at < until)
    statuses = dict.fromkeys((status.value for status in Status), 0)
    for status, count in session.execute(sa.select(Comment.status, sa.func.count())
                                         .where(*window).group_by(Comment.status)):
        statuses[status.value] = count
    reasons: Counter[str] = Counter()
    said_spam: list[tuple[bool, bool]] = []
    said_suspect: list[tuple[bool, bool]] = []
    said_alone: list[tuple[bool, bool]] = []
    decided = 0
    rows = session.execute(sa.select(Comment.reasons, Comment.trained_as, Comment.score)
                           .where(*window).execution_options(yield_per=1000))
    for comment_reasons, trained_as, score in rows:
        codes = {reason["code"] for reason in comment_reasons or []}
        reasons.update(codes)
        if trained_as is None:  # no moderator said spam (True) or approved (False)
            continue
        decided += 1
        if score is not None and "model_unavailable" not in codes:  # the model judged it
            said_spam.append(("model_spam" in codes, trained_as))
            said_suspect.append((bool(codes & {"model_spam", "model_suspect"}), trained_as))
            if "model_suspect" not in codes:  # the model decided alone: marked or passed
                said_alone.append(("model_spam" in codes, trained_as))
    spam_total, ham_total = learning.totals(session)
    return {"since": since, "until": until, "comments": statuses, "reasons": dict(reasons),
            "model": {"decided": decided, "marked_spam": _agreement(said_spam),
                      "held_or_marked": _agreement(said_suspect),
                      "decided_alone": _agreement(said_alone),
                      "trained_on": {"spam": spam_total, "ham": ham_total},
                      "thresholds": asdict(learning.thresholds_in_force(session, settings))}}


#: The longest period a timeline covers, in days: one row per day.
TIMELINE_DAYS = 366


def timeline(session: Session, since: datetime, until: datetime) -> dict[str, Any]:
    """Per UTC day of [since, until) (at most TIMELINE_DAYS), the comments created that
    day by status and by screening reason; days without comments are listed with zeros."""
    first, last = since.date(), (until - timedelta(microseconds=1)).date()
    # Counted, not stepped to past the last day: the day after 9999-12-31 does not exist.
    days: dict[date, dict[str, Any]] = {
        day: {"day": day, "comments": dict.fromkeys((s.value for s in Status), 0),
              "reasons": Counter()}
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))}
    rows = session.execute(sa.select(Comment.created_at, Comment.status, Comment.reasons)
                           .where(Comment.created_at >= since, Comment.created_at < until)
                           .execution_options(yield_per=1000))
    for created_at, status, comment_reasons in rows:
        entry = days[created_at.date()]
        entry["comments"][status.value] += 1
        entry["reasons"].update({reason["code"] for reason in comment_reasons or []})
    return {"since": since, "until": until,
            "days": [{**entry, "reasons": dict(entry["reasons"])} for entry in days.values()]}
