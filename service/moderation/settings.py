"""Screening settings: the environment's values, overridden by what admins saved.

Admins change them through the API; every change is audited. The stored value wins
over the environment's, on every instance, from the next request on.
"""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..direct import Direct
from ..models import Moderator, Setting
from .decisions import record

#: The settings an admin may change, as the environment names them.
KEYS = ("MODERATION", "REQUIRE_EMAIL", "POST_RATE_LIMIT", "SCREENING_ENABLED", "MAX_LINKS", "HELD_WORDS",
        "BLOCKED_WORDS", "TRUST_RETURNING_AUTHORS", "HONEYPOT_FIELD", "SPAM_THRESHOLD",
        "HOLD_THRESHOLD", "MIN_TRAINING", "SPAM_THRESHOLD_PINNED", "HOLD_THRESHOLD_PINNED")


_SAVED = Direct(sa.select(Setting.key, Setting.value))  # read on every new comment


def effective(session: Session, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The settings in force: `defaults` (the app config) with the saved values over them."""
    saved = dict(_SAVED.all(session.connection(), {}))
    return {**defaults, **{key: saved[key] for key in KEYS if key in saved}}


def update(session: Session, changes: Mapping[str, Any], defaults: Mapping[str, Any],
           actor: Moderator) -> dict[str, Any]:
    """Save the changed settings, one audit row each, in one commit; returns those in force."""
    current = effective(session, defaults)
    for key, value in changes.items():
        if key not in KEYS or current[key] == value:
            continue
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
        record(session, actor, "setting", field=key.lower(), old=_text(current[key]),
               new=_text(value))
    session.commit()
    return effective(session, defaults)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)
