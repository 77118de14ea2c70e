"""The spam model kept in the database: scoring new comments, learning from decisions.

The state is `spam.MemoryModel`'s, row for row: SpamToken holds per-feature counts and
SpamCorpus the two totals. SpamScoreBin holds the histograms of the scores of decided
comments, from which the thresholds in force adapt to the site
(`spamfilter.thresholds`). Learning runs in the caller's transaction, so a decision and
what the model learns from it commit (or roll back) together, on every instance at once.
"""

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from .. import oncommit
from ..direct import Direct
from ..models import (Comment, SpamCorpus, SpamScoreBin, SpamToken, Status, dialect_insert,
                      upsert)
from ..spamfilter import corpora, model as spam, thresholds
from ..spamfilter.model import Sample

CORPUS_ID = 1


def sample_of(comment: Comment) -> Sample:
    """What the model reads of a comment."""
    return Sample(text=comment.text, name=comment.name, website=comment.website)


# Built once: scoring runs it on every new comment. The totals come back as the row of
# the empty token (no feature is empty) and the histogram bins as rows `#<bin>` (no
# feature starts with `#`), so a score and the thresholds cost one round trip.
_TOTALS = sa.select(SpamCorpus.spam_total, SpamCorpus.ham_total).where(SpamCorpus.id == CORPUS_ID)
_BIN_PREFIX = "#"
_BINS = sa.select((sa.literal(_BIN_PREFIX, sa.String) + sa.cast(SpamScoreBin.bin, sa.String))
                  .label("token"), SpamScoreBin.spam, SpamScoreBin.ham)


def _model_query(dialect: str) -> sa.CompoundSelect[Any]:
    """Totals, histogram bins and the sample's tokens, in one statement of one shape
    whatever the number of tokens: the tokens travel as one parameter (an array on
    PostgreSQL, a JSON list on SQLite), not as an expanding IN list, which SQLAlchemy
    would render again for every comment scored (a tenth of a post's time)."""
    tokens = sa.select(SpamToken.token, SpamToken.spam, SpamToken.ham)
    if dialect == "postgresql":
        tokens = tokens.where(SpamToken.token == sa.any_(
            sa.bindparam("tokens", type_=postgresql.ARRAY(sa.String))))
    else:
        # A join from the (distinct) tokens, one index probe each: `IN (SELECT value FROM
        # json_each(?))` first built a list of them, a fifth slower.
        wanted = sa.func.json_each(sa.bindparam("tokens", type_=sa.String)).table_valued(
            "value").alias("wanted")
        tokens = tokens.select_from(wanted.join(SpamToken, SpamToken.token == wanted.c.value))
    return sa.union_all(
        sa.select(sa.literal("").label("token"), SpamCorpus.spam_total.label("spam"),
                  SpamCorpus.ham_total.label("ham")).where(SpamCorpus.id == CORPUS_ID),
        _BINS, tokens)


_MODEL = Direct(per_dialect=_model_query)


def totals(session: Session) -> tuple[int, int]:
    """(spam, ham) comments learned so far."""
    row = session.connection().execute(_TOTALS).first()
    return (row.spam_total, row.ham_total) if row else (0, 0)


class Opinion(NamedTuple):
    score: float                        # spam probability, 0..1
    trained: bool                       # the model has seen enough to mark spam
    thresholds: thresholds.Thresholds   # in force for this site now


def score(session: Session, sample: Sample, settings: Mapping[str, Any]) -> Opinion:
    """The sample's spam probability, whether the model has seen enough to judge, and the
    thresholds in force (adapted to the site's decisions, or the settings')."""
    tokens = spam.features(sample)
    connection = session.connection()
    wanted = sorted(tokens)
    rows = _MODEL.all(connection, {
        "tokens": wanted if connection.dialect.name == "postgresql" else json.dumps(wanted)})
    counts, bins = {}, {}
    for token, spam_count, ham_count in rows:  # plain tuples: a post scores ~60 rows
        if token.startswith(_BIN_PREFIX):
            bins[int(token[len(_BIN_PREFIX):])] = (spam_count, ham_count)
        else:
            counts[token] = (spam_count, ham_count)
    spam_total, ham_total = counts.pop("", (0, 0))
    return Opinion(spam.score(counts, spam_total, ham_total, tokens),
                   spam.is_trained(spam_total, ham_total, settings["MIN_TRAINING"]),
                   _chosen(bins, settings))


def _chosen(bins: thresholds.Histogram, settings: Mapping[str, Any]) -> thresholds.Thresholds:
    return _choose(tuple(sorted(bins.items())), settings["SPAM_THRESHOLD"],
                   settings["HOLD_THRESHOLD"], bool(settings["SPAM_THRESHOLD_PINNED"]),
                   bool(settings["HOLD_THRESHOLD_PINNED"]))


@functools.lru_cache(maxsize=64)
def _choose(bins: tuple[tuple[int, tuple[int, int]], ...], spam: float, hold: float,
            pinned_spam: bool, pinned_hold: bool) -> thresholds.Thresholds:
    """The thresholds for a histogram, remembered: every comment scored asks, and the
    histogram changes only when a moderator decides (the answer is immutable)."""
    return thresholds.choose(dict(bins), spam, hold, pinned_spam=pinned_spam,
                             pinned_hold=pinned_hold)


def thresholds_in_force(session: Session, settings: Mapping[str, Any]) -> thresholds.Thresholds:
    """The thresholds in force and the decisions they rest on."""
    bins = {row.bin: (row.spam, row.ham) for row in session.execute(
        sa.select(SpamScoreBin.bin, SpamScoreBin.spam, SpamScoreBin.ham))}
    return _chosen(bins, settings)


def learn(session: Session, changes: Iterable[tuple[Sample, bool, int]]) -> None:
    """Apply (sample, is_spam, +1 learn / -1 unlearn) changes as one upsert; counts stay >= 0."""
    deltas: Counter[tuple[str, bool]] = Counter()
    corpus: Counter[bool] = Counter()
    for sample, is_spam, step in changes:
        corpus[is_spam] += step
        for token in spam.features(sample):
            deltas[token, is_spam] += step
    if not corpus:
        return
    _add_to_corpus(session, spam_delta=corpus[True], ham_delta=corpus[False])
    merged: dict[str, list[int]] = {}
    for (token, is_spam), step in deltas.items():
        merged.setdefault(token, [0, 0])[0 if is_spam else 1] += step
    # Sorted, so concurrent decisions lock rows in the same order and cannot deadlock.
    rows: list[dict[str, Any]] = [{"token": token, "spam": s, "ham": h}
                                  for token, (s, h) in sorted(merged.items()) if s or h]
    # One statement, compiled once and run over every row (executemany).
    session.connection().execute(_upsert(session.get_bind().dialect.name, SpamToken, "token"),
                                 rows)
    # A token unlearned before it was ever learned was inserted negative: floor it too.
    if any(row["spam"] < 0 or row["ham"] < 0 for row in rows):
        tokens = [row["token"] for row in rows if row["spam"] < 0 or row["ham"] < 0]
        for column in (SpamToken.spam, SpamToken.ham):
            session.execute(sa.update(SpamToken).where(SpamToken.token.in_(tokens), column < 0)
                            .values({column: 0}))


@functools.cache
def _upsert(dialect: str, table: type[SpamToken] | type[SpamScoreBin], key: str) -> Any:
    """INSERT of (key, spam, ham) that adds to the row already there: built once per dialect."""
    insert: Any = dialect_insert(dialect)(table)
    return insert.on_conflict_do_update(index_elements=[key], set_={
        "spam": _floored(table.spam + insert.excluded.spam),
        "ham": _floored(table.ham + insert.excluded.ham)})


def learn_scores(session: Session, changes: Iterable[tuple[float, bool, int]]) -> None:
    """Apply (score, is_spam, +1 / -1) to the score histograms as one upsert; counts stay >= 0."""
    merged: dict[int, list[int]] = {}
    for value, is_spam, step in changes:
        merged.setdefault(thresholds.bin_of(value), [0, 0])[0 if is_spam else 1] += step
    rows = [{"bin": bin, "spam": s, "ham": h} for bin, (s, h) in sorted(merged.items()) if s or h]
    if not rows:
        return
    session.connection().execute(_upsert(session.get_bind().dialect.name, SpamScoreBin, "bin"),
                                 rows)
    if any(row["spam"] < 0 or row["ham"] < 0 for row in rows):
        for column in (SpamScoreBin.spam, SpamScoreBin.ham):
            session.execute(sa.update(SpamScoreBin).where(column < 0).values({column: 0}))


def rebuild(session: Session) -> tuple[int, int]:
    """Forget every count and learn again: the shipped corpora, then every comment as the
    moderators decided it. Returns (starter comments, decided comments) learned; the
    caller commits. The score histograms stay: they record past screening, not the model."""
    session.execute(sa.delete(SpamToken))
    session.execute(sa.delete(SpamCorpus))
    starter = corpora.starter_rows()
    learn(session, [(sample, is_spam, +1) for sample, is_spam in starter])
    decided = 0
    last = 0
    while batch := session.execute(
            sa.select(Comment.id, Comment.text, Comment.name, Comment.website, Comment.trained_as)
            .where(Comment.trained_as.is_not(None), Comment.id > last)
            .order_by(Comment.id).limit(1000)).all():
        learn(session, [(Sample(text=row.text, name=row.name, website=row.website),
                         bool(row.trained_as), +1) for row in batch])
        decided += len(batch)
        last = batch[-1].id
    return len(starter), decided


def _floored(expression: Any) -> Any:
    return sa.case((expression < 0, 0), else_=expression)


def _add_to_corpus(session: Session, spam_delta: int, ham_delta: int) -> None:
    insert = upsert(session)
    values = insert(SpamCorpus).values(id=CORPUS_ID, spam_total=max(spam_delta, 0),
                                       ham_total=max(ham_delta, 0))
    session.execute(values.on_conflict_do_update(index_elements=["id"], set_={
        "spam_total": _floored(SpamCorpus.spam_total + spam_delta),
        "ham_total": _floored(SpamCorpus.ham_total + ham_delta)}))


def label(status: Status, previous: bool | None) -> bool | None:
    """What a decision teaches: spam, ham (approved), or nothing (rejected, pending).

    Trash is a soft delete, not a judgement: it keeps whatever was learned before.
    """
    if status == Status.TRASH:
        return previous
    return {Status.SPAM: True, Status.APPROVED: False}.get(status)


def learn_from_decision(session: Session, comments: Iterable[Comment], status: Status) -> None:
    """Teach the model the moderators' decision on these comments, undoing what it no
    longer holds true, when the session commits; records what each was learned as.

    Changes wait in the session and are applied as one upsert just before the commit,
    so a bulk decision on 500 comments costs one statement, not 500.
    """
    for comment in comments:
        new = label(status, comment.trained_as)
        if new == comment.trained_as:
            continue
        sample = sample_of(comment)
        if comment.trained_as is not None:
            oncommit.queue(session, LEARNED, (sample, comment.trained_as, -1))
            if comment.score is not None:
                oncommit.queue(session, SCORED, (comment.score, comment.trained_as, -1))
        if new is not None:
            oncommit.queue(session, LEARNED, (sample, new, +1))
            if comment.score is not None:
                oncommit.queue(session, SCORED, (comment.score, new, +1))
        comment.trained_as = new


LEARNED = "spam.learned"
SCORED = "spam.scored"  # the score histograms (registered after LEARNED: they flush after)


@oncommit.before_commit(LEARNED)
def _learn_pending(session: Session, changes: list[tuple[Sample, bool, int]]) -> None:
    learn(session, changes)


@oncommit.before_commit(SCORED)
def _learn_scores_pending(session: Session, changes: list[tuple[float, bool, int]]) -> None:
    learn_scores(session, changes)
