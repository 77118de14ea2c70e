"""Signed links in mails: one-click moderation (single use, expiring) and unsubscribing.

A moderation link names the moderator, the comment, the action and a nonce shared by
the three links of one mail: the first that acts records the nonce (`LinkUse`), so none
of them acts again. Links only open a confirmation page; the POST of its button acts,
so a mail scanner that follows every link changes nothing. An unsubscribe link never
expires (RFC 8058 expects it to keep working) and doing it twice changes nothing.
"""

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from ..models import Status

ACTIONS = {"approve": Status.APPROVED, "spam": Status.SPAM, "trash": Status.TRASH}


class LinkExpired(Exception):
    """The link was genuine but is too old."""


class LinkInvalid(Exception):
    """The link was not made by this service (or was altered)."""


@dataclass(frozen=True)
class ModerationLink:
    moderator_id: int
    comment_id: int
    action: str
    nonce: str


def new_nonce() -> str:
    return secrets.token_hex(16)


def moderation_token(secret: str, link: ModerationLink) -> str:
    """The signed, dated form of a link, for its URL."""
    return URLSafeTimedSerializer(secret, salt="causerie.moderate").dumps(
        [link.moderator_id, link.comment_id, link.action, link.nonce])


def read_moderation_token(secret: str, token: str, max_age_seconds: int) -> ModerationLink:
    """The link a token stands for; LinkExpired or LinkInvalid otherwise."""
    try:
        value = URLSafeTimedSerializer(secret, salt="causerie.moderate").loads(
            token, max_age=max_age_seconds)
    except SignatureExpired:
        raise LinkExpired() from None
    except (BadSignature, ValueError, UnicodeError):
        raise LinkInvalid() from None
    if (not isinstance(value, list) or len(value) != 4 or value[2] not in ACTIONS
            or not all(isinstance(part, int) for part in value[:2])
            or not isinstance(value[3], str)):
        raise LinkInvalid()
    return ModerationLink(*value)


def unsubscribe_token(secret: str, comment_id: int) -> str:
    return URLSafeSerializer(secret, salt="causerie.unsubscribe").dumps(comment_id)


def read_unsubscribe_token(secret: str, token: str) -> int:
    """The subscribed comment a token names; LinkInvalid otherwise."""
    try:
        value = URLSafeSerializer(secret, salt="causerie.unsubscribe").loads(token)
    except (BadSignature, ValueError, UnicodeError):
        raise LinkInvalid() from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise LinkInvalid()
    return value
