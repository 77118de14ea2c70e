"""Measuring the spam filter offline: leave-one-file-out on labelled CSV files, the
figures of a three-outcome verdict (marked spam, held, passed), and the rule that
chooses the two thresholds. `flask spam evaluate` and the bench scripts use it; the
service's requests never do.

Pure standard library, like `spam`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .corpora import deduplicated, read_labelled
from .model import HOLD_THRESHOLD, SPAM_THRESHOLD, Sample, normalized_text, train
from .quality import Agreement, matthews, shown

# What choose_thresholds gives on the five videos' leave-one-out scores (a test checks it).
# The shipped SPAM_THRESHOLD is higher on purpose: see docs/spam-model.md.
YOUTUBE_RULE = (0.98, 0.89)

# The targets thresholds are chosen for, and the values tried.
MAX_HAM_MARKED_SPAM = 0.01    # at most 1 % of legitimate comments marked spam
MIN_DECIDED_MCC = 0.90        # MCC over what the model decides alone; the rest is held
THRESHOLD_GRID = tuple(sorted({i / 100 for i in range(1, 100)}
                              | {0.99 + i / 1000 for i in range(1, 10)}
                              | {0.999 + i / 10_000 for i in range(1, 10)}
                              | {0.9999 + i / 100_000 for i in range(1, 10)}))


def _ratio(part: int, whole: int) -> float:
    """Return a share, 0.0 of nothing: shares of a class are counts, not quality figures."""
    return part / whole if whole else 0.0


def _ranked(value: float | None) -> float:
    """Return a figure for comparing candidates: an undefined MCC ranks as no correlation."""
    return 0.0 if value is None else value


@dataclass(frozen=True)
class Report:
    """Outcome counts of an evaluation; "marked spam" (score > spam threshold) is positive."""

    name: str
    tp: int = 0            # spam marked spam
    fp: int = 0            # ham marked spam
    tn: int = 0            # ham not marked spam (held or passed)
    fn: int = 0            # spam not marked spam (held or passed)
    spam_held: int = 0     # spam with hold_threshold < score <= spam_threshold
    ham_held: int = 0      # ham with hold_threshold < score <= spam_threshold
    skipped: int = 0       # test rows whose text was already in the training set
    spam_threshold: float = SPAM_THRESHOLD
    hold_threshold: float = HOLD_THRESHOLD
    files: tuple[Report, ...] = ()

    @property
    def spam(self) -> int:
        """Return how many spam comments were scored."""
        return self.tp + self.fn

    @property
    def ham(self) -> int:
        """Return how many ham comments were scored."""
        return self.tn + self.fp

    @property
    def marked(self) -> Agreement:
        """Return the spam mark against the truth (held counts as not marked)."""
        return Agreement(self.tp, self.fp, self.tn, self.fn)

    @property
    def precision(self) -> float | None:
        """Return the share of comments marked spam that are spam (None if none was)."""
        return self.marked.precision

    @property
    def recall(self) -> float | None:
        """Return the share of spam that was marked spam (None if no spam was scored)."""
        return self.marked.recall

    @property
    def f1(self) -> float | None:
        """Return the harmonic mean of precision and recall of the spam mark."""
        return self.marked.f1

    @property
    def mcc(self) -> float | None:
        """Return the MCC of "marked spam" against everything else (held counts as not)."""
        return self.marked.mcc

    @property
    def flag_mcc(self) -> float | None:
        """Return the MCC where held also counts as flagged (marked spam or held)."""
        tp, fp = self.tp + self.spam_held, self.fp + self.ham_held
        return matthews(tp, fp, self.ham - fp, self.spam - tp)

    @property
    def decided_mcc(self) -> float | None:
        """Return the MCC over the comments the model decides alone: marked spam against
        passed. Held comments go to a moderator instead, so they are left out."""
        spam_passed, ham_passed = self.fn - self.spam_held, self.tn - self.ham_held
        return matthews(self.tp, self.fp, ham_passed, spam_passed)

    @property
    def held_share(self) -> float:
        """Return the share of all comments held for a moderator."""
        return _ratio(self.spam_held + self.ham_held, self.spam + self.ham)

    @property
    def ham_marked_spam(self) -> float:
        """Return the share of legitimate comments marked spam."""
        return _ratio(self.fp, self.ham)

    @property
    def spam_held_share(self) -> float:
        """Return the share of spam that was held for a moderator."""
        return _ratio(self.spam_held, self.spam)

    @property
    def ham_held_share(self) -> float:
        """Return the share of ham that was held for a moderator."""
        return _ratio(self.ham_held, self.ham)

    @property
    def spam_passed_share(self) -> float:
        """Return the share of spam that was neither marked nor held: it would be published."""
        return _ratio(self.fn - self.spam_held, self.spam)

    def format(self) -> str:
        """Return a readable English table: one line per file, then the total."""
        header = (f"{'file':<24}{'spam':>6}{'ham':>6}{'tp':>6}{'fp':>5}{'tn':>6}{'fn':>5}"
                  f"{'prec':>8}{'recall':>8}{'F1':>7}{'MCC':>7}{'flagMCC':>9}{'decMCC':>8}"
                  f"{'ham>spam':>10}{'spamHeld':>10}{'hamHeld':>9}{'dupes':>7}")
        lines = [f"Spam threshold {self.spam_threshold:g}, hold threshold "
                 f"{self.hold_threshold:g}; MCC counts held as not spam, flagMCC as spam, "
                 "decMCC leaves held out (a moderator decides them).",
                 header, "-" * len(header)]
        lines += [part._row() for part in self.files]
        if self.files:
            lines.append("-" * len(header))
        lines.append(self._row())
        return "\n".join(lines)

    def _row(self) -> str:
        """Return this report's figures as one table line."""
        return (f"{self.name[:23]:<24}{self.spam:>6}{self.ham:>6}{self.tp:>6}{self.fp:>5}"
                f"{self.tn:>6}{self.fn:>5}{shown(self.precision):>8}{shown(self.recall):>8}"
                f"{shown(self.f1):>7}{shown(self.mcc):>7}{shown(self.flag_mcc):>9}"
                f"{shown(self.decided_mcc):>8}"
                f"{self.ham_marked_spam:>10.2%}{self.spam_held_share:>10.2%}"
                f"{self.ham_held_share:>9.2%}{self.skipped:>7}")


def tally(name: str, scored: Iterable[tuple[float, bool]], spam_threshold: float,
          hold_threshold: float, skipped: int = 0) -> Report:
    """Return the Report of (score, is_spam) pairs under the two thresholds."""
    outcomes: Counter[tuple[bool, str]] = Counter()
    for probability, is_spam in scored:
        if probability > spam_threshold:
            outcomes[is_spam, "marked"] += 1
        elif probability > hold_threshold:
            outcomes[is_spam, "held"] += 1
        else:
            outcomes[is_spam, "passed"] += 1
    return Report(name, tp=outcomes[True, "marked"], fp=outcomes[False, "marked"],
                  tn=outcomes[False, "held"] + outcomes[False, "passed"],
                  fn=outcomes[True, "held"] + outcomes[True, "passed"],
                  spam_held=outcomes[True, "held"], ham_held=outcomes[False, "held"],
                  skipped=skipped, spam_threshold=spam_threshold, hold_threshold=hold_threshold)


class Split(NamedTuple):
    """One leave-one-file-out fold: no normalized text is on both sides."""

    name: str
    training: list[tuple[Sample, bool]]  # the other files, deduplicated
    tested: list[tuple[Sample, bool]]    # this file's rows whose text was not trained on
    skipped: int                         # this file's rows left out as already trained on


def splits(files: Sequence[Path | str]) -> list[Split]:
    """Return one Split per file, in the given order."""
    data = [(Path(path).stem, read_labelled(path)) for path in files]
    result = []
    for index, (name, rows) in enumerate(data):
        others = (row for other, (_, other_rows) in enumerate(data) if other != index
                  for row in other_rows)
        training = deduplicated(others)
        known = {normalized_text(sample.text) for sample, _ in training}
        tested = [row for row in rows if normalized_text(row[0].text) not in known]
        result.append(Split(name, training, tested, len(rows) - len(tested)))
    return result


def combined(name: str, parts: Sequence[Report]) -> Report:
    """Return one Report adding up the counts of parts made with the same thresholds."""
    keys = ("tp", "fp", "tn", "fn", "spam_held", "ham_held", "skipped")
    sums = {key: sum(getattr(part, key) for part in parts) for key in keys}
    first = parts[0] if parts else Report(name)
    return Report(name, spam_threshold=first.spam_threshold,
                  hold_threshold=first.hold_threshold, files=tuple(parts), **sums)


Scored = list[tuple[float, bool]]  # (score, is_spam) per tested comment


def filter_scores(split: Split) -> Scored:
    """Return (score, is_spam) of a split's tested rows under the filter trained on it."""
    model = train(split.training)
    return [(model.score(sample), is_spam) for sample, is_spam in split.tested]


def leave_one_out(files: Sequence[Path | str]) -> list[tuple[Split, Scored]]:
    """Return each file's split with its tested rows scored by a model trained on the others."""
    return [(split, filter_scores(split)) for split in splits(files)]


def evaluate(files: Sequence[Path | str], spam_threshold: float = SPAM_THRESHOLD,
             hold_threshold: float = HOLD_THRESHOLD,
             scored: Sequence[tuple[Split, Scored]] | None = None) -> Report:
    """Return leave-one-file-out figures: each file scored by a model trained on the others.

    `scored`, from `leave_one_out(files)`, saves scoring again under other thresholds.
    """
    parts = [tally(split.name, pairs, spam_threshold, hold_threshold, split.skipped)
             for split, pairs in (scored if scored is not None else leave_one_out(files))]
    return combined("all files", parts)


def choose_thresholds(scored: Sequence[tuple[float, bool]]) -> tuple[float, float]:
    """Return (spam, hold) thresholds for these scores, by the rule the defaults follow.

    Spam: the MCC of the spam mark is highest while at most MAX_HAM_MARKED_SPAM of ham is
    marked (1.0, marking nothing, when no value of the grid keeps to that). Hold: the
    highest value (the shortest queue) at which the comments left to the model reach
    MIN_DECIDED_MCC; if none does, the one with the best flag MCC.
    """
    # Every candidate is tallied once per role; scores reach 1.0 exactly, so only 1.0 is
    # sure to mark nothing.
    candidates = (*THRESHOLD_GRID, 1.0)
    marks = {t: tally("", scored, t, t) for t in candidates}
    spam_t = max((t for t, mark in marks.items() if mark.ham_marked_spam <= MAX_HAM_MARKED_SPAM),
                 key=lambda t: (_ranked(marks[t].mcc), t))
    holds = {t: tally("", scored, spam_t, t) for t in candidates if t <= spam_t}
    enough = [t for t, hold in holds.items() if _ranked(hold.decided_mcc) >= MIN_DECIDED_MCC]
    hold_t = max(enough) if enough else max(holds, key=lambda t: (_ranked(holds[t].flag_mcc), t))
    return spam_t, hold_t


def nested(files: Sequence[Path | str], score: Callable[[Split], Scored],
           outer: Sequence[Scored] | None = None
           ) -> tuple[Report, list[tuple[float, float]], list[Scored]]:
    """Return honest leave-one-file-out figures: each file tallied at the thresholds that
    `choose_thresholds` picks from the leave-one-out scores of the other files alone.

    `score(split)` scores a split's tested rows with a model trained on its training rows;
    `outer`, each file's own scores if already known, saves scoring them again. Returns
    the Report, the (spam, hold) thresholds per file and each file's scores.
    """
    parts, chosen, scores = [], [], []
    for index, split in enumerate(splits(files)):
        others = [path for i, path in enumerate(files) if i != index]
        thresholds = choose_thresholds([pair for inner in splits(others) for pair in score(inner)])
        own = list(outer[index]) if outer is not None else score(split)
        parts.append(tally(split.name, own, *thresholds, split.skipped))
        chosen.append(thresholds)
        scores.append(own)
    return combined("all files", parts), chosen, scores


def pooled(scored: Iterable[tuple[Split, Scored]]) -> Scored:
    """Return the scores of every split of `leave_one_out` as one list."""
    return [pair for _, pairs in scored for pair in pairs]
