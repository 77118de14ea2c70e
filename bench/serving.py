"""Which gunicorn worker type serves Causerie best: the listing's throughput under wrk, and
whether /healthz and the listing still answer while 50 slow clients hold connections.

    .venv/bin/python bench/serving.py [--seconds 8] [--rounds 2]

Each setup is served in turn, the same way, on a SQLite file seeded with one article of
100 approved comments; rounds alternate the setups so a change in the machine's load
weighs on all. Writes nothing; prints a table (see bench/README.md, "Serving").
"""

import argparse
import http.client
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.serving import gunicorn, migrate, service_environment  # noqa: E402

LISTING = "/api/v1/articles/bench/comments?limit=100"
SETUPS = {
    # name: (worker_class or None for gunicorn.conf.py's, extra flags)
    "sync (before: make run until now)": ("sync", ("--limit-request-line", "0")),
    "gthread, 4 threads": ("service.http_server.JsonThreadWorker", ("--threads", "4")),
    "gevent (gunicorn.conf.py)": (None, ()),
}


def seed(port: int) -> None:
    for n in range(100):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = json.dumps({"name": f"Lecteur {n}", "text": f"Commentaire {n} " + "mot " * 80})
        connection.request("POST", "/api/v1/articles/bench/comments", body=body,
                           headers={"Content-Type": "application/json"})
        assert connection.getresponse().status == 201
        connection.close()


def wrk(url: str, seconds: int) -> float:
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "5s", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


class SlowClients:
    """n connections that each send one byte of a header every second, until stopped."""

    def __init__(self, port: int, n: int) -> None:
        self.port, self.n, self.stop = port, n, threading.Event()
        self.sockets: list[socket.socket] = []

    def __enter__(self) -> "SlowClients":
        for _ in range(self.n):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            self.sockets.append(sock)
        self.thread = threading.Thread(target=self.drip, daemon=True)
        self.thread.start()
        time.sleep(2)
        return self

    def drip(self) -> None:
        while not self.stop.wait(1):
            for sock in self.sockets:
                try:
                    sock.send(b"a")
                except OSError:
                    pass

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def timed_get(port: int, path: str) -> float:
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
    except (OSError, AssertionError):
        return float("inf")
    finally:
        connection.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--slow", type=int, default=50)
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {name: {} for name in SETUPS}
    with tempfile.TemporaryDirectory() as folder:
        env = service_environment(f"sqlite:///{folder}/bench.db", RATELIMIT_ENABLED="false",
                                  MODERATION="post", SCREENING_ENABLED="false")
        migrate(env)
        for round in range(args.rounds):
            for name, (worker_class, extra) in SETUPS.items():
                with gunicorn("wsgi:app", env, worker_class=worker_class, extra=extra) as port:
                    if round == 0 and name == next(iter(SETUPS)):
                        seed(port)
                    timed_get(port, LISTING)
                    found = results[name]
                    found.setdefault("listing req/s", []).append(
                        wrk(f"http://127.0.0.1:{port}{LISTING}", args.seconds))
                    with SlowClients(port, args.slow):
                        found.setdefault("healthz s, slow clients", []).append(
                            max(timed_get(port, "/healthz") for _ in range(5)))
                        found.setdefault("listing s, slow clients", []).append(
                            max(timed_get(port, LISTING) for _ in range(5)))
                print(name, {key: values[-1] for key, values in found.items()}, flush=True)
    print(f"\n| setup | listing req/s (median of {args.rounds}) | slowest of 5 /healthz with "
          f"{args.slow} slow clients (s) | slowest of 5 listings (s) |")
    print("| --- | ---: | ---: | ---: |")
    for name, found in results.items():
        print(f"| {name} | {statistics.median(found['listing req/s']):,.0f} | "
              f"{max(found['healthz s, slow clients']):.3f} | "
              f"{max(found['listing s, slow clients']):.3f} |")


if __name__ == "__main__":
    main()
