"""The moderation page's browser tests share one real service (gunicorn, a SQLite file) per
module, its moderators made by the functions the `flask moderators` commands call, and
talk to its API over HTTP as the page's other clients would. Kept apart from conftest.py
on purpose (other pages' tests add fixtures there)."""

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from service import auth
from service.models import Role
from tests.serving import gunicorn, migrate, service_environment


@dataclass
class Site:
    url: str
    port: int
    env: dict[str, str]
    tokens: dict[str, str]
    store: "Store"
    last_headers: dict[str, str] = field(default_factory=dict)

    def revoke(self, name: str) -> None:
        """What `flask moderators revoke NAME` does, on this site's database."""
        with self.store.session() as session:
            auth.revoke_moderator(session, name, "cli:test")

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
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


class Store:
    """The site's database as the command line sees it: a session of its own, no server."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)

    def session(self) -> Session:
        return Session(self.engine)

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The service for one test module: ada (admin), marc and rex (moderators)."""
    folder: Path = tmp_path_factory.mktemp("moderation")
    # The starter spam model would send some of the hostile texts to spam; these tests want
    # every posted comment in the pending queue, so its thresholds are pinned out of reach.
    env = service_environment(f"sqlite:///{folder / 'causerie.db'}", RATELIMIT_ENABLED="false",
                              MODERATION="pre", SPAM_THRESHOLD="1.0", HOLD_THRESHOLD="1.0",
                              SPAM_THRESHOLD_PINNED="true", HOLD_THRESHOLD_PINNED="true")
    store = Store(env["DATABASE_URL"])
    migrate(env)
    # Made by the function `flask moderators create` calls (tests/test_cli.py runs the
    # command itself), in this process: each command would cost seconds of start-up.
    with store.session() as session:
        tokens = {name: auth.create_moderator(session, name, role, "cli:test")[1]
                  for name, role in (("ada", Role.ADMIN), ("marc", Role.MODERATOR),
                                     ("rex", Role.MODERATOR))}
    with gunicorn("wsgi:app", env, workers=2, log=folder / "server.log") as port:
        yield Site(f"http://127.0.0.1:{port}", port, env, tokens, store)
    store.close()


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
