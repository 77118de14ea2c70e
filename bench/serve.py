"""How the bench serves every app: as production serves Causerie, nothing else.

Production's serving is the Dockerfile's `exec gunicorn ... wsgi:app` line plus the
project's gunicorn.conf.py (worker class, workers, limits, keep-alive), which `make run`
uses too. The bench serves each app, Isso and the bare floor included, with exactly those
flags and that configuration (through bench/gunicorn.conf.py), so that all are loaded the
same way and the bench follows whatever serving setup the project settles on. Only what
cannot be shared is replaced: the bind address (a free loopback port), the worker count
(WORKERS, the Dockerfile's default of WEB_CONCURRENCY) and the access log (off: the bench
measures the apps, not the logger). The project is on every server's PYTHONPATH, so
Isso's own Python loads the same gunicorn worker class (it needs gevent: see
requirements-isso.txt).
"""

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.serving import _stop, free_port, get  # noqa: E402

#: Flags the bench replaces or drops, with whether they take a value.
_REPLACED = {"--bind": True, "-b": True, "--access-logfile": True, "--access-logformat": True,
             "--workers": True, "-w": True}


def dockerfile_command(dockerfile: Path = PROJECT / "Dockerfile") -> tuple[list[str], int]:
    """The gunicorn flags of the Dockerfile's CMD (without bind, workers and access log),
    and its default worker count."""
    text = dockerfile.read_text()
    match = re.search(r"exec gunicorn (.*?)\bwsgi:app", text, re.S)
    if not match:
        raise SystemExit("bench: the Dockerfile's CMD has no 'exec gunicorn ... wsgi:app': "
                         "teach bench/serve.py the new serving command.")
    workers = re.search(r"WEB_CONCURRENCY=(\d+)", text)
    words = shlex.split(match.group(1).replace("\\\n", " "))
    flags: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        name = word.split("=", 1)[0]
        if name in _REPLACED:
            skip = _REPLACED[name] and "=" not in word
            continue
        flags.append(word)
    return flags, int(workers.group(1)) if workers else 2


FLAGS, WORKERS = dockerfile_command()


CONFIG = Path(__file__).resolve().parent / "gunicorn.conf.py"
#: The process group of the server on each port (its master's pid), for `cpu_seconds`.
GROUPS: dict[int, int] = {}


def cpu_seconds(port: int) -> float:
    """CPU time used so far by every process of the server on this port (from /proc)."""
    group, ticks, total = GROUPS[port], os.sysconf("SC_CLK_TCK"), 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _settings() -> dict[str, object]:
    import runpy
    return runpy.run_path(str(CONFIG))


def describe() -> str:
    settings = _settings()
    return (f"gunicorn {' '.join(FLAGS)} --workers {WORKERS} (the Dockerfile's CMD) with the "
            f"project's gunicorn.conf.py: worker class {settings['worker_class']}, keep-alive "
            f"{settings['keepalive']} s, access log off")


@contextmanager
def serve(app: str, env: Mapping[str, str], *, python: str = sys.executable,
          cwd: Path = PROJECT, ready: str = "/healthz", log: Path | None = None,
          startup: float = 60) -> Iterator[int]:
    """Serve `app` ("module:variable") under the Dockerfile's gunicorn command on a free
    loopback port, with `python`'s gunicorn; yield the port. The process group is killed
    on exit, whatever happened inside."""
    port = free_port()
    output = open(log, "wb") if log else subprocess.DEVNULL
    command = [python, "-m", "gunicorn", "--config", str(CONFIG), *FLAGS,
               "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
               "--graceful-timeout", "2", app]
    path = os.pathsep.join(filter(None, (str(PROJECT), env.get("PYTHONPATH"))))
    process = subprocess.Popen(command, cwd=cwd, env={**env, "PYTHONPATH": path}, stdout=output,
                               stderr=subprocess.STDOUT, start_new_session=True)
    GROUPS[port] = process.pid
    try:
        deadline = time.monotonic() + startup
        answers = 0
        while answers < WORKERS * 2:  # several answers in a row: the workers are up
            if process.poll() is not None:
                raise RuntimeError(f"{app} exited with {process.returncode}"
                                   + (f"; see {log}" if log else ""))
            try:
                status, _ = get(port, ready)
                answers = answers + 1 if status == 200 else 0
            except OSError:
                answers = 0
            if time.monotonic() > deadline:
                raise TimeoutError(f"{app} did not answer {ready} within {startup} s")
            time.sleep(0.1)
        yield port
    finally:
        _stop(process)
        if log:
            output.close()  # type: ignore[union-attr]


if __name__ == "__main__":
    print(describe())
    print(os.linesep.join(FLAGS))
