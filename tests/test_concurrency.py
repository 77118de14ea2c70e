"""Twenty readers post to one new article at the same moment, to the real service under
gunicorn with two sync workers: every comment is stored and listed, none is answered 500."""

import json
import threading
import uuid
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from service.config import database_url

from . import serving
from .serving import get, gunicorn, migrate, service_environment

POSTS = 20
PG_SCHEMA = "causerie_concurrency"


@pytest.fixture(params=["sqlite", "postgresql"])
def served_database(request: pytest.FixtureRequest, tmp_path: Path,
                    worker_id: str) -> Iterator[str]:
    """A URL the service can migrate: a SQLite file, or a PostgreSQL schema of its own."""
    with serving.served_database(request.param, tmp_path, f"{PG_SCHEMA}_{worker_id}") as url:
        yield url


def post_comment(port: int, article: str, number: int, start: threading.Barrier,
                 answers: list[Any]) -> None:
    body = json.dumps({"name": f"Lecteur {number}", "email": f"lecteur{number}@example.org",
                       "text": f"Commentaire numéro {number} : merci pour cet article."})
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        start.wait(timeout=10)
        connection.request("POST", f"/api/v1/articles/{article}/comments", body=body,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answers[number] = (response.status, json.loads(response.read() or b"null"))
    except Exception as error:  # noqa: BLE001 - reported by the assertion below
        answers[number] = (None, repr(error))
    finally:
        connection.close()


def test_twenty_concurrent_posts_to_one_new_article(served_database: str,
                                                    tmp_path: Path) -> None:
    # The starter model knows no French: a few of these would be held at the default hold
    # threshold. This test is about concurrent writes, so the model's verdict is set aside.
    env = service_environment(served_database, RATELIMIT_ENABLED="false", MODERATION="post",
                              SPAM_THRESHOLD="1.0", HOLD_THRESHOLD="1.0")
    migrate(env)
    article = f"concurrent-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "gunicorn.log"
    with gunicorn("wsgi:app", env, workers=2, log=log) as port:
        start = threading.Barrier(POSTS)
        answers: list[Any] = [None] * POSTS
        threads = [threading.Thread(target=post_comment, args=(port, article, n, start, answers))
                   for n in range(POSTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = [status for status, _ in answers]
        assert statuses == [201] * POSTS, (answers, log.read_text(errors="replace")[-3000:])
        assert all(body["status"] == "approved" for _, body in answers)
        ids = {body["id"] for _, body in answers}
        assert len(ids) == POSTS

        status, page = get(port, f"/api/v1/articles/{article}/comments?limit=100", timeout=10)
        assert status == 200
        listing = json.loads(page)
        assert listing["total"] == POSTS
        assert {item["id"] for item in listing["items"]} == ids

    engine = sa.create_engine(database_url(served_database))
    try:
        with engine.connect() as connection:
            articles = connection.execute(sa.text("SELECT id, version FROM article WHERE key = :k"),
                                          {"k": article}).all()
            stored = connection.execute(sa.text("SELECT count(*) FROM comment WHERE "
                                                "article_id = :a"), {"a": articles[0].id}).scalar()
    finally:
        engine.dispose()
    assert len(articles) == 1  # created once, though twenty requests raced to create it
    assert stored == POSTS
    assert articles[0].version == POSTS  # every publication bumped the listing's version
