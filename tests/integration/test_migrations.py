"""The migrations run both ways (issue 2, point 1): upgrade to head, downgrade to base (nothing
left but Alembic's own table), upgrade again, and the result matches the models.

This test builds its own database instead of using the `app` fixture, whose schema belongs to the
session: a separate SQLite file, and on PostgreSQL a separate, throw-away schema in the test
database (selected with ``search_path``), so the session's tables in ``public`` are never touched.
"""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portal import create_app
from portal.extensions import db
from tests.conftest import BACKENDS, BASE_CONFIG


def table_names() -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_to_base_and_upgrade_to_head_again(backend, tmp_path):
    config = dict(BASE_CONFIG)
    admin_engine = None
    schema = f"migrations_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'migrations.db'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        admin_engine = create_engine(url)
        with admin_engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        config["SQLALCHEMY_DATABASE_URI"] = url
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={schema}"},
        }
    app = create_app(config)
    try:
        with app.app_context():
            script = ScriptDirectory.from_config(
                current_app.extensions["migrate"].migrate.get_config()
            )
            model_tables = {t.name for t in db.metadata.sorted_tables}

            upgrade()
            assert current_revision() == script.get_current_head()
            assert table_names() == model_tables | {"alembic_version"}

            downgrade(revision="base")
            assert current_revision() is None
            assert table_names() <= {"alembic_version"}

            upgrade()
            assert current_revision() == script.get_current_head()
            with db.engine.connect() as conn:
                assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
            db.engine.dispose()
    finally:
        if admin_engine is not None:
            with admin_engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin_engine.dispose()
