"""Benchmark: Causerie beside Isso, the peer a blog owner would pick instead, on the same
machine, in the same run, under the same load; and the listing next to a bare Flask floor.

    make bench                                # the full run (about 13 minutes)
    .venv/bin/python bench/run.py --quick     # a smoke run (a few minutes)

For each table size (10^4 and 10^6 comments; --quick: 10^4 only):

1. the same comments are bulk-inserted into Causerie on SQLite, Isso's own SQLite file
   and Causerie on PostgreSQL (a database of its own on the local server): one article
   with 100 approved comments of 100-600 characters, the others spread 50 an article;
   Causerie's spam model is trained on the shipped YouTube corpus, its word lists set;
2. every server runs the Dockerfile's gunicorn command (bench/serve.py) on 127.0.0.1;
3. wrk -t2 -c32 --latency loads, in rounds and in turns (so that a change of the
   shared machine's load weighs on all alike): the bare bytes floor, the listing, its
   304 revisit, counts for 10 and 100 articles, and posting (each comment to a new
   article; screening on); the medians of the rounds are reported, with their ratios;
4. at the largest size, the moderation queue and bulk approvals; then, in process, the
   statements and cost of one listing on each SQLite table.

The table is printed and written to bench/results/latest.md. Every server is killed and
every temporary database dropped on exit; every step is bounded in time.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(BENCH))

import peer_isso  # noqa: E402
import seeding  # noqa: E402
from seeding import ARTICLE, ARTICLE_COMMENTS, article_key  # noqa: E402
from serve import WORKERS, cpu_seconds, describe, serve  # noqa: E402
from tests.serving import free_port, get, migrate, service_environment  # noqa: E402

PENDING = 10_000
BULK = 500
LISTING = f"/api/v1/articles/{ARTICLE}/comments?limit={ARTICLE_COMMENTS}"
ISSO_LISTING = "/?" + urllib.parse.urlencode({"uri": f"/{ARTICLE}"})
DATASET = PROJECT / "service" / "data" / "youtube-spam"
POSTGRESQL = os.environ.get("BENCH_POSTGRESQL", "postgresql://postgres@127.0.0.1:5432/postgres")
SCREENING = {"HELD_WORDS": "casino,loan", "BLOCKED_WORDS": "viagra,xanax", "MAX_LINKS": "2"}


def say(message: str) -> None:
    print(message, flush=True)


# --- databases ----------------------------------------------------------------------------

def prepare(folder: Path, total: int, *, pending: int = 0) -> str:
    """A migrated, seeded Causerie SQLite database in `folder`; its URL."""
    path = folder / f"causerie-{total}.db"
    url = f"sqlite:///{path}"
    began = time.perf_counter()
    migrate(service_environment(url))
    seeding.causerie_sqlite(path, total, pending=pending)
    say(f"  Causerie SQLite: {total:,} comments in {time.perf_counter() - began:.1f} s")
    return url


def prepare_isso(folder: Path, total: int, *, pending: int = 0) -> Path:
    """An Isso database made by Isso and seeded alike; its configuration file."""
    path = folder / f"isso-{total}.db"
    began = time.perf_counter()
    config = peer_isso.configure(folder, path, free_port())
    peer_isso.create(config)
    seeding.isso_sqlite(path, total, pending=pending)
    say(f"  Isso SQLite: {total:,} comments in {time.perf_counter() - began:.1f} s")
    return config


@contextmanager
def postgresql_database(total: int, *, pending: int = 0) -> Iterator[str | None]:
    """A fresh database on the local PostgreSQL, migrated and seeded; dropped on exit.
    None (and a note) when no server answers."""
    import psycopg
    name = f"causerie_bench_{os.getpid()}_{total}"
    try:
        admin = psycopg.connect(POSTGRESQL, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        say(f"  PostgreSQL skipped: {str(error).strip().splitlines()[0]}")
        yield None
        return
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        url = urllib.parse.urlunsplit(urllib.parse.urlsplit(POSTGRESQL)._replace(path="/" + name))
        began = time.perf_counter()
        migrate(service_environment(url), timeout=120)
        seeding.causerie_postgresql(url, total, pending=pending)
        say(f"  Causerie PostgreSQL: {total:,} comments in {time.perf_counter() - began:.1f} s")
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def train(env: dict[str, str]) -> str:
    """Teach this database's spam model the shipped YouTube corpus (the starter model)."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "spam", "train",
         *map(str, sorted(DATASET.glob("*.csv")))], cwd=PROJECT, env=env,
        capture_output=True, text=True, timeout=300, check=True).stdout.strip()


# --- wrk --------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    body: int | None
    rps: float
    p50: float
    p99: float
    requests: int
    bad: int
    errors: int

    def row(self) -> str:
        body = f"{self.body:,}" if self.body is not None else "–"
        return (f"| {self.name} | {body} | {self.rps:,.0f} | {self.p50:.2f} | {self.p99:.2f} "
                f"| {self.requests:,} | {self.bad} | {self.errors} |")


HEADER = ("| target | body (bytes) | requests/s | p50 (ms) | p99 (ms) | requests | non-2xx/3xx "
          "| socket errors |\n|---|---:|---:|---:|---:|---:|---:|---:|")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(name: str, url: str, seconds: int, *, body: int | None = None, script: Path | None = None,
        args: tuple[str, ...] = (), headers: dict[str, str] | None = None,
        warmup: int = 0, timeout: int = 10, quiet: bool = False) -> Result:
    """Run wrk -t2 -c32 --latency against url; the numbers it printed. A posting script's
    first argument (a prefix making each comment new) is changed for the warm-up."""
    command = ["wrk", "-t2", "-c32", "--latency", "--timeout", f"{timeout}s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script:
        command += ["-s", str(script)]
    if warmup:
        warm = (args[0] + "w", *args[1:]) if script and script.name == "post.lua" else args
        subprocess.run([*command, "-d", f"{warmup}s", url, *(("--", *warm) if warm else ())],
                       capture_output=True, timeout=warmup + timeout + 30, check=True)
    output = subprocess.run([*command, "-d", f"{seconds}s", url, *(("--", *args) if args else ())],
                            capture_output=True, text=True, timeout=seconds + timeout + 30,
                            check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = [re.search(rf"\s{q}%\s+(\S+)", output) for q in (50, 99)]
    p50, p99 = (_milliseconds(m.group(1)) if m else float("nan") for m in latency)
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    result = Result(name, body, rps, p50, p99, requests, int(bad.group(1)) if bad else 0,
                    sum(map(int, errors.groups())) if errors else 0)
    if not quiet:
        say(f"  {name}: {rps:,.0f} requests/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms"
            + (f", {result.bad} non-2xx/3xx" if result.bad else "")
            + (f", {result.errors} socket errors" if result.errors else ""))
    return result


def ensure_wrk() -> None:
    """wrk comes from Debian's packages; install it when we may, else say how."""
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("wrk is missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, timeout=300,
                       stdout=subprocess.DEVNULL)
    if not shutil.which("wrk"):
        sys.exit("wrk is required: apt-get install -y wrk")


# --- the listing in process: queries and cost by table size ------------------------------

@dataclass
class Scale:  # the listing on a table of `comments` comments
    comments: int
    statements_cold: int
    statements_warm: int
    render_ms: float
    request_ms: float
    plan: list[str]

    def row(self) -> str:
        return (f"| {self.comments:,} | {self.statements_cold} | {self.statements_warm} | "
                f"{self.render_ms:.2f} | {self.request_ms:.3f} |")


def measure_listing(urls: list[str], rounds: int, repeats: int) -> list[Scale]:
    """Per database: SQL statements of a listing (cache cold, warm), render and request ms.

    The databases are timed in turns, round after round, so that a change in the
    machine's load weighs on each of them alike; the medians are over every round.
    """
    import sqlalchemy as sa

    from service import create_app
    from service.config import TestConfig
    from service.extensions import db
    from service.listing import PageRequest, article_version, render_page

    page = PageRequest(article=ARTICLE, order="oldest", limit=ARTICLE_COMMENTS, cursor=None)
    apps = [create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url) for url in urls]
    found: list[dict[str, Any]] = []
    for app in apps:
        client, statements = app.test_client(), []
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute",
                            lambda *args, seen=statements: seen.append(args[2]))
            response = client.get(LISTING)
            assert response.status_code == 200 and len(response.get_json()["items"]) == 100
            cold = len(statements)
            statements.clear()
            client.get(LISTING)
            warm = len(statements)
            with db.engine.connect() as connection:
                plan = []
                for query in ("SELECT id, parent_id, name, website, html, created_at FROM comment "
                              "WHERE article_id = 1 AND status = 'approved' "
                              "ORDER BY created_at, id LIMIT 101",
                              "SELECT count(*) FROM comment WHERE article_id = 1 "
                              "AND status = 'approved'"):
                    plan += [row[-1] for row in connection.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + query)]
                total = connection.exec_driver_sql("SELECT count(*) FROM comment").scalar_one()
            found.append({"cold": cold, "warm": warm, "plan": plan, "total": total,
                          "renders": [], "requests": [], "client": client})
    pairs = list(zip(apps, found, strict=True))
    for number in range(rounds):
        turn = number % len(pairs)  # each database goes first in turn
        for app, seen in pairs[turn:] + pairs[:turn]:
            with app.app_context():
                article_id, _ = article_version(db.session, ARTICLE)
                for _ in range(repeats):
                    began = time.perf_counter()
                    render_page(db.session, page, article_id)
                    seen["renders"].append((time.perf_counter() - began) * 1000)
                db.session.remove()
            for _ in range(repeats * 5):
                began = time.perf_counter()
                seen["client"].get(LISTING)
                seen["requests"].append((time.perf_counter() - began) * 1000)
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    return [Scale(seen["total"], seen["cold"], seen["warm"], statistics.median(seen["renders"]),
                  statistics.median(seen["requests"]), seen["plan"]) for seen in found]


# --- moderation --------------------------------------------------------------------------

def moderator_token(env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "moderators",
                             "create", f"bench-{int(time.time())}", "--role", "admin"],
                            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60,
                            check=True)
    return result.stdout.strip().splitlines()[-1]


def post_json(port: int, path: str, body: Any, token: str) -> tuple[int, Any, float]:
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        began = time.perf_counter()
        connection.request("POST", path, body=json.dumps(body), headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data or b"null"), (time.perf_counter() - began) * 1000
    finally:
        connection.close()


def moderation_bench(url: str, env: dict[str, str], port: int, seconds: int,
                     rounds: int) -> tuple[list[Result], list[float], str]:
    """The queue at 10,000 pending under wrk, then bulk approvals of 500 pending comments."""
    status, _ = get(port, "/api/v1/moderation/comments")
    if status == 404:
        return [], [], "the moderation endpoints do not exist yet"
    token = moderator_token(env)
    auth = {"Authorization": f"Bearer {token}"}
    base = f"http://127.0.0.1:{port}"
    results = [wrk("moderation queue (pending, 10,000; default page)",
                   f"{base}/api/v1/moderation/comments?status=pending", seconds, headers=auth,
                   warmup=1),
               wrk("moderation queue (pending, 10,000; limit=100)",
                   f"{base}/api/v1/moderation/comments?status=pending&limit=100", seconds,
                   headers=auth)]
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        ids = [row[0] for row in connection.execute(
            "SELECT id FROM comment WHERE status = 'pending' ORDER BY id LIMIT ?",
            (BULK * rounds,))]
    finally:
        connection.close()
    timings, note = [], ""
    for number in range(rounds):
        chunk = ids[number * BULK:(number + 1) * BULK]
        code, answer, ms = post_json(port, "/api/v1/moderation/comments/bulk",
                                     {"ids": chunk, "status": "approved"}, token)
        if code != 200 or len(answer.get("changed", [])) != len(chunk):
            note = f"bulk approve answered {code}: {str(answer)[:200]}"
            break
        timings.append(ms)
    return results, timings, note


# --- side by side ----------------------------------------------------------------------

CAUSERIE, PG, ISSO, FLOOR = "Causerie SQLite", "Causerie PostgreSQL", "Isso 0.14 SQLite", "bare Flask"
PATHS = ("floor", "listing", "304 revisit", "counts, 10 articles", "counts, 100 articles",
         "posting")


@dataclass
class Load:
    """One path of one system, loaded once per round."""

    path: str
    system: str
    port: int
    url: str
    ready: str = "/healthz"
    script: Path | None = None
    args: Callable[[], tuple[str, ...]] = lambda: ()
    headers: dict[str, str] = field(default_factory=dict)
    body: int | None = None
    results: list[Result] = field(default_factory=list)
    slow: bool = False  # one request alone takes half a load: measured once, not loaded

    def median(self) -> Result:
        rs = self.results
        return Result(f"{self.system}, {self.path}", self.body,
                      statistics.median(r.rps for r in rs), statistics.median(r.p50 for r in rs),
                      statistics.median(r.p99 for r in rs), sum(r.requests for r in rs),
                      sum(r.bad for r in rs), sum(r.errors for r in rs))


def _prefix() -> tuple[str, ...]:
    return (f"p{time.time_ns() % 10**12}",)


def causerie_loads(system: str, port: int, *, revisit: bool) -> list[Load]:
    base = f"http://127.0.0.1:{port}"
    status, body = get(port, LISTING, timeout=30)
    assert status == 200 and len(json.loads(body)["items"]) == ARTICLE_COMMENTS, (system, status)
    loads = [Load("listing", system, port, base + LISTING, body=len(body))]
    if revisit:
        loads.append(Load("304 revisit", system, port, base + LISTING,
                          headers={"If-None-Match": _etag(port, LISTING)}))
    for many in (10, 100):
        query = urllib.parse.urlencode([("article", article_key(n)) for n in range(2, many + 2)])
        status, answer = get(port, f"/api/v1/counts?{query}", timeout=30)
        assert status == 200 and len(json.loads(answer)["counts"]) == many, (system, status)
        loads.append(Load(f"counts, {many} articles", system, port,
                          f"{base}/api/v1/counts?{query}", body=len(answer)))
    loads.append(Load("posting", system, port, base, script=BENCH / "post.lua", args=_prefix))
    return loads


def isso_loads(port: int) -> list[Load]:
    base = f"http://127.0.0.1:{port}"
    status, body = get(port, ISSO_LISTING, timeout=120)
    assert status == 200 and json.loads(body)["total_replies"] == ARTICLE_COMMENTS, status
    loads = [Load("listing", ISSO, port, base + ISSO_LISTING, ready="/config", body=len(body))]
    for many in (10, 100):
        uris = json.dumps(["/" + article_key(n) for n in range(2, many + 2)])
        loads.append(Load(f"counts, {many} articles", ISSO, port, base + "/count",
                          ready="/config", script=BENCH / "body.lua",
                          args=lambda uris=uris: ("POST", uris)))
    loads.append(Load("posting", ISSO, port, base, ready="/config", script=BENCH / "post.lua",
                      args=lambda: (*_prefix(), "isso")))
    return loads


def drained(load: Load, limit: float = 600) -> None:
    """Wait until the server has worked through what wrk left queued, so that it does not
    weigh on the next load: a slow server keeps working on requests whose clients are
    gone, and a gevent worker answers a probe between them, so it is its processes' CPU
    time that must stop growing (under 2 % of a core over half a second)."""
    deadline = time.monotonic() + limit
    used = cpu_seconds(load.port)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(load.port)
        if now - used <= 0.01:
            return
        used = now
    say(f"  {load.system}: still busy {limit:.0f} s after its load")


def alone(load: Load, limit: float = 300) -> float | None:
    """Seconds one request of this load takes with the server otherwise idle (None for
    posting, whose every request differs)."""
    import http.client
    if load.path == "posting":
        return None
    parts = urllib.parse.urlsplit(load.url)
    method, body, headers = "GET", None, dict(load.headers)
    if load.script is not None and load.script.name == "body.lua":
        method, body = load.args()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=limit)
    try:
        began = time.perf_counter()
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""),
                           body=body, headers=headers)
        connection.getresponse().read()
        return time.perf_counter() - began
    finally:
        connection.close()


def run_rounds(loads: list[Load], rounds: int, seconds: int, warmup: int) -> None:
    """Each round loads every path of every system, systems in turns within a path.

    Before the first round, a load whose one request alone takes half a load or more
    (Isso's listing and counts at 10^6 comments: a scan of the comment table each) is not
    run: wrk would only queue requests that the server then works through for minutes
    after wrk has gone, weighing on every later figure, and on a slow machine none of
    them ends within the load (0 requests/s). Its figure is that request's time, and the
    rate its workers would reach at that pace."""
    for number in range(rounds):
        say(f"  round {number + 1} of {rounds}")
        for path in PATHS:
            group = [load for load in loads if load.path == path]
            if not group:
                continue
            turn = number % len(group)
            for load in group[turn:] + group[:turn]:
                if load.slow:
                    continue
                if number == 0 and (took := alone(load)) is not None and took > seconds / 2:
                    load.slow = True
                    load.results.append(Result(f"{load.system}, {path}", load.body,
                                               WORKERS / took, took * 1000, took * 1000, 1, 0, 0))
                    say(f"  {load.system}, {path}: one request alone took {took:.1f} s; "
                        "not loaded")
                    continue
                load.results.append(wrk(f"{load.system}, {path}", load.url, seconds,
                                        body=load.body, script=load.script, args=load.args(),
                                        headers=load.headers, warmup=warmup if number == 0 else 0,
                                        timeout=30))
                drained(load)


def _etag(port: int, path: str) -> str:
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.headers["ETag"]
    finally:
        connection.close()


def _ratio(ours: Result | None, theirs: Result | None) -> str:
    if not ours or not theirs or not theirs.rps:
        return "–"
    value = ours.rps / theirs.rps
    return f"**{value:,.2f} ×**" if value < 10 else f"**{value:,.0f} ×**"


def _cell(result: Result | None) -> str:
    if result is None:
        return "– | – | –"
    rate = f"{result.rps:,.0f}" if result.rps >= 10 else f"{result.rps:.1f}"
    return f"{rate} | {result.p50:.1f} | {result.p99:.1f}"


def size_report(total: int, loads: list[Load], rounds: int) -> tuple[list[str], list[str]]:
    """The section of one table size, and the latency warnings for Causerie's paths."""
    medians = {(load.system, load.path): load.median() for load in loads}
    lines = [f"### {total:,} comments", "",
             f"Medians of {rounds} rounds: requests/s, p50 and p99 latency (ms). Ratio: "
             "Causerie / Isso. Isso has no validator (no ETag): its revisit is a full listing, "
             "so the 304 row compares with Isso's listing.", "",
             f"| path | {ISSO} req/s | p50 | p99 | {CAUSERIE} req/s | p50 | p99 | ratio "
             f"| {PG} req/s | p50 | p99 | ratio (PG / Isso) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for path in PATHS[1:]:
        theirs = medians.get((ISSO, "listing" if path == "304 revisit" else path))
        ours, pg = medians.get((CAUSERIE, path)), medians.get((PG, path))
        lines.append(f"| {path} | {_cell(theirs)} | {_cell(ours)} | {_ratio(ours, theirs)} "
                     f"| {_cell(pg)} | {_ratio(pg, theirs)} |")
    if slow := [load for load in loads if load.slow]:
        lines += ["", "Not loaded, one request alone taking half a load or more: " + "; ".join(
            f"{load.system}, {load.path}: {load.results[0].p50 / 1000:,.1f} s" for load in slow)
            + f" (its rate above: {WORKERS} workers at that pace; p50 and p99: that request)."]
    floor, listing = medians.get((FLOOR, "floor")), medians.get((CAUSERIE, "listing"))
    if floor and listing:
        lines += ["", f"Bare floor (constant bytes, {floor.body:,} bytes): {_cell(floor)}; "
                  f"listing / floor: **{listing.rps / floor.rps:.2f}** (goal 0.8)."]
        spread = [r.rps for r in next(load for load in loads if load.path == "floor").results]
        lines.append(f"The floor's rounds: {', '.join(f'{r:,.0f}' for r in spread)} requests/s "
                     "(their spread is the machine's noise).")
    warnings = []
    for (system, path), result in medians.items():
        if system in (CAUSERIE, PG) and result.p99 > 4 * result.p50:
            warnings.append(f"{system}, {path} at {total:,}: p99 {result.p99:.1f} ms > 4 × "
                            f"p50 {result.p50:.1f} ms")
        if result.bad or result.errors:
            warnings.append(f"{system}, {path} at {total:,}: {result.bad} non-2xx/3xx, "
                            f"{result.errors} socket errors over the rounds")
    return lines, warnings


def side_by_side(folder: Path, total: int, *, rounds: int, seconds: int, warmup: int,
                 pending: int, postgresql: bool, moderation: bool
                 ) -> tuple[list[str], list[str], str, tuple[list[Result], list[float], str]]:
    """Seed, serve and load every system at one table size."""
    say(f"\n{total:,} comments: seeding")
    url = prepare(folder, total, pending=pending)
    isso_config = prepare_isso(folder, total, pending=pending)
    common = {"RATELIMIT_ENABLED": "false", "MODERATION": "pre", **SCREENING}
    env = service_environment(url, **common)
    notes = [f"model ({CAUSERIE}): {train(env)}"]
    mod: tuple[list[Result], list[float], str] = ([], [], "")
    with ExitStack() as stack:
        pg_url = stack.enter_context(postgresql_database(total, pending=pending)) \
            if postgresql else None
        if pg_url:
            pg_env = service_environment(pg_url, **common)
            notes.append(f"model ({PG}): {train(pg_env)}")
        say("  servers")
        port = stack.enter_context(serve("wsgi:app", env, log=folder / f"causerie-{total}.log"))
        loads = causerie_loads(CAUSERIE, port, revisit=True)
        (folder / "listing.json").write_bytes(get(port, LISTING)[1])
        bare_env = {**service_environment(url), "BENCH_BODY": str(folder / "listing.json")}
        bare = stack.enter_context(serve("bare:bytes_app", bare_env, ready="/body", cwd=BENCH))
        loads.insert(0, Load("floor", FLOOR, bare, f"http://127.0.0.1:{bare}/body",
                             ready="/body", body=len(get(bare, "/body")[1])))
        isso = stack.enter_context(serve(peer_isso.APP, peer_isso.environment(isso_config),
                                         python=str(peer_isso.PYTHON), cwd=folder,
                                         ready="/config", log=folder / f"isso-{total}.log"))
        loads += isso_loads(isso)
        if pg_url:
            pg_port = stack.enter_context(serve("wsgi:app", pg_env,
                                                log=folder / f"causerie-pg-{total}.log"))
            loads += causerie_loads(PG, pg_port, revisit=False)
        say("  load")
        run_rounds(loads, rounds, seconds, warmup)
        if moderation:
            say("  moderation")
            mod = moderation_bench(url, env, port, seconds, 5 if rounds > 1 else 2)
    lines, warnings = size_report(total, loads, rounds)
    return lines, warnings, "; ".join(notes), mod


# --- the run -----------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "unknown CPU")
    return (f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def servers_killed_on_signals() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `with serve(...)` kills its server."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10^4 comments, one short round")
    parser.add_argument("--seconds", type=int, help="wrk duration per load (default 5, 3 quick)")
    parser.add_argument("--rounds", type=int, help="rounds per size (default 3, 1 quick)")
    parser.add_argument("--sizes", help="table sizes, comma-separated (default 10000,1000000)")
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite and Isso only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    seconds = options.seconds or (3 if options.quick else 5)
    rounds = options.rounds or (1 if options.quick else 3)
    sizes = ([int(s) for s in options.sizes.split(",")] if options.sizes
             else [10_000] if options.quick else [10_000, 1_000_000])
    ensure_wrk()
    servers_killed_on_signals()
    started = time.perf_counter()
    isso_version = peer_isso.ensure_installed()
    folder = Path(tempfile.mkdtemp(prefix="causerie-bench-"))
    say(f"Causerie bench beside Isso {isso_version} ({'quick' if options.quick else 'full'}), "
        f"{machine()}\nwrk -t2 -c32 -d{seconds}s --latency, {rounds} rounds; {describe()}; "
        f"on 127.0.0.1; in {folder}")
    load = os.getloadavg()
    if load[0] > 1:
        say(f"Warning: load average {load[0]:.2f}: other processes will skew the figures")
    try:
        report = run(folder, sizes, rounds, seconds, 1, isso_version,
                     postgresql=not options.no_postgresql, quick=options.quick)
    finally:
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)
    report += (f"\nLoad average (1 min) at start and end: {load[0]:.2f}, {os.getloadavg()[0]:.2f}"
               f" (2 cores: above about 0.5 at the start, something else shared them).\n"
               f"\nWhole run: {time.perf_counter() - started:.0f} s.\n")
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(report)
    say("\n" + report + f"\nWritten to {results / 'latest.md'}")
    return 0


def run(folder: Path, sizes: list[int], rounds: int, seconds: int, warmup: int,
        isso_version: str, *, postgresql: bool, quick: bool) -> str:
    sections: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []
    urls: list[str] = []
    moderation: tuple[list[Result], list[float], str] = ([], [], "")
    for total in sizes:
        largest = total == max(sizes)
        pending = min(PENDING, total // 10) if largest else total // 10
        lines, warned, note, mod = side_by_side(
            folder, total, rounds=rounds, seconds=seconds, warmup=warmup, pending=pending,
            postgresql=postgresql, moderation=largest)
        sections += [*lines, ""]
        warnings += warned
        notes.append(f"{total:,}: {note}")
        urls.append(f"sqlite:///{folder / f'causerie-{total}.db'}")
        if largest:
            moderation = mod
    say("\nListing cost by table size (in process)")
    scale_rows = measure_listing(urls, 3 if quick else 8, 10 if quick else 20)
    lines = [f"# Causerie beside Isso {isso_version} — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
             f"{' (quick)' if quick else ''}", "",
             f"Machine: {machine()}.", "",
             f"Load: wrk -t2 -c32 -d{seconds}s --latency, {rounds} rounds, paths in turns; "
             f"every server {describe()}, on 127.0.0.1, wrk on the same machine. Causerie: "
             "pre-moderation, rate limits off, screening on (word lists, link limit, the spam "
             "model trained on the shipped YouTube corpus). Isso: its defaults, guard (rate "
             "limit) off, moderation on. Same comments in each database: one article with 100 "
             "approved comments of 100–600 characters (listed whole: Causerie `limit=100`, "
             "Isso `?uri=`), the others 50 an article; counts for articles 2–11 and 2–101; "
             "posting to a new article each time.", "",
             "Models: " + " | ".join(notes), "",
             *sections,
             "Latency and errors: " + ("; ".join(warnings) if warnings else
                                        "every Causerie path has p99 ≤ 4 × p50, and no "
                                        "request answered other than 2xx/3xx."), "",
             "## Listing cost by table size (in process, Flask test client)", "",
             "Same article (100 approved comments), more comments elsewhere in the table. "
             "Statements: SQL statements for one listing request with a cold cache (render) "
             "and a warm one. Render: median time to query and serialize the page (cache "
             "bypassed). Request: median time of a whole cached request.", "",
             "| comments in table | statements (cold) | statements (warm) | render (ms) "
             "| request (ms) |", "|---:|---:|---:|---:|---:|", *(s.row() for s in scale_rows), "",
             "Query plans (SQLite): " + "; ".join(dict.fromkeys(scale_rows[-1].plan)) + ".", ""]
    queue, bulk, note = moderation
    lines += [f"## Moderation ({max(sizes):,} comments)", ""]
    if queue:
        lines += [HEADER, *(r.row() for r in queue), ""]
    if bulk:
        lines += [f"Bulk approve of {BULK} pending comments, {len(bulk)} rounds: median "
                  f"{statistics.median(bulk):.0f} ms, max {max(bulk):.0f} ms.", ""]
    if note:
        lines += [f"Note: {note}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
