"""The application factory: the one place that wires config, extensions, blueprints, CLI."""

import logging
import os
import sqlite3
from typing import Any

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import event
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.middleware.proxy_fix import ProxyFix

from . import errors, fastpath, guards, i18n, logs, metrics, pages
from .api import ArticleKey, CauserieApi, docs, register as register_api
from .cli import moderators, spam_model
from .config import Config, from_environment, instance_secret
from .extensions import babel, cors, db, limiter, mail, migrate
from .notify.commands import outbox, webhooks, worker
from .moderation_page import page as moderation_page


def create_app(config: type[Config] = Config, /, **overrides: Any) -> Flask:
    """Build a configured app; nothing else wires things together."""
    app = Flask(__name__)
    app.config.update(from_environment(os.environ if config.FROM_ENVIRONMENT else {}))
    app.config.from_object(config)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)
    # app.logger *is* the package's "service" logger (app.name == "service"): create it
    # first, so that configure() leaves it with one set of handlers, the JSON ones.
    app.logger.handlers[:] = []
    logs.configure(app.config["LOG_LEVEL"])
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.url_map.converters["article"] = ArticleKey
    app.json = _ContractJSON(app)
    app.session_interface = _NoSessions()

    db.init_app(app)
    if app.config["SQLITE_SYNCHRONOUS"] == "FULL":
        with app.app_context():
            event.listen(db.engine, "connect", _synchronous_full)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    limiter.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=i18n.locale, default_locale=app.config["DEFAULT_LOCALE"])
    cors.init_app(app, origins=app.config["ALLOWED_ORIGINS"], resources=[
        r"/api/v1/articles/*", r"/api/v1/comments/*", r"/api/v1/counts", r"/api/v1/config"],
        expose_headers=["ETag", "Location", "Retry-After", "Content-Language"])
    register_api(CauserieApi(app))
    docs.register(app)
    pages.register(app)  # the demo article, embed.js and count.js, answers to plain forms
    app.register_blueprint(moderation_page.blp)  # /moderation/: the moderators' page
    for group in (moderators, spam_model, worker, webhooks, outbox):
        app.cli.add_command(group)
    from .porting.cli import COMMANDS as porting_commands
    for command in porting_commands:
        app.cli.add_command(command)
    errors.register(app)
    for failure in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(failure, _database_unavailable)
    i18n.register(app)
    metrics.register(app)
    fastpath.register(app)  # inside the guards: they wrap the replay too
    guards.register(app, app.config["DATABASE_TIMEOUT"] + 1)
    return app


def _synchronous_full(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLITE_SYNCHRONOUS=FULL: every commit waits for the disk (see extensions.py)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=FULL")


def _database_unavailable(error: SQLAlchemyError) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The database did not answer (down, locked too long, no free connection within
    DATABASE_TIMEOUT): 503, and the client may retry."""
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection died: guards' teardown discards it
        pass
    logging.getLogger("service").error("database unavailable: %s",
                                       type(getattr(error, "orig", error)).__name__)
    body, code = errors.render_error(503, "http.503")
    return body, code, {"Retry-After": "5"}


class _ContractJSON(DefaultJSONProvider):
    sort_keys = False     # fields in the order the contract writes them
    ensure_ascii = False  # "modération", not "mod\u00e9ration"


class _NoSessions(SessionInterface):
    """Causerie sets no cookie (moderators send a bearer token), so no request opens a
    signed-cookie session: that saves building a serializer and parsing cookies on each."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Any) -> None:
        return None
