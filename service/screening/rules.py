"""Screening rules: one small pure function each, `(Draft, settings) -> Verdict | None`.

A rule sees only the draft (the comment plus the facts the action looked up for it)
and the settings; it touches no session and no clock, so a table of cases tests it.
"""

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class Outcome(enum.IntEnum):
    """What a rule asks for; the strongest one wins (refuse > spam > hold > approve)."""

    APPROVE = 1
    HOLD = 2
    SPAM = 3
    REFUSE = 4


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    code: str                 # stable, machine-readable; `reason.<code>` is its sentence
    detail: str | None = None


@dataclass(frozen=True)
class Draft:
    """A new comment as screening sees it, with what storage knows about it."""

    name: str
    text: str
    html: str
    email: str | None = None
    website: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    honeypot: str | None = None
    duplicate: bool = False
    returning_author: bool = False
    spam_history: str | None = None     # "email" or "ip": on decided spam, on no approved comment
    spam_score: float | None = 0.5      # None: the model could not score
    model_trained: bool = False
    spam_threshold: float | None = None  # in force for this site; None: the settings'
    hold_threshold: float | None = None


Rule = Callable[[Draft, Mapping[str, Any]], Verdict | None]


def honeypot(draft: Draft, settings: Mapping[str, Any]) -> Verdict | None:
    """A filled hidden field: only a bot sees it."""
    return Verdict(Outcome.SPAM, "honeypot") if draft.honeypot else None


def duplicate(draft: Draft, settings: Mapping[str, Any]) -> Verdict | None:
    """The same text from the same author on the same article (WordPress's check)."""
    return Verdict(Outcome.REFUSE, "duplicate") if draft.duplicate else None


def links(draft: Draft, settings: Mapping[str, Any]) -> Verdict | None:
    """MAX_LINKS or more links hold the comment; 0 turns the check off (as in WordPress)."""
    count = draft.html.count("<a ")
    limit = settings["MAX_LINKS"]
    return Verdict(Outcome.HOLD, "links", str(count)) if limit and count >= limit else None


def _matching_word(draft: Draft, words: list[str]) -> str | None:
    # WordPress looks in every field the author controls, and in the IP and user agent.
    haystack = "\n".join(value for value in (draft.name, draft.email, draft.website, draft.text,
                                             draft.ip, draft.user_agent) if value).casefold()
    return next((word for word in words if word.strip() and word.strip().casefold() in haystack),
                None)


def blocked_words(draft: Draft, settings: Mapping[str, Any]) -> Verdict | None:
    """A blocked word anywhere marks the comment as spam."""
    word = _matching_word(draft, settings["BLOCKED_WORDS"])
    return Verdict(Outcome.SPAM, "blocked_word", word) if word else None


def held_words(draft: Draft, settings: Mapping[str, Any]) -> Verdict | None:
    """A held word anywhere sends the comment to the queue."""
    word = _matching_word(draft, settings["HELD_WORDS"])
    return Verdict(Outcome.HOLD, "held_word", word) if word else None


def spam_model(draft: Draft, settings: Mapping[str, Any]) -> Verdict | None:
    """The learned model: spam above the spam threshold in force (once trained), held above
    the hold threshold; both adapt to the site unless pinned, else SPAM_/HOLD_THRESHOLD."""
    score = draft.spam_score
    if score is None:
        return Verdict(Outcome.HOLD, "model_unavailable")
    spam_threshold = (draft.spam_threshold if draft.spam_threshold is not None
                      else settings["SPAM_THRESHOLD"])
    hold_threshold = (draft.hold_threshold if draft.hold_threshold is not None
                      else settings["HOLD_THRESHOLD"])
    if draft.model_trained and score > spam_threshold:
        return Verdict(Outcome.SPAM, "model_spam", f"{score:.3f}")
    if score > hold_threshold:
        return Verdict(Outcome.HOLD, "model_suspect", f"{score:.3f}")
    return None


def spam_history(draft: Draft, settings: Mapping[str, Any]) -> Verdict | None:
    """The site's own history (Antispam Bee's local spam database): an e-mail address on a
    comment the moderators decided was spam, and on no approved one, marks spam; an IP
    address only holds, since readers may share one."""
    if draft.spam_history == "email":
        return Verdict(Outcome.SPAM, "spam_history", "email")
    if draft.spam_history == "ip":
        return Verdict(Outcome.HOLD, "spam_history", "ip")
    return None


def returning_author(draft: Draft, settings: Mapping[str, Any]) -> Verdict | None:
    """An author with an earlier approved comment is trusted, unless another rule objects."""
    if settings["TRUST_RETURNING_AUTHORS"] and draft.returning_author:
        return Verdict(Outcome.APPROVE, "returning_author")
    return None


RULES: tuple[Rule, ...] = (honeypot, duplicate, blocked_words, held_words, links, spam_model,
                           spam_history, returning_author)
