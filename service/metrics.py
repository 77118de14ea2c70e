"""Prometheus metrics: requests by endpoint and status, and comments by outcome.

Under gunicorn each worker counts its own; set PROMETHEUS_MULTIPROC_DIR to a writable
folder and /metrics adds up every worker (prometheus_client's multiprocess mode).
"""

import os
import time
from http import HTTPStatus

from flask import Flask, Response, g, request
from prometheus_client import (CollectorRegistry, Counter, Histogram, generate_latest,
                               multiprocess)

REQUESTS = Counter("causerie_http_requests_total", "HTTP requests answered",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("causerie_http_request_seconds", "Time to answer a request", ["endpoint"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
COMMENTS = Counter("causerie_comments_submitted_total", "Comments stored, by first status",
                   ["status"])


def exposition() -> bytes:
    """The metrics of this process, or of every worker in multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


def _start() -> None:
    g.metrics_start = time.perf_counter()


#: Every label takes its value from a known set, so no client can add series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUSES = frozenset(str(status.value) for status in HTTPStatus)


def _finish(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"  # the app's own endpoint names
    method = request.method if request.method in METHODS else "other"
    status = str(response.status_code)
    REQUESTS.labels(method, endpoint, status if status in STATUSES else "other").inc()
    if (start := g.get("metrics_start")) is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - start)
    return response


def register(app: Flask) -> None:
    """Count and time every request."""
    app.before_request(_start)
    app.after_request(_finish)
