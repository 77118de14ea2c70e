"""Quality figures of a yes/no verdict against the truth, computed once for the whole
project: the offline evaluation, the replay and the moderators' stats all use these.

One convention: a figure whose denominator is zero is undefined and is None, never 0.0.
Precision is undefined until something was said to be spam, recall until some spam was
decided, and MCC until both classes were both said and decided.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def ratio(part: int, whole: int) -> float | None:
    """Return part / whole, or None when whole is zero (undefined)."""
    return part / whole if whole else None


def matthews(tp: int, fp: int, tn: int, fn: int) -> float | None:
    """Return Matthews' correlation coefficient, or None when a margin is empty (0/0)."""
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / denominator if denominator else None


@dataclass(frozen=True)
class Agreement:
    """The four counts of a verdict against the truth; "spam" is the positive class."""

    tp: int = 0   # said spam, is spam
    fp: int = 0   # said spam, is not
    tn: int = 0   # said not spam, is not
    fn: int = 0   # said not spam, is spam

    @classmethod
    def of(cls, pairs: list[tuple[bool, bool]]) -> Agreement:
        """Return the counts of (said spam, is spam) pairs."""
        tp = sum(said and truth for said, truth in pairs)
        fp = sum(said and not truth for said, truth in pairs)
        fn = sum(truth and not said for said, truth in pairs)
        return cls(tp, fp, len(pairs) - tp - fp - fn, fn)

    @property
    def precision(self) -> float | None:
        """Return the share of what was said spam that is spam."""
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        """Return the share of spam said spam."""
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        """Return the harmonic mean of precision and recall."""
        return ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def mcc(self) -> float | None:
        """Return Matthews' correlation of the verdict with the truth."""
        return matthews(self.tp, self.fp, self.tn, self.fn)

    def figures(self, digits: int = 4) -> dict[str, Any]:
        """Return the counts and the three figures, rounded, as the stats endpoint gives them."""
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, digits)
        return {"true_positives": self.tp, "false_positives": self.fp,
                "false_negatives": self.fn, "true_negatives": self.tn,
                "precision": rounded(self.precision), "recall": rounded(self.recall),
                "mcc": rounded(self.mcc)}


def shown(value: float | None, spec: str = ".3f") -> str:
    """Return a figure formatted for a table, or "n/a" while it is undefined."""
    return "n/a" if value is None else format(value, spec)
