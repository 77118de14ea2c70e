"""The before-commit queue: one flush per kind per commit, nothing after a rollback."""

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from service import oncommit
from service.models import Article
from service.moderation.actions import article_for_comment, touch_article

flushed: list[list[Any]] = []


@oncommit.before_commit("tests.recorded")
def _record(session: Session, items: list[Any]) -> None:
    flushed.append(items)


def test_items_reach_their_flush_once_per_commit_and_never_after_a_rollback(
        session: Session) -> None:
    flushed.clear()
    for item in (1, 2, 2):
        oncommit.queue(session, "tests.recorded", item)
    session.commit()
    oncommit.queue(session, "tests.recorded", 3)
    session.rollback()
    session.commit()
    assert flushed == [[1, 2, 2]]


def test_queuing_an_unknown_kind_or_registering_twice_is_refused(session: Session) -> None:
    with pytest.raises(KeyError):
        oncommit.queue(session, "tests.nobody-flushes-this", 1)
    with pytest.raises(ValueError):
        oncommit.before_commit("tests.recorded")(_record)


def test_many_touches_bump_an_article_version_once(session: Session) -> None:
    article = article_for_comment(session, "bumped")
    session.commit()
    for _ in range(5):
        touch_article(session, article.id)
    session.commit()
    assert session.scalar(sa.select(Article.version).where(Article.key == "bumped")) == 1


def test_a_keyset_page_has_a_cursor_only_when_more_rows_follow() -> None:
    from datetime import datetime

    from service import pagination
    rows = [(datetime(2026, 1, day), day) for day in (1, 2, 3)]
    items, cursor = pagination.keyset_page(rows, 2, lambda row: row)
    assert items == rows[:2] and cursor is not None
    assert pagination.decode(cursor) == rows[1]
    assert pagination.keyset_page(rows, 3, lambda row: row) == (rows, None)
    assert pagination.keyset_page([], 3, lambda row: row) == ([], None)
