"""Thresholds that adapt to a site: the pure rule, table-driven (no app, no database)."""

import pytest

from service.spamfilter import thresholds
from service.spamfilter.thresholds import EDGES, bin_of, choose, upper_bound


@pytest.mark.parametrize(("score", "edge"), [
    (0.0, 0.01), (0.01, 0.01), (0.0100001, 0.02), (0.5, 0.5), (0.98, 0.98), (0.9805, 0.99),
    (0.99999, 0.99999), (0.999995, 1.0), (1.0, 1.0)])
def test_a_score_falls_in_the_bin_that_ends_at_or_above_it(score: float, edge: float) -> None:
    assert EDGES[bin_of(score)] == edge
    # "score > t" marks: every edge below the bin's is a threshold the score is above.
    assert all(score > lower for lower in EDGES[:bin_of(score)])


def test_the_upper_bound_is_a_margin_that_shrinks_with_decisions() -> None:
    assert upper_bound(0, 0) == 1.0
    assert upper_bound(0, 100) > 0.01 > upper_bound(0, thresholds.NEEDED)
    assert upper_bound(0, thresholds.NEEDED - 1) > 0.01
    assert upper_bound(10, 1000) > 0.01 > 10 / 1000 * 0.99  # 1 % seen is not "at most 1 %"
    assert upper_bound(1, 2000) < 0.01
    assert thresholds.NEEDED == 163


def histogram(*cells: tuple[float, int, int]) -> dict[int, tuple[int, int]]:
    """(score, spam, approved) cells as stored bins."""
    bins: dict[int, tuple[int, int]] = {}
    for score, spam, ham in cells:
        old = bins.get(bin_of(score), (0, 0))
        bins[bin_of(score)] = (old[0] + spam, old[1] + ham)
    return bins


def test_the_defaults_stand_until_enough_decisions() -> None:
    chosen = choose(histogram((0.1, 0, 162), (0.999, 80, 0)), 0.995, 0.89)
    assert (chosen.spam.value, chosen.spam.source) == (0.995, "default")
    assert (chosen.hold.value, chosen.hold.source) == (0.89, "default")
    assert (chosen.approved, chosen.spam_decided) == (162, 80)


def test_a_site_whose_legitimate_comments_score_low_gets_a_lower_threshold() -> None:
    chosen = choose(histogram((0.1, 0, 300), (0.7, 0, 1), (0.95, 40, 0)), 0.995, 0.89)
    # The lowest value with at most 1 % of approved above it, bounded: one approved
    # comment in 301 above 0.5 is too many for the bound, none above 0.7 is not.
    assert (chosen.spam.value, chosen.spam.source) == (0.7, "adapted")
    assert (chosen.spam.approved_above, chosen.spam.spam_above) == (0, 40)
    assert (chosen.hold.value, chosen.hold.approved_above) == (0.5, 1)
    never_under_half = choose(histogram((0.1, 0, 1000), (0.95, 40, 0)), 0.995, 0.89)
    assert never_under_half.spam.value == never_under_half.hold.value == 0.5


def test_a_site_whose_legitimate_comments_score_high_gets_a_higher_one() -> None:
    # 3 % of approved comments score 0.999: only a threshold above them keeps to 1 %.
    chosen = choose(histogram((0.2, 0, 970), (0.999, 0, 30), (1.0, 50, 0)), 0.98, 0.89)
    assert chosen.spam.value == 0.999 and chosen.spam.source == "adapted"
    assert chosen.spam.approved_above == 0 and chosen.spam.spam_above == 50


def test_the_hold_threshold_aims_at_a_share_of_approved_comments_held() -> None:
    # 6 % of approved comments at 0.65: a hold threshold under it would hold them all.
    chosen = choose(histogram((0.1, 0, 940), (0.65, 0, 60), (1.0, 100, 0)), 0.995, 0.89)
    assert chosen.spam.value == chosen.hold.value == 0.65
    # 2 %: too many to mark spam, few enough to hold.
    lower = choose(histogram((0.1, 0, 980), (0.65, 0, 20), (1.0, 100, 0)), 0.995, 0.89)
    assert lower.hold.value == 0.5 < lower.spam.value == 0.65
    assert lower.hold.approved_above == 20


def test_pinned_thresholds_stand_whatever_the_decisions() -> None:
    bins = histogram((0.1, 0, 1000), (0.99, 100, 0))
    chosen = choose(bins, 0.97, 0.8, pinned_spam=True, pinned_hold=True)
    assert (chosen.spam.value, chosen.spam.source) == (0.97, "pinned")
    assert (chosen.hold.value, chosen.hold.source) == (0.8, "pinned")
    assert choose(bins, 0.97, 0.8, pinned_spam=True).hold.source == "adapted"


@pytest.mark.parametrize("bins", [{}, {-1: (5, 5), 10_000: (5, 5)}, {3: (-4, -2)}])
def test_nothing_or_nonsense_gives_the_defaults(bins: dict[int, tuple[int, int]]) -> None:
    chosen = choose(bins, 0.995, 0.89)
    assert (chosen.spam.value, chosen.hold.value, chosen.approved) == (0.995, 0.89, 0)
