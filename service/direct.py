"""The statements every new comment runs, executed on the driver's own cursor.

A new comment runs the same handful of small statements: the saved settings, the
article's state, the duplicate and history look-up, the spam model's counts, the
article's and the comment's INSERT and the outbox's. For statements this small, what a
Core `execute` does around the driver's call (the compiled cache's key, an execution
context, the result's metadata) costs more than the database's own work: 30-80 µs a
statement in process against 5-15 µs on the driver, and in the served workers a quarter
of a post's time (bench/README.md). So each is compiled by SQLAlchemy once per dialect,
into its SQL text, its parameters' order and its types' bind processors, and executed on
the cursor of the session's own connection, inside the session's transaction.

Failures are SQLAlchemy's, as a Core `execute` raises them: the connection's own handler
wraps the driver's error (an OperationalError is still the 503 of a dead database) and
invalidates a connection that was lost or interrupted mid-statement (the request
deadline). Rows come back as tuples, through the columns' result processors where a type
has one (a JSON column or a date read from SQLite, a flag read as 0 or 1).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import DBAPICursor, Dialect


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None   # positional drivers (SQLite): the parameters' order
    fixed: dict[str, Any]           # parameters with a value in the statement itself
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    columns: tuple[Callable[[Any], Any] | None, ...] | None  # result processors, if any


class Direct:
    """A Core statement, compiled once per dialect and run on the driver's cursor."""

    def __init__(self, statement: sa.Executable, *, column_keys: Sequence[str] | None = None):
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(  # type: ignore[attr-defined]
            dialect=dialect, column_keys=self.column_keys)
        if compiled.insert_prefetch or compiled.update_prefetch:  # Python-side defaults
            raise ValueError("a Direct statement names every column it writes: "
                             + ", ".join(column.key for column in compiled.insert_prefetch
                                         + compiled.update_prefetch))
        if compiled.post_compile_params:  # rendered at each execution: an IN list
            raise ValueError("a Direct statement has the same SQL at every execution: "
                             "no expanding IN list")
        escaped = compiled.escaped_bind_names
        fixed, processors = {}, {}
        for bind, name in compiled.bind_names.items():  # a name may be bound in several places
            name = escaped.get(name, name)
            if not bind.required:
                fixed[name] = bind.effective_value
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        order = tuple(escaped.get(name, name) for name in compiled.positiontup) \
            if compiled.positional else None
        columns = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                        for column in self.statement.exported_columns)  # type: ignore[attr-defined]
        return _Compiled(compiled.string, order, fixed, tuple(processors.items()),
                         columns if any(columns) else None)

    def first(self, connection: sa.Connection, params: Mapping[str, Any]) -> Any:
        """The first row (a tuple), or None."""
        rows = self._run(connection, params, lambda cursor: [row] if (
            row := cursor.fetchone()) is not None else [])
        return rows[0] if rows else None

    def all(self, connection: sa.Connection, params: Mapping[str, Any]) -> Sequence[Any]:
        """Every row, as tuples."""
        rows: Sequence[Any] = self._run(connection, params, lambda cursor: cursor.fetchall())
        return rows

    def rowcount(self, connection: sa.Connection, params: Mapping[str, Any]) -> int:
        """How many rows the statement wrote."""
        return int(self._run(connection, params, lambda cursor: cursor.rowcount))

    def _run(self, connection: sa.Connection, params: Mapping[str, Any],
             read: Callable[[DBAPICursor], Any]) -> Any:
        """Run the statement in `connection`'s transaction and `read` its cursor."""
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        values = {**compiled.fixed, **params}
        for name, process in compiled.processors:
            values[name] = process(values[name])
        arguments: Any = [values[name] for name in compiled.order] \
            if compiled.order is not None else values
        cursor = None
        try:
            cursor = connection.connection.cursor()
            cursor.execute(compiled.sql, arguments)
            result = read(cursor)
            if compiled.columns is not None and isinstance(result, list):
                result = [tuple(process(value) if process else value
                                for process, value in zip(compiled.columns, row))
                          for row in result]
        except BaseException as error:
            # SQLAlchemy's own handling of a failed execute (private, but the one that is
            # right): it closes the cursor, wraps the driver's error, invalidates a lost or
            # interrupted connection, and raises.
            connection._handle_dbapi_exception(error, compiled.sql, arguments, cursor, None)
        cursor.close()
        return result
