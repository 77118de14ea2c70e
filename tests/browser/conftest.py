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
