"""Flask extensions, created unbound; `create_app` binds them to an app."""

import sqlite3
from typing import TYPE_CHECKING, Any

from flask import request
from flask_babel import Babel
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that Alembic can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# hide_parameters: a database error's text (logged with a 500's traceback) names the
# statement, never its values, which may be an e-mail or an IP address.
db = SQLAlchemy(model_class=Base, engine_options={"hide_parameters": True})
# Flask-SQLAlchemy builds db.Model at run time from Base (adding the table name and the
# query property); mypy cannot follow that, so it is told the model base is Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(compare_type=True, render_as_batch=True)
# The client address is request.remote_addr, which ProxyFix rewrites only when
# TRUSTED_PROXIES says how many hops to trust: a forged X-Forwarded-For moves nothing.
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _reads_are_never_limited() -> bool:
    """Only posting a comment is limited, so reads skip the limiter's evaluation, which
    costs about a fifth of a cached listing. A limit on a read would need this changed."""
    return request.method in ("GET", "HEAD", "OPTIONS")


babel = Babel()
cors = CORS()
mail = Mail()  # SMTP for notifications; only the worker sends


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: WAL so readers never wait for the writer, foreign keys on. (The busy
    timeout is the driver's `timeout`, DATABASE_TIMEOUT: see config.with_timeouts.)

    synchronous=NORMAL under WAL: a commit does not wait for the disk, only checkpoints
    do. The database cannot be corrupted by a crash or a power loss; a power loss (not a
    process crash) may lose the last transactions committed before it. SQLITE_SYNCHRONOUS
    =FULL trades posting speed for those too (create_app adds that pragma after this one).
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
