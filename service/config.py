"""Configuration: defaults, the documented environment variables, and their validation.

Every variable is read and checked here, once, so that a bad value stops the start with
a sentence naming the variable instead of failing later inside a request.
"""

import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .spamfilter import model as spam

PROJECT_DIR = Path(__file__).resolve().parent.parent
SUPPORTED_LOCALES = ("fr", "en")


class ConfigError(ValueError):
    """An environment variable has a value the service cannot run with."""


def database_url(url: str) -> str:
    """Return a SQLAlchemy URL; plain `postgresql://` URLs use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _boolean(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}.")


def _integer(low: int, high: int) -> Callable[[str, str], int]:
    def parse(name: str, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {value!r}.") from None
        if not low <= number <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, not {number}.")
        return number
    return parse


def _fraction(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number between 0 and 1, not {value!r}.") from None
    if not 0.0 <= number <= 1.0:
        raise ConfigError(f"{name} must be a number between 0 and 1, not {value!r}.")
    return number


def _choice(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, value: str) -> str:
        if value not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
        return value
    return parse


def _words(name: str, value: str) -> list[str]:
    return [word.strip() for word in value.replace("\n", ",").split(",") if word.strip()]


def _text(name: str, value: str) -> str:
    return value


def _seconds(low: float, high: float) -> Callable[[str, str], float]:
    def parse(name: str, value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number of seconds, not {value!r}.") from None
        if not low <= number <= high:
            raise ConfigError(f"{name} must be between {low:g} and {high:g} seconds, not {value}.")
        return number
    return parse


def _optional(name: str, value: str) -> str | None:
    return value or None


def _public_url(name: str, value: str) -> str:
    from urllib.parse import urlsplit
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be an http(s) address like https://comments.example.org, "
                          f"not {value!r}.")
    return value.rstrip("/")


def _rate(name: str, value: str) -> str:
    from limits import parse_many
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must be like '1 per 15 seconds;30 per hour', not {value!r}.") from None
    return value


#: Every environment variable the service reads: name -> (parser, default as text).
VARIABLES: dict[str, tuple[Callable[[str, str], Any], str]] = {
    "DEFAULT_LOCALE": (_choice(*SUPPORTED_LOCALES), "fr"),
    "MODERATION": (_choice("pre", "post"), "pre"),
    "REQUIRE_EMAIL": (_boolean, "false"),
    "MAX_CONTENT_LENGTH": (_integer(1024, 64 * 1024 * 1024), str(1024 * 1024)),
    "ALLOWED_ORIGINS": (_words, "*"),
    "TRUSTED_PROXIES": (_integer(0, 10), "0"),
    "POST_RATE_LIMIT": (_rate, "1 per 15 seconds;30 per hour"),
    "POST_REQUEST_LIMIT": (_rate, "20 per minute"),
    "RATELIMIT_ENABLED": (_boolean, "true"),
    "RATELIMIT_STORAGE_URI": (_text, "memory://"),
    "RATELIMIT_KEY_PREFIX": (_text, "causerie"),
    "SCREENING_ENABLED": (_boolean, "true"),
    "MAX_LINKS": (_integer(0, 1000), "2"),
    "HELD_WORDS": (_words, ""),
    "BLOCKED_WORDS": (_words, ""),
    "TRUST_RETURNING_AUTHORS": (_boolean, "true"),
    "HONEYPOT_FIELD": (_text, "contact_me_by_fax_only"),
    "SPAM_THRESHOLD": (_fraction, str(spam.SPAM_THRESHOLD)),
    "HOLD_THRESHOLD": (_fraction, str(spam.HOLD_THRESHOLD)),
    "MIN_TRAINING": (_integer(0, 1_000_000), str(spam.MIN_TRAINING)),
    "SPAM_THRESHOLD_PINNED": (_boolean, "false"),
    "HOLD_THRESHOLD_PINNED": (_boolean, "false"),
    "LOG_LEVEL": (_choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    # Seconds during which an author may edit or delete their own comment (Isso's 15 min).
    "EDIT_WINDOW": (_integer(0, 7 * 24 * 3600), "900"),
    # Notifications (docs/notifications.md): Flask-Mail's own names for SMTP.
    "MAIL_SERVER": (_text, "localhost"),
    "MAIL_PORT": (_integer(1, 65535), "25"),
    "MAIL_USERNAME": (_optional, ""),
    "MAIL_PASSWORD": (_optional, ""),
    "MAIL_USE_TLS": (_boolean, "false"),
    "MAIL_USE_SSL": (_boolean, "false"),
    "MAIL_DEFAULT_SENDER": (_text, "causerie@localhost"),
    "PUBLIC_URL": (_public_url, "http://localhost:8000"),
    "ARTICLE_URL": (_optional, ""),
    "LINK_MAX_AGE_HOURS": (_integer(1, 24 * 30), "72"),
    "WEBHOOK_ALLOW_PRIVATE": (_boolean, "false"),
    "WEBHOOK_TIMEOUT": (_seconds(0.1, 60), "5"),
    "NOTIFY_MAX_ATTEMPTS": (_integer(1, 100), "8"),
    "NOTIFY_RETRY_SECONDS": (_seconds(0.01, 86400), "30"),
    "DATABASE_TIMEOUT": (_integer(2, 60), "3"),
    # Database connections each worker keeps open (and as many more at a peak).
    "DATABASE_POOL_SIZE": (_integer(1, 500), "20"),
    "REDIS_TIMEOUT_MS": (_integer(50, 10_000), "200"),
    "METRICS_TOKEN": (_text, ""),
    "LISTING_CACHE_BYTES": (_integer(0, 2**40), str(64 * 1024 * 1024)),
    # Listing answers replayed without Flask while the article is unchanged (fastpath.py),
    # kept up to LISTING_CACHE_BYTES too.
    "READ_REPLAY": (_boolean, "true"),
    # Retention (flask --app wsgi maintenance); 0 turns a rule off.
    "KEEP_CLIENT_DATA_DAYS": (_integer(0, 36500), "90"),
    "KEEP_SPAM_DAYS": (_integer(0, 36500), "15"),
    "KEEP_PENDING_DAYS": (_integer(0, 36500), "0"),
    "IMPORT_MAX_CONTENT_LENGTH": (_integer(1024, 2**40), str(512 * 1024 * 1024)),
    "SQLITE_SYNCHRONOUS": (_choice("NORMAL", "FULL"), "NORMAL"),
}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse every documented variable, raising ConfigError with its name if one is wrong."""
    values = {name: parse(name, environ.get(name, default))
              for name, (parse, default) in VARIABLES.items()}
    default_db = f"sqlite:///{PROJECT_DIR / 'causerie.db'}"
    url = database_url(environ.get("DATABASE_URL", default_db))
    values["SQLALCHEMY_DATABASE_URI"], values["SQLALCHEMY_ENGINE_OPTIONS"] = with_timeouts(
        url, values["DATABASE_TIMEOUT"], pool_size=values["DATABASE_POOL_SIZE"])
    seconds = values["REDIS_TIMEOUT_MS"] / 1000
    values["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": seconds,
                                           "socket_connect_timeout": seconds}
    if values["MAIL_USE_TLS"] and values["MAIL_USE_SSL"]:
        raise ConfigError("MAIL_USE_TLS and MAIL_USE_SSL cannot both be true.")
    if values["HOLD_THRESHOLD"] > values["SPAM_THRESHOLD"]:
        raise ConfigError("HOLD_THRESHOLD must not be above SPAM_THRESHOLD.")
    if secret := environ.get("SECRET_KEY"):
        values["SECRET_KEY"] = secret
    return values


def with_timeouts(url: str, seconds: int, *, pool_size: int) -> tuple[str, dict[str, Any]]:
    """The URL and engine options that bound every wait on the database to `seconds`:
    connecting, running a statement (a lock wait included), waiting for a pooled
    connection; on SQLite, waiting for the write lock (a request waiting for a pooled
    connection is bounded by the request deadline, see guards.Deadline).

    A server database's pool keeps `pool_size` connections and opens as many more at a
    peak. A gevent worker serves many requests at once, each holding a connection while
    it waits on the database; a pool smaller than that concurrency opens and closes a
    connection for every request past it (a PostgreSQL backend each time): with 5, posting
    under `wrk -c32` ran at 169-177 a second, with 20 at 241-282 (bench/README.md,
    "PostgreSQL pool"). A SQLite file is pooled the same way: a new connection opens the
    file, sets its pragmas and reads the schema again, which cost posting a tenth of its
    CPU under the same load with SQLAlchemy's default pool of 5."""
    from sqlalchemy import make_url
    parsed = make_url(url)
    options: dict[str, Any] = {"pool_timeout": seconds, "pool_size": pool_size,
                               "max_overflow": pool_size}
    if parsed.get_backend_name() == "sqlite":
        connect = {"connect_args": {"timeout": float(seconds)}}
        from sqlalchemy.engine.default import DefaultDialect
        from sqlalchemy.pool import QueuePool
        dialect = parsed.get_dialect()
        if issubclass(dialect, DefaultDialect) and not issubclass(
                dialect.get_pool_class(parsed), QueuePool):
            return url, connect  # in memory (or a driver's single connection): no pool to size
        return url, {**connect, **options}
    query = dict(parsed.query)
    if parsed.get_backend_name() == "postgresql":
        query.setdefault("connect_timeout", str(seconds))
        query["options"] = f"{query.get('options', '')} -c statement_timeout={seconds * 1000}".strip()
    # A server connection may die between requests; a SQLite file cannot.
    return (parsed.set(query=query).render_as_string(hide_password=False),
            {**options, "pool_pre_ping": True})


def instance_secret(instance_path: str) -> str:
    """Return the secret kept in the instance folder, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings that are not environment variables; `create_app` reads those first.

    A subclass may override any value, environment-named ones included (see TestConfig).
    """

    FROM_ENVIRONMENT = True
    SUPPORTED_LOCALES = SUPPORTED_LOCALES
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    # The flood limit sends its own Retry-After; the ceiling's headers would overwrite it.
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down must not take posting down: count in memory until it is back.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    API_TITLE = "Causerie"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"  # served by service.api.docs: no CDN
    MAIL_SUPPRESS_SEND = False  # Flask-Mail would not send when TESTING; our tests use a real SMTP server


class TestConfig(Config):
    """Tests: the environment is ignored (defaults apply), rate limits are off."""

    FROM_ENVIRONMENT = False
    TESTING = True
    SECRET_KEY = "test-only-secret"
    RATELIMIT_ENABLED = False
    LOG_LEVEL = "WARNING"
    # In-process tests race threads on one SQLite file on loaded machines: they wait for
    # its lock as long as before DATABASE_TIMEOUT (a test on PostgreSQL passes its own).
    SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 15.0}}
