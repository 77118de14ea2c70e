"""The replay targets of docs/spam-model.md, measured with the replay (`flask spam replay`):

    .venv/bin/python bench/spam_replay.py [--sms-seeds 1 2 3] [--skip-youtube] [--skip-sms]

- SMS Spam Collection: the whole deduplicated file, shuffled with each seed, streamed
  after the starter model (the YouTube videos: no SMS text is in it).
- YouTube: each video in file order, after the starter model without that video's texts
  (the SMS collection and the other four videos).

Prints one Markdown table per corpus: per stream and half, the spam marked spam, the
legitimate comments marked spam, the share held and the MCC of the spam mark.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import replay  # noqa: E402
from service.app import create_app  # noqa: E402
from service.config import TestConfig  # noqa: E402
from service.spamfilter import corpora  # noqa: E402


def _app(**config: object) -> object:
    # The documented defaults, whatever this shell's environment says.
    return create_app(TestConfig, TESTING=False, **config)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def row(name: str, result: replay.Replay) -> list[str]:
    lines = []
    for half in result.halves:
        mcc = half.marked.mcc
        lines.append(f"| {name} | {half.name} | {sum(s for s, _ in half.outcomes)} "
                     f"| {sum(not s for s, _ in half.outcomes)} "
                     f"| {_percent(half.share(True, replay.Status.SPAM))} "
                     f"| {_percent(half.share(False, replay.Status.SPAM))} "
                     f"| {_percent(half.held)} | {'n/a' if mcc is None else f'{mcc:.3f}'} |")
    spam, hold = result.thresholds["spam"], result.thresholds["hold"]
    lines[-1] = lines[-1][:-1] + (f"| {spam.value:g} ({spam.source}) / {hold.value:g} "
                                  f"({hold.source}) |")
    lines[0] += " |"
    return lines


HEADER = ("| stream | half | spam | legit | spam marked spam | legit marked spam | held "
          "| MCC | thresholds at the end (spam / hold) |\n|---|---|---|---|---|---|---|---|---|")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sms-seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--skip-youtube", action="store_true")
    parser.add_argument("--skip-sms", action="store_true")
    options = parser.parse_args()
    if not options.skip_youtube:
        videos = sorted((corpora.DATA / "youtube-spam").glob("*.csv"))
        print(HEADER, flush=True)
        for video in videos:
            started = time.process_time()
            rows = replay.stream([video], None)
            result = replay.replay(rows, _app, article=video.stem)
            print("\n".join(row(video.stem, result)), flush=True)
            print(f"<!-- {video.stem}: {time.process_time() - started:.0f} CPU s -->", flush=True)
    if not options.skip_sms:
        sms = corpora.DATA / "sms-spam" / "SMSSpamCollection"
        print("\n" + HEADER, flush=True)
        for seed in options.sms_seeds:
            started = time.process_time()
            rows = replay.stream([sms], seed)
            result = replay.replay(rows, _app, article="sms")
            print("\n".join(row(f"SMS, shuffle {seed}", result)), flush=True)
            print(f"<!-- seed {seed}: {time.process_time() - started:.0f} CPU s -->", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
