"""Labelled comments from files: the YouTube Spam Collection's CSV, the SMS Spam
Collection's `label<TAB>text` lines, and the corpora shipped in `service/data/`, from
which the starter model is learnt.

Pure standard library, like the rest of the filter.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from .model import Sample, normalized_text

#: The shipped corpora; their sources, licences and citations sit beside them.
DATA = Path(__file__).resolve().parent.parent / "data"

Labelled = list[tuple[Sample, bool]]  # (comment, is spam)


def read_youtube_csv(path: Path | str) -> Labelled:
    """Return (sample, is_spam) per row of a CSV with AUTHOR, CONTENT and CLASS (1 = spam);
    DATE is ignored (it gives the label away in one of the videos)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [(Sample(text=row["CONTENT"], name=row["AUTHOR"]), row["CLASS"].strip() == "1")
                for row in csv.DictReader(handle)]


def read_sms(path: Path | str) -> Labelled:
    """Return (sample, is_spam) per line `spam<TAB>text` or `ham<TAB>text`, blank lines skipped."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            label, tab, text = line.rstrip("\r\n").partition("\t")
            if not tab or label not in ("spam", "ham"):
                raise ValueError(f"line {number} is not 'spam' or 'ham', a tab, then the text")
            rows.append((Sample(text=text), label == "spam"))
    return rows


def read_labelled(path: Path | str) -> Labelled:
    """Return the labelled comments of a file in either format, told apart by its first line."""
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
    if first.startswith(("spam\t", "ham\t")):
        return read_sms(path)
    return read_youtube_csv(path)


def deduplicated(rows: Iterable[tuple[Sample, bool]]) -> Labelled:
    """Return the rows keeping only the first of each normalized text."""
    seen: dict[str, tuple[Sample, bool]] = {}
    for sample, is_spam in rows:
        seen.setdefault(normalized_text(sample.text), (sample, is_spam))
    return list(seen.values())


def shipped_files(data: Path = DATA) -> list[Path]:
    """Return the shipped corpus files: the YouTube videos, then the SMS collection."""
    return [*sorted((data / "youtube-spam").glob("*.csv")), data / "sms-spam" / "SMSSpamCollection"]


def starter_rows(leave_out: Sequence[tuple[Sample, bool]] = (), data: Path = DATA) -> Labelled:
    """Return the deduplicated comments of the shipped corpora the starter model learns,
    without any whose normalized text is in `leave_out` (so a replay never tests on a
    comment its starting model already learned)."""
    unwanted = {normalized_text(sample.text) for sample, _ in leave_out}
    rows = (row for path in shipped_files(data) for row in read_labelled(path))
    return [row for row in deduplicated(rows) if normalized_text(row[0].text) not in unwanted]
