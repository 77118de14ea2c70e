"""Browser tests: Debian's Chromium driven by Playwright, against the real service.

Chromium is `CHROMIUM` if set, else /usr/bin/chromium (`apt-get install chromium`); without
it these tests are skipped with one line saying how to get it. Playwright never downloads a
browser of its own: `executable_path` points at the system one.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.serving import gunicorn, migrate, service_environment

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As the machine's probe runs it: no sandbox as root, no network chatter to the outside.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.access(CHROMIUM, os.X_OK):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` "
                                   "(or set CHROMIUM) to run the browser tests")
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for this worker's browser tests."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A page, with every dialog it opened and every console message it wrote."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A fresh page in a fresh context (no storage shared between tests); dialogs are
    recorded and dismissed, so a script that calls alert() is seen, never waited on."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    seen = Watched(page)
    page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: seen.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    yield seen
    context.close()


@dataclass(frozen=True)
class LiveServer:
    url: str
    port: int
    database_url: str
    env: dict[str, str]


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real service under gunicorn, as `make run` serves it, on a fresh SQLite file."""
    database_url = f"sqlite:///{tmp_path / 'causerie.db'}"
    env = service_environment(database_url, RATELIMIT_ENABLED="false")
    migrate(env)
    with gunicorn("wsgi:app", env, workers=1, log=tmp_path / "server.log") as port:
        yield LiveServer(f"http://127.0.0.1:{port}", port, database_url, env)


# --- the reader's widget (tests/browser/test_widget.py) ------------------------------------

@dataclass(frozen=True)
class WidgetServer:
    """A running service and an admin's token for it, to approve comments as a moderator."""

    url: str
    token: str

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One JSON request to the service as the admin; (status, decoded body or None)."""
        import json
        import urllib.error
        import urllib.request
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def approve(self, *ids: int) -> None:
        status, body = self.call("POST", "/api/v1/moderation/comments/bulk",
                                 {"ids": list(ids), "status": "approved"})
        assert status == 200, body


def _widget_server(tmp: Path, **settings: str) -> Iterator[WidgetServer]:
    import subprocess
    import sys
    database_url = f"sqlite:///{tmp / 'causerie.db'}"
    env = service_environment(database_url, **settings)
    migrate(env)
    made = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "moderators", "create",
                           "ada", "--role", "admin"], env=env, capture_output=True, text=True,
                          timeout=60, check=True, cwd=Path(__file__).resolve().parents[2])
    token = made.stdout.strip().splitlines()[-1]
    with gunicorn("wsgi:app", env, workers=1, log=tmp / "server.log") as port:
        yield WidgetServer(f"http://127.0.0.1:{port}", token)


@pytest.fixture(scope="module")
def widget_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetServer]:
    """The service as `make run` serves it (pre-moderation), no rate limit, for a module."""
    yield from _widget_server(tmp_path_factory.mktemp("widget"), RATELIMIT_ENABLED="false")


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetServer]:
    """A service that asks for e-mails, takes small bodies and one comment an hour."""
    yield from _widget_server(tmp_path_factory.mktemp("strict"), POST_RATE_LIMIT="1 per hour",
                              MAX_CONTENT_LENGTH="2048", REQUIRE_EMAIL="true")


@dataclass(frozen=True)
class OtherOrigin:
    """A static web server on another port: a blog's pages, on another origin."""

    url: str
    root: Path

    def page(self, name: str, html: str) -> str:
        (self.root / name).write_text(html, encoding="utf-8")
        return f"{self.url}/{name}"


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OtherOrigin]:
    """Serve a temporary folder over HTTP on 127.0.0.1 and a free port, in a thread."""
    import functools
    import http.server
    import threading
    root = tmp_path_factory.mktemp("blog")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield OtherOrigin(f"http://127.0.0.1:{server.server_address[1]}", root)
    finally:
        server.shutdown()
        server.server_close()
