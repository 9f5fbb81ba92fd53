"""The schema enforces its own rules: every CHECK constraint and partial index the models declare
exists in the migrated database (Alembic's comparison sees neither), the database refuses codes
the application does not know, and the look-up by e-mail address uses the unique index."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import (
    CheckConstraint,
    Connection,
    Index,
    MetaData,
    Table,
    delete,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from portal.announcements.models import Announcement
from portal.auth.security_models import TwoFactorPolicy
from portal.auth.services import find_user_by_email
from portal.conversations.models import ConversationMessage
from portal.extensions import NAMING_CONVENTION, db
from portal.needs.models import NeedLanguage
from portal.notifications.models import DigestItem, NotificationPreference
from portal.notifications.services import queue_email
from portal.plans.models import ClientLanguage
from portal.volunteers.models import (
    VolunteerAvailability,
    VolunteerEventKind,
    VolunteerInterest,
    VolunteerLanguage,
    record_event,
)
from tests import factories
from tests import factories_board as fb
from tests import factories_consultations as fc
from tests import factories_plans as fp

# --- the drift check ---------------------------------------------------------------------------


def _literals(sql: str) -> set[str]:
    return set(re.findall(r"'((?:[^']|'')*)'", sql))


def _numbers(sql: str) -> set[str]:
    return set(re.findall(r"(?<![\w'])\d+(?![\w'])", sql))


def _normal(sql: str) -> str:
    return " ".join(sql.split())


def _declared_checks(table: Table) -> dict[str, str]:
    return {
        str(c.name): str(c.sqltext) for c in table.constraints if isinstance(c, CheckConstraint)
    }


def _partial_indexes(table: Table, dialect: str) -> dict[str, Index]:
    return {
        str(i.name): i for i in table.indexes if i.dialect_options[dialect]["where"] is not None
    }


def _index_sql(conn: Connection, name: str) -> str | None:
    if conn.dialect.name == "sqlite":
        return conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
            {"name": name},
        ).scalar()
    return conn.execute(
        text(
            "SELECT indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() AND indexname = :name"
        ),
        {"name": name},
    ).scalar()


def schema_drift(conn: Connection, metadata: MetaData) -> list[str]:
    """What the database lacks or has beyond the models: CHECK constraints (by name, with the
    same values) and partial indexes (by name, unique or not, with the same condition)."""
    dialect = conn.dialect.name
    inspector = inspect(conn)
    problems = []
    for table in metadata.sorted_tables:
        declared = _declared_checks(table)
        found = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
        for name in declared.keys() - found.keys():
            problems.append(f"{table.name}: CHECK {name} missing in the database")
        for name in found.keys() - declared.keys():
            problems.append(f"{table.name}: CHECK {name} not declared on the model")
        for name in declared.keys() & found.keys():
            model, database = declared[name], found[name]
            same = _literals(model) == _literals(database) and _numbers(model) == _numbers(database)
            if dialect == "sqlite":  # SQLite keeps the text as written
                same = same and _normal(model) == _normal(database)
            if not same:
                problems.append(f"{table.name}: CHECK {name} is {database!r}, model {model!r}")
        for name, index in _partial_indexes(table, dialect).items():
            sql = _index_sql(conn, name)
            where = str(index.dialect_options[dialect]["where"])
            if sql is None:
                problems.append(f"{table.name}: partial index {name} missing in the database")
                continue
            condition = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else ""
            if (
                not condition
                or _literals(condition) != _literals(where)
                or ("UNIQUE" in sql.upper().split(" ON ")[0]) != bool(index.unique)
            ):
                problems.append(f"{table.name}: index {name} is {sql!r}, model WHERE {where!r}")
    return problems


def test_every_check_and_partial_index_of_the_models_is_in_the_database(app):
    assert schema_drift(db.session.connection(), db.metadata) == []
    names = {name for t in db.metadata.sorted_tables for name in _declared_checks(t)}
    # the codes this schema is about are all guarded
    assert {
        "ck_need_status_known",
        "ck_need_category_known",
        "ck_need_schedule_kind_known",
        "ck_assignment_status_known",
        "ck_volunteer_profile_status_known",
        "ck_volunteer_event_kind_known",
        "ck_client_status_known",
        "ck_goal_area_known",
        "ck_goal_status_known",
        "ck_step_status_known",
        "ck_step_actor_known",
        "ck_step_partner_known",
        "ck_outbound_email_status_known",
        "ck_membership_role_known",
        "ck_volunteer_language_level_known",
        "ck_volunteer_interest_category_known",
        "ck_volunteer_availability_weekday_valid",
        "ck_volunteer_availability_part_of_day_known",
        "ck_user_email_lower_case",
    } <= names


def test_the_drift_check_notices_a_forgotten_migration(app):
    """A model change without a migration: a new CHECK, a changed one, a dropped one, a changed
    partial index. The drift check must report each."""
    changed = MetaData(naming_convention=NAMING_CONVENTION)
    for table in db.metadata.sorted_tables:
        table.to_metadata(changed)
    need = changed.tables["need"]
    need.append_constraint(CheckConstraint("capacity <= 50", name="capacity_at_most_50"))
    for c in list(need.constraints):
        if c.name == "ck_need_status_known":
            c.sqltext = text("status IN ('draft', 'open')")
        if c.name == "ck_need_weekday_valid":
            need.constraints.remove(c)
    assignment = changed.tables["assignment"]
    for index in assignment.indexes:
        if index.name == "uq_assignment_active":
            index.dialect_options["sqlite"]["where"] = text("status = 'completed'")
            index.dialect_options["postgresql"]["where"] = text("status = 'completed'")
    problems = schema_drift(db.session.connection(), changed)
    assert any("ck_need_capacity_at_most_50 missing" in p for p in problems)
    assert any("ck_need_weekday_valid not declared" in p for p in problems)
    assert any("CHECK ck_need_status_known is" in p for p in problems)
    assert any("index uq_assignment_active is" in p for p in problems)
    assert len(problems) == 4


# --- the database refuses unknown codes --------------------------------------------------------


@pytest.fixture
def one_of_everything(app) -> dict[str, Any]:
    """At least one row in every table that has a CHECK on a code."""
    world = fb.county()
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], languages=["ar"])
    claim = fb.assignment(need, world["profile"])
    fb.report(claim, need.starts_on, 60)
    record_event(world["profile"], VolunteerEventKind.SUBMITTED, world["volunteer"])
    person = fp.client(world["gaggenau"], manager_=world["manager"])
    fp.step(fp.goal(person), text="Termin beim Jobcenter vereinbaren")
    room = fc.place(world["gaggenau"])
    hours = fc.hours(
        room, world["manager"], 1, date(2026, 9, 1), booking="appointment", slot_minutes=30
    )
    fc.exception(hours, date(2026, 9, 8))
    fc.appointment(hours, date(2026, 9, 15), time(9, 0), time(9, 30), person)
    fc.walk_in(hours, date(2026, 9, 1))
    fc.home_visit(person, world["manager"], date(2026, 9, 2))
    queue_email("lena@example.org", "verify_email", user=world["volunteer"], link="x")
    db.session.add(TwoFactorPolicy(role="manager", required=True))
    db.session.flush()
    db.session.add_all(
        [
            ConversationMessage(
                need_id=need.id, author_id=world["manager"].id, author_role="manager", body="Hallo"
            ),
            Announcement(sender_role="coordinator", subject="Info", body="Text"),
            NotificationPreference(user_id=world["volunteer"].id, kind="reminders", mode="never"),
            DigestItem(user_id=world["volunteer"].id, kind="task_messages", title="Hallo"),
        ]
    )
    db.session.commit()
    return world


def _bad_value(check_name: str, table: str) -> tuple[str, Any]:
    """The column a CHECK guards and a value it must refuse."""
    rule = check_name.removeprefix(f"ck_{table}_")
    if rule.endswith("_known"):
        return rule.removesuffix("_known"), "bogus"
    if rule == "weekday_valid":
        return "weekday", 7
    if rule == "email_lower_case":
        return "email", "Lena@Example.org"
    raise AssertionError(f"no bad value for {check_name}")


def _code_checks() -> list[tuple[str, str]]:
    return [
        (table.name, name)
        for table in db.metadata.sorted_tables
        for name in _declared_checks(table)
        if name.endswith(("_known", "_weekday_valid", "_email_lower_case"))
    ]


def test_the_database_refuses_an_unknown_status(one_of_everything):
    need = db.metadata.tables["need"]
    with pytest.raises(IntegrityError):
        db.session.execute(update(need).values(status="archived"))
        db.session.flush()
    db.session.rollback()
    assert set(db.session.scalars(select(need.c.status))) == {"filled"}


def test_the_database_refuses_every_unknown_code(one_of_everything):
    checks = _code_checks()
    assert len(checks) >= 19
    for table_name, check_name in checks:
        table = db.metadata.tables[table_name]
        column, value = _bad_value(check_name, table_name)
        rows = db.session.execute(select(table.c[column])).all()
        assert rows, f"no row in {table_name} to try {check_name} on"
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(update(table).values({column: value}))
    db.session.rollback()


# --- link tables ---------------------------------------------------------------------------


def test_link_rows_follow_the_values_and_go_with_their_owner(app):
    world = fb.county()
    need = fb.once_need(world["gaggenau"], languages=["prs", "de"])
    person = fp.client(world["gaggenau"], languages=["fa", "de"])
    db.session.commit()
    need.languages = ["de", "ar", "de"]
    person.languages = []
    db.session.commit()
    positions = db.session.execute(
        select(NeedLanguage.code, NeedLanguage.position)
        .where(NeedLanguage.need_id == need.id)
        .order_by(NeedLanguage.position)
    ).all()
    assert [tuple(row) for row in positions] == [("de", 0), ("ar", 1)]
    assert db.session.scalar(select(func.count()).select_from(ClientLanguage)) == 0

    person.languages = ["ti"]
    db.session.commit()
    link_models = (
        NeedLanguage,
        ClientLanguage,
        VolunteerLanguage,
        VolunteerInterest,
        VolunteerAvailability,
    )
    for model in link_models:
        assert db.session.scalar(select(func.count()).select_from(model)), model
    # the database itself removes an owner's rows (ON DELETE CASCADE), also outside the ORM
    for table, owner in (("need", need.id), ("client", person.id), ("volunteer_profile", None)):
        t = db.metadata.tables[table]
        db.session.execute(delete(t) if owner is None else delete(t).where(t.c.id == owner))
    db.session.commit()
    for model in link_models:
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


# --- the look-up by e-mail address -------------------------------------------------------------


def test_the_lookup_by_address_finds_any_case_and_uses_the_unique_index(app):
    lena = factories.user(email="lena@example.org")
    db.session.commit()
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert find_user_by_email("  Lena@Example.ORG ") == lena
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in seen if 'FROM "user"' in s or "FROM user" in s)
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        assert any("INDEX" in str(row[-1]) and "email=?" in str(row[-1]) for row in plan), plan
    else:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        assert any("uq_user_email" in str(row[0]) for row in plan), plan
    db.session.rollback()
