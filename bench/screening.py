"""Benchmark: posting throughput with every screening check and a trained spam model on,
against screening turned off, in the same run.

    .venv/bin/python bench/screening.py [--seconds 10] [--rounds 3]

Two gunicorn servers (2 sync workers each, loopback) share nothing but the machine:
each has its own SQLite database, seeded alike with 20,000 comments. The "on" server's
model is first trained on the YouTube Spam Collection (`flask spam train`), its word lists
hold a few words, and every comment is posted to ONE article by returning authors with
emails, so the duplicate and trusted-author look-ups really run. The "off" server has
SCREENING_ENABLED=false. wrk (-t2 -c32) posts to each in turns, several rounds, and the
medians are compared: the issue asks the full pipeline to keep at least 70 % of the
unscreened throughput.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from run import ensure_wrk, prepare, say, wrk  # noqa: E402
from tests.serving import gunicorn, service_environment  # noqa: E402

DATASET = BENCH.parent / "service" / "data" / "youtube-spam"
SCRIPT = BENCH / "post.lua"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per configuration")
    options = parser.parse_args()
    ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="causerie-screening-") as folder:
        urls = {name: prepare(Path(folder) / name, 20_000) for name in ("on", "off")
                if (Path(folder) / name).mkdir() is None}
        common = {"RATELIMIT_ENABLED": "false", "MODERATION": "pre"}
        envs = {"on": service_environment(urls["on"], **common, HELD_WORDS="casino,loan",
                                          BLOCKED_WORDS="viagra,xanax", MAX_LINKS="2"),
                "off": service_environment(urls["off"], **common, SCREENING_ENABLED="false")}
        trained = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "spam", "train",
             *map(str, sorted(DATASET.glob("*.csv")))], cwd=BENCH.parent, env=envs["on"],
            capture_output=True, text=True, timeout=300, check=True).stdout.strip()
        say(f"  model: {trained}")
        rates: dict[str, list[float]] = {"on": [], "off": []}
        with gunicorn("wsgi:app", envs["on"]) as on, gunicorn("wsgi:app", envs["off"]) as off:
            ports = {"on": on, "off": off}
            for round_ in range(options.rounds):
                for name in ("off", "on") if round_ % 2 else ("on", "off"):
                    result = wrk(f"posting, screening {name} (round {round_ + 1})",
                                 f"http://127.0.0.1:{ports[name]}", options.seconds,
                                 script=SCRIPT, args=(f"{name}{round_}{int(time.time())}", "one"),
                                 warmup=1 if round_ == 0 else 0)
                    if result.bad or result.errors:
                        say(f"  warning: {result.bad} non-2xx/3xx, {result.errors} socket errors")
                    rates[name].append(result.rps)
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    say(f"Posting, median of {options.rounds} rounds: screening on {on:,.0f}/s, "
        f"off {off:,.0f}/s, ratio {on / off:.2f} (goal at least 0.70)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
