# How Causerie is served, by `make run` and by the Docker image alike (gunicorn reads
# ./gunicorn.conf.py by itself; a command-line flag overrides a value set here).
# Why these values: README.md, "Running in production"; measurements: bench/README.md.
import os

bind = [f"127.0.0.1:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gevent: a slow client (one header byte per second) holds a greenlet, not a worker.
worker_class = "service.http_server.JsonGeventWorker"
worker_connections = 1000
# A request line of 8 KB at most (gunicorn's ceiling; 0 would mean unlimited, and
# parsing a 20 MB line takes a worker about 30 s): a longer one is a JSON 414.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16384
timeout = 30
graceful_timeout = 10
keepalive = 5
control_socket_disable = True
accesslog = "-"
# No client address in the access log (README, Operations).
access_log_format = '{"method": "%(m)s", "path": "%(U)s", "status": %(s)s, "seconds": %(L)s}'


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded the app, its objects (modules, schemas, catalogs, the
    SQL compiled so far) move out of the garbage collector's sight: they live as long as
    the worker, and a young worker's full collections over them were what made its
    first seconds' slowest answers 4-5 times its median (bench/README.md, "Latency")."""
    import gc
    gc.collect()  # what loading left behind is not kept forever
    gc.freeze()
