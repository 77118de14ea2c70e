"""Thresholds that adapt to a site: chosen from histograms of the scores the filter gave
to comments its moderators later decided.

A histogram counts, per score bin, the decided comments that were spam and those that
were approved. Bins end on the values a threshold may take, so "how many approved
comments score above t" is exact for every candidate t. Learning a decision adds 1 to
its bin and unlearning takes it back, as for the word counts: the state is shared by
all instances and exact after a moderator's change of mind.

The rule (docs/spam-model.md, "Thresholds that adapt"):

- spam threshold: the lowest candidate at which at most MAX_HAM_MARKED_SPAM of the
  approved comments would have been marked spam, judged by the upper end of a one-sided
  90 % Wilson interval rather than the bare share. That interval is the safety margin
  while decisions are few; with no approved comment above the candidate it needs 163
  approved comments (`needed()`), so until then the shipped default stands.
- hold threshold: the same rule with MAX_HAM_HELD for the approved comments that would
  have been held or marked, never above the spam threshold. It waits for the same
  number of decisions as the spam threshold.

Pure standard library.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass

MAX_HAM_MARKED_SPAM = 0.01   # at most 1 % of approved comments marked spam
MAX_HAM_HELD = 0.05          # at most 5 % of approved comments held (or marked)
LOWEST = 0.5                 # no threshold goes lower: 0.5 is the filter's "no idea"
Z = 1.28                     # one-sided 90 %

#: Upper edges of the bins, which are also the thresholds a site may get: 0.01 steps,
#: then finer ones near 1, where chi-square scores crowd.
EDGES: tuple[float, ...] = tuple(sorted({round(i / 100, 2) for i in range(1, 100)}
                                        | {round(0.99 + i / 1000, 3) for i in range(1, 10)}
                                        | {round(0.999 + i / 10_000, 4) for i in range(1, 10)}
                                        | {round(0.9999 + i / 100_000, 5) for i in range(1, 10)}
                                        | {1.0}))

Histogram = Mapping[int, tuple[int, int]]  # bin -> (spam, approved) decided comments


def bin_of(score: float) -> int:
    """Return the bin of a score: bin i holds EDGES[i-1] < score <= EDGES[i]."""
    return min(bisect.bisect_left(EDGES, score), len(EDGES) - 1)


def upper_bound(part: int, whole: int, z: float = Z) -> float:
    """Return the upper end of the one-sided Wilson interval of part / whole (1.0 of none)."""
    if whole <= 0:
        return 1.0
    share = part / whole
    centre = share + z * z / (2 * whole)
    spread = z * math.sqrt(share * (1 - share) / whole + z * z / (4 * whole * whole))
    return min(1.0, (centre + spread) / (1 + z * z / whole))


def needed(limit: float = MAX_HAM_MARKED_SPAM) -> int:
    """Return how many approved decisions a threshold needs, at the least, before it can
    adapt: the fewest whose upper bound keeps within `limit` with none above it."""
    return next(n for n in range(1, 1_000_000) if upper_bound(0, n) <= limit)


@dataclass(frozen=True)
class Choice:
    """A threshold in force and what it rests on."""

    value: float
    source: str            # "adapted" (from the site's decisions), "default" or "pinned"
    approved_above: int    # decided approved comments that scored above it
    spam_above: int        # decided spam that scored above it


@dataclass(frozen=True)
class Thresholds:
    spam: Choice
    hold: Choice
    approved: int          # decided approved comments with a score (the histogram's ham)
    spam_decided: int      # decided spam with a score
    needed: int = 0        # approved decisions the spam threshold needs before it adapts


def _lowest(edges_above: list[tuple[float, int]], approved: int, limit: float,
            highest: float) -> float | None:
    """Return the lowest edge (from LOWEST up to `highest`) whose approved count above it
    keeps within `limit`, judged by the upper bound; None if none does."""
    for edge, above in edges_above:
        if LOWEST <= edge <= highest and upper_bound(above, approved) <= limit:
            return edge
    return None


def choose(histogram: Histogram, default_spam: float, default_hold: float, *,
           pinned_spam: bool = False, pinned_hold: bool = False) -> Thresholds:
    """Return the thresholds in force for a site whose decided comments' scores are
    `histogram`: adapted where its decisions allow, else the defaults (or pinned ones)."""
    spam_counts = [0] * len(EDGES)
    ham_counts = [0] * len(EDGES)
    for index, (spam, ham) in histogram.items():
        if 0 <= index < len(EDGES):
            spam_counts[index] += max(spam, 0)
            ham_counts[index] += max(ham, 0)
    approved, spam_total = sum(ham_counts), sum(spam_counts)
    # For each edge, how many decided comments scored above it ("> t" marks, as the rule does).
    ham_above, spam_above, ham_run, spam_run = [], [], approved, spam_total
    for index in range(len(EDGES)):
        ham_run -= ham_counts[index]
        spam_run -= spam_counts[index]
        ham_above.append(ham_run)
        spam_above.append(spam_run)

    def above(value: float) -> tuple[int, int]:
        """Approved and spam decided comments that scored above `value`."""
        ham = sum(ham_counts[i] for i, edge in enumerate(EDGES) if edge > value)
        spam = sum(spam_counts[i] for i, edge in enumerate(EDGES) if edge > value)
        return ham, spam

    # Too few decisions for any bound to keep within 1 %: the defaults stand, both of them.
    ham_by_edge = list(zip(EDGES, ham_above)) if approved >= NEEDED else []
    spam_t, spam_source = default_spam, "pinned" if pinned_spam else "default"
    if not pinned_spam and (found := _lowest(ham_by_edge, approved, MAX_HAM_MARKED_SPAM,
                                             1.0)) is not None:
        spam_t, spam_source = found, "adapted"
    hold_t, hold_source = default_hold, "pinned" if pinned_hold else "default"
    if not pinned_hold and (found := _lowest(ham_by_edge, approved, MAX_HAM_HELD,
                                             spam_t)) is not None:
        hold_t, hold_source = found, "adapted"
    hold_t = min(hold_t, spam_t)  # a pinned or default hold never sits above the spam mark
    spam_ham, spam_spam = above(spam_t)
    hold_ham, hold_spam = above(hold_t)
    return Thresholds(Choice(spam_t, spam_source, spam_ham, spam_spam),
                      Choice(hold_t, hold_source, hold_ham, hold_spam), approved, spam_total,
                      NEEDED)


NEEDED = needed()
