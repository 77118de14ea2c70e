"""Statements run on the driver's cursor (`service.direct`) answer and fail as Core does.

On a real SQLite file and, with TEST_DATABASE_URL, on PostgreSQL: the same rows as a
Core execute (types processed both ways), SQLAlchemy's own exceptions, a lost connection
invalidated, and statements that would need SQLAlchemy's defaults refused.
"""

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from service.direct import Direct
from service.models import Article, Comment, Setting, Status

pytestmark = pytest.mark.usefixtures("app")


def _comments(session: Any) -> None:
    article = Article(key="direct")
    session.add(article)
    session.flush()
    for n, (status, reasons) in enumerate([(Status.APPROVED, []), (Status.SPAM, [{"code": "links"}]),
                                           (Status.PENDING, [{"code": "model", "score": 0.7}])]):
        session.add(Comment(article_id=article.id, name=f"Auteur {n}", text=f"Texte {n}",
                            html=f"<p>Texte {n}</p>", status=status, reasons=reasons,
                            email=f"a{n}@example.org", notify_replies=n == 2,
                            created_at=datetime(2026, 12, 2, 10, n, 0, 123456)))
    session.commit()


def test_rows_are_those_of_a_core_execute(session: Any) -> None:
    _comments(session)
    statement = (sa.select(Comment.id, Comment.status, Comment.reasons, Comment.created_at,
                           Comment.notify_replies, Comment.email)
                 .where(Comment.status != Status.TRASH,  # a value in the statement
                        Comment.created_at >= sa.bindparam("since", type_=sa.DateTime))
                 .order_by(Comment.id))
    params = {"since": datetime(2026, 12, 2, 10, 1)}
    expected = [tuple(row) for row in session.execute(statement, params)]
    rows = Direct(statement).all(session.connection(), params)
    assert rows == expected and len(rows) == 2
    assert type(rows[0][1]) is Status and rows[0][1] == Status.SPAM
    assert rows[1][2] == [{"code": "model", "score": 0.7}]
    assert rows[1][3] == datetime(2026, 12, 2, 10, 2, 0, 123456) and rows[1][4] is True
    assert Direct(statement).first(session.connection(), {"since": datetime(2027, 1, 1)}) is None


def test_values_are_bound_as_sqlalchemy_stores_them(session: Any) -> None:
    # SQLite keeps a date as SQLAlchemy's text: '2026-12-02 11:00:00.000000', which the
    # driver's own conversion of a datetime ('2026-12-02 11:00:00') would not find.
    _comments(session)
    at = datetime(2026, 12, 2, 11, 0, 0)
    session.add(Comment(article_id=session.scalar(sa.select(Article.id)), name="Zoé",
                        text="Pile", html="<p>Pile</p>", created_at=at))
    session.commit()
    found = Direct(sa.select(Comment.name).where(Comment.created_at == sa.bindparam(
        "at", type_=sa.DateTime)))
    assert found.all(session.connection(), {"at": at}) == [("Zoé",)]


def test_a_union_is_read_through_its_first_selects_types(session: Any) -> None:
    _comments(session)
    union = sa.union_all(
        sa.select(Comment.reasons, Comment.created_at).where(Comment.status == Status.SPAM),
        sa.select(Comment.reasons, Comment.created_at).where(Comment.status == Status.PENDING))
    rows = Direct(union).all(session.connection(), {})
    assert sorted(rows, key=lambda row: row[1]) == [
        ([{"code": "links"}], datetime(2026, 12, 2, 10, 1, 0, 123456)),
        ([{"code": "model", "score": 0.7}], datetime(2026, 12, 2, 10, 2, 0, 123456))]


def test_a_name_bound_twice_is_processed_once(session: Any) -> None:
    now = sa.bindparam("now", type_=sa.DateTime)
    moment = datetime(2026, 12, 2, 15, 0, 1, 5)
    statement = sa.select(sa.literal(1), now.label("a")).where(now >= sa.bindparam(
        "now", type_=sa.DateTime))  # two bind objects, one name
    assert Direct(statement).first(session.connection(), {"now": moment})[1] == moment


def test_written_rows_count_and_return(session: Any) -> None:
    insert = Direct(sa.insert(Setting).values(key=sa.bindparam("key"), value=sa.bindparam(
        "value", type_=sa.JSON), updated_at=sa.bindparam("at", type_=sa.DateTime))
        .returning(Setting.key))
    connection = session.connection()
    at = datetime(2026, 12, 2)
    assert insert.first(connection, {"key": "MAX_LINKS", "value": 3, "at": at}) == ("MAX_LINKS",)
    update = Direct(sa.update(Setting).values(value=sa.bindparam("value", type_=sa.JSON),
                                              updated_at=sa.bindparam("at", type_=sa.DateTime))
                    .where(Setting.key == sa.bindparam("key")))
    assert update.rowcount(connection, {"value": ["x"], "at": at, "key": "MAX_LINKS"}) == 1
    copied = Direct(sa.insert(Setting).from_select(["key", "value", "updated_at"], sa.select(
        sa.literal("HELD_WORDS"), Setting.value, Setting.updated_at).where(
        Setting.key == sa.bindparam("key"))))
    assert copied.rowcount(connection, {"key": "MAX_LINKS"}) == 1
    assert copied.rowcount(connection, {"key": "nothing"}) == 0
    session.commit()
    assert session.get(Setting, "MAX_LINKS").value == ["x"]
    assert session.get(Setting, "HELD_WORDS").value == ["x"]


def test_a_connection_outside_a_transaction_begins_one(session: Any) -> None:
    insert = Direct(sa.insert(Setting).values(key=sa.bindparam("key"), value=sa.bindparam(
        "value", type_=sa.JSON), updated_at=sa.bindparam("at", type_=sa.DateTime)))
    with session.get_bind().connect() as connection:
        insert.rowcount(connection, {"key": "MAX_LINKS", "value": 1, "at": datetime(2026, 1, 1)})
        assert connection.in_transaction()
        connection.commit()  # SQLAlchemy's commit: it must be the one that holds the write
    assert session.get(Setting, "MAX_LINKS").value == 1


def test_a_driver_error_is_sqlalchemys_and_the_session_goes_on(session: Any) -> None:
    insert = Direct(sa.insert(Setting).values(key=sa.bindparam("key"), value=sa.bindparam(
        "value", type_=sa.JSON), updated_at=sa.bindparam("at", type_=sa.DateTime)))
    values = {"key": "MAX_LINKS", "value": 3, "at": datetime(2026, 12, 2)}
    insert.rowcount(session.connection(), values)
    with pytest.raises(sa.exc.IntegrityError) as raised:
        insert.rowcount(session.connection(), values)
    assert not raised.value.connection_invalidated
    session.rollback()
    assert insert.rowcount(session.connection(), values) == 1
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Setting)) == 1


def test_a_lost_connection_is_invalidated(session: Any) -> None:
    connection = session.connection()
    connection.connection.dbapi_connection.close()  # the driver's connection is gone
    with pytest.raises(sa.exc.DBAPIError) as raised:
        Direct(sa.select(Article.id)).all(connection, {})
    assert raised.value.connection_invalidated and connection.invalidated
    session.rollback()
    assert session.connection().execute(sa.select(sa.literal(1))).scalar() == 1  # a new one


class _Interrupted(BaseException):
    """As gevent's Timeout: not an Exception, raised in the middle of a statement."""


class _Interrupting(sa.TypeDecorator[str]):
    impl, cache_ok = sa.String, True

    def process_bind_param(self, value: Any, dialect: Any) -> str:
        raise _Interrupted()


def test_an_interrupted_statement_raises_as_is_and_drops_its_connection(session: Any) -> None:
    connection = session.connection()
    statement = Direct(sa.select(Setting.key).where(Setting.key == sa.bindparam(
        "key", type_=_Interrupting())))
    with pytest.raises(_Interrupted):
        statement.all(connection, {"key": "x"})
    assert connection.invalidated  # its state is unknown: never back to the pool
    session.rollback()
    assert session.connection().execute(sa.select(sa.literal(1))).scalar() == 1


def test_a_database_error_names_no_value(session: Any) -> None:
    insert = Direct(sa.insert(Setting).values(key=sa.bindparam("key"), value=sa.bindparam(
        "value", type_=sa.JSON), updated_at=sa.bindparam("at", type_=sa.DateTime)))
    values = {"key": "MAX_LINKS", "value": "ana@example.org", "at": datetime(2026, 12, 2)}
    insert.rowcount(session.connection(), values)
    with pytest.raises(sa.exc.IntegrityError) as raised:
        insert.rowcount(session.connection(), values)
    assert "ana@example.org" not in str(raised.value) and "hidden" in str(raised.value)
    session.rollback()


def test_a_statement_needing_sqlalchemys_defaults_is_refused(session: Any) -> None:
    # Article.comment_count, created_at...: Python-side defaults a Core execute would fill in.
    statement = Direct(sa.insert(Article).values(key=sa.bindparam("key")))
    with pytest.raises(ValueError, match="comment_count"):
        statement.rowcount(session.connection(), {"key": "x"})


def test_a_statement_rendered_at_each_execution_is_refused(session: Any) -> None:
    statement = Direct(sa.select(Setting.key).where(Setting.key.in_(sa.bindparam(
        "keys", expanding=True))))
    with pytest.raises(ValueError, match="IN list"):
        statement.all(session.connection(), {"keys": ["MAX_LINKS"]})


@pytest.mark.parametrize("parameter", [
    sa.bindparam("a.b"),                                     # a name the driver cannot take
    sa.bindparam("later", callable_=lambda: "MAX_LINKS"),    # a value computed per execution
    sa.bindparam("inline", "MAX_LINKS", literal_execute=True),  # rendered per execution
])
def test_a_statement_needing_sqlalchemy_at_each_execution_is_refused(
        session: Any, parameter: Any) -> None:
    statement = Direct(sa.select(Setting.key).where(Setting.key == parameter))
    with pytest.raises(ValueError, match="Direct"):
        statement.all(session.connection(), {})


def test_a_statement_written_per_dialect_is_built_once_for_its_dialect(session: Any) -> None:
    built: list[str] = []

    def build(dialect: str) -> Any:
        built.append(dialect)
        return sa.select(sa.literal(dialect, sa.String))

    direct, name = Direct(per_dialect=build), session.get_bind().dialect.name
    assert direct.first(session.connection(), {}) == (name,)
    assert direct.first(session.connection(), {}) == (name,) and built == [name]
    with pytest.raises(TypeError):
        Direct(sa.select(sa.literal(1)), per_dialect=build)
