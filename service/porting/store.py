"""Writing imported comments: one transaction per file, idempotent, never notifying.

Comments are inserted in batches of BATCH as the reader streams them; a comment whose
(source, source_id) is already stored is left as it is, so importing a file again
changes nothing. Replies are linked to their parents at the end, by source id, so a
reply may come before its parent in the file. Nothing is committed before the whole
file has been read: a failure rolls everything back, and the import can simply be run
again.
"""

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..limits import EMAIL_MAX, NAME_MAX, TEXT_MAX, WEBSITE_MAX
from ..models import Article, Comment, Status, text_digest, utcnow
from ..moderation import learning
from ..moderation.actions import article_for_comment, quiet_transaction, touch_article
from ..moderation.decisions import Actor, record
from ..screening.sanitize import normalize, to_html, to_plain
from ..spamfilter.model import Sample
from .export import table
from .records import Event, ImportedArticle, ImportedComment, ImportFailed, Skipped

BATCH = 1000


@functools.lru_cache(maxsize=4096)
def _name(raw: str) -> str:
    """A name as plain text; readers come back, so each distinct name is cleaned once."""
    return to_plain(raw)[:NAME_MAX]
ANONYMOUS = {"fr": "Anonyme", "en": "Anonymous"}


@dataclass
class Summary:
    """What an import did, for the terminal's table and the API's answer."""

    source: str
    imported: Counter[str] = field(default_factory=Counter)  # by status
    already_present: int = 0
    skipped: Counter[str] = field(default_factory=Counter)   # by reason
    articles: int = 0
    articles_closed: int = 0
    replies: int = 0
    parents_missing: int = 0
    learned: int = 0

    @property
    def total(self) -> int:
        return sum(self.imported.values())

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "imported": self.total,
                "by_status": dict(sorted(self.imported.items())),
                "already_present": self.already_present, "skipped": dict(sorted(self.skipped.items())),
                "articles": self.articles, "articles_closed": self.articles_closed,
                "replies": self.replies, "parents_missing": self.parents_missing,
                "learned": self.learned}

    def table(self) -> str:
        """The summary as a two-column table for a terminal."""
        rows = [("comments imported", self.total)]
        rows += [(f"  {status}", count) for status, count in sorted(self.imported.items())]
        rows += [("replies linked to their parent", self.replies),
                 ("replies whose parent is not in the file", self.parents_missing),
                 ("already imported before (unchanged)", self.already_present),
                 ("articles", self.articles), ("articles closed", self.articles_closed)]
        rows += [(f"skipped: {reason}", count) for reason, count in sorted(self.skipped.items())]
        rows += [("taught to the spam model", self.learned)]
        width = max(len(label) for label, _ in rows)
        lines = [f"{'what'.ljust(width)}  count", f"{'-' * width}  -----"]
        lines += [f"{label.ljust(width)}  {count:>5}" for label, count in rows]
        return "\n".join(lines)


Progress = Callable[[Summary], None]


def import_events(session: Session, source: str, events: Iterable[Event], *, actor: Actor,
                  learn: bool = False, locale: str = "en",
                  progress: Progress | None = None) -> Summary:
    """Store what a reader yields, in one transaction; the summary of what was done.

    With `learn`, approved comments teach the spam model ham and spam ones spam; without
    it, the model is left as it was. Raises what the reader raises, after a rollback.
    """
    writer = _Writer(session, source, actor, learn, ANONYMOUS.get(locale, "Anonymous"))
    try:
        with quiet_transaction(session):
            for event in events:
                if isinstance(event, ImportedComment):
                    writer.add(event)
                    if len(writer.batch) >= BATCH:
                        writer.flush()
                        if progress:
                            progress(writer.summary)
                elif isinstance(event, ImportedArticle):
                    writer.article(event)
                elif isinstance(event, Skipped):
                    writer.summary.skipped[event.reason] += 1
            writer.flush()
            writer.link_parents()
            summary = writer.summary
            record(session, actor, "import", field="source", old=None,
                   new=f"{source}: {summary.total} imported, {summary.already_present} already present")
    except sa.exc.IntegrityError:  # rolled back already
        raise ImportFailed("Another import wrote some of the same comments meanwhile. Nothing "
                           "was imported; run it again: it will skip what is there now.",
                           key="import.concurrent") from None
    if progress:
        progress(summary)
    return summary


class _Writer:
    def __init__(self, session: Session, source: str, actor: Actor, learn: bool,
                 anonymous: str) -> None:
        self.session, self.source, self.actor = session, source, actor
        self.learn, self.anonymous = learn, anonymous
        self.summary = Summary(source)
        self.batch: dict[str, ImportedComment] = {}
        self.articles: dict[str, int] = {}
        self.orphans: list[tuple[int, str]] = []  # (comment id, parent's source id)

    def article(self, event: ImportedArticle) -> int:
        article_id = self.articles.get(event.key)
        if article_id is None:
            article = article_for_comment(self.session, event.key)
            article_id = self.articles[event.key] = article.id
            self.summary.articles += 1
        if event.closed:
            article = self.session.get_one(Article, article_id)
            if not article.closed:
                article.closed = True
                record(self.session, self.actor, "article.closed",
                       article_key=event.key, field="closed", old="false", new="true")
                self.summary.articles_closed += 1
        return article_id

    def add(self, comment: ImportedComment) -> None:
        if comment.source_id in self.batch:
            self.summary.skipped["same id twice in the file"] += 1
        else:
            self.batch[comment.source_id] = comment

    def flush(self) -> None:
        if not self.batch:
            return
        present = set(self.session.scalars(sa.select(Comment.source_id).where(
            Comment.source == self.source, Comment.source_id.in_(list(self.batch)))))
        self.summary.already_present += len(present)
        rows, now = [], utcnow()
        lessons: list[tuple[Sample, bool, int]] = []
        for comment in self.batch.values():
            if comment.source_id in present:
                continue
            row = self._row(comment, now)
            if row is None:
                continue
            if self.learn and (label := learning.label(comment.status, None)) is not None:
                row["trained_as"] = label
                lessons.append((Sample(text=row["text"], name=row["name"],
                                       website=row["website"]), label, +1))
            rows.append((row, comment.parent_id))
            self.summary.imported[comment.status.value] += 1
            if comment.status == Status.APPROVED:
                touch_article(self.session, row["article_id"])
        self.batch = {}
        if rows:
            inserted = self.session.execute(
                sa.insert(Comment).returning(Comment.id, sort_by_parameter_order=True),
                [row for row, _ in rows]).scalars().all()
            self.orphans += [(id, parent) for id, (_, parent) in zip(inserted, rows) if parent]
        if lessons:
            learning.learn(self.session, lessons)
            self.summary.learned += len(lessons)

    def _row(self, comment: ImportedComment, now: Any) -> dict[str, Any] | None:
        text = normalize(comment.text).strip()[:TEXT_MAX]
        html = to_html(text)
        if not html:
            self.summary.skipped["empty text"] += 1
            return None
        name = _name(comment.name) or self.anonymous
        email = (comment.email or "").strip() or None
        website = (comment.website or "").strip() or None
        ip = (comment.ip or "").strip() or None
        return {"article_id": self.article(ImportedArticle(comment.article)),
                "name": name, "email": email if email and len(email) <= EMAIL_MAX else None,
                "website": website if website and len(website) <= WEBSITE_MAX
                and website.startswith(("http://", "https://")) else None,
                "text": text, "html": html, "text_digest": text_digest(text),
                "status": comment.status, "ip": ip if ip and len(ip) <= 45 else None,
                "user_agent": (comment.user_agent or None) and comment.user_agent[:500],
                "score": None, "reasons": [], "screened_status": None, "trained_as": None,
                "created_at": comment.created_at, "updated_at": now,
                "source": self.source, "source_id": comment.source_id}

    def link_parents(self) -> None:
        """Give each imported reply its parent's id, found by the parent's source id."""
        for start in range(0, len(self.orphans), BATCH):
            chunk = self.orphans[start:start + BATCH]
            found: dict[str | None, int] = {source_id: id for source_id, id in self.session.execute(
                sa.select(Comment.source_id, Comment.id).where(
                    Comment.source == self.source,
                    Comment.source_id.in_({parent for _, parent in chunk})))}
            links = [{"child": child, "parent": found[parent]} for child, parent in chunk
                     if parent in found and found[parent] != child]
            self.summary.replies += len(links)
            self.summary.parents_missing += len(chunk) - len(links)
            if links:
                self.session.execute(
                    sa.update(table(Comment)).where(table(Comment).c.id == sa.bindparam("child"))
                    .values(parent_id=sa.bindparam("parent"),
                            updated_at=table(Comment).c.updated_at), links)
        self.orphans = []
