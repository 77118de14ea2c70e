"""Real parts for notifications: an SMTP server (aiosmtpd) and an HTTP receiver, each on a
free loopback port, and an app that sends to them."""

import email
import email.policy
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from service.auth import create_moderator
from service.extensions import db
from service.models import NotifyMode, Role
from service.notify.worker import run_once
from tests.serving import free_port

ARTICLE = "comment-devenir-chef-de-projet-ia"
PUBLIC = f"/api/v1/articles/{ARTICLE}/comments"
PUBLIC_URL = "http://comments.test"


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook endpoint: records every request; answers with `plan` in turn (then 200).
    A plan entry is a status code, or ("sleep", seconds) before answering 200."""

    port: int
    requests: list[Received] = field(default_factory=list)
    plan: list[Any] = field(default_factory=list)
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(request.body) for request in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(port=free_port())
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.requests.append(Received(dict(self.headers), body))
                step = state.plan.pop(0) if state.plan else 200
            if state.delay:
                time.sleep(state.delay)
            if isinstance(step, tuple):
                time.sleep(step[1])
                step = 200
            self.send_response(step)
            if step in (301, 302, 307):
                self.send_header("Location", f"http://127.0.0.1:{state.port}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", state.port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def notify_app(make_app: Any, smtp: tuple[Inbox, int]) -> Flask:
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], PUBLIC_URL=PUBLIC_URL,
                    ARTICLE_URL="https://blog.test/{article}", WEBHOOK_ALLOW_PRIVATE=True,
                    WEBHOOK_TIMEOUT=0.5, NOTIFY_RETRY_SECONDS=0.01, NOTIFY_MAX_ATTEMPTS=3,
                    MAIL_DEFAULT_SENDER="causerie@comments.test")


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


def moderator(app: Flask, name: str, role: Role = Role.MODERATOR, **options: Any) -> dict[str, str]:
    """Create a moderator; their bearer header."""
    with app.app_context():
        token = create_moderator(db.session, name, role, "cli:test", **options)[1]
    return {"Authorization": f"Bearer {token}"}


def deliver(app: Flask, until: float = 5.0) -> int:
    """Run the worker until nothing is due or waiting for a retry (bounded); rows tried."""
    from service.models import Delivery, Outbox
    import sqlalchemy as sa
    tried, deadline = 0, time.monotonic() + until
    with app.app_context():
        while time.monotonic() < deadline:
            tried += run_once(db.session, app.config)
            waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Outbox)
                                        .where(Outbox.state == Delivery.PENDING))
            db.session.commit()
            if not waiting:
                break
            time.sleep(0.02)
        db.session.remove()
    return tried


def post(client: FlaskClient, text: str, **fields: Any) -> Any:
    body = {"name": "Julie", "text": text, **fields}
    return client.post(PUBLIC, json=body, headers={"Accept-Language": "en"})


__all__ = ["Inbox", "Receiver", "moderator", "deliver", "post", "NotifyMode", "ARTICLE",
           "PUBLIC", "PUBLIC_URL"]
