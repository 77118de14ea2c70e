"""Benchmark: the public listing and posting under gunicorn, next to a bare Flask floor.

    .venv/bin/python bench/run.py           # the full run (about 3 minutes)
    .venv/bin/python bench/run.py --quick   # a smoke run (under a minute)

In one run, on loopback, with the same kind of gunicorn server for every app (2 gevent
workers; the service with gunicorn.conf.py, as `make run`) and the same load
(wrk -t2 -c32 --latency):

1. a SQLite database is migrated and seeded: one article with 100 approved comments
   (100-600 characters each) in a table of at least 100,000 comments over many articles;
2. wrk measures a bare Flask app sending the listing's bytes as a constant, a bare app
   jsonifying the same data, the listing itself (and its 304), and posting comments;
3. in process, the listing's SQL statements are counted and its cost timed on tables of
   10k, 100k (and 1M in the full run) comments, the article's size unchanged;
4. if the moderation endpoints exist: the queue at 10,000 pending comments, and bulk
   approvals of 500.

The table is printed and written to bench/results/latest.md. Every server is killed on
exit, and every step is bounded in time.
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
sys.path.insert(0, str(PROJECT))

from service.models import text_digest  # noqa: E402
from service.screening.sanitize import to_html  # noqa: E402
from tests.serving import get, gunicorn, migrate, service_environment  # noqa: E402

ARTICLE = "comment-devenir-chef-de-projet-ia"
ARTICLE_COMMENTS = 100
PENDING = 10_000
BULK = 500
LISTING = f"/api/v1/articles/{ARTICLE}/comments?limit={ARTICLE_COMMENTS}"
WORDS = ("le projet la méthode une équipe des données ce modèle notre client mon avis cette "
         "approche les jalons le budget vos retours la qualité un prototype les tests "
         "le risque la mise en production nos utilisateurs le planning").split(" ")
VERBS = ("demande", "change", "améliore", "complique", "simplifie", "révèle", "suppose",
         "accélère", "ralentit", "rassure")
EXTRAS = ("", "", "", " Voir https://example.org/retour-d-experience pour un exemple.",
          " C'est <em>vraiment</em> le point clé.", " <b>Merci</b> pour ce partage !",
          " Comme dit l'adage : <q>mieux vaut tard que jamais</q>.")


def say(message: str) -> None:
    print(message, flush=True)


# --- data -------------------------------------------------------------------------------

def comment_text(rng: random.Random) -> str:
    """A plausible comment of 100 to 600 characters, in one to three paragraphs."""
    target = rng.randint(100, 600)
    paragraphs: list[str] = []
    text = ""
    while len(text) < target:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
        sentence = f"{sentence.capitalize()} {rng.choice(VERBS)} {rng.choice(WORDS)}."
        if rng.random() < 0.1:
            sentence += rng.choice(EXTRAS)
        if paragraphs and rng.random() < 0.15:
            paragraphs.append(sentence)
        elif paragraphs:
            paragraphs[-1] += " " + sentence
        else:
            paragraphs.append(sentence)
        text = "\n\n".join(paragraphs)
    return text[:target].rstrip() or "Merci pour cet article."


def seed(path: Path, total: int, *, pending: int = 0, seed_value: int = 7) -> None:
    """Fill a migrated SQLite database: `total` comments, 100 approved on ARTICLE.

    The others are spread over total/50 articles, mostly approved, `pending` of them
    pending, the rest spam or rejected; ids and dates interleave as they would in life.
    """
    rng = random.Random(seed_value)
    pool = [(text, to_html(text)) for text in (comment_text(rng) for _ in range(600))]
    names = [f"{first} {last}" for first in ("Julie", "Marc", "Zoé", "Karim", "Léa", "Hugo")
             for last in ("Martin", "Bernard", "Dubois", "Nguyen", "Moreau")]
    articles = max(total // 50, 10)
    start = datetime(2024, 1, 1)
    step = (datetime(2026, 11, 1) - start) / total
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        with connection:
            connection.executemany(
                "INSERT INTO article (id, key, closed, version, created_at, updated_at) "
                "VALUES (?, ?, 0, ?, ?, ?)",
                [(number, ARTICLE if number == 1 else f"article-{number}", 1,
                  start.isoformat(sep=" "), start.isoformat(sep=" "))
                 for number in range(1, articles + 1)])
            ours = set(rng.sample(range(total), ARTICLE_COMMENTS))
            others = [n for n in range(total) if n not in ours]
            pending_rows = set(rng.sample(others, min(pending, len(others))))
            rows = []
            for number in range(total):
                text, html = pool[number % len(pool)]
                if number in ours:
                    text = comment_text(rng)
                    html, article, status = to_html(text), 1, "approved"
                elif number in pending_rows:
                    article, status = rng.randint(2, articles), "pending"
                else:
                    article = rng.randint(2, articles)
                    status = rng.choices(("approved", "spam", "rejected"), (85, 10, 5))[0]
                when = (start + step * number).isoformat(sep=" ")
                name = names[number % len(names)]
                rows.append((article, name, f"lecteur{number}@example.org", text, text_digest(text),
                             html, status, "192.0.2.1", "Mozilla/5.0 (bench)", "[]", status, when,
                             when))
                if len(rows) == 20_000:
                    _insert_comments(connection, rows)
                    rows = []
            _insert_comments(connection, rows)
    finally:
        connection.close()


def _insert_comments(connection: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    connection.executemany(
        "INSERT INTO comment (article_id, name, email, text, text_digest, html, status, ip, "
        "user_agent, reasons, screened_status, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def prepare(folder: Path, total: int, *, pending: int = 0) -> str:
    """A migrated, seeded SQLite database in `folder`; its URL."""
    path = folder / f"causerie-{total}.db"
    url = f"sqlite:///{path}"
    began = time.perf_counter()
    migrate(service_environment(url))
    seed(path, total, pending=pending)
    say(f"  {total:,} comments seeded in {time.perf_counter() - began:.1f} s ({path.name})")
    return url


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
        warmup: int = 0) -> Result:
    """Run wrk -t2 -c32 --latency against url; the numbers it printed."""
    command = ["wrk", "-t2", "-c32", "--latency", "--timeout", "5s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script:
        command += ["-s", str(script)]
    if warmup:
        subprocess.run([*command, "-d", f"{warmup}s", url, *(("--", "warmup", *args[1:])
                                                            if script else ())],
                       capture_output=True, timeout=warmup + 30, check=True)
    output = subprocess.run([*command, "-d", f"{seconds}s", url, *(("--", *args) if args else ())],
                            capture_output=True, text=True, timeout=seconds + 30,
                            check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    result = Result(name, body, rps, p50, p99, requests, int(bad.group(1)) if bad else 0,
                    sum(map(int, errors.groups())) if errors else 0)
    say(f"  {name}: {rps:,.0f} requests/s, p99 {p99:.2f} ms"
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


# --- the run -----------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "unknown CPU")
    return (f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def servers_killed_on_signals() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `with gunicorn(...)` kills its server."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, smaller tables")
    parser.add_argument("--seconds", type=int, help="wrk duration per target (default 10, 3 quick)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    seconds = options.seconds or (3 if options.quick else 10)
    warmup = 1 if options.quick else 2
    scales = [10_000, 100_000] if options.quick else [10_000, 100_000, 1_000_000]
    ensure_wrk()
    servers_killed_on_signals()
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="causerie-bench-"))
    say(f"Causerie bench ({'quick' if options.quick else 'full'}), {machine()}\n"
        f"wrk -t2 -c32 -d{seconds}s --latency; gunicorn 2 gevent workers on 127.0.0.1; in {folder}")
    try:
        report = run(folder, seconds, warmup, scales, options.quick)
    finally:
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)
    report += f"\nWhole run: {time.perf_counter() - started:.0f} s.\n"
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(report)
    say("\n" + report + f"\nWritten to {results / 'latest.md'}")
    return 0


def run(folder: Path, seconds: int, warmup: int, scales: list[int], quick: bool) -> str:
    load = os.getloadavg()
    if load[0] > 1:
        say(f"Warning: load average {load[0]:.2f}: other processes will skew the figures")
    say("Seeding")
    url = prepare(folder, 100_000, pending=PENDING)
    env = service_environment(url, RATELIMIT_ENABLED="false", LOG_LEVEL="INFO")
    results: list[Result] = []
    moderation: tuple[list[Result], list[float], str] = ([], [], "")

    with ExitStack() as servers:
        say("Servers")
        port = servers.enter_context(gunicorn("wsgi:app", env, log=folder / "service.log",
                                              worker_class=None))  # as make run serves it
        status, body = get(port, LISTING, timeout=10)
        assert status == 200 and len(json.loads(body)["items"]) == ARTICLE_COMMENTS, status
        (folder / "listing.json").write_bytes(body)
        bare_env = {**service_environment(url), "BENCH_BODY": str(folder / "listing.json")}
        bytes_port, json_port = (
            servers.enter_context(gunicorn(app, bare_env, ready="/body", cwd=BENCH,
                                           log=folder / f"{app}.log", worker_class="gevent"))
            for app in ("bare:bytes_app", "bare:jsonify_app"))
        bytes_url, json_url = (f"http://127.0.0.1:{p}/body" for p in (bytes_port, json_port))
        service_url = f"http://127.0.0.1:{port}"
        # The floor first and again after the service: if the two differ much, the
        # machine's load changed during the run and the ratios are not to be trusted.
        say("Load")
        floor = [wrk("bare Flask, constant bytes", bytes_url, seconds, body=len(body),
                     warmup=warmup)]
        jsonified = wrk("bare Flask, jsonify", json_url, seconds,
                        body=len(get(json_port, "/body")[1]), warmup=warmup)
        results.append(wrk("listing (100 comments)", service_url + LISTING, seconds,
                           body=len(body), warmup=warmup))
        results.append(wrk("listing, If-None-Match (304)", service_url + LISTING, seconds,
                           headers={"If-None-Match": _etag(port)}))
        results.append(wrk("service /healthz (no database)", service_url + "/healthz", seconds))
        results.append(wrk("posting (new article each)", service_url, seconds,
                           script=BENCH / "post.lua", args=(f"run{int(time.time())}",),
                           warmup=warmup))
        floor.append(wrk("bare Flask, constant bytes (again)", bytes_url, seconds,
                         body=len(body)))
        moderation = moderation_bench(url, env, port, max(seconds // 2, 3), 3 if quick else 10)

    say("Listing cost by table size (in process)")
    scale_rows = measure_listing([url if total == 100_000 else prepare(folder, total)
                                  for total in scales], 5 if quick else 10, 10 if quick else 20)

    listing, posting = results[0], results[3]
    bare = Result("bare Flask, constant bytes (mean of both)", floor[0].body,
                  statistics.mean(r.rps for r in floor), statistics.mean(r.p50 for r in floor),
                  statistics.mean(r.p99 for r in floor), sum(r.requests for r in floor),
                  sum(r.bad for r in floor), sum(r.errors for r in floor))
    drift = abs(floor[0].rps - floor[1].rps) / max(floor[0].rps, floor[1].rps)
    lines = [f"# Causerie bench — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
             f"{' (quick)' if quick else ''}", "",
             f"Machine: {machine()}.", "",
             f"Load: wrk -t2 -c32 -d{seconds}s --latency, each server gunicorn with 2 gevent workers "
             "on 127.0.0.1, wrk on the same machine. Database: SQLite (WAL), 100,000 comments "
             f"over {100_000 // 50:,} articles, {PENDING:,} pending; the listed article has "
             "100 approved comments of 100–600 characters, listed with limit=100.", "",
             HEADER, floor[0].row(), jsonified.row(), *(r.row() for r in results), floor[1].row(),
             "",
             f"The floor moved by {drift:.0%} between its two runs"
             + (" — the machine's load changed: treat the ratios with care." if drift > 0.1
                else "."), "",
             f"- listing / bare bytes: **{listing.rps / bare.rps:.2f}** (goal 0.9)",
             f"- listing / bare jsonify: {listing.rps / jsonified.rps:.2f}",
             f"- posting / bare bytes: **{posting.rps / bare.rps:.2f}**",
             f"- 304 listing / bare bytes: {results[1].rps / bare.rps:.2f}",
             f"- service /healthz / bare bytes: {results[2].rps / bare.rps:.2f}", "",
             f"Load average (1 min) at start and end: {load[0]:.2f}, {os.getloadavg()[0]:.2f}"
             " (above about 0.5 at the start, something else shared the 2 cores).", "",
             "## Listing cost by table size (in process, Flask test client)", "",
             "Same article (100 approved comments), more comments elsewhere in the table. "
             "Statements: SQL statements for one listing request with a cold cache (render) "
             "and a warm one. Render: median time to query and serialize the page (cache "
             "bypassed). Request: median time of a whole cached request. The databases are "
             "timed in turns, so a change of load weighs on all alike.", "",
             "| comments in table | statements (cold) | statements (warm) | render (ms) "
             "| request (ms) |", "|---:|---:|---:|---:|---:|", *(s.row() for s in scale_rows), "",
             "Query plans (SQLite): " + "; ".join(dict.fromkeys(scale_rows[-1].plan)) + ".", ""]
    queue, bulk, note = moderation
    lines += ["## Moderation", ""]
    if queue:
        lines += [HEADER, *(r.row() for r in queue), ""]
    if bulk:
        lines += [f"Bulk approve of {BULK} pending comments, {len(bulk)} rounds: median "
                  f"{statistics.median(bulk):.0f} ms, max {max(bulk):.0f} ms.", ""]
    if note:
        lines += [f"Note: {note}.", ""]
    return "\n".join(lines)


def _etag(port: int) -> str:
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", LISTING)
        response = connection.getresponse()
        response.read()
        return response.headers["ETag"]
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
