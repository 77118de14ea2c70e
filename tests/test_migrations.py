"""The migrations build exactly the models' schema, and run down and up again, per database."""

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade

from service import create_app
from service.config import TestConfig
from service.extensions import db
from service.models import Comment, Status
from service.moderation import learning

VERSION_TABLE = "alembic_version"


@pytest.fixture
def empty_app(database: dict[str, Any]) -> Iterator[Flask]:
    """An app on an empty database (no create_all), left empty again afterwards."""
    app = create_app(TestConfig, **database)
    with app.app_context():
        assert tables(db.engine) == set(), "the database must start empty"
    yield app
    with app.app_context():
        db.session.remove()
        # Whatever happened, leave nothing behind for the tests that share this schema.
        with db.engine.begin() as connection:
            db.metadata.drop_all(connection)
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
        db.engine.dispose()


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def drift(engine: sa.Engine) -> list[Any]:
    """What alembic's autogenerate would change to make the database match the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def schema(engine: sa.Engine) -> dict[str, Any]:
    """Everything the database says about each table, constraint names included.

    alembic's comparison ignores CHECK constraints and some names; this catches those.
    """
    inspector = sa.inspect(engine)
    described: dict[str, Any] = {}
    for table in sorted(tables(engine) - {VERSION_TABLE}):
        described[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"])
                        for c in inspector.get_columns(table)],
            "primary key": inspector.get_pk_constraint(table),
            "foreign keys": sorted((fk["name"], tuple(fk["constrained_columns"]),
                                    fk["referred_table"], tuple(fk["referred_columns"]))
                                   for fk in inspector.get_foreign_keys(table)),
            "indexes": sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                              for ix in inspector.get_indexes(table)),
            "unique": sorted((uq["name"], tuple(uq["column_names"]))
                             for uq in inspector.get_unique_constraints(table)),
            "checks": sorted((ck["name"], " ".join(ck["sqltext"].split()))
                             for ck in inspector.get_check_constraints(table)),
        }
    return described


def test_migrations_build_the_models_schema_and_run_both_ways(empty_app: Flask) -> None:
    with empty_app.app_context():
        engine = db.engine
        upgrade()
        assert tables(engine) == set(db.metadata.tables) | {VERSION_TABLE}
        assert drift(engine) == []
        migrated = schema(engine)
        assert migrated["comment"]["checks"], "the status CHECK constraints must be there"

        downgrade(revision="base")
        assert tables(engine) == {VERSION_TABLE}

        # The same schema from the models directly: names, CHECKs and indexes all agree.
        db.create_all()
        assert schema(engine) == migrated
        db.drop_all()

        upgrade()
        assert drift(engine) == []
        with engine.connect() as connection:
            (head,) = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).one()
        scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
        assert head == scripts.get_current_head()
        downgrade(revision="base")
        assert tables(engine) == {VERSION_TABLE}


def test_drift_is_detected_when_there_is_some(empty_app: Flask) -> None:
    """The check above can fail: a column the migrations lack is reported."""
    with empty_app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE moderator ADD COLUMN extra INTEGER"))
        assert any(change[0] == "remove_column" for change in drift(db.engine))
        downgrade(revision="base")


NORTON = "Call Norton customer support phone number 1-888-555-0199 now! http://cheap.example"


def test_a_fresh_install_screens_spam_from_the_first_comment(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade()
        spam_total, ham_total = learning.totals(db.session)
        assert spam_total > 1000 and ham_total > 5000  # the starter model
        db.session.remove()
    client = empty_app.test_client()
    posted = client.post("/api/v1/articles/fresh/comments", json={"name": "Support",
                                                                  "text": NORTON})
    reader = client.post("/api/v1/articles/fresh/comments", json={
        "name": "Julie", "text": "Thanks, this cleared up how the migrations work."},
                         environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert posted.status_code == reader.status_code == 201
    with empty_app.app_context():
        spam = db.session.get(Comment, posted.get_json()["id"])
        codes = {reason["code"] for reason in spam.reasons}
        assert spam.status == Status.SPAM and "model_spam" in codes, (spam.score, codes)
        assert db.session.get(Comment, reader.get_json()["id"]).status == Status.PENDING
        assert not {r["code"] for r in db.session.get(Comment, reader.get_json()["id"]).reasons}
        db.session.remove()
        downgrade(revision="base")
