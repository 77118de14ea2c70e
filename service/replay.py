"""Replaying a labelled stream as a site would live it: `flask spam replay FILE...`.

Every comment is posted through the service's own screening (`submit_comment`), in
order, then decided by a "moderator" who knows its label (`decide`), so the model and
the adaptive thresholds learn as they would on a live site. It all happens in a
temporary SQLite database of its own, never the site's. The starting point is the
starter model, learnt from the shipped corpora without any text of the stream.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .errors import DomainError
from .models import Status
from .spamfilter import corpora
from .spamfilter.model import Sample
from .spamfilter.quality import Agreement, ratio

ACTOR = "replay"


@dataclass
class Half:
    """What screening did to one half of the stream, before each decision was learnt."""

    name: str
    outcomes: list[tuple[bool, Status]] = field(default_factory=list)  # (is spam, screened as)

    def share(self, is_spam: bool, status: Status) -> float | None:
        """Return the share of this class that screening gave `status`."""
        of_class = [screened for spam, screened in self.outcomes if spam == is_spam]
        return ratio(sum(screened == status for screened in of_class), len(of_class))

    @property
    def held(self) -> float | None:
        """Return the share of all comments held (pending) by screening."""
        return ratio(sum(status == Status.PENDING for _, status in self.outcomes),
                     len(self.outcomes))

    @property
    def marked(self) -> Agreement:
        """Return the spam mark against the labels (held counts as not marked)."""
        return Agreement.of([(status == Status.SPAM, spam) for spam, status in self.outcomes])

    def line(self) -> str:
        """Return this half as one line of the replay's table."""
        spam = sum(is_spam for is_spam, _ in self.outcomes)

        def percent(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2%}"

        mcc = self.marked.mcc
        return (f"{self.name:<12}{spam:>6}{len(self.outcomes) - spam:>7}"
                f"{percent(self.share(True, Status.SPAM)):>12}"
                f"{percent(self.share(False, Status.SPAM)):>12}{percent(self.held):>9}"
                f"{'n/a' if mcc is None else f'{mcc:.3f}':>8}")


HEADER = (f"{'half':<12}{'spam':>6}{'legit':>7}{'spam>spam':>12}{'legit>spam':>12}"
          f"{'held':>9}{'MCC':>8}")


@dataclass
class Replay:
    halves: tuple[Half, Half]
    skipped: int                    # comments the service refused (empty once sanitized)
    thresholds: dict[str, Any]      # in force at the end
    starter: int                    # comments the starting model learned

    def format(self) -> str:
        """Return the figures as an English table, one line per half."""
        spam, hold = self.thresholds["spam"], self.thresholds["hold"]
        return "\n".join([
            f"Starting model: {self.starter} comments of the shipped corpora (none of the "
            f"stream's texts). Skipped (refused by the service): {self.skipped}.",
            HEADER, *(half.line() for half in self.halves),
            f"Thresholds at the end: spam {spam.value:g} ({spam.source}), hold "
            f"{hold.value:g} ({hold.source}), from {self.thresholds['approved']} approved "
            f"and {self.thresholds['spam_decided']} spam decisions.",
            "spam>spam: share of spam marked spam; legit>spam: share of legitimate comments "
            "marked spam; held: share of all comments held; MCC of the spam mark."])


def stream(files: Sequence[Path], shuffle: int | None) -> corpora.Labelled:
    """Return the files' labelled comments, deduplicated, in file order or shuffled."""
    rows = corpora.deduplicated(row for path in files for row in corpora.read_labelled(path))
    if shuffle is not None:
        random.Random(shuffle).shuffle(rows)
    return rows


def replay(rows: Sequence[tuple[Sample, bool]], make_app: Callable[..., Any],
           article: str = "replay", starter: bool = True,
           leave_out: Sequence[tuple[Sample, bool]] = (),
           progress: Callable[[int], None] | None = None) -> Replay:
    """Post and decide every row in order in a temporary database; return each half's figures.

    The starting model learns the shipped corpora without the texts of `rows` and of
    `leave_out` (the rest of the files, when only a slice is streamed). `make_app(**config)`
    builds the app (the CLI passes `create_app`), so this module needs no import of the
    app factory.
    """
    from .extensions import db
    from .moderation import learning
    from .moderation.actions import Client, submit_comment
    from .moderation.decisions import decide
    from .moderation.settings import effective

    with tempfile.TemporaryDirectory(prefix="causerie-replay-") as folder:
        app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(folder) / 'replay.db'}",
                       RATELIMIT_ENABLED=False, MODERATION="post", LOG_LEVEL="ERROR")
        with app.app_context():
            # A throw-away database: no need to wait for the disk at each of its commits.
            sa.event.listen(db.engine, "connect",
                            lambda connection, _: connection.execute("PRAGMA synchronous=OFF"))
            db.engine.dispose()
            db.create_all()
            learned = corpora.starter_rows(leave_out=[*rows, *leave_out]) if starter else []
            learning.learn(db.session(), [(sample, is_spam, +1) for sample, is_spam in learned])
            db.session().commit()
            settings = effective(db.session(), app.config)
            halves = (Half("first half"), Half("second half"))
            skipped = 0
            for index, (sample, is_spam) in enumerate(rows):
                data = {"text": sample.text, "name": sample.name or "-", "website": sample.website}
                try:
                    comment = submit_comment(db.session(), article, data, client=Client(),
                                             settings=settings)
                except DomainError:
                    db.session().rollback()
                    skipped += 1
                    continue
                halves[int(index * 2 >= len(rows))].outcomes.append((is_spam, comment.status))
                decide(db.session(), comment.id, ACTOR,
                       status=Status.SPAM if is_spam else Status.APPROVED)
                if progress and index % 500 == 499:
                    progress(index + 1)
            chosen = learning.thresholds_in_force(db.session(), settings)
            db.session.remove()
        with app.app_context():
            db.engine.dispose()
    return Replay(halves, skipped, {"spam": chosen.spam, "hold": chosen.hold,
                                    "approved": chosen.approved,
                                    "spam_decided": chosen.spam_decided}, len(learned))
