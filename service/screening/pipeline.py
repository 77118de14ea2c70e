"""Run the rules over a draft and turn their verdicts into a status and reasons."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..models import Status
from .rules import RULES, Draft, Outcome, Rule, Verdict


@dataclass(frozen=True)
class Screening:
    status: Status
    refused: Verdict | None = None
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def reasons(self) -> list[dict[str, str | None]]:
        """The verdicts as stored with the comment and shown to moderators."""
        return [{"code": v.code, "detail": v.detail} for v in self.verdicts]


def screen(draft: Draft, settings: Mapping[str, Any], rules: Sequence[Rule] = RULES) -> Screening:
    """Every rule's verdict, and the status they add up to (the strongest objection wins)."""
    verdicts = [verdict for rule in rules if (verdict := rule(draft, settings))]
    if refused := next((v for v in verdicts if v.outcome == Outcome.REFUSE), None):
        return Screening(Status.PENDING, refused, verdicts)
    strongest = max((v.outcome for v in verdicts), default=None)
    if strongest == Outcome.SPAM:
        status = Status.SPAM
    elif strongest == Outcome.HOLD:
        status = Status.PENDING
    elif strongest == Outcome.APPROVE or settings["MODERATION"] == "post":
        status = Status.APPROVED
    else:
        status = Status.PENDING
    return Screening(status, None, verdicts)


def unscreened(settings: Mapping[str, Any]) -> Screening:
    """The status of a comment when screening is turned off: the moderation mode's."""
    return Screening(Status.APPROVED if settings["MODERATION"] == "post" else Status.PENDING)
