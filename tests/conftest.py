"""Fixtures: every app runs on a real SQLite file and, when TEST_DATABASE_URL names one,
on PostgreSQL too (a schema per pytest-xdist worker, so parallel runs never collide)."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from service import create_app
from service.auth import create_moderator, revoke_moderator
from service.config import TestConfig, database_url
from service.extensions import db
from service.models import Role
from tests.helpers import bearer

DATASETS = Path(__file__).resolve().parents[1] / "service" / "data"


@pytest.fixture(scope="session")
def postgresql_schema(request: pytest.FixtureRequest,
                      worker_id: str) -> Iterator[tuple[str, dict[str, Any]] | None]:
    """A fresh schema on the test PostgreSQL for this worker of this run, or None."""
    if not (raw := os.environ.get("TEST_DATABASE_URL")):
        yield None
        return
    # Named by run and worker: two test runs on one server never share tables.
    run = getattr(request.config, "workerinput", {}).get("testrunuid") or uuid.uuid4().hex
    url, schema = database_url(raw), f"causerie_test_{run[:12]}_{worker_id}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield url, {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path,
             postgresql_schema: tuple[str, dict[str, Any]] | None) -> dict[str, Any]:
    """Settings naming one real database: a SQLite file, or this worker's PostgreSQL schema."""
    if request.param == "sqlite":
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'causerie.db'}"}
    if postgresql_schema is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    url, options = postgresql_schema
    return {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options}


@pytest.fixture
def make_app(database: dict[str, Any]) -> Iterator[Any]:
    """Build apps on this test's database with extra settings; tables dropped afterwards."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app(TestConfig, **database, **overrides)
        with app.app_context():
            db.create_all()
        apps.append(app)
        return app

    yield make
    for app in apps[:1]:  # they share one database: drop once
        with app.app_context():
            db.session.remove()
            db.drop_all()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Any]:
    """The app's session inside an app context, removed before the tables are dropped."""
    with app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def tokens(app: Flask) -> dict[str, str]:
    """Tokens by name: ada is an admin, marc a moderator, rex a revoked moderator."""
    with app.app_context():
        found = {name: create_moderator(db.session, name, role, "cli:test")[1]
                 for name, role in (("ada", Role.ADMIN), ("marc", Role.MODERATOR),
                                    ("rex", Role.MODERATOR))}
        revoke_moderator(db.session, "rex", "cli:test")
    return found


@pytest.fixture
def ada(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["ada"])


@pytest.fixture
def marc(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["marc"])
