"""The spam model kept in the database mirrors the in-memory one, row for row."""

from typing import Any

import sqlalchemy as sa

from service.models import SpamToken, Status
from service.moderation import learning
from service.spamfilter import corpora, model as spam
from tests.conftest import DATASETS

FILES = sorted((DATASETS / "youtube-spam").glob("*.csv"))
SETTINGS = {"MIN_TRAINING": 5, "SPAM_THRESHOLD": 0.98, "HOLD_THRESHOLD": 0.89,
            "SPAM_THRESHOLD_PINNED": False, "HOLD_THRESHOLD_PINNED": False}


def stored_counts(session: Any) -> dict[str, tuple[int, int]]:
    rows = session.execute(sa.select(SpamToken.token, SpamToken.spam, SpamToken.ham)).all()
    return {row.token: (row.spam, row.ham) for row in rows if row.spam or row.ham}


def test_database_model_equals_memory_model(session: Any) -> None:
    rows = corpora.deduplicated(corpora.read_labelled(FILES[0]))[:150]
    memory = spam.MemoryModel()
    for sample, is_spam in rows:
        memory.learn(sample, is_spam)
    learning.learn(session, [(sample, is_spam, +1) for sample, is_spam in rows])
    session.commit()
    assert learning.totals(session) == (memory.spam_total, memory.ham_total)
    assert stored_counts(session) == {k: v for k, v in memory.counts.items() if v != (0, 0)}
    probe = spam.Sample("Check out my channel http://bit.ly/free-money subscribe!!!")
    score, trained, _ = learning.score(session, probe, SETTINGS)
    assert score == memory.score(probe) and trained
    assert score > 0.9


def test_unlearning_gives_back_the_previous_state(session: Any) -> None:
    rows = corpora.deduplicated(corpora.read_labelled(FILES[1]))[:60]
    learning.learn(session, [(sample, is_spam, +1) for sample, is_spam in rows[:40]])
    session.commit()
    before = (stored_counts(session), learning.totals(session))
    changes = [(sample, is_spam, +1) for sample, is_spam in rows[40:]]
    learning.learn(session, changes)
    learning.learn(session, [(sample, is_spam, -1) for sample, is_spam, _ in changes])
    session.commit()
    assert (stored_counts(session), learning.totals(session)) == before


def test_counts_never_go_below_zero(session: Any) -> None:
    sample = spam.Sample("never learned before", name="Nobody")
    learning.learn(session, [(sample, True, -1)])
    session.commit()
    assert learning.totals(session) == (0, 0)
    assert all(spam_ >= 0 and ham >= 0 for spam_, ham in
               session.execute(sa.select(SpamToken.spam, SpamToken.ham)).all())


def test_labels_follow_the_moderators_decisions() -> None:
    assert learning.label(Status.SPAM, None) is True
    assert learning.label(Status.APPROVED, True) is False
    assert learning.label(Status.REJECTED, False) is None   # off-topic teaches nothing
    assert learning.label(Status.PENDING, True) is None     # a decision taken back
    assert learning.label(Status.TRASH, True) is True       # a soft delete is no judgement
