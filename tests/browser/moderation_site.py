"""The moderation page's browser tests share one real service (gunicorn, a SQLite file) per
module, its moderators made with the real `flask moderators create`, and talk to its API
over HTTP as the page's other clients would. Kept apart from conftest.py on purpose."""

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from service import auth, create_app
from service.config import TestConfig
from service.extensions import db
from service.models import Role

from tests.serving import PROJECT, gunicorn, migrate, service_environment


@dataclass
class Site:
    url: str
    port: int
    env: dict[str, str]
    tokens: dict[str, str]
    last_headers: dict[str, str] = field(default_factory=dict)

    def flask(self, *args: str) -> str:
        """Run `flask --app wsgi ARGS` on this site's database; its output."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                                cwd=PROJECT, env=self.env, capture_output=True, text=True,
                                timeout=60, check=True)
        return result.stdout

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                headers: dict[str, str] | None = None, remote: str | None = None) -> tuple[int, Any]:
        """One HTTP request to the site; status and decoded JSON (None if no body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        sent = {"Accept-Language": "en", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            self.last_headers = dict(response.getheaders())
            return response.status, json.loads(raw) if raw else None
        finally:
            connection.close()

    def post_comment(self, article: str, text: str, **fields: Any) -> int:
        """A reader's comment on `article`; its id."""
        status, body = self.request("POST", f"/api/v1/articles/{article}/comments",
                                    {"name": "Julie", "text": text, **fields})
        assert status == 201, body
        return int(body["id"])

    def status_of(self, comment_id: int) -> str:
        status, body = self.request("GET", f"/api/v1/moderation/comments/{comment_id}",
                                    token=self.tokens["ada"])
        assert status == 200, body
        return str(body["status"])


def create_moderator(env: dict[str, str], name: str, role: str) -> str:
    """`flask moderators create`, as an operator runs it; the token on its last line."""
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "moderators",
                             "create", name, "--role", role], cwd=PROJECT, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The service for one test module: ada (admin), marc and rex (moderators)."""
    folder: Path = tmp_path_factory.mktemp("moderation")
    env = service_environment(f"sqlite:///{folder / 'causerie.db'}", RATELIMIT_ENABLED="false",
                              MODERATION="pre")
    migrate(env)
    # ada's token comes from the command line, as an operator gets one; the others are made
    # in this process (each command costs seconds of start-up).
    tokens = {"ada": create_moderator(env, "ada", "admin")}
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=env["DATABASE_URL"])
    with app.app_context():
        for name in ("marc", "rex"):
            tokens[name] = auth.create_moderator(db.session, name, Role.MODERATOR, "cli:test")[1]
        db.engine.dispose()
    with gunicorn("wsgi:app", env, workers=2, log=folder / "server.log") as port:
        yield Site(f"http://127.0.0.1:{port}", port, env, tokens)


def sign_in(page: Any, site: Site, name: str, path: str = "/moderation/") -> None:
    """Open the page and sign in with `name`'s token, as a moderator pastes it."""
    page.goto(site.url + path)
    page.fill("#token", site.tokens[name])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")


def show_article(page: Any, article: str, count: int) -> None:
    """Filter the queue to one article and wait until its `count` comments are listed."""
    page.fill("#filter-article", article)
    page.press("#filter-article", "Enter")
    page.wait_for_function(
        "([article, count]) => document.querySelectorAll('#queue-list li.comment').length === count"
        " && [...document.querySelectorAll('#queue-list .article')].every("
        "e => e.textContent.includes(article))", arg=[article, count])


def settled(page: Any) -> None:
    """Wait until the page has no request to the API in flight."""
    page.wait_for_selector("#queue-list[aria-busy=false]", state="attached")
