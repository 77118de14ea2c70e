"""Benchmark: what notifications cost posting, and how fast the worker delivers.

    .venv/bin/python bench/notify.py [--posts 300] [--rounds 5] [--rows 1000] [--database URL]

1. Posting, in process (Flask's test client, so HTTP parsing is not in the way), on a
   real SQLite file (or --database): rounds of `--posts` comments with notifications off
   (the outbox flush replaced by one that writes nothing) and on (two webhooks that want
   every event and two moderators mailed for each comment: four outbox rows per post), in
   turns; medians. The time spent inside `outbox.write` is also summed, as a share of
   posting: it is steadier than the difference of two throughputs on a loaded machine.
2. Delivery: `--rows` webhook rows queued, then one worker (in process, as
   `flask --app wsgi worker` runs it) drains them to an HTTP receiver on loopback;
   then as many mails to an aiosmtpd server on loopback. Rows per second.

A few seconds in all; prints a Markdown table.
"""

import argparse
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from service import create_app, oncommit  # noqa: E402
from service.auth import create_moderator  # noqa: E402
from service.config import TestConfig, database_url  # noqa: E402
from service.extensions import db  # noqa: E402
from service.models import Delivery, NotifyMode, Outbox, Role, Webhook  # noqa: E402
from service.notify import outbox  # noqa: E402
from service.notify.worker import run  # noqa: E402
from tests.serving import free_port  # noqa: E402


class Timed:
    """Stands in for `outbox.write` (which the hook calls) to add up the time spent in it:
    the listeners' query, building the rows, their INSERT (the comment's own INSERT, which
    the hook flushes first, is not counted: it happens at the commit anyway)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.write = outbox.write

    def __call__(self, *args: Any) -> int:
        start = time.perf_counter()
        written = self.write(*args)
        self.seconds += time.perf_counter() - start
        return written


def posting(app: Any, posts: int, rounds: int) -> dict[str, Any]:
    client = app.test_client()
    timed = Timed()
    outbox.write = timed  # type: ignore[assignment]
    hook = oncommit._FLUSHES[outbox.ANNOUNCED]
    times: dict[str, list[float]] = {"off": [], "on": []}
    hook_share: list[float] = []
    try:
        for round_ in range(rounds):
            for mode in ("off", "on") if round_ % 2 else ("on", "off"):
                # Off: the queued announcements are dropped at the commit, nothing is written.
                oncommit._FLUSHES[outbox.ANNOUNCED] = hook if mode == "on" else lambda s, i: None
                timed.seconds = 0.0
                start = time.perf_counter()
                for number in range(posts):
                    response = client.post(f"/api/v1/articles/bench-{round_}-{mode}/comments",
                                           json={"name": f"Reader {number}", "email":
                                                 f"r{number}@example.org",
                                                 "text": f"Comment {number} of {mode} {round_}"})
                    assert response.status_code == 201, response.get_json()
                elapsed = time.perf_counter() - start
                times[mode].append(posts / elapsed)
                if mode == "on":
                    hook_share.append(timed.seconds / elapsed)
    finally:
        outbox.write = timed.write  # type: ignore[assignment]
        oncommit._FLUSHES[outbox.ANNOUNCED] = hook
    with app.app_context():
        written = db.session.scalar(sa.select(sa.func.count()).select_from(Outbox))
        db.session.execute(sa.delete(Outbox))
        db.session.commit()
    off, on = statistics.median(times["off"]), statistics.median(times["on"])
    return {"off": off, "on": on, "cost": 1 - on / off, "hook": statistics.median(hook_share),
            "rows": written / (posts * rounds)}


def receiver() -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


class Sink:
    count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        Sink.count += 1
        return "250 OK"


def delivery(app: Any, rows: int, channel: str, target: int) -> float:
    """Queue `rows` rows of one channel, drain them with one worker; rows per second."""
    with app.app_context():
        db.session.execute(sa.insert(Outbox), [
            {"event_id": f"bench-{channel}-{n}", "event": "comment.created", "channel": channel,
             "target_id": target, "state": "pending", "attempts": 0,
             "payload": {"id": f"bench-{n}", "event": "comment.created", "comment_id": 1}}
            for n in range(rows)])
        db.session.commit()
        start = time.perf_counter()
        run(db.session, app.config, stop=threading.Event(), drain=True, batch=100)
        elapsed = time.perf_counter() - start
        sent = db.session.scalar(sa.select(sa.func.count()).select_from(Outbox).where(
            Outbox.channel == channel, Outbox.state == Delivery.SENT))
        db.session.remove()
    assert sent == rows, f"{sent} of {rows} {channel} rows sent"
    return rows / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    options = parser.parse_args()
    server, port = receiver()
    smtp_port = free_port()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    with tempfile.TemporaryDirectory(prefix="causerie-notify-") as folder:
        url = database_url(options.database or f"sqlite:///{Path(folder) / 'bench.db'}")
        engine_options: dict[str, Any] = {}
        schema = f"causerie_bench_{os.getpid()}"
        if url.startswith("postgresql"):  # a schema of its own, dropped at the end
            with sa.create_engine(url).begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            engine_options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SCREENING_ENABLED=True,
                         SQLALCHEMY_ENGINE_OPTIONS=engine_options,
                         MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, WEBHOOK_ALLOW_PRIVATE=True,
                         WEBHOOK_TIMEOUT=2.0)
        with app.app_context():
            db.drop_all()
            db.create_all()
            for name in ("ada", "marc"):
                create_moderator(db.session, name, Role.ADMIN, "cli:bench",
                                 email=f"{name}@example.org", notify=NotifyMode.EACH)
            for number in range(2):
                db.session.add(Webhook(url=f"http://127.0.0.1:{port}/hook{number}",
                                       events=list(outbox.EVENTS), secret="0123456789abcdef"))
            db.session.commit()
            moderator_id = 1
        try:
            posted = posting(app, options.posts, options.rounds)
            with app.app_context():  # a pending comment for the mails to show
                comment_id = db.session.execute(sa.text("SELECT min(id) FROM comment")).scalar()
                assert comment_id == 1
            webhooks_rate = delivery(app, options.rows, "webhook", 1)
            mails_rate = delivery(app, max(options.rows // 4, 50), "moderator", moderator_id)
        finally:
            with app.app_context():
                db.drop_all()
                db.engine.dispose()
            smtp.stop()
            server.shutdown()
            if engine_options:
                with sa.create_engine(url).begin() as connection:
                    connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    database = url.split(":", 1)[0]
    print(f"\n| measure ({database}) | value |\n| --- | --- |")
    print(f"| posting, notifications off | {posted['off']:.0f} comments/s |")
    print(f"| posting, notifications on ({posted['rows']:.1f} outbox rows per post) | {posted['on']:.0f} comments/s |")
    print(f"| throughput lost to notifications | {posted['cost']:.1%} |")
    print(f"| time inside outbox.write (listeners, rows, INSERT), share of posting | {posted['hook']:.1%} |")
    print(f"| worker delivering webhooks to a loopback receiver | {webhooks_rate:.0f} rows/s |")
    print(f"| worker delivering mails to a loopback SMTP server | {mails_rate:.0f} rows/s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
