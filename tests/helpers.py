"""Helpers the tests share: posting as a reader, deciding as a moderator.

Fixtures live in conftest.py; these are plain functions, imported where needed.
"""

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from service.models import Comment, Status

API = "/api/v1/moderation"
ARTICLE = "comment-devenir-chef-de-projet-ia"
URL = f"/api/v1/articles/{ARTICLE}/comments"
JULIE = {"name": "Julie", "text": "Merci !"}


def post(client: FlaskClient, body: Any = None, url: str = URL, **kwargs: Any) -> Any:
    return client.post(url, json=body if body is not None else JULIE, **kwargs)


def approve_all(app: Flask) -> None:
    """Publish every comment, as a moderator would (bumping the article's version)."""
    from service.moderation.actions import touch_article
    with app.app_context():
        for comment in db.session.scalars(db.select(Comment)):
            comment.status = Status.APPROVED
            touch_article(db.session, comment.article_id)
        db.session.commit()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def comment(client: FlaskClient, text: str, article: str = ARTICLE, **fields: Any) -> int:
    """Post a comment as a reader would; its id."""
    response = client.post(f"/api/v1/articles/{article}/comments",
                           json={"name": "Julie", "text": text, **fields})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def patch(client: FlaskClient, headers: dict[str, str], comment_id: int, **body: Any) -> Any:
    return client.patch(f"{API}/comments/{comment_id}", json=body, headers=headers)


def published(client: FlaskClient, headers: dict[str, str], text: str, **fields: Any) -> int:
    """Post a comment and have a moderator approve it; its id."""
    comment_id = comment(client, text, **fields)
    assert patch(client, headers, comment_id, status="approved").status_code == 200
    return comment_id
