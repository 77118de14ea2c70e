"""Configuration: every variable parsed once; a bad value names itself at start."""

from pathlib import Path

import pytest

from service.config import ConfigError, database_url, from_environment, instance_secret


def test_defaults() -> None:
    config = from_environment({})
    assert config["DEFAULT_LOCALE"] == "fr" and config["MODERATION"] == "pre"
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("causerie.db")
    assert config["ALLOWED_ORIGINS"] == ["*"]


@pytest.mark.parametrize(("name", "value"), [
    ("MODERATION", "sometimes"), ("DEFAULT_LOCALE", "de"), ("MAX_LINKS", "many"),
    ("MAX_LINKS", "-1"), ("SPAM_THRESHOLD", "1.5"), ("REQUIRE_EMAIL", "perhaps"),
    ("POST_RATE_LIMIT", "lots"), ("TRUSTED_PROXIES", "x"), ("MAX_CONTENT_LENGTH", "10"),
])
def test_a_bad_value_stops_the_start_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        from_environment({name: value})


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ConfigError, match="HOLD_THRESHOLD"):
        from_environment({"SPAM_THRESHOLD": "0.5", "HOLD_THRESHOLD": "0.8"})


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://postgres@127.0.0.1:5432/test", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_plain_postgresql_urls_use_psycopg3(url: str, expected: str) -> None:
    assert database_url(url) == expected


def test_lists_are_comma_or_newline_separated() -> None:
    config = from_environment({"HELD_WORDS": "casino, poker\nloan,,", "ALLOWED_ORIGINS":
                               "https://a.example,https://b.example"})
    assert config["HELD_WORDS"] == ["casino", "poker", "loan"]
    assert config["ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_a_secret_is_generated_once_into_the_instance_folder(tmp_path: Path) -> None:
    first = instance_secret(str(tmp_path / "instance"))
    assert len(first) > 40 and first == instance_secret(str(tmp_path / "instance"))
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(("value", "pragma"), [(None, 1), ("FULL", 2)])
def test_sqlite_commits_wait_for_the_disk_only_when_asked(tmp_path: Path, value: str | None,
                                                          pragma: int) -> None:
    from service import create_app
    from service.config import TestConfig
    from service.extensions import db
    extra = {"SQLITE_SYNCHRONOUS": value} if value else {}
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 's.db'}", **extra)
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == pragma  # 1 NORMAL
        db.engine.dispose()


def test_a_sqlite_file_keeps_as_many_connections_as_a_worker_has_requests(tmp_path: Path) -> None:
    """A gevent worker has many requests in flight, each on a connection: past the pool's
    size, every request would open the file again (pragmas, schema read) and close it."""
    import sqlalchemy as sa
    config = from_environment({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                               "DATABASE_POOL_SIZE": "16"})
    engine = sa.create_engine(config["SQLALCHEMY_DATABASE_URI"],
                              **config["SQLALCHEMY_ENGINE_OPTIONS"])
    opened: list[object] = []
    sa.event.listen(engine, "connect", lambda connection, record: opened.append(connection))
    try:
        for _ in range(3):  # three bursts of 16 requests at once
            held = [engine.connect() for _ in range(16)]
            for connection in held:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
                connection.close()
        assert len(opened) == 16
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_database_is_not_pooled_by_size(url: str) -> None:
    import sqlalchemy as sa
    config = from_environment({"DATABASE_URL": url})
    assert "pool_size" not in config["SQLALCHEMY_ENGINE_OPTIONS"]
    engine = sa.create_engine(config["SQLALCHEMY_DATABASE_URI"],
                              **config["SQLALCHEMY_ENGINE_OPTIONS"])  # its pool takes them
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_a_served_worker_keeps_the_app_out_of_the_garbage_collector() -> None:
    import gc
    import runpy
    served = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert served["worker_class"] == "service.http_server.JsonGeventWorker"
    before = gc.get_freeze_count()
    try:
        served["post_worker_init"](None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
