"""Screening rules and their combination: pure, table-driven, no app."""

from typing import Any

import pytest

from service.config import from_environment
from service.models import Status
from service.screening.pipeline import screen
from service.screening.rules import (
    Draft,
    Outcome,
    Verdict,
    blocked_words,
    duplicate,
    held_words,
    honeypot,
    links,
    returning_author,
    spam_model,
)
from service.screening.sanitize import to_html

DEFAULTS = from_environment({})


def draft(text: str = "Merci pour l'article", **facts: Any) -> Draft:
    return Draft(**{"name": "Julie", "text": text, "html": to_html(text), "spam_score": 0.1,
                    **facts})


def settings(**changes: Any) -> dict[str, Any]:
    return {**DEFAULTS, **changes}


@pytest.mark.parametrize(("rule", "case", "config", "expected"), [
    (honeypot, draft(honeypot="http://spam.example"), {}, Verdict(Outcome.SPAM, "honeypot")),
    (honeypot, draft(honeypot=None), {}, None),
    (duplicate, draft(duplicate=True), {}, Verdict(Outcome.REFUSE, "duplicate")),
    (duplicate, draft(), {}, None),
    (links, draft("one https://a.com"), {}, None),
    (links, draft("https://a.com and https://b.org"), {},
     Verdict(Outcome.HOLD, "links", "2")),
    (links, draft('<a href="https://a.com">a</a> www.b.fr https://c.net'),
     {"MAX_LINKS": 4}, None),
    (links, draft("https://a.com https://b.org https://c.net"), {"MAX_LINKS": 0},
     None),
    (blocked_words, draft("Buy VIAGRA now"), {"BLOCKED_WORDS": ["viagra"]},
     Verdict(Outcome.SPAM, "blocked_word", "viagra")),
    (blocked_words, draft(user_agent="EvilBot/1.0"), {"BLOCKED_WORDS": ["evilbot"]},
     Verdict(Outcome.SPAM, "blocked_word", "evilbot")),
    (blocked_words, draft(ip="203.0.113.7"), {"BLOCKED_WORDS": ["203.0.113."]},
     Verdict(Outcome.SPAM, "blocked_word", "203.0.113.")),
    (blocked_words, draft(), {"BLOCKED_WORDS": ["", "  "]}, None),
    (held_words, draft(email="x@casino.example"), {"HELD_WORDS": ["Casino"]},
     Verdict(Outcome.HOLD, "held_word", "Casino")),
    (held_words, draft(website="https://ÉTÉ.example"), {"HELD_WORDS": ["été"]},
     Verdict(Outcome.HOLD, "held_word", "été")),
    (held_words, draft(), {"HELD_WORDS": ["casino"]}, None),
    (spam_model, draft(spam_score=None), {}, Verdict(Outcome.HOLD, "model_unavailable")),
    (spam_model, draft(spam_score=0.999, model_trained=True), {"SPAM_THRESHOLD": 0.99},
     Verdict(Outcome.SPAM, "model_spam", "0.999")),
    (spam_model, draft(spam_score=0.999, model_trained=False),
     {"SPAM_THRESHOLD": 0.99, "HOLD_THRESHOLD": 0.2}, Verdict(Outcome.HOLD, "model_suspect", "0.999")),
    (spam_model, draft(spam_score=0.3, model_trained=True),
     {"SPAM_THRESHOLD": 0.99, "HOLD_THRESHOLD": 0.2}, Verdict(Outcome.HOLD, "model_suspect", "0.300")),
    (spam_model, draft(spam_score=0.1, model_trained=True), {"HOLD_THRESHOLD": 0.2}, None),
    (returning_author, draft(returning_author=True), {}, Verdict(Outcome.APPROVE, "returning_author")),
    (returning_author, draft(returning_author=True), {"TRUST_RETURNING_AUTHORS": False}, None),
])
def test_each_rule(rule: Any, case: Draft, config: dict[str, Any], expected: Verdict | None) -> None:
    assert rule(case, settings(**config)) == expected


@pytest.mark.parametrize(("case", "config", "status", "codes"), [
    (draft(), {"MODERATION": "pre"}, Status.PENDING, []),
    (draft(), {"MODERATION": "post"}, Status.APPROVED, []),
    (draft(returning_author=True), {"MODERATION": "pre"}, Status.APPROVED, ["returning_author"]),
    # Another rule objecting beats the trust in a returning author.
    (draft("https://a.com https://b.org", returning_author=True), {}, Status.PENDING,
     ["links", "returning_author"]),
    (draft("viagra", returning_author=True), {"BLOCKED_WORDS": ["viagra"], "MODERATION": "post"},
     Status.SPAM, ["blocked_word", "returning_author"]),
    (draft(honeypot="x"), {"MODERATION": "post"}, Status.SPAM, ["honeypot"]),
    (draft(spam_score=None), {"MODERATION": "post"}, Status.PENDING, ["model_unavailable"]),
])
def test_screening_combines_verdicts(case: Draft, config: dict[str, Any], status: Status,
                                     codes: list[str]) -> None:
    result = screen(case, settings(**config))
    assert result.status == status and result.refused is None
    assert [reason["code"] for reason in result.reasons] == codes


def test_a_refusal_wins_over_everything() -> None:
    result = screen(draft(duplicate=True, honeypot="x"), settings())
    assert result.refused == Verdict(Outcome.REFUSE, "duplicate")
