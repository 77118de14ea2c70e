"""The same comments, written straight into each database the bench measures.

One deterministic stream of comments (`comments()`) feeds three writers: Causerie on
SQLite, Causerie on PostgreSQL, and Isso's SQLite file. Rows go in by bulk inserts (COPY
on PostgreSQL), never through HTTP, so a million comments take seconds, not hours.
"""

import random
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from service.models import text_digest  # noqa: E402
from service.screening.sanitize import to_html  # noqa: E402

ARTICLE = "comment-devenir-chef-de-projet-ia"   # article 1: the listed one
ARTICLE_COMMENTS = 100
COMMENTS_PER_ARTICLE = 50                      # the others share the rest
WORDS = ("le projet la méthode une équipe des données ce modèle notre client mon avis cette "
         "approche les jalons le budget vos retours la qualité un prototype les tests "
         "le risque la mise en production nos utilisateurs le planning").split(" ")
VERBS = ("demande", "change", "améliore", "complique", "simplifie", "révèle", "suppose",
         "accélère", "ralentit", "rassure")
EXTRAS = ("", "", "", " Voir https://example.org/retour-d-experience pour un exemple.",
          " C'est <em>vraiment</em> le point clé.", " <b>Merci</b> pour ce partage !",
          " Comme dit l'adage : <q>mieux vaut tard que jamais</q>.")
NAMES = [f"{first} {last}" for first in ("Julie", "Marc", "Zoé", "Karim", "Léa", "Hugo")
         for last in ("Martin", "Bernard", "Dubois", "Nguyen", "Moreau")]
START = datetime(2024, 1, 1)


def comment_text(rng: random.Random) -> str:
    """A plausible comment of 100 to 600 characters, in one to three paragraphs."""
    target = rng.randint(100, 600)
    paragraphs: list[str] = []
    text = ""
    while len(text) < target:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
        sentence = f"{sentence.capitalize()} {rng.choice(VERBS)} {rng.choice(WORDS)}."
        if rng.random() < 0.1:
            sentence += rng.choice(EXTRAS)
        if paragraphs and rng.random() < 0.15:
            paragraphs.append(sentence)
        elif paragraphs:
            paragraphs[-1] += " " + sentence
        else:
            paragraphs.append(sentence)
        text = "\n\n".join(paragraphs)
    return text[:target].rstrip() or "Merci pour cet article."


def article_key(number: int) -> str:
    return ARTICLE if number == 1 else f"article-{number}"


def articles(total: int) -> int:
    """How many articles a table of `total` comments spreads over."""
    return max(total // COMMENTS_PER_ARTICLE, 10)


@dataclass(frozen=True)
class Row:
    number: int
    article: int       # 1 .. articles(total)
    name: str
    email: str
    text: str
    html: str
    status: str        # approved, pending, spam, rejected
    when: datetime


def comments(total: int, *, pending: int = 0, seed: int = 7) -> Iterator[Row]:
    """`total` comments, 100 approved on ARTICLE; the others over articles 2..n, mostly
    approved, `pending` of them pending, the rest spam or rejected; ids and dates
    interleaved as they would be in life. The same arguments give the same rows."""
    rng = random.Random(seed)
    pool = [(text, to_html(text)) for text in (comment_text(rng) for _ in range(600))]
    count = articles(total)
    step = (datetime(2026, 11, 1) - START) / total
    ours = set(rng.sample(range(total), ARTICLE_COMMENTS))
    others = [n for n in range(total) if n not in ours]
    pending_rows = set(rng.sample(others, min(pending, len(others))))
    for number in range(total):
        text, html = pool[number % len(pool)]
        if number in ours:
            text = comment_text(rng)
            html, article, status = to_html(text), 1, "approved"
        elif number in pending_rows:
            article, status = rng.randint(2, count), "pending"
        else:
            article = rng.randint(2, count)
            status = rng.choices(("approved", "spam", "rejected"), (85, 10, 5))[0]
        yield Row(number, article, NAMES[number % len(NAMES)], f"lecteur{number}@example.org",
                  text, html, status, START + step * number)


def address(number: int) -> str:
    """The client address of comment `number`: one per 3 comments (readers come back a
    little), in the 10/8 private range. Every comment from one address would make the
    moderation queue's author history count the whole table for each comment shown."""
    host = number // 3
    return f"10.{host >> 16 & 255}.{host >> 8 & 255}.{host & 255}"


def _batches(total: int, pending: int, size: int = 20_000) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in comments(total, pending=pending):
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _causerie_row(row: Row) -> tuple[Any, ...]:
    when = row.when.isoformat(sep=" ")
    return (row.article, row.name, row.email, row.text, text_digest(row.text), row.html,
            row.status, address(row.number), "Mozilla/5.0 (bench)", "[]", row.status, when, when,
            False)


_COMMENT_COLUMNS = ("article_id", "name", "email", "text", "text_digest", "html", "status", "ip",
                    "user_agent", "reasons", "screened_status", "created_at", "updated_at",
                    "notify_replies")
# What migration 0009 does on upgrade: the approved count kept on each article.
_RECOUNT = ("UPDATE article SET comment_count = (SELECT count(*) FROM comment "
            "WHERE comment.article_id = article.id AND comment.status = 'approved')")


def causerie_sqlite(path: Path, total: int, *, pending: int = 0) -> None:
    """Fill a migrated Causerie SQLite database."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")  # 256 MiB while seeding
        # Indexes are dropped and built again after the rows: sorting once is far faster
        # than keeping five B-trees in order through a million random inserts.
        indexes = [sql for (sql,) in connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'comment' "
            "AND sql IS NOT NULL")]
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                          "AND tbl_name = 'comment' AND sql IS NOT NULL"
                                          ).fetchall():
            connection.execute(f'DROP INDEX "{name}"')
        with connection:
            start = START.isoformat(sep=" ")
            connection.executemany(
                "INSERT INTO article (id, key, closed, version, created_at, updated_at) "
                "VALUES (?, ?, 0, 1, ?, ?)",
                [(number, article_key(number), start, start)
                 for number in range(1, articles(total) + 1)])
            insert = (f"INSERT INTO comment ({', '.join(_COMMENT_COLUMNS)}) "
                      f"VALUES ({', '.join('?' * len(_COMMENT_COLUMNS))})")
            for batch in _batches(total, pending):
                connection.executemany(insert, map(_causerie_row, batch))
            for sql in indexes:
                connection.execute(sql)
            connection.execute(_RECOUNT)
        connection.execute("ANALYZE")
    finally:
        connection.close()


def causerie_postgresql(url: str, total: int, *, pending: int = 0) -> None:
    """Fill a migrated Causerie PostgreSQL database (COPY)."""
    import psycopg
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        start = START
        # As on SQLite: the comment table's indexes are built after the rows.
        # (Not those backing a constraint: the primary key, the unique import source.)
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'comment' "
                       "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        with cursor.copy("COPY article (id, key, closed, version, created_at, updated_at) "
                         "FROM STDIN") as copy:
            for number in range(1, articles(total) + 1):
                copy.write_row((number, article_key(number), False, 1, start, start))
        with cursor.copy(f"COPY comment ({', '.join(_COMMENT_COLUMNS)}) FROM STDIN") as copy:
            for batch in _batches(total, pending):
                for row in batch:
                    copy.write_row((row.article, row.name, row.email, row.text,
                                    text_digest(row.text), row.html, row.status,
                                    address(row.number),
                                    "Mozilla/5.0 (bench)", "[]", row.status, row.when, row.when,
                                    False))
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _, sql in indexes:
            cursor.execute(sql)
        cursor.execute(_RECOUNT)
        for table in ("article", "comment"):  # serial ids go on after the seeded ones
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        connection.commit()
        connection.autocommit = True
        cursor.execute("VACUUM ANALYZE")


# Isso keeps no spam or rejected state: 1 is published, 2 awaits moderation.
_ISSO_MODE = {"approved": 1, "pending": 2, "spam": 2, "rejected": 2}


def isso_sqlite(path: Path, total: int, *, pending: int = 0) -> None:
    """Fill an Isso database whose tables Isso itself created (see peer_isso.create)."""
    epoch = datetime(1970, 1, 1)
    voters = bytes(256)  # Isso's empty Bloom filter of voters: 256 zero bytes
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executemany(
                "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
                [(number, "/" + article_key(number), f"Article {number}")
                 for number in range(1, articles(total) + 1)])
            for batch in _batches(total, pending):
                connection.executemany(
                    "INSERT INTO comments (tid, parent, created, modified, mode, remote_addr, "
                    "text, author, email, website, likes, dislikes, voters, notification) "
                    "VALUES (?, NULL, ?, NULL, ?, '192.0.2.0', ?, ?, ?, NULL, 0, 0, ?, 0)",
                    [(row.article, (row.when - epoch) / timedelta(seconds=1),
                      _ISSO_MODE[row.status], row.text, row.name, row.email, voters)
                     for row in batch])
    finally:
        connection.close()
