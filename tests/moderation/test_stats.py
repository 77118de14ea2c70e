"""How the screening statistics score the model's verdicts against the moderators'."""

from typing import Any

import pytest

from service.moderation.stats import _agreement


@pytest.mark.parametrize(("pairs", "expected"), [
    # 3 spam caught, 1 ham marked, 1 spam missed, 5 ham passed: (15 - 1) / sqrt(4*4*6*6)
    ([(True, True)] * 3 + [(True, False)] + [(False, True)] + [(False, False)] * 5,
     {"true_positives": 3, "false_positives": 1, "false_negatives": 1, "true_negatives": 5,
      "precision": 0.75, "recall": 0.75, "mcc": round(14 / 24, 4)}),
    # only ham decided: recall and MCC are undefined, not zero
    ([(False, False)] * 4, {"true_positives": 0, "false_positives": 0, "false_negatives": 0,
                             "true_negatives": 4, "precision": None, "recall": None,
                             "mcc": None}),
    # the model said spam every time: MCC is 0/0, undefined like the precision above
    ([(True, True), (True, False)], {"true_positives": 1, "false_positives": 1,
                                      "false_negatives": 0, "true_negatives": 0,
                                      "precision": 0.5, "recall": 1.0, "mcc": None}),
    # perfectly wrong
    ([(True, False), (False, True)], {"true_positives": 0, "false_positives": 1,
                                       "false_negatives": 1, "true_negatives": 0,
                                       "precision": 0.0, "recall": 0.0, "mcc": -1.0}),
])
def test_agreement_figures(pairs: list[tuple[bool, bool]], expected: dict[str, Any]) -> None:
    assert _agreement(pairs) == expected
