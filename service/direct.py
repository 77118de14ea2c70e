"""The statements every new comment runs, executed on the driver's own cursor.

A new comment runs the same handful of small statements: the saved settings, the
article's state, the duplicate and history look-up, the spam model's counts, the
article's and the comment's INSERT and the outbox's. For statements this small, what a
Core `execute` does around the driver's call (the compiled cache's key, an execution
context, the result's metadata) costs more than the database's own work: 30-80 µs a
statement in process against 5-15 µs on the driver, and in the served workers a quarter
of a post's time (bench/README.md). So each is compiled by SQLAlchemy once per dialect,
into its SQL text, its parameters' order and its types' bind processors, and executed on
the cursor of the session's own connection, inside the session's transaction (begun if
none is).

Failures are SQLAlchemy's, as a Core `execute` raises them: the connection's own handler
wraps the driver's error (an OperationalError is still the 503 of a dead database),
invalidates a connection that was lost or interrupted mid-statement (the request
deadline), and hides the parameters as the engine says. Rows come back as tuples,
through the columns' result processors where a type has one (a JSON column or a date
read from SQLite, a flag read as 0 or 1). A statement that needs SQLAlchemy at each
execution (Python-side defaults, an IN list or a value rendered per execution, a value
computed per execution, a name SQLAlchemy must escape) is refused when compiled.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import DBAPICursor, Dialect

Processor = Callable[[Any], Any]


@dataclass
class _Compiled:
    statement: Any                   # the dialect's statement (its columns' types)
    sql: str
    names: tuple[str, ...]           # the statement's parameters (in order if positional)
    positional: bool                 # SQLite's qmark; psycopg's are named
    fixed: dict[str, Any]            # parameters with a value in the statement itself
    processors: tuple[tuple[str, Processor], ...]
    # Result processors, built from the first cursor's description (some types need its
    # type codes, as SQLAlchemy's own result does); None when no column has one.
    columns: tuple[Processor | None, ...] | None = None
    described: bool = False


class Direct:
    """A Core statement, compiled once per dialect and run on the driver's cursor."""

    def __init__(self, statement: sa.Executable | None = None, *,
                 per_dialect: Callable[[str], Any] | None = None,
                 column_keys: Sequence[str] | None = None):
        """`statement`, or `per_dialect(name)` for one written differently per dialect."""
        if (statement is None) == (per_dialect is None):
            raise TypeError("Direct takes a statement or per_dialect, one of them")
        #: The statement for a dialect's name.
        self.build: Callable[[str], Any] = per_dialect or (lambda dialect: statement)
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = self.build(dialect.name)
        compiled = statement.compile(dialect=dialect, column_keys=self.column_keys)
        refused = [column.key for column in compiled.insert_prefetch + compiled.update_prefetch]
        if refused:  # Python-side defaults, which a Core execute fills in
            raise ValueError(f"a Direct statement names every column it writes: {refused}")
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a Direct statement has the same SQL at every execution: "
                             "no expanding IN list, no value rendered per execution")
        if compiled.escaped_bind_names:
            raise ValueError(f"a Direct statement's parameters need no escaping: "
                             f"{sorted(compiled.escaped_bind_names)}")
        fixed, processors = {}, {}
        for bind, name in compiled.bind_names.items():  # a name may be bound in several places
            if bind.callable is not None:
                raise ValueError(f"a Direct statement's values are fixed or given: {name}")
            if not bind.required:
                fixed[name] = bind.value
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup) if positional else tuple(dict.fromkeys(
            compiled.bind_names.values()))
        return _Compiled(statement, compiled.string, names, positional, fixed,
                         tuple(processors.items()))

    def _described(self, compiled: _Compiled, dialect: Dialect, cursor: DBAPICursor) -> None:
        description = cursor.description or ()
        columns = tuple(column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                        for column, described in zip(compiled.statement.exported_columns,
                                                     description))
        compiled.columns, compiled.described = (columns if any(columns) else None), True

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
        key = (dialect.name, dialect.driver)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(dialect)
        transaction = connection.get_transaction()
        if transaction is None:
            connection.begin()  # as a Core execute would (autobegin)
        elif not transaction.is_active:
            raise sa.exc.PendingRollbackError(
                "This connection is inside an inactive transaction; roll it back first.")
        cursor, arguments = None, None
        try:
            values = {**compiled.fixed, **params}
            for name, process in compiled.processors:
                values[name] = process(values[name])
            arguments = [values[name] for name in compiled.names] if compiled.positional \
                else {name: values[name] for name in compiled.names}
            cursor = connection.connection.cursor()
            cursor.execute(compiled.sql, arguments)
            if not compiled.described:
                self._described(compiled, dialect, cursor)
            result = read(cursor)
            if compiled.columns is not None and isinstance(result, list):
                result = [tuple(process(value) if process else value
                                for process, value in zip(compiled.columns, row))
                          for row in result]
        except (sa.exc.PendingRollbackError, sa.exc.ResourceClosedError):
            raise  # the connection's state, not the statement's: as Core raises them
        except BaseException as error:
            # SQLAlchemy's own handling of a failed execute (private, but the one that is
            # right): it closes the cursor, wraps the driver's error (a missing value
            # too), invalidates a lost or interrupted connection, and raises.
            connection._handle_dbapi_exception(error, compiled.sql, arguments, cursor, None)
        cursor.close()
        return result
