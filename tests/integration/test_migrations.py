"""The migrations run both ways: upgrade to head, downgrade to base (nothing
left but Alembic's own table), upgrade again, and the result matches the models; and the data a
revision moves arrives, and comes back on the way down.

These tests build their own database instead of using the `app` fixture, whose schema belongs to
the session: a separate SQLite file, and on PostgreSQL a separate, throw-away schema in the test
database (selected with ``search_path``), so the session's tables in ``public`` are never touched.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, create_engine, inspect, select, text

from portal import create_app
from portal.extensions import db
from tests.conftest import BACKENDS, BASE_CONFIG


def table_names() -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def isolated_app(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own (see the module's docstring), in an app context."""
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
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin_engine is not None:
            with admin_engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin_engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_to_base_and_upgrade_to_head_again(backend, tmp_path):
    with isolated_app(backend, tmp_path):
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
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


# --- 0005: JSON columns become link tables ----------------------------------------------------

NOW = datetime(2026, 11, 20, 9, 0)
# Monday 7 December 2026, 15:00 UTC = 16:00 in Berlin
ONCE_START = datetime(2026, 12, 7, 15, 0)
LENA_LANGUAGES = [{"code": "de", "level": "native"}, {"code": "ar", "level": "good"}]
LENA_INTERESTS = ["tutoring", "youth_family"]
LENA_AVAILABILITY = {"mon": ["afternoon"], "sat": ["morning", "evening"]}


def _tables() -> dict[str, Any]:
    metadata = MetaData()
    with db.engine.connect() as conn:
        metadata.reflect(conn)
    return metadata.tables


def _insert_at_0004() -> dict[str, int]:
    """A volunteer with languages, interests and times, one without any, a one-off and a
    weekly need asking for languages, a claim, and a client, written as revision 0004 stores
    them."""
    t = _tables()
    ids: dict[str, int] = {}
    with db.engine.begin() as conn:

        def add(table: str, **values: Any) -> int:
            return conn.execute(
                t[table].insert().values(**values).returning(t[table].c.id)
            ).scalar_one()

        town = add("municipality", name="Gaggenau", kind="Stadt")
        for name in ("lena", "tom"):
            user = add(
                "user",
                email=f"{name}@example.org",
                display_name=name.title(),
                locale="de",
                active=True,
                created_at=NOW,
                session_token=name,
            )
            ids[name] = add(
                "volunteer_profile",
                user_id=user,
                home_municipality_id=town,
                phone="",
                languages=LENA_LANGUAGES if name == "lena" else [],
                interests=LENA_INTERESTS if name == "lena" else [],
                availability=LENA_AVAILABILITY if name == "lena" else {},
                has_car=False,
                motivation="",
                status="approved",
                decision_reason="",
                consent_version="2026-11",
                submitted_at=NOW,
            )
        need = {
            "category": "tutoring",
            "title": "Hausaufgabenhilfe",
            "public_description": "Mathematik",
            "private_notes": "",
            "municipality_id": town,
            "meeting_point": "",
            "capacity": 1,
            "taken": 0,
            "requires_conduct_certificate": False,
            "status": "open",
            "cancel_reason": "",
            "created_at": NOW,
            "updated_at": NOW,
        }
        ids["once"] = add(
            "need",
            **need,
            languages=["ar"],
            schedule_kind="once",
            starts_at=ONCE_START,
            ends_at=ONCE_START.replace(hour=16),
            starts_on=ONCE_START.date(),
            ends_on=ONCE_START.date(),
        )
        ids["weekly"] = add(
            "need",
            **need,
            languages=["prs", "de"],
            schedule_kind="weekly",
            weekday=2,
            time_of_day=time(9, 30),
            duration_minutes=60,
            starts_on=ONCE_START.date(),
        )
        ids["assignment"] = add(
            "assignment",
            need_id=ids["once"],
            volunteer_id=ids["lena"],
            status="active",
            claimed_at=NOW,
            reason="",
        )
        ids["client"] = add(
            "client",
            reference="RA-2026-0001",
            name="Familie Haidari",
            contact="",
            municipality_id=town,
            languages=["prs", "fa", "de"],
            household={"adults": 2, "children": []},
            status="active",
            created_at=NOW,
        )
    return ids


def _rows(sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def _assert_children_kept(ids: dict[str, int]) -> None:
    """Rebuilding a table on SQLite (batch mode) must not cascade into the rows that refer to
    it: the claim on the need and the volunteer's profile (a child of its user) stay."""
    assert _rows("SELECT id, need_id, volunteer_id FROM assignment") == [
        (ids["assignment"], ids["once"], ids["lena"])
    ]
    assert len(_rows("SELECT id FROM volunteer_profile")) == 2


def _assert_rows_at_head(ids: dict[str, int]) -> None:
    _assert_children_kept(ids)
    lena, tom = ids["lena"], ids["tom"]
    assert _rows("SELECT volunteer_id, code, level FROM volunteer_language ORDER BY code") == [
        (lena, "ar", "good"),
        (lena, "de", "native"),
    ]
    assert _rows("SELECT volunteer_id, category FROM volunteer_interest ORDER BY category") == [
        (lena, "tutoring"),
        (lena, "youth_family"),
    ]
    assert _rows(
        "SELECT volunteer_id, weekday, part_of_day FROM volunteer_availability"
        " ORDER BY weekday, part_of_day"
    ) == [(lena, 0, "afternoon"), (lena, 5, "evening"), (lena, 5, "morning")]
    assert not _rows("SELECT 1 FROM volunteer_language WHERE volunteer_id = :id", id=tom)
    assert _rows(
        "SELECT need_id, code, position FROM need_language ORDER BY need_id, position"
    ) == [
        (ids["once"], "ar", 0),
        (ids["weekly"], "prs", 0),
        (ids["weekly"], "de", 1),
    ]
    assert _rows("SELECT client_id, code, position FROM client_language ORDER BY position") == [
        (ids["client"], "prs", 0),
        (ids["client"], "fa", 1),
        (ids["client"], "de", 2),
    ]
    t = _tables()
    need = t["need"]
    with db.engine.connect() as conn:
        schedules = {
            row.id: (row.weekday, row.time_of_day)
            for row in conn.execute(select(need.c.id, need.c.weekday, need.c.time_of_day))
        }
    # the one-off need got its local weekday and start time; the weekly one kept its own
    assert schedules == {ids["once"]: (0, time(16, 0)), ids["weekly"]: (2, time(9, 30))}
    for table, column in (("volunteer_profile", "languages"), ("need", "languages")):
        assert column not in t[table].c


def _assert_json_at_0004(ids: dict[str, int]) -> None:
    _assert_children_kept(ids)
    t = _tables()
    with db.engine.connect() as conn:
        profiles = {
            row.id: (row.languages, row.interests, row.availability)
            for row in conn.execute(select(t["volunteer_profile"]))
        }
        needs = {row.id: row for row in conn.execute(select(t["need"]))}
        client = conn.execute(select(t["client"])).one()
    assert profiles == {
        ids["lena"]: (LENA_LANGUAGES, LENA_INTERESTS, LENA_AVAILABILITY),
        ids["tom"]: ([], [], {}),
    }
    assert needs[ids["once"]].languages == ["ar"]
    assert (needs[ids["once"]].weekday, needs[ids["once"]].time_of_day) == (None, None)
    assert needs[ids["weekly"]].languages == ["prs", "de"]
    assert (needs[ids["weekly"]].weekday, needs[ids["weekly"]].time_of_day) == (2, time(9, 30))
    assert client.languages == ["prs", "fa", "de"]
    assert not {"volunteer_language", "need_language", "client_language"} & table_names()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0005_moves_the_json_into_link_tables_and_back(backend, tmp_path):
    with isolated_app(backend, tmp_path):
        upgrade(revision="0004")
        ids = _insert_at_0004()

        upgrade()
        _assert_rows_at_head(ids)

        downgrade(revision="0004")
        assert current_revision() == "0004"
        _assert_json_at_0004(ids)

        upgrade()
        _assert_rows_at_head(ids)
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
