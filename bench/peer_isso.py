"""Isso, the peer a blog owner would pick instead, installed and configured by the bench.

Isso (PyPI `isso`, the version pinned in requirements-isso.txt) lives in a virtual
environment of the bench's own, bench/.isso/venv (git-ignored), created on first use
and reused while requirements-isso.txt is unchanged. Its configuration starts from
Isso's shipped defaults (isso/isso.cfg) and changes only what the comparison needs:

- the database file, and `listen` on 127.0.0.1 (gunicorn binds it to loopback anyway);
- `[general] host`, the blog's origin, which Isso probes with one HEAD at start: a
  loopback port nobody listens on, so nothing leaves the machine;
- `[guard] enabled = false`: Isso's rate limit (2 comments a minute per address), as the
  bench turns Causerie's posting limit off too;
- `[moderation] enabled = true`: new comments await moderation, as Causerie's default
  pre-moderation (Isso answers 202 instead of 201); `purge-after` a century, else Isso's
  start would delete every seeded pending comment older than its default 30 days (and
  hold the write lock while it does).

Everything else (markdown renderer, PBKDF2 author hash, no gravatar) is Isso's default.
"""

import hashlib
import subprocess
import sys
import venv
from pathlib import Path

BENCH = Path(__file__).resolve().parent
HOME = BENCH / ".isso"
VENV = HOME / "venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = BENCH / "requirements-isso.txt"
APP = "isso.run:application"


def ensure_installed() -> str:
    """Isso's venv, created or brought up to requirements-isso.txt; its version."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    marker = VENV / "installed"
    if not (marker.exists() and marker.read_text() == wanted):
        print(f"  installing Isso into {VENV.relative_to(BENCH.parent)} (once)", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
                       check=True, timeout=900)
        marker.write_text(wanted)
    return subprocess.run([str(PYTHON), "-c", "import importlib.metadata as m; "
                           "print(m.version('isso'))"], capture_output=True, text=True,
                          check=True, timeout=60).stdout.strip()


def configure(folder: Path, database: Path, origin_port: int) -> Path:
    """Write an Isso configuration for this database; its path."""
    path = folder / f"{database.stem}.cfg"
    path.write_text(f"""[general]
dbpath = {database}
host = http://127.0.0.1:{origin_port}/
notify = stdout
log-file =
[server]
listen = http://127.0.0.1:8080/
[guard]
enabled = false
[moderation]
enabled = true
purge-after = 36500d
""")
    return path


def create(config: Path) -> None:
    """Let Isso create its own tables (and migration stamp) in the configured file."""
    subprocess.run([str(PYTHON), "-c", "import sys\n"
                    "from isso import config, db\n"
                    "conf = config.load(config.default_file(), sys.argv[1])\n"
                    "db.SQLite3(conf.get('general', 'dbpath'), conf)\n", str(config)],
                   check=True, timeout=120, capture_output=True)


def environment(config: Path) -> dict[str, str]:
    return {"ISSO_SETTINGS": str(config), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}


if __name__ == "__main__":
    print(ensure_installed())
    sys.exit(0)
