"""Decisions on real storage, without HTTP: the audit, the article's version, locks."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from service.errors import (
    AdminOnly,
    DecisionConflict,
    FieldErrors,
    NotFound,
    ParentNotApproved,
    UnknownComments,
)
from service.extensions import db
from service.models import Article, AuditEntry, Comment, Moderator, Role, Status
from service.moderation import decisions
from service.moderation.decisions import (
    change_status,
    close_article,
    decide,
    decide_many,
    purge,
)


@pytest.fixture
def people(session: Session) -> dict[str, Moderator]:
    found = {name: Moderator(name=name, role=role, token_hash=name * 32)
             for name, role in (("ad", Role.ADMIN), ("mo", Role.MODERATOR))}
    session.add_all(found.values())
    session.commit()
    return found


def add(session: Session, text: str = "Bonjour", status: Status = Status.PENDING,
        parent: Comment | None = None, article: str = "a") -> Comment:
    found = session.scalar(sa.select(Article).where(Article.key == article))
    comment = Comment(article=found or Article(key=article), name="Julie", text=text,
                      html=f"<p>{text}</p>", status=status,
                      parent_id=parent.id if parent else None)
    session.add(comment)
    session.commit()
    return comment


def version(session: Session, key: str = "a") -> int:
    return int(session.scalar(sa.select(Article.version).where(Article.key == key)) or 0)


def trail(session: Session) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(sa.select(
        AuditEntry.actor, AuditEntry.action, AuditEntry.old_value, AuditEntry.new_value)
        .order_by(AuditEntry.id))]


@pytest.mark.parametrize(("old", "new", "public"), [
    (Status.PENDING, Status.APPROVED, True), (Status.APPROVED, Status.TRASH, True),
    (Status.PENDING, Status.SPAM, False), (Status.SPAM, Status.REJECTED, False)])
def test_change_status_audits_and_bumps_the_version_only_when_public(
        session: Session, people: dict[str, Moderator], old: Status, new: Status,
        public: bool) -> None:
    comment = add(session, status=old)
    before = version(session)
    change_status(session, comment, new, people["mo"])
    session.commit()
    assert version(session) == before + public
    assert trail(session) == [("mo", "comment.status", old.value, new.value)]


def test_the_same_status_is_no_change(session: Session, people: dict[str, Moderator]) -> None:
    comment = add(session, status=Status.APPROVED)
    before = version(session)
    decide(session, comment.id, people["mo"], status=Status.APPROVED)
    assert version(session) == before and trail(session) == []


def test_a_text_correction_bumps_the_version_only_when_approved(
        session: Session, people: dict[str, Moderator]) -> None:
    pending, approved = add(session, "un"), add(session, "deux", Status.APPROVED)
    before = version(session)
    decide(session, pending.id, people["mo"], text="un bis")
    assert version(session) == before
    reviewed = decide(session, approved.id, people["mo"], text="deux *bis*")
    assert version(session) == before + 1
    assert reviewed.comment.html == "<p>deux *bis*</p>"
    with pytest.raises(FieldErrors):
        decide(session, approved.id, people["mo"], text="<!-- -->")
    assert session.get(Comment, approved.id).text == "deux *bis*"


def test_refusals_roll_back_everything(session: Session, people: dict[str, Moderator]) -> None:
    known = add(session)
    with pytest.raises(UnknownComments) as unknown:
        decide_many(session, [known.id, 9999], Status.APPROVED, people["mo"])
    assert unknown.value.details == {"unknown_ids": [9999]}
    with pytest.raises(NotFound):
        decide(session, 9999, people["mo"], status=Status.SPAM)
    with pytest.raises(DecisionConflict):
        decide(session, known.id, people["mo"], status=Status.SPAM, expected=Status.APPROVED)
    with pytest.raises(AdminOnly):
        purge(session, known.id, people["mo"])
    assert session.get(Comment, known.id).status == Status.PENDING
    assert trail(session) == []


def test_reply_rule_counts_parents_approved_in_the_same_bulk(
        session: Session, people: dict[str, Moderator]) -> None:
    parent = add(session, "parent")
    reply = add(session, "reply", parent=parent)
    with pytest.raises(ParentNotApproved):
        decide(session, reply.id, people["mo"], status=Status.APPROVED)
    assert decide_many(session, [reply.id, parent.id], Status.APPROVED, people["mo"]) == [
        parent.id, reply.id]
    # Unpublishing a parent leaves its published replies alone.
    decide(session, parent.id, people["mo"], status=Status.REJECTED)
    assert session.get(Comment, reply.id).status == Status.APPROVED


def test_purge_moves_replies_up_and_keeps_the_audit(session: Session,
                                                    people: dict[str, Moderator]) -> None:
    root = add(session, "root", Status.APPROVED)
    middle = add(session, "middle", Status.SPAM, parent=root)
    leaf = add(session, "leaf", Status.PENDING, parent=middle)
    middle_id, before = middle.id, version(session)
    purge(session, middle_id, people["ad"])
    assert session.get(Comment, middle_id) is None
    assert session.get(Comment, leaf.id).parent_id == root.id
    assert version(session) == before  # neither it nor its replies were public
    assert trail(session) == [("ad", "comment.purge", "spam", None)]
    assert session.scalar(sa.select(AuditEntry.comment_id)) == middle_id


def test_closing_creates_the_article_and_audits_real_changes(
        session: Session, people: dict[str, Moderator]) -> None:
    assert close_article(session, "new", True, people["ad"]).closed is True
    close_article(session, "new", True, people["ad"])
    close_article(session, "new", False, "cli:root")
    assert trail(session) == [("ad", "article.closed", "false", "true"),
                              ("cli:root", "article.closed", "true", "false")]


# --- two moderators at once -----------------------------------------------------------

def race(app: Flask, monkeypatch: pytest.MonkeyPatch, comment_id: int,
         second: Callable[[Session, Moderator], Any]) -> dict[str, Any]:
    """ad approves while holding the row lock; meanwhile mo decides too, in its own
    transaction. Returns what each got, once mo was seen waiting for ad's lock."""
    locked, release = threading.Event(), threading.Event()
    touch = decisions.touch_article

    def slow_touch(session: Session, article_id: int) -> None:
        if threading.current_thread().name == "ad":  # inside ad's transaction, lock held
            locked.set()
            assert release.wait(20)
        touch(session, article_id)

    monkeypatch.setattr(decisions, "touch_article", slow_touch)
    results: dict[str, Any] = {}

    def run(name: str, act: Callable[[Session, Moderator], Any]) -> None:
        with app.app_context():
            actor = db.session.scalars(sa.select(Moderator).where(Moderator.name == name)).one()
            try:
                act(db.session, actor)
                results[name] = "done"
            except DecisionConflict as error:
                results[name] = error.details["current_status"]

    first = threading.Thread(target=run, name="ad", args=("ad", lambda session, actor: decide(
        session, comment_id, actor, status=Status.APPROVED, expected=Status.PENDING)))
    first.start()
    assert locked.wait(20)
    late = threading.Thread(target=run, name="mo", args=("mo", second))
    late.start()
    late.join(0.5)
    results["mo waited"] = late.is_alive()
    release.set()
    first.join(20)
    late.join(20)
    return results


def test_the_second_of_two_deciders_sees_the_first(app: Flask, session: Session,
                                                   people: dict[str, Moderator],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    comment_id = add(session).id
    session.remove()  # type: ignore[attr-defined]
    results = race(app, monkeypatch, comment_id, lambda session, actor: decide(
        session, comment_id, actor, status=Status.SPAM, expected=Status.PENDING))
    assert results == {"mo waited": True, "ad": "done", "mo": "approved"}
    assert session.get(Comment, comment_id).status == Status.APPROVED
    assert trail(session) == [("ad", "comment.status", "pending", "approved")]


def test_without_expectation_the_last_decision_wins_and_both_are_audited(
        app: Flask, session: Session, people: dict[str, Moderator],
        monkeypatch: pytest.MonkeyPatch) -> None:
    comment_id = add(session).id
    session.remove()  # type: ignore[attr-defined]
    results = race(app, monkeypatch, comment_id, lambda session, actor: decide_many(
        session, [comment_id], Status.SPAM, actor))
    assert results == {"mo waited": True, "ad": "done", "mo": "done"}
    assert session.get(Comment, comment_id).status == Status.SPAM
    # mo's "from" is ad's decision: mo read the row only once ad had committed.
    assert trail(session) == [("ad", "comment.status", "pending", "approved"),
                              ("mo", "comment.status", "approved", "spam")]
