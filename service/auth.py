"""Who may moderate: bearer tokens, the moderators holding them, and the `require` guard.

A token is printed once and only its SHA-256 is stored, so the database alone cannot
act as anyone. Tokens carry 256 random bits: a plain hash needs no salt or stretching,
and it lets a request find its moderator with one indexed lookup.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import sqlalchemy as sa
from flask import g, request
from flask_smorest import Api, Blueprint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import AdminOnly, Unauthenticated
from .extensions import db
from .models import Moderator, NotifyMode, Role, utcnow
from .moderation.decisions import Actor, record

NAME = re.compile(r"[\w.-]{1,100}")  # no colon: "cli:<user>" in the audit is never a moderator
_BEARER = re.compile(r"Bearer ([A-Za-z0-9._~+/-]{1,200}=*)", re.IGNORECASE)  # RFC 6750
QUERY_NAMES = ("access_token", "token")  # a token in an address ends up in logs: refused
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]

P = ParamSpec("P")
R = TypeVar("R")


class ModeratorError(ValueError):
    """A command-line request about moderators that cannot be done (the sentence says why)."""


def token_hash(token: str) -> str:
    """The stored form of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def fingerprint(moderator: Moderator) -> str:
    """A short, harmless name for a moderator's current token, for lists and the audit."""
    return moderator.token_hash[:8]


def create_moderator(session: Session, name: str, role: Role, actor: Actor, *,
                     email: str | None = None, notify: NotifyMode = NotifyMode.NONE,
                     language: str | None = None) -> tuple[Moderator, str]:
    """A new moderator and their token (the only time it exists in clear); one commit."""
    if not NAME.fullmatch(name):
        raise ModeratorError("A name is 1 to 100 letters, digits, dots, underscores or hyphens.")
    if notify != NotifyMode.NONE and not email:
        raise ModeratorError("Give an e-mail address (--email) to be notified.")
    token = secrets.token_urlsafe(32)
    moderator = Moderator(name=name, role=role, token_hash=token_hash(token), email=email,
                          notify=notify, language=language)
    session.add(moderator)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ModeratorError(f"There is already a moderator named {name}.") from None
    record(session, actor, "moderator.create", moderator_id=moderator.id, field="role", old=None,
           new=role.value)
    session.commit()
    return moderator, token


def _active(session: Session, name: str) -> Moderator:
    moderator: Moderator | None = session.scalar(
        sa.select(Moderator).where(Moderator.name == name).with_for_update())
    problem = (f"There is no moderator named {name}." if moderator is None
               else f"{name} is revoked; create a moderator with another name."
               if moderator.revoked_at is not None else None)
    if problem or moderator is None:
        session.rollback()
        raise ModeratorError(problem)
    return moderator


def revoke_moderator(session: Session, name: str, actor: Actor) -> Moderator:
    """Stop a moderator's token from working, from the next request on; one commit."""
    moderator = _active(session, name)
    moderator.revoked_at = utcnow()
    record(session, actor, "moderator.revoke", moderator_id=moderator.id, field="token",
           old=fingerprint(moderator), new=None)
    session.commit()
    return moderator


def rotate_token(session: Session, name: str, actor: Actor) -> tuple[Moderator, str]:
    """Give a moderator a new token; the old one stops working at once. One commit."""
    moderator = _active(session, name)
    old, token = fingerprint(moderator), secrets.token_urlsafe(32)
    moderator.token_hash = token_hash(token)
    record(session, actor, "moderator.rotate", moderator_id=moderator.id, field="token", old=old,
           new=fingerprint(moderator))
    session.commit()
    return moderator, token


def moderators(session: Session) -> list[Moderator]:
    """Every moderator, revoked ones included, by name."""
    return list(session.scalars(sa.select(Moderator).order_by(Moderator.name)))


def authenticate(session: Session, authorization: str | None) -> Moderator:
    """The active moderator whose token the Authorization header carries; 401 otherwise."""
    if not authorization:
        raise Unauthenticated()
    if not (match := _BEARER.fullmatch(authorization)):
        raise Unauthenticated(error="invalid_token")
    digest = token_hash(match.group(1))
    moderator: Moderator | None = session.scalar(
        sa.select(Moderator).where(Moderator.token_hash == digest))
    if (moderator is None or not hmac.compare_digest(moderator.token_hash, digest)
            or moderator.revoked_at is not None):
        raise Unauthenticated(error="invalid_token")
    return moderator


def require(role: Role = Role.MODERATOR) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Guard a view: 401 without an active moderator's token, 403 if `role` is admin and
    the moderator is not. Put it above the blp decorators, so it runs before the body is read."""
    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if any(name in request.args for name in QUERY_NAMES):
                raise Unauthenticated("auth.token_in_query", error="invalid_request")
            moderator = authenticate(db.session(), request.headers.get("Authorization"))
            if role == Role.ADMIN and moderator.role != Role.ADMIN:
                raise AdminOnly()
            g.moderator = moderator
            return view(*args, **kwargs)
        responses = {"401": {"description": "No valid moderator token (see WWW-Authenticate)."}}
        if role == Role.ADMIN:
            responses["403"] = {"description": "The moderator is not an admin."}
        documented: Callable[P, R] = Blueprint.doc(security=SECURITY, responses=responses)(guarded)
        return documented
    return decorate


def current_moderator() -> Moderator:
    """The moderator `require` let in for this request."""
    moderator: Moderator | None = g.get("moderator")
    if moderator is None:  # a view without `require`: refuse rather than act as no one
        raise Unauthenticated()
    return moderator


def declare_scheme(api: Api) -> None:
    """Name the bearer scheme in the OpenAPI spec (`require` marks operations with it)."""
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "A moderator token from `flask --app wsgi moderators create NAME`."})


__all__ = ["require", "current_moderator", "authenticate", "create_moderator", "revoke_moderator",
           "rotate_token", "moderators", "declare_scheme", "ModeratorError"]
