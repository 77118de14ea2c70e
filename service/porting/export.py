"""Exports that stream: everything as JSON Lines (read back losslessly by `restore`), and
WordPress WXR 1.2 (so a site can move to WordPress).

JSON Lines, not one JSON document: each line is one object, written and read one at a
time, so neither side ever holds the whole site in memory. The first line names the
format; then come moderators (without their token hashes: a secret stays here), articles,
comments and the audit trail, each with every column, in id order.
"""

import enum
import json
import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import IO, Any, cast
from xml.sax.saxutils import escape

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Article, AuditEntry, Comment, Moderator, Status
from ..moderation.actions import quiet_transaction
from ..moderation.decisions import Actor, record
from .records import ImportFailed

FORMAT = "causerie-export"
VERSION = 1
CHUNK = 1000
# Tables in the order they are written and restored, with the columns kept.
TABLES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("moderator", Moderator, ("id", "name", "role", "created_at", "revoked_at")),
    ("article", Article, ("id", "key", "closed", "version", "created_at", "updated_at")),
    ("comment", Comment, tuple(column.key for column in Comment.__table__.columns)),
    ("audit", AuditEntry, tuple(column.key for column in AuditEntry.__table__.columns)),
]


def table(model: Any) -> sa.Table:
    """A model's table, typed as the Table it is (core inserts and updates want one)."""
    return cast(sa.Table, model.__table__)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _rows(session: Session, model: Any, columns: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Every row of a table as a dict of plain values, by id, CHUNK rows at a time."""
    selected = [getattr(model, column) for column in columns]
    last = 0
    while rows := _fetch(session, sa.select(*selected).where(model.id > last)
                         .order_by(model.id).limit(CHUNK)):
        for row in rows:
            yield {column: _plain(value) for column, value in zip(columns, row)}
        last = rows[-1].id


def audit_export(session: Session, actor: Actor, kind: str) -> None:
    """An export hands out personal data: the trail says who took one, and when."""
    record(session, actor, "export", field="format", old=None, new=kind)
    session.commit()


def _fetch(session: Session, query: sa.Executable) -> list[Any]:
    """One chunk's rows, the transaction ended before they are written: a reader who is
    slow, or stops reading, holds no lock (an export is not one point-in-time snapshot)."""
    rows = list(session.execute(query).all())
    session.rollback()
    return rows


def json_lines(session: Session) -> Iterator[str]:
    """The whole site as JSON Lines, one line at a time."""
    yield json.dumps({"format": FORMAT, "version": VERSION}) + "\n"
    for kind, model, columns in TABLES:
        for row in _rows(session, model, columns):
            yield json.dumps({"type": kind, **row}, ensure_ascii=False) + "\n"


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_TIMES = frozenset({"created_at", "updated_at", "revoked_at"})


def restore(session: Session, lines: IO[bytes], actor: Actor) -> dict[str, int]:
    """Read a JSON Lines export back, ids included, in one transaction.

    Meant for an empty database (a move, a backup restored); running it again changes
    nothing. Moderators are matched by name, audit rows by what they say; an article or
    comment whose id is taken by a different one stops it, with nothing written.
    Replies are linked to their parents at the end, so the order of comments is free.
    """
    counts: dict[str, int] = {f"{kind}s": 0 for kind, _, _ in TABLES}
    counts["already_present"] = 0
    models = {kind: (model, columns) for kind, model, columns in TABLES}
    parents: list[dict[str, int]] = []
    moderators: dict[int, int] = {}  # id in the file -> id here
    with quiet_transaction(session):
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ImportFailed(f"Line {number} is not UTF-8 text. Nothing was imported.",
                                   number) from None
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as error:
                raise ImportFailed(f"Line {number} is not JSON ({error.args[0]}). Nothing was "
                                   "imported.", number) from None
            if number == 1:
                if not isinstance(data, dict) or data.get("format") != FORMAT:
                    raise ImportFailed("This is not a Causerie export: its first line does not "
                                       "name the format. Nothing was imported.", 1)
                continue
            if not isinstance(data, dict) or data.get("type") not in models:
                raise ImportFailed(f"Line {number} is not a row of the export. Nothing was "
                                   "imported.", number)
            kind = data.pop("type")
            try:
                _restore_row(session, kind, data, counts, parents, moderators)
            except ImportFailed as failure:
                raise ImportFailed(f"Line {number}: {failure} Nothing was imported.", number) from None
            except (TypeError, ValueError, KeyError, LookupError, sa.exc.StatementError) as error:
                # Also IntegrityError (a StatementError): a value the table refuses.
                reason = type(getattr(error, "orig", None) or error).__name__
                raise ImportFailed(f"Line {number}: this {kind} row cannot be stored ({reason}). "
                                   "Nothing was imported.", number) from None
        for start in range(0, len(parents), CHUNK):
            session.execute(sa.update(table(Comment))
                            .where(table(Comment).c.id == sa.bindparam("child"))
                            .values(parent_id=sa.bindparam("parent"),  # not a change: no onupdate
                                    updated_at=table(Comment).c.updated_at),
                            parents[start:start + CHUNK])
        _advance_sequences(session)
        record(session, actor, "import", field="source", old=None,
               new=f"json: {counts['comments']} comments restored")
    return counts


def _restore_row(session: Session, kind: str, data: dict[str, Any], counts: dict[str, int],
                 parents: list[dict[str, int]], moderators: dict[int, int]) -> None:
    """Insert one row of the export, unless the same row is already there."""
    model, columns = next((model, columns) for name, model, columns in TABLES if name == kind)
    row: dict[str, Any] = {column: _time(data.get(column)) if column in _TIMES else data.get(column)
                           for column in columns}
    if not isinstance(row["id"], int) or isinstance(row["id"], bool):
        raise ImportFailed("it has no id.")
    if kind == "moderator":
        if _restore_moderator(session, row, moderators):
            counts["moderators"] += 1
        else:
            counts["already_present"] += 1
        return
    if kind == "audit":
        if row["moderator_id"] is not None:
            row["moderator_id"] = moderators.get(row["moderator_id"], row["moderator_id"])
        if _restore_audit(session, row):
            counts["audits"] += 1
        else:
            counts["already_present"] += 1
        return
    if (existing := session.get(model, row["id"])) is not None:
        if not _same(kind, existing, row):
            raise ImportFailed(f"{kind} {row['id']} already exists and is another one; "
                               "restore into an empty database.")
        counts["already_present"] += 1
        return
    if kind == "comment" and row.get("parent_id") is not None:
        parents.append({"child": row["id"], "parent": row.pop("parent_id")})
    session.execute(sa.insert(table(model)).values(row))
    counts[f"{kind}s"] += 1


def _restore_audit(session: Session, row: dict[str, Any]) -> bool:
    """Audit rows are found again by what they say (nothing refers to their ids); one
    keeps its id when free, as in an empty database, else takes the next one."""
    same = sa.select(AuditEntry.id).where(
        AuditEntry.created_at == row["created_at"], AuditEntry.action == row["action"],
        AuditEntry.actor == row["actor"], AuditEntry.comment_id == row["comment_id"]
        if row["comment_id"] is not None else AuditEntry.comment_id.is_(None))
    if session.scalar(same.limit(1)) is not None:
        return False
    if session.get(AuditEntry, row["id"]) is not None:
        row["id"] = (session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0) + 1
    session.execute(sa.insert(table(AuditEntry)).values(row))
    return True


def _restore_moderator(session: Session, row: dict[str, Any], moderators: dict[int, int]) -> bool:
    """A moderator is matched by name (the admin restoring is usually already there);
    a new one keeps its id if free and gets a token hash nobody holds (rotate to use it)."""
    original = row["id"]
    found = session.scalar(sa.select(Moderator.id).where(Moderator.name == row["name"]))
    if found is not None:
        moderators[original] = found
        return False
    if session.get(Moderator, original) is not None:
        row["id"] = (session.scalar(sa.select(sa.func.max(Moderator.id))) or 0) + 1
    moderators[original] = row["id"]
    session.execute(sa.insert(table(Moderator)).values(
        {**row, "token_hash": secrets.token_hex(32)}))
    return True


def _same(kind: str, existing: Any, row: Mapping[str, Any]) -> bool:
    if kind == "article":
        return bool(existing.key == row["key"])
    return bool(existing.text_digest == row["text_digest"] and existing.created_at == row["created_at"])


def _advance_sequences(session: Session) -> None:
    """PostgreSQL's id sequences past the ids restored (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for _, model, _ in TABLES:
        table = model.__table__.name
        session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"coalesce((SELECT max(id) FROM \"{table}\"), 0) + 1, false)"))


WXR_STATUS = {Status.APPROVED: "1", Status.PENDING: "0", Status.SPAM: "spam",
              Status.TRASH: "trash", Status.REJECTED: "trash"}


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wxr(session: Session, base_url: str | None = None) -> Iterator[str]:
    """The site as a WordPress WXR 1.2 file: an item per article, its comments inside.

    Rejected comments go out as `trash` (WordPress has no such status). Without a base URL
    the items have no link: WordPress's importer matches posts by their slug (our key).
    """
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
           '<title>Causerie</title>\n<wp:wxr_version>1.2</wp:wxr_version>\n')
    last = 0
    while articles := _fetch(session, sa.select(Article.id, Article.key, Article.closed)
                             .where(Article.id > last).order_by(Article.id).limit(CHUNK)):
        for article in articles:
            yield from _item(session, article, base_url)
        last = articles[-1].id
    yield "</channel>\n</rss>\n"


def _item(session: Session, article: Any, base_url: str | None) -> Iterator[str]:
    link = f"<link>{escape(base_url.rstrip('/') + '/' + article.key + '/')}</link>\n" if base_url else ""
    yield (f"<item>\n<title>{escape(article.key)}</title>\n{link}"
           f"<wp:post_id>{article.id}</wp:post_id>\n<wp:post_name>{escape(article.key)}</wp:post_name>\n"
           f"<wp:post_type>post</wp:post_type>\n<wp:status>publish</wp:status>\n"
           f"<wp:comment_status>{'closed' if article.closed else 'open'}</wp:comment_status>\n")
    last = 0
    columns = (Comment.id, Comment.parent_id, Comment.name, Comment.email, Comment.website,
               Comment.ip, Comment.text, Comment.status, Comment.created_at)
    while comments := _fetch(session, sa.select(*columns).where(
            Comment.article_id == article.id, Comment.id > last).order_by(Comment.id)
            .limit(CHUNK)):
        for c in comments:
            date = c.created_at.strftime("%Y-%m-%d %H:%M:%S")
            yield ("<wp:comment>\n"
                   f"<wp:comment_id>{c.id}</wp:comment_id>\n"
                   f"<wp:comment_author>{_cdata(c.name)}</wp:comment_author>\n"
                   f"<wp:comment_author_email>{escape(c.email or '')}</wp:comment_author_email>\n"
                   f"<wp:comment_author_url>{escape(c.website or '')}</wp:comment_author_url>\n"
                   f"<wp:comment_author_IP>{escape(c.ip or '')}</wp:comment_author_IP>\n"
                   f"<wp:comment_date>{date}</wp:comment_date>\n"
                   f"<wp:comment_date_gmt>{date}</wp:comment_date_gmt>\n"
                   f"<wp:comment_content>{_cdata(c.text)}</wp:comment_content>\n"
                   f"<wp:comment_approved>{WXR_STATUS[c.status]}</wp:comment_approved>\n"
                   "<wp:comment_type>comment</wp:comment_type>\n"
                   f"<wp:comment_parent>{c.parent_id or 0}</wp:comment_parent>\n"
                   "<wp:comment_user_id>0</wp:comment_user_id>\n</wp:comment>\n")
        last = comments[-1].id
    yield "</item>\n"

