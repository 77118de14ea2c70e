"""SQLite's write lock under gevent: a request waiting for it must not stop its worker.

Each scenario runs in a child process that monkey-patches with gevent, as a gunicorn
gevent worker does (patching the test process itself would change every other test).
Two connections to one real SQLite file: the first holds the write lock, the second
asks for it through `begin_write` while a third greenlet ticks every millisecond.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]

SCENARIO = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import json, sys, time
    import gevent
    import sqlalchemy as sa
    from service.writelock import begin_write

    path, hold_for, timeout = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": timeout})
    with engine.begin() as setup:
        setup.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    holder, waiter = engine.connect(), engine.connect()
    holder.exec_driver_sql("BEGIN IMMEDIATE")
    holder.exec_driver_sql("INSERT INTO t VALUES (1)")
    ticks, result = [], {}

    def tick():
        while "done" not in result:
            ticks.append(time.monotonic())
            gevent.sleep(0.001)

    def release():
        gevent.sleep(hold_for)
        holder.commit()

    def wait():
        began = time.monotonic()
        try:
            begin_write(waiter, timeout)
            waiter.exec_driver_sql("INSERT INTO t VALUES (2)")
            waiter.commit()
            result["outcome"] = "written"
        except sa.exc.OperationalError as error:
            result["outcome"] = "refused: " + str(error.orig)
        result["waited"] = time.monotonic() - began
        result["done"] = True

    greenlets = [gevent.spawn(tick), gevent.spawn(wait)]
    if hold_for >= 0:
        greenlets.append(gevent.spawn(release))
    gevent.joinall(greenlets, timeout=timeout + 10)
    with engine.connect() as check:
        rows = [n for (n,) in check.exec_driver_sql("SELECT n FROM t ORDER BY n")]
    print(json.dumps({**result, "ticks": len(ticks), "rows": rows}))
""")


def run(tmp_path: Path, hold_for: float, timeout: float) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", SCENARIO, str(tmp_path / "lock.db"),
                           str(hold_for), str(timeout)], cwd=PROJECT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def test_the_wait_for_the_write_lock_lets_the_worker_serve_others(tmp_path: Path) -> None:
    outcome = run(tmp_path, hold_for=0.3, timeout=3)
    assert outcome["outcome"] == "written" and outcome["rows"] == [1, 2]
    assert 0.25 <= outcome["waited"] < 2
    # SQLite's own busy handler would have slept in C for those 0.3 s: no tick at all.
    assert outcome["ticks"] >= 50


def test_a_lock_never_released_ends_in_the_database_error_after_the_timeout(
        tmp_path: Path) -> None:
    outcome = run(tmp_path, hold_for=-1, timeout=1)
    assert outcome["outcome"] == "refused: database is locked"
    assert 1 <= outcome["waited"] < 1.5  # the timeout once, not twice
    assert outcome["rows"] == []  # the holder never committed; the waiter wrote nothing
    assert outcome["ticks"] >= 100  # the worker went on serving while it waited
